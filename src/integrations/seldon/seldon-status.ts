/** What a SeldonDeployment's spec and status say, read fresh from the resource every time. */
import type { KubeObject } from '../kubernetes/kube-client.js';
import { readReplicasAnnotation } from '../kubernetes/kube-labels.js';
import { podFailure, rolloutState, type DeploymentView } from '../kubernetes/rollout-state.js';
import { SPEC_MARK_ANNOTATION } from '../kubernetes/spec-mark.js';
import type { ResourceWorkloads } from '../kubernetes/workloads.js';
import { describeConditions } from '../kubernetes/kube-conditions.js';
import { CONTROLLER_SILENCE_MS, silentForMs } from '../kubernetes/controller-silence.js';
import type { ResourceState } from '../kubernetes/kubernetes-deployer.js';
import { ServiceState } from '../../services/service-status.js';
import { SELDON_GRAPH_NODE } from './seldon-kind.js';

/**
 * A SeldonDeployment's state, read as the operator means it (operator/controllers/seldondeployment_controller.go,
 * v1.17.1): it writes `status.state` Creating, Available or Failed ("Deployment is no longer progressing and not
 * available", only once a Deployment passed its progressDeadlineSeconds) and no observedGeneration, and it reports
 * Available from a Deployment whose new pods are not all up yet. So the state also comes from the predictor's
 * Deployments: active only when every one carries the spec mark of the current spec, has the predictor's replica
 * count and has rolled out (rollout-state.ts); error when Seldon says Failed or a pod keeps failing; otherwise
 * pending_startup with what it waits for, naming the operator when it has not acted for CONTROLLER_SILENCE_MS.
 */
export function readSeldonState(resource: KubeObject, workloads: ResourceWorkloads | undefined, now = Date.now()): ResourceState {
  const status = (resource.status ?? {}) as { state?: string; description?: string };
  const name = resource.metadata.name;
  const { deployments, pods } = workloads ?? { deployments: [], pods: [] };
  const podsOf = (d: DeploymentView) => pods.filter((p) => p.metadata.labels?.app === d.metadata.labels?.app);
  if (status.state === 'Failed') {
    const why = pods.map(podFailure).find((f) => f !== undefined);
    return { state: ServiceState.ERROR, lastError: [status.description || 'Seldon Core reported the deployment as Failed', why].filter(Boolean).join('; ') };
  }
  const silentFor = silentForMs(resource, now);
  if (!status.state) {
    return {
      state: ServiceState.PENDING_STARTUP,
      lastError:
        silentFor >= CONTROLLER_SILENCE_MS
          ? `the SeldonDeployment has no status from the Seldon operator after ${Math.round(silentFor / 1000)} s: is the operator running?`
          : 'waiting for the Seldon operator',
    };
  }
  // An identity that may not read Deployments gets the operator's word alone.
  if (!workloads) return status.state === 'Available' ? { state: ServiceState.ACTIVE, lastError: '' } : { state: ServiceState.PENDING_STARTUP, lastError: `Seldon Core reports the deployment as ${status.state}` };
  const mark = (resource.spec as { annotations?: Record<string, string> } | undefined)?.annotations?.[SPEC_MARK_ANNOTATION];
  const replicas = readSeldonReplicas(resource);
  const wanted = Object.values(replicas).reduce((a, b) => a + b, 0);
  const stale = deployments.filter((d) => (mark && d.metadata.annotations?.[SPEC_MARK_ANNOTATION] !== mark) || (wanted > 0 && (d.spec?.replicas ?? 1) === 0));
  if (stale.length > 0 || (deployments.length === 0 && wanted > 0 && status.state === 'Available')) {
    return {
      state: ServiceState.PENDING_STARTUP,
      lastError:
        silentFor >= CONTROLLER_SILENCE_MS
          ? `the Seldon operator has not applied the current spec of ${name} to its Deployments after ${Math.round(silentFor / 1000)} s: is the operator running?`
          : `waiting for the Seldon operator to apply the current spec to ${stale.map((d) => `Deployment ${d.metadata.name}`).join(', ') || 'its Deployments'}`,
    };
  }
  const rollout = rolloutState(deployments, podsOf, 'waiting for the Seldon operator to create the Deployments');
  if (rollout.state !== ServiceState.ACTIVE) return rollout;
  if (status.state !== 'Available') return { state: ServiceState.PENDING_STARTUP, lastError: `Seldon Core reports the deployment as ${status.state}` };
  return { state: ServiceState.ACTIVE, lastError: '' };
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

/**
 * "<available>/<desired>": the available replicas the operator counts in status.deploymentStatus (v1.17.1 writes
 * `{<Deployment name>: {replicas, availableReplicas}}`), over the replicas the predictors ask for.
 */
export function seldonReadyReplicas(resource: KubeObject): string {
  const byDeployment = (resource.status as { deploymentStatus?: Record<string, { availableReplicas?: unknown }> } | undefined)?.deploymentStatus ?? {};
  const available = Object.values(byDeployment).reduce((sum, d) => sum + (typeof d?.availableReplicas === 'number' ? d.availableReplicas : 0), 0);
  const desired = Object.values(readSeldonReplicas(resource)).reduce((a, b) => a + b, 0);
  return `${available}/${desired}`;
}

/** Implementation, image, protocol, replicas (asked for and available), conditions and model URI as the resource has them now. */
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
    readyReplicas: seldonReadyReplicas(resource),
    conditions: describeConditions((resource.status as { conditions?: unknown } | undefined)?.conditions),
  };
}
