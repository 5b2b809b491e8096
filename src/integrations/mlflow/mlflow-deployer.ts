/**
 * The `mlflow` flavor: MLflow models in background processes. A model with the onnx flavor runs on our
 * own model server exactly as the `local` flavor runs it (MLflow scoring protocol, metrics, batching,
 * hot swap); any other python_function model runs on `mlflow models serve`. Both keep the local
 * flavor's service directory, so stop, delete, logs and status reconciliation are inherited from it.
 */
import { rm } from 'node:fs/promises';
import { DEFAULT_DEPLOYMENT_START_STOP_TIMEOUT, type DeployerContext } from '../../deployers/base-model-deployer.js';
import { withProgress } from '../../deployers/progress.js';
import { ServerError, UsageError, ZenmlError } from '../../errors.js';
import type { BaseService } from '../../services/base-service.js';
import { isAlive, stopProcess } from '../../services/daemon.js';
import type { ServiceConfig } from '../../services/service-config.js';
import { deleteServiceDir, saveService } from '../../services/service-store.js';
import { ServiceState } from '../../services/service-status.js';
import { swapModel } from '../local/hot-swap.js';
import { LocalModelDeployer } from '../local/local-deployer.js';
import { nextServedVersion, resolveModelSpec, servedModelName } from '../local/model-spec.js';
import { serverEntryPath } from '../local/server-entry.js';
import { launchServer } from '../local/server-process.js';
import { stopLeftovers } from '../../services/marked-processes.js';
import { resolveMlflow, type MlflowRuntime } from './mlflow-command.js';
import { mlflowServerInfo } from './mlflow-info.js';
import { launchMlflowServer, reconcileMlflowService, waitForPing } from './mlflow-server.js';
import { MlflowModelService } from './mlflow-service.js';
import { mlflowServiceSettingsSchema, mlflowSettingsSchema, type MlflowSettings } from './mlflow-settings.js';
import { builtinDescription } from '../../flavors/builtin-flavors.js';
import { readMlModel, type MlModel } from './mlmodel.js';
import { checkTrackingUri, downloadModel, isRemoteUri, normalizeModelUri, ownedDownloadRoot } from './model-source.js';
import { replaceModel } from './replace-model.js';

// Extended through a plain constructor type: LocalModelDeployer's statics have literal types ('local', its
// schema), and this class declares its own.
const LocalDeployerBase: new (settings: MlflowSettings, context: DeployerContext) => LocalModelDeployer = LocalModelDeployer;

/** Deploys MLflow models (local model directories, runs:/, models:/ …) to local server processes. */
export class MlflowModelDeployer extends LocalDeployerBase {
  static readonly FLAVOR = 'mlflow';
  static readonly DESCRIPTION = builtinDescription('mlflow');
  static readonly INTEGRATION = 'mlflow';
  static readonly configSchema = mlflowSettingsSchema;
  static readonly serviceSettingsSchema = mlflowServiceSettingsSchema;

  declare readonly settings: MlflowSettings;

  /** Local paths are stored absolute (file: URIs as paths); runs:/, models:/ and other URIs as given. */
  protected override normalizeServiceConfig(config: ServiceConfig): ServiceConfig {
    return config.modelUri ? { ...config, modelUri: normalizeModelUri(config.modelUri) } : config;
  }

  protected override async performDeployModel(uuid: string, config: ServiceConfig, timeout: number): Promise<BaseService> {
    const port = await this.pickDeployPort();
    // No model path until the model is fetched: setModel records it.
    const service = new MlflowModelService({ uuid, config, flavor: this.flavor, extra: this.newServiceExtra(uuid, port, '') });
    try {
      service.setModel(await this.fetchModel(config.modelUri, service.local.servicePath, timeout));
      return await this.launch(service, timeout);
    } catch (error) {
      // A deploy that never came up leaves nothing behind: no record, no download, no log.
      await deleteServiceDir(this.stateDir, uuid);
      throw error;
    }
  }

  protected override async performStartModel(service: BaseService, timeout: number, movePort = false): Promise<BaseService> {
    const mlflow = asMlflow(service);
    const python = mlflow.mlflow.servingFlavor === 'python_function';
    if (await isAlive(mlflow.identity)) {
      if (!python) return super.performStartModel(mlflow, timeout, movePort);
      if (mlflow.status.state !== ServiceState.PENDING_STARTUP) {
        throw new ServerError(`model server ${mlflow.uuid} is still ${mlflow.status.state}; stop it first`);
      }
      if (timeout === 0) return mlflow;
      await waitForPing(mlflow, Math.min(timeout, this.settings.startTimeout));
      mlflow.setState(ServiceState.ACTIVE);
      await saveService(this.stateDir, mlflow);
      return mlflow;
    }
    // Read MLmodel again: the directory may have changed (or gone) since the last start.
    mlflow.setModel(readMlModel(mlflow.mlflow.modelDir));
    if (mlflow.mlflow.servingFlavor === 'onnx') return super.performStartModel(mlflow, timeout, movePort);
    mlflow.setLocal({ port: await this.pickRestartPort(mlflow, movePort) });
    try {
      return await this.launch(mlflow, timeout);
    } catch (error) {
      mlflow.setState(ServiceState.ERROR, (error as Error).message);
      await saveService(this.stateDir, mlflow);
      throw error;
    }
  }

