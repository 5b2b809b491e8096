// The rollout rules of the Kubernetes flavors, table by table: a Deployment read as `kubectl rollout status` reads
// it, and the failures and scheduling waits its pods carry.
import { deploymentRolloutState, podFailure, podWait, rolloutState, type DeploymentView, type PodView } from '../../src/integrations/kubernetes/rollout-state.js';

const pod = (status: PodView['status'], extra: Partial<PodView['metadata']> = {}): PodView => ({ metadata: { name: 'p1', ...extra }, status });
const terminated = (exitCode: number, restartCount = 0) => ({ name: 'c', restartCount, state: { terminated: { exitCode, reason: exitCode ? 'Error' : 'Completed', message: 'boom' } } });

describe('podFailure', () => {
  it.each<[string, PodView, string | undefined]>([
    ['running', pod({ phase: 'Running', containerStatuses: [{ name: 'c', state: {} }] }), undefined],
    ['CrashLoopBackOff', pod({ phase: 'Running', containerStatuses: [{ name: 'c', state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 40s' } } }] }), 'pod p1: container c: CrashLoopBackOff: back-off 40s'],
    ['ImagePullBackOff', pod({ phase: 'Pending', containerStatuses: [{ name: 'c', state: { waiting: { reason: 'ImagePullBackOff' } } }] }), 'pod p1: container c: ImagePullBackOff'],
    ['ContainerCreating is no failure', pod({ phase: 'Pending', containerStatuses: [{ name: 'c', state: { waiting: { reason: 'ContainerCreating' } } }] }), undefined],
    ['failed for good', pod({ phase: 'Failed', containerStatuses: [terminated(1)] }), 'pod p1: container c: Error: boom'],
    ['ended in error once, restarting', pod({ phase: 'Running', containerStatuses: [terminated(1, 1)] }), undefined],
    ['ended in error again and again', pod({ phase: 'Running', containerStatuses: [terminated(137, 2)] }), 'pod p1: container c: Error: boom'],
    ['completed', pod({ phase: 'Succeeded', containerStatuses: [terminated(0)] }), undefined],
    ['evicted', pod({ phase: 'Failed', reason: 'Evicted', message: 'low on memory' }), 'pod p1: Evicted: low on memory'],
    ['deleting', pod({ phase: 'Failed', containerStatuses: [terminated(1)] }, { deletionTimestamp: '2026-12-07T00:00:00Z' }), undefined],
  ])('%s', (_name, p, expected) => {
    expect(podFailure(p)).toBe(expected);
  });

  it('podWait: what the scheduler says of a pod it cannot place', () => {
    expect(podWait(pod({ phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/1 nodes are available: 1 Insufficient cpu.' }] }))).toBe(
      'pod p1: Unschedulable: 0/1 nodes are available: 1 Insufficient cpu.',
    );
    expect(podWait(pod({ phase: 'Running', conditions: [{ type: 'PodScheduled', status: 'True' }] }))).toBeUndefined();
  });
});

describe('deploymentRolloutState', () => {
  const dep = (status: NonNullable<DeploymentView['status']>, replicas = 2, generation = 2): DeploymentView => ({ metadata: { name: 'd', generation }, spec: { replicas }, status: { observedGeneration: generation, ...status } });
  const done = { replicas: 2, updatedReplicas: 2, availableReplicas: 2 };
  it.each<[string, DeploymentView, PodView[], string, string]>([
    ['rolled out', dep(done), [], 'active', ''],
    ['spec not observed', dep({ ...done, observedGeneration: 1 }), [], 'pending_startup', 'Deployment d: waiting for the Deployment controller to observe the new spec'],
    ['updating', dep({ ...done, updatedReplicas: 1 }), [], 'pending_startup', 'Deployment d: 1 of 2 new replicas have been updated'],
    ['old pods left', dep({ ...done, replicas: 3 }), [], 'pending_startup', 'Deployment d: 1 old replicas are pending termination'],
    ['not available yet', dep({ ...done, availableReplicas: 1 }), [], 'pending_startup', 'Deployment d: 1 of 2 updated replicas are available'],
    [
      'unschedulable',
      dep({ ...done, availableReplicas: 0 }),
      [pod({ phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: 'no nodes' }] })],
      'pending_startup',
      'Deployment d: 0 of 2 updated replicas are available (pod p1: Unschedulable: no nodes)',
    ],
    ['scaled to 0', dep({}, 0), [], 'active', ''],
    ['progress deadline', dep({ ...done, availableReplicas: 0, conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'ReplicaSet "d-1" has timed out progressing.' }] }), [], 'error', 'Deployment d: ProgressDeadlineExceeded: ReplicaSet "d-1" has timed out progressing.'],
    ['replica failure', dep({ conditions: [{ type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate', message: 'exceeded quota' }] }), [], 'error', 'Deployment d: FailedCreate: exceeded quota'],
    ['failing pod', dep({ ...done, availableReplicas: 1 }), [pod({ phase: 'Failed', containerStatuses: [terminated(1)] })], 'error', 'Deployment d: pod p1: container c: Error: boom'],
  ])('%s', (_name, d, pods, state, lastError) => {
    expect(deploymentRolloutState(d, pods)).toEqual({ state, lastError });
  });

  it('rolloutState: no Deployment is pending; an error among several wins over a pending one', () => {
    expect(rolloutState([], () => [], 'none yet')).toEqual({ state: 'pending_startup', lastError: 'none yet' });
    const pending = dep({ ...done, updatedReplicas: 0 });
    const failed: DeploymentView = { ...dep({ conditions: [{ type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate' }] }), metadata: { name: 'e', generation: 2 } };
    expect(rolloutState([pending, failed], () => [], '').state).toBe('error');
    expect(rolloutState([dep(done), pending], () => [], '').state).toBe('pending_startup');
  });
});
