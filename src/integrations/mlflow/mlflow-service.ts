/**
 * The record of one model server started by the `mlflow` deployer. It is a local model server record
 * (pid, port, log, runtime.json in `<stateDir>/services/<uuid>/`) plus what the MLmodel file said, so
 * the local flavor's stop, status reconciliation, hot swap and logs work on it unchanged.
 */
import type { ServiceInit } from '../../services/base-service.js';
import { registerServiceType } from '../../services/service-registry.js';
import type { ServiceEndpoint } from '../../services/service-status.js';
import { LocalModelService } from '../local/local-service.js';
import type { MlModel, ServingFlavor } from './mlmodel.js';

/** What the mlflow flavor keeps in `extra` besides the local server state. */
export interface MlflowServiceExtra {
  /** onnx: our server runs `modelPath` (the .onnx file); python_function: `mlflow models serve` runs modelDir. */
  servingFlavor: ServingFlavor;
  /** The local MLflow model directory (a download inside the service dir for runs:/ and other remote URIs). */
  modelDir: string;
  /** The flavors listed in MLmodel, comma-separated. */
  mlflowFlavors: string;
  pyfuncLoader: string;
  /** One line about the signature's inputs. */
  signatureInputs: string;
}

// Extended through a plain constructor type: LocalModelService.SERVICE_TYPE has the literal type 'local-model-server'.
const LocalServiceBase: new (init: ServiceInit) => LocalModelService = LocalModelService;

/** A model server of the `mlflow` flavor. */
export class MlflowModelService extends LocalServiceBase {
  static readonly SERVICE_TYPE = 'mlflow-model-server';

  /** The MLflow state (fields missing in a hand-edited record read as empty). */
  get mlflow(): MlflowServiceExtra {
    const e = this.extra;
    return {
      servingFlavor: e.servingFlavor === 'onnx' ? 'onnx' : 'python_function',
      modelDir: String(e.modelDir ?? ''),
      mlflowFlavors: String(e.mlflowFlavors ?? ''),
      pyfuncLoader: String(e.pyfuncLoader ?? ''),
      signatureInputs: String(e.signatureInputs ?? ''),
    };
  }

  /** Record the model a (re)start serves: its MLmodel facts, and the file or directory the server loads. */
  setModel(model: MlModel): void {
    this.extra = {
      ...this.extra,
      servingFlavor: model.serving,
      modelDir: model.dir,
      modelPath: model.serving === 'onnx' ? model.onnxPath : model.dir,
      mlflowFlavors: model.flavors.join(', '),
      pyfuncLoader: model.pyfuncLoader ?? '',
      signatureInputs: model.inputs,
    };
  }

  /** MLflow's scoring URLs, which both servers answer: /invocations and /ping. */
  override endpointUrls(): ServiceEndpoint {
    return { predictionUrl: `${this.baseUrl}/invocations`, healthCheckUrl: `${this.baseUrl}/ping` };
  }
}

registerServiceType(MlflowModelService);
