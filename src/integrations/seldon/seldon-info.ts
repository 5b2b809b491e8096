/** The URLs and facts `describe` shows about a SeldonDeployment (pure). */
import type { ServiceEndpoint } from '../../services/service-status.js';
import { SELDON_DEPLOYMENT, SELDON_GRAPH_NODE } from './seldon-kind.js';
import type { SeldonDeploymentService } from './seldon-service.js';

/**
 * The model name in v2 URLs: Triton serves the models of its repository under their own names (the
 * service's model name); MLServer-based servers serve the graph node, `classifier`.
 */
export function v2ModelName(service: SeldonDeploymentService): string {
  return service.seldon.implementation === 'TRITON_SERVER' && service.config.modelName ? service.config.modelName : SELDON_GRAPH_NODE;
}

/** Prediction and health URLs through the ingress: `<baseUrl>/seldon/<namespace>/<name>/…`. */
export function seldonEndpoint(service: SeldonDeploymentService, baseUrl: string): ServiceEndpoint {
  const { namespace, resourceName } = service.kubernetes;
  const root = `${baseUrl.replace(/\/+$/, '')}/seldon/${namespace}/${resourceName}`;
  if (service.seldon.protocol === 'v2') {
    return { predictionUrl: `${root}/v2/models/${v2ModelName(service)}/infer`, healthCheckUrl: `${root}/v2/health/ready` };
  }
  return { predictionUrl: `${root}/api/v1.0/predictions`, healthCheckUrl: `${root}/api/v1.0/health/status` };
}

/** Info keys of `describe` / `--json` `info`. */
export function seldonServerInfo(service: SeldonDeploymentService, baseUrl: string): Record<string, string> {
  const endpoint = seldonEndpoint(service, baseUrl);
  const { namespace, resourceName, context, generation } = service.kubernetes;
  const s = service.seldon;
  return {
    PREDICTION_URL: endpoint.predictionUrl,
    HEALTH_CHECK_URL: endpoint.healthCheckUrl,
    NAMESPACE: namespace,
    RESOURCE: `${SELDON_DEPLOYMENT.kind}/${resourceName}`,
    CONTEXT: context,
    IMPLEMENTATION: s.implementation || (s.image ? `custom image ${s.image}` : ''),
    PROTOCOL: s.protocol,
    REPLICAS: s.replicasBeforeStop === undefined ? String(s.replicas) : `${s.replicas} (stopped; ${s.replicasBeforeStop} on start)`,
    READY_REPLICAS: s.readyReplicas,
    CONDITIONS: s.conditions,
    MODEL_URI: s.liveModelUri || service.config.modelUri,
    GENERATION: String(generation),
  };
}
