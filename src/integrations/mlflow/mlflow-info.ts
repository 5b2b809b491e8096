/** The facts `describe` shows about an mlflow model server. */
import { localServerInfo } from '../local/server-info.js';
import type { MlflowModelService } from './mlflow-service.js';

/**
 * URLs, model, MLflow flavor, paths and pid; URLs and pid are '' while it is stopped or failed. ONNX
 * models run on our own server, so its v2, gRPC and metrics URLs are listed too.
 */
export function mlflowServerInfo(service: MlflowModelService): Record<string, string> {
  const local = localServerInfo(service);
  const up = local.PREDICTION_URL !== '';
  const { servingFlavor, modelDir, mlflowFlavors, pyfuncLoader, signatureInputs } = service.mlflow;
  const onnx = servingFlavor === 'onnx';
  const modelUri = service.config.modelUri;
  return {
    PREDICTION_URL: local.PREDICTION_URL,
    HEALTH_CHECK_URL: up ? service.endpointUrls().healthCheckUrl : '',
    ...(onnx ? { V2_INFER_URL: local.V2_INFER_URL, GRPC_URL: local.GRPC_URL, METRICS_URL: local.METRICS_URL } : {}),
    MODEL_URI: modelUri,
    // runs:/ and other remote models are served from their download in the service dir.
    ...(modelDir && modelDir !== modelUri ? { MODEL_DIR: modelDir } : {}),
    MODEL_NAME: local.MODEL_NAME,
    MLFLOW_FLAVOR: servingFlavor,
    SERVED_BY: onnx ? 'zenml model server (onnxruntime)' : 'mlflow models serve',
    MLMODEL_FLAVORS: mlflowFlavors,
    ...(pyfuncLoader ? { PYFUNC_LOADER: pyfuncLoader } : {}),
    ...(signatureInputs ? { SIGNATURE_INPUTS: signatureInputs } : {}),
    SERVICE_PATH: local.SERVICE_PATH,
    LOG_FILE: local.LOG_FILE,
    DAEMON_PID: local.DAEMON_PID,
  };
}
