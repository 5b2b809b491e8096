/** The facts `describe` shows about a local model server. */
import { ServiceState } from '../../services/service-status.js';
import type { LocalModelService } from './local-service.js';
import { servedModelName } from './model-spec.js';

// States in which a process exists and its URLs mean something.
const UP_STATES: readonly string[] = [ServiceState.ACTIVE, ServiceState.PENDING_STARTUP, ServiceState.PENDING_SHUTDOWN];

/** URLs, model, paths and pid of the server; URLs and pid are '' while it is stopped or failed. */
export function localServerInfo(service: LocalModelService): Record<string, string> {
  const up = UP_STATES.includes(service.status.state);
  const base = up ? service.baseUrl : '';
  const name = servedModelName(service.config);
  const { modelPath, modelVersion, servicePath, logPath, pid } = service.local;
  return {
    PREDICTION_URL: up ? `${base}/invocations` : '',
    HEALTH_CHECK_URL: up ? `${base}/v2/health/ready` : '',
    V2_INFER_URL: up ? `${base}/v2/models/${name}/infer` : '',
    GRPC_URL: up ? service.grpcTarget : '',
    METRICS_URL: up ? `${base}/metrics` : '',
    MODEL_URI: modelPath || service.config.modelUri,
    MODEL_NAME: name,
    MODEL_VERSION: modelVersion || service.config.modelVersion || '1',
    SERVICE_PATH: servicePath,
    LOG_FILE: logPath,
    DAEMON_PID: up && pid !== undefined ? String(pid) : '',
  };
}
