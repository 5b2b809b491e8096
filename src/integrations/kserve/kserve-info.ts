/** The URLs and facts `describe` shows about an InferenceService (pure). */
import type { ServiceEndpoint } from '../../services/service-status.js';
import { INFERENCE_SERVICE } from './kserve-kind.js';
import type { InferenceServiceService } from './kserve-service.js';

/**
 * Prediction and health URLs. KServe serves the model under the InferenceService's name:
 * v1 `<root>/v1/models/<name>:predict`, v2 `<root>/v2/models/<name>/infer`. The root is status.url, or
 * `baseUrl` when an ingress is reached by Host header (see kserveHostHeader). Empty until KServe wrote a URL.
 */
export function kserveEndpoint(service: InferenceServiceService, baseUrl: string | undefined): ServiceEndpoint {
  const { url } = service.kserve;
  if (!url) return { predictionUrl: '', healthCheckUrl: '' };
  const root = (baseUrl || url).replace(/\/+$/, '');
  const name = service.kubernetes.resourceName;
  if (service.kserve.protocol === 'v2') {
    return { predictionUrl: `${root}/v2/models/${name}/infer`, healthCheckUrl: `${root}/v2/models/${name}/ready` };
  }
  return { predictionUrl: `${root}/v1/models/${name}:predict`, healthCheckUrl: `${root}/v1/models/${name}` };
}

/** The Host header an ingress at `baseUrl` routes by: the host of status.url (empty without baseUrl or URL). */
export function kserveHostHeader(service: InferenceServiceService, baseUrl: string | undefined): string {
  const { url } = service.kserve;
  if (!baseUrl || !url) return '';
  try {
    return new URL(url).host;
  } catch {
    return '';
  }
}

/** Info keys of `describe` / `--json` `info`. */
export function kserveServerInfo(service: InferenceServiceService, baseUrl: string | undefined): Record<string, string> {
  const endpoint = kserveEndpoint(service, baseUrl);
  const { namespace, resourceName, context, generation } = service.kubernetes;
  const k = service.kserve;
  const replicas = k.minReplicas === undefined && k.maxReplicas === undefined ? '' : `${k.minReplicas ?? 1}..${k.maxReplicas ?? k.minReplicas ?? 1}`;
  return {
    PREDICTION_URL: endpoint.predictionUrl,
    HEALTH_CHECK_URL: endpoint.healthCheckUrl,
    HOST_HEADER: kserveHostHeader(service, baseUrl),
    URL: k.url,
    NAMESPACE: namespace,
    RESOURCE: `${INFERENCE_SERVICE.kind}/${resourceName}`,
    CONTEXT: context,
    MODEL_FORMAT: k.modelFormat,
    RUNTIME: k.runtime,
    PROTOCOL: k.protocol,
    DEPLOYMENT_MODE: k.deploymentMode,
    REPLICAS: replicas,
    STOPPED: k.stopped ? 'true (serving.kserve.io/stop)' : '',
    CANARY_TRAFFIC_PERCENT: k.canaryTrafficPercent === undefined ? '' : String(k.canaryTrafficPercent),
    CANARY: k.canary,
    TRAFFIC: k.traffic,
    LATEST_READY_REVISION: k.latestReadyRevision,
    LATEST_ROLLED_OUT_REVISION: k.latestRolledoutRevision,
    PREVIOUS_ROLLED_OUT_REVISION: k.previousRolledoutRevision,
    CONDITIONS: k.conditions,
    MODEL_URI: k.liveModelUri || service.config.modelUri,
    GENERATION: String(generation),
  };
}
