/**
 * Whether the Deployments a controller made for a model server have rolled out its current spec, read as
 * `kubectl rollout status` reads them (k8s.io/kubectl/pkg/polymorphichelpers/rollout_status.go, v0.37.2), plus the
 * failures their pods carry. Pure functions over the objects as the API server returns them, so the rules are
 * tested table by table; the flavors decide which Deployments and which spec mark belong to a resource.
 */
import { ServiceState } from '../../services/service-status.js';
import type { ResourceState } from './kubernetes-deployer.js';

/** A Deployment as far as its rollout goes (apps/v1). */
export interface DeploymentView {
  metadata: { name: string; generation?: number; labels?: Record<string, string>; annotations?: Record<string, string>; deletionTimestamp?: string };
  spec?: { replicas?: number };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    availableReplicas?: number;
    readyReplicas?: number;
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
  };
}

/** A pod as far as its failures go (v1). */
export interface PodView {
  metadata: { name: string; labels?: Record<string, string>; deletionTimestamp?: string };
  status?: {
    phase?: string;
    reason?: string;
    message?: string;
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
    initContainerStatuses?: ContainerStatusView[];
    containerStatuses?: ContainerStatusView[];
  };
}

/** A container's status, as far as its failures go. */
interface ContainerStatusView {
  name: string;
  restartCount?: number;
  state?: { waiting?: { reason?: string; message?: string }; terminated?: { reason?: string; message?: string; exitCode?: number } };
}

/** Waiting reasons the kubelet gives a container that will not start by itself (k8s.io/kubernetes pkg/kubelet/images, kuberuntime). */
const STUCK_WAITING = new Set(['CrashLoopBackOff', 'ImagePullBackOff', 'ErrImagePull', 'InvalidImageName', 'CreateContainerConfigError', 'CreateContainerError', 'ErrImageNeverPull']);

/** The first failure a pod shows, as "pod P: container C: reason: message", or undefined. */
export function podFailure(pod: PodView): string | undefined {
  if (pod.metadata.deletionTimestamp) return undefined;
  // Init containers first: one that fails (a model that cannot be downloaded) keeps the others from ever starting.
  for (const container of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]) {
    const waiting = container.state?.waiting;
    const terminated = container.state?.terminated;
    if (waiting?.reason && STUCK_WAITING.has(waiting.reason)) return describe(pod, container.name, waiting.reason, waiting.message);
    // A container that ended in error for good (pod Failed), or keeps ending in error (restarted twice already).
    if (terminated && terminated.exitCode !== 0 && (pod.status?.phase === 'Failed' || (container.restartCount ?? 0) >= 2)) {
      return describe(pod, container.name, terminated.reason ?? `exit code ${terminated.exitCode}`, terminated.message);
    }
  }
  if (pod.status?.phase === 'Failed') return `pod ${pod.metadata.name}: ${pod.status.reason ?? 'Failed'}${pod.status.message ? `: ${pod.status.message}` : ''}`;
  return undefined;
}

/** Why a pod waits, when the scheduler says it cannot place it ("pod P: Unschedulable: 0/1 nodes are available: ..."). */
export function podWait(pod: PodView): string | undefined {
  const scheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
  if (pod.metadata.deletionTimestamp || scheduled?.status !== 'False') return undefined;
  return `pod ${pod.metadata.name}: ${scheduled.reason ?? 'not scheduled'}${scheduled.message ? `: ${scheduled.message}` : ''}`;
}

function describe(pod: PodView, container: string, reason: string, message?: string): string {
  return `pod ${pod.metadata.name}: container ${container}: ${reason}${message ? `: ${message}` : ''}`;
}

/**
 * The state of one Deployment's rollout: active when it has observed its spec and every replica is updated and
 * available with no old one left; error when it stopped progressing (ProgressDeadlineExceeded), cannot create
 * replicas (ReplicaFailure), or a pod of it keeps failing; pending_startup, with what it waits for, otherwise.
 */
export function deploymentRolloutState(deployment: DeploymentView, pods: PodView[]): ResourceState {
  const name = deployment.metadata.name;
  const status = deployment.status ?? {};
  const conditions = status.conditions ?? [];
  const failure = pods.map(podFailure).find((f) => f !== undefined);
  if (failure) return { state: ServiceState.ERROR, lastError: `Deployment ${name}: ${failure}` };
  const replicaFailure = conditions.find((c) => c.type === 'ReplicaFailure' && c.status === 'True');
  if (replicaFailure) return { state: ServiceState.ERROR, lastError: `Deployment ${name}: ${replicaFailure.reason ?? 'ReplicaFailure'}: ${replicaFailure.message ?? ''}`.trim() };
  const progressing = conditions.find((c) => c.type === 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') {
    return { state: ServiceState.ERROR, lastError: `Deployment ${name}: ProgressDeadlineExceeded: ${progressing.message ?? ''}`.trim() };
  }
  const waiting = pods.map(podWait).find((w) => w !== undefined);
  const pending = (why: string): ResourceState => ({ state: ServiceState.PENDING_STARTUP, lastError: `Deployment ${name}: ${why}${waiting ? ` (${waiting})` : ''}` });
  if ((status.observedGeneration ?? 0) < (deployment.metadata.generation ?? 0)) return pending('waiting for the Deployment controller to observe the new spec');
  const desired = deployment.spec?.replicas ?? 1;
  const updated = status.updatedReplicas ?? 0;
  const total = status.replicas ?? 0;
  const available = status.availableReplicas ?? 0;
  if (updated < desired) return pending(`${updated} of ${desired} new replicas have been updated`);
  if (total > updated) return pending(`${total - updated} old replicas are pending termination`);
  if (available < updated) return pending(`${available} of ${updated} updated replicas are available`);
  return { state: ServiceState.ACTIVE, lastError: '' };
}

/**
 * The state of a set of Deployments (a model server may have several: one per predictor, or a canary beside the
 * main one): the first error, else the first pending, else active. No Deployment at all is pending.
 */
export function rolloutState(deployments: DeploymentView[], podsOf: (deployment: DeploymentView) => PodView[], noneYet: string): ResourceState {
  if (deployments.length === 0) return { state: ServiceState.PENDING_STARTUP, lastError: noneYet };
  const states = deployments.map((d) => deploymentRolloutState(d, podsOf(d)));
  return states.find((s) => s.state === ServiceState.ERROR) ?? states.find((s) => s.state !== ServiceState.ACTIVE) ?? states[0]!;
}