  protected override async performStopModel(service: BaseService, timeout: number, force: boolean): Promise<BaseService> {
    const stopped = await super.performStopModel(service, timeout, force);
    // The recorded process is gone; a uvicorn child it left behind would still hold the port.
    if (stopped.status.state === ServiceState.INACTIVE) await stopLeftovers(service.uuid, timeout, force);
    return stopped;
  }

  protected override async performDeleteModel(service: BaseService, timeout: number, force: boolean): Promise<void> {
    const identity = asMlflow(service).identity;
    if (identity) await stopProcess(identity, timeout, force);
    // Before the record goes: a leftover that refuses to stop keeps it, so the delete can be retried.
    await stopLeftovers(service.uuid, timeout, force);
    await super.performDeleteModel(service, timeout, force);
  }

  protected override async performUpdateModel(service: BaseService, config: ServiceConfig, timeout: number): Promise<BaseService> {
    const mlflow = asMlflow(service);
    const wait = timeout || DEFAULT_DEPLOYMENT_START_STOP_TIMEOUT;
    // Fetched and checked before the running server is touched: a bad URI changes nothing.
    const model = await this.fetchModel(config.modelUri, mlflow.local.servicePath, wait);
    return replaceModel(mlflow, config, model, timeout, {
      stateDir: this.stateDir,
      log: (m) => this.context.log(m),
      hotSwap: async (next) => {
        // As the local flavor does: each swap serves a new version unless --model-version pins one.
        const version = nextServedVersion(mlflow.local.modelVersion || mlflow.config.modelVersion || '1', config.modelVersion);
        await swapModel(mlflow, { ...resolveModelSpec({ ...config, modelUri: next.onnxPath ?? '' }), name: servedModelName(mlflow.config), version }, wait);
        mlflow.setLocal({ modelVersion: version });
      },
      checkLaunchable: (next) => void (next.serving === 'python_function' && this.mlflowRuntime()),
      stop: (s) => this.performStopModel(s, wait, true),
      restartPort: (s) => this.pickRestartPort(s, true),
      launch: (s, t) => this.launch(s, t),
    });
  }

  protected override reconcile(service: BaseService): Promise<BaseService | undefined> {
    return reconcileMlflowService(this.stateDir, service);
  }

  override getModelServerInfo(service: BaseService): Record<string, string> {
    return mlflowServerInfo(asMlflow(service));
  }

  /** The mlflow executable of these settings; EnvironmentError (exit 2) when there is none. */
  protected mlflowRuntime(): MlflowRuntime {
    return resolveMlflow(this.settings, this.context.configDir);
  }

  /** The model behind `uri`, downloaded into the service dir first when mlflow must fetch it. */
  protected async fetchModel(uri: string, servicePath: string, timeout: number): Promise<MlModel> {
    if (!uri) throw new UsageError('modelUri is required: an MLflow model directory, or a runs:/ or models:/ URI');
    if (!isRemoteUri(uri)) return readMlModel(uri);
    // A missing tracking URI is the more useful error even when mlflow is missing too.
    checkTrackingUri(uri, { ...process.env, ...this.settings.env });
    const dir = await withProgress(this.context, `downloading ${uri} (mlflow artifacts download)`, () =>
      downloadModel(uri, servicePath, this.mlflowRuntime(), timeout),
    );
    try {
      return readMlModel(dir);
    } catch (error) {
      const root = ownedDownloadRoot(servicePath, dir);
      if (root) await rm(root, { recursive: true, force: true });
      throw error;
    }
  }

  /** Start the server the service's model needs, on the port recorded in it. */
  protected async launch(service: MlflowModelService, timeout: number): Promise<MlflowModelService> {
    const options = { settings: this.settings, stateDir: this.stateDir, timeout, progress: this.context.progress };
    if (service.mlflow.servingFlavor === 'onnx') {
      const spec = resolveModelSpec({ ...service.config, modelUri: service.local.modelPath });
      return (await launchServer(service, spec, { ...options, entry: serverEntryPath() })) as MlflowModelService;
    }
    return launchMlflowServer(service, { ...options, mlflow: this.mlflowRuntime() });
  }
}

function asMlflow(service: BaseService): MlflowModelService {
  if (service instanceof MlflowModelService) return service;
  throw new ZenmlError(`service ${service.uuid} is a ${service.type} service, not an mlflow model server`, {
    code: 'WRONG_SERVICE_TYPE',
  });
}
