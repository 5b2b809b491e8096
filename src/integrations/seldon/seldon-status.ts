/** What a SeldonDeployment's spec and status say, read fresh from the resource every time. */
import type { KubeObject } from '../kubernetes/kube-client.js';
import { readReplicasAnnotation } from '../kubernetes/kube-labels.js';
import type { ResourceState } from '../kubernetes/kubernetes-deployer.js';
import { ServiceState } from '../../services/service-status.js';
import { SELDON_GRAPH_NODE } from './seldon-kind.js';

/**
 * Seldon's `status.state` as a service state: Available -> active, Failed -> error (with
 * `status.description`), Creating or no status yet -> pending_startup. A status the operator wrote for
 * an older spec (its `observedGeneration`, when it reports one, behind `metadata.generation`) is
 * pending_startup too: right after an update or a start, "Available" still describes the old spec.
 * (Stopped by zenml is read before this, from the replica annotation.)
 */
export function readSeldonState(resource: KubeObject): ResourceState {
  const status = (resource.status ?? {}) as { state?: string; description?: string; observedGeneration?: number };
  const generation = resource.metadata.generation;
  if (typeof status.observedGeneration === 'number' && typeof generation === 'number' && status.observedGeneration < generation) {
    return { state: ServiceState.PENDING_STARTUP, lastError: '' };
  }
  switch (status.state) {
    case 'Available':
      return { state: ServiceState.ACTIVE, lastError: '' };
    case 'Failed':
      return { state: ServiceState.ERROR, lastError: status.description || 'Seldon Core reported the deployment as Failed' };
    default:
      return { state: ServiceState.PENDING_STARTUP, lastError: '' };
  }
}

interface Predictor {
  name?: string;
  replicas?: number;
  graph?: { name?: string; implementation?: string; modelUri?: string };
  componentSpecs?: Array<{ spec?: { containers?: Array<{ name?: string; image?: string }> } }>;
}

function predictors(resource: KubeObject): Predictor[] {
  const list = (resource.spec as { predictors?: unknown } | undefined)?.predictors;
  return Array.isArray(list) ? (list as Predictor[]) : [];
}

/** Replicas of every predictor, by name (Seldon's default is 1). */
export function readSeldonReplicas(resource: KubeObject): Record<string, number> {
  return Object.fromEntries(predictors(resource).map((p, i) => [p.name ?? `predictor-${i}`, typeof p.replicas === 'number' ? p.replicas : 1]));
}

/** The spec patch setting each predictor's replicas (merge patches replace arrays, so all predictors are sent). */
export function seldonScalePatch(resource: KubeObject, counts: Record<string, number>): Record<string, unknown> {
  return {
    predictors: predictors(resource).map((p, i) => {
      const name = p.name ?? `predictor-${i}`;
      return name in counts ? { ...p, replicas: counts[name] } : p;
    }),
  };
}

/** Implementation, image, protocol, replicas and model URI as the resource has them now. */
export function seldonLiveFacts(resource: KubeObject): Record<string, unknown> {
  const first = predictors(resource)[0];
  const container = first?.componentSpecs?.[0]?.spec?.containers?.find((c) => c.name === SELDON_GRAPH_NODE);
  const replicas = Object.values(readSeldonReplicas(resource)).reduce((a, b) => a + b, 0);
  const remembered = readReplicasAnnotation(resource.metadata);
  return {
    implementation: first?.graph?.implementation ?? '',
    image: container?.image ?? '',
    protocol: String((resource.spec as { protocol?: string } | undefined)?.protocol ?? 'seldon'),
    replicas,
    liveModelUri: first?.graph?.modelUri ?? '',
    replicasBeforeStop: remembered ? Object.values(remembered).reduce((a, b) => a + b, 0) : undefined,
  };
}
