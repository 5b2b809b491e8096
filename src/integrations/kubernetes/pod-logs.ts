/**
 * Whether a pod has logs to read yet, from its spec and status alone (pure). The API server asks the kubelet
 * of the pod's node for logs: a pod no scheduler has bound to a node has none (kube-apiserver answers
 * with an empty body, which the client library cannot even parse), and a container that has never started
 * has none either (the kubelet answers 400 "waiting to start"). Saying so up front gives the user a
 * sentence instead of either.
 */
import type { V1Pod } from '@kubernetes/client-node';

/** A pod, as far as logs need it. */
export interface PodSummary {
  name: string;
  phase: string;
  containers: string[];
  createdAt: string;
  /** spec.nodeName: '' until a scheduler binds it. */
  node: string;
  /** Why it has no logs of `container` yet, or '' when they can be asked for. */
  noLogsReason: (container: string) => string;
}

/** The PodScheduled condition's reason and message, e.g. "Unschedulable: 0/3 nodes are available: …". */
function schedulingNote(pod: V1Pod): string {
  const condition = pod.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status !== 'True');
  const note = [condition?.reason, condition?.message].filter(Boolean).join(': ');
  return note ? ` (${note})` : '';
}

/** Why `pod` has no logs of `container` yet ('' when it may have some). */
export function podNoLogsReason(pod: V1Pod, container: string): string {
  const name = pod.metadata?.name ?? '?';
  if (!pod.spec?.nodeName) return `pod '${name}' is not scheduled to a node yet${schedulingNote(pod)}, so it has no logs`;
  const status = [...(pod.status?.containerStatuses ?? [])].find((c) => c.name === container);
  const waiting = status?.state?.waiting;
  // A container waiting after a crash still has the logs of its last run: only one that never ran has none.
  if (waiting && !status?.lastState?.terminated) {
    const why = [waiting.reason, waiting.message].filter(Boolean).join(': ');
    return `container '${container}' of pod '${name}' (node '${pod.spec.nodeName}') has not started yet${why ? ` (${why})` : ''}, so it has no logs`;
  }
  return '';
}

/** The summary of a pod as the API lists it. */
export function podSummary(pod: V1Pod): PodSummary {
  return {
    name: pod.metadata?.name ?? '',
    phase: pod.status?.phase ?? 'Unknown',
    containers: (pod.spec?.containers ?? []).map((c) => c.name),
    createdAt: pod.metadata?.creationTimestamp ? new Date(pod.metadata.creationTimestamp).toISOString() : '',
    node: pod.spec?.nodeName ?? '',
    noLogsReason: (container) => podNoLogsReason(pod, container),
  };
}
