// A STAND-IN for Seldon Core's operator. The real one cannot run here (its Go module is not served by the module
// proxy, and there is no container runtime for the model servers it would start), so the tests play its part and
// nothing else: watch SeldonDeployments through the real API server and answer as Seldon Core 1.x does, through the
// status subresource (status.state Creating -> Available, or Failed with status.description), with pods labelled
// `seldon-deployment-id=<name>` (one per replica, container `classifier`), bound to the test cluster's Node so their
// logs are served by its stand-in kubelet. There is no garbage collector either (no controller manager), so this
// controller deletes the pods itself when replicas shrink, the spec rolls, or the SeldonDeployment goes.
import {
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  makeInformer,
  type KubernetesListObject,
  type KubernetesObject,
  type V1Pod,
} from '@kubernetes/client-node';
import { describeError, statusCode } from './api-error.js';
import type { KubeCluster } from './cluster.js';
import { createReconcileQueue } from './reconcile-queue.js';

const GROUP = 'machinelearning.seldon.io';
const VERSION = 'v1';
const PLURAL = 'seldondeployments';
/** Annotation a test sets on a SeldonDeployment to make it fail with this text as status.description. */
export const FAIL_ANNOTATION = 'zenml-test/fail';
const GENERATION_LABEL = 'zenml-test/generation';

/** The parts of a SeldonDeployment this controller reads. */
export interface SeldonDeploymentObject extends KubernetesObject {
  spec?: {
    replicas?: number;
    protocol?: string;
    predictors?: Array<{
      name: string;
      replicas?: number;
      graph?: { name?: string; implementation?: string; modelUri?: string; children?: unknown[] };
      componentSpecs?: Array<{ replicas?: number; spec?: { containers?: Array<{ name?: string; image?: string }> } }>;
    }>;
  };
  status?: { state?: string; observedGeneration?: number };
}

type Predictor = NonNullable<NonNullable<SeldonDeploymentObject['spec']>['predictors']>[number];

/** Options of the stand-in operator. */
export interface StandInSeldonOperatorOptions {
  /** Delay between Creating and Available (default 300 ms). */
  readyDelayMs?: number;
  /**
   * The status.description for a deployment that must fail, or undefined. Default: a modelUri containing
   * `bad-model`, or the `zenml-test/fail` annotation (its value is the description).
   */
  failure?: (sdep: SeldonDeploymentObject) => string | undefined;
  /** Deployments left alone (no status, no pods): for timeout tests. */
  ignore?: (sdep: SeldonDeploymentObject) => boolean;
}

/** A running stand-in operator. */
export interface StandInSeldonOperator {
  /** Append a line to the `classifier` log of every current pod of a deployment. */
  log(namespace: string, name: string, line: string): Promise<void>;
  /** API errors met while reconciling (a test can assert there were none). */
  errors: string[];
  stop(): Promise<void>;
}

/** Default failure rule: see StandInSeldonOperatorOptions.failure. */
export function defaultFailure(sdep: SeldonDeploymentObject): string | undefined {
  const annotated = sdep.metadata?.annotations?.[FAIL_ANNOTATION];
  if (annotated) return annotated;
  const bad = (sdep.spec?.predictors ?? []).map((p) => p.graph?.modelUri).find((uri) => uri?.includes('bad-model'));
  return bad ? `Deployment failed: container classifier could not load the model from ${bad}: model not found` : undefined;
}

/**
 * Start watching SeldonDeployments in every namespace. `target` is the test cluster (its Node and stand-in kubelet
 * then serve the pods' logs) or an admin kubeconfig path (pods are then unscheduled and have no logs).
 */
export async function startStandInSeldonOperator(
  target: KubeCluster | string,
  options: StandInSeldonOperatorOptions = {},
): Promise<StandInSeldonOperator> {
  const kc = new KubeConfig();
  kc.loadFromFile(typeof target === 'string' ? target : target.kubeconfigPath);
  const node = typeof target === 'string' ? undefined : { name: target.nodeName, kubelet: target.kubelet };
  const custom = kc.makeApiClient(CustomObjectsApi);
  const core = kc.makeApiClient(CoreV1Api);
  const readyDelayMs = options.readyDelayMs ?? 300;
  const failure = options.failure ?? defaultFailure;
  const errors: string[] = [];
  const timers = new Map<string, { generation: number; timer: NodeJS.Timeout }>();
  let stopped = false;

  const informer = makeInformer<SeldonDeploymentObject>(
    kc,
    `/apis/${GROUP}/${VERSION}/${PLURAL}`,
    () => custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURAL }) as Promise<KubernetesListObject<SeldonDeploymentObject>>,
  );

  const queue = createReconcileQueue<SeldonDeploymentObject>({
    latest: (namespace, name) => informer.get(name, namespace),
    reconcile: (object) => reconcile(object), // an arrow: reconcile is declared further down
    errors,
  });

  const podsOf = async (namespace: string, name: string): Promise<V1Pod[]> =>
    (await core.listNamespacedPod({ namespace, labelSelector: `seldon-deployment-id=${name}` })).items;

  const deletePod = async (pod: V1Pod) => {
    const namespace = pod.metadata!.namespace!;
    const name = pod.metadata!.name!;
    try {
      // Grace period 0: with no kubelet to confirm, a graceful delete of a bound pod would never finish.
      await core.deleteNamespacedPod({ namespace, name, gracePeriodSeconds: 0 });
    } catch (error) {
      if (statusCode(error) !== 404) throw error;
    }
    node?.kubelet.endLogs(namespace, name);
  };

  const patchStatus = async (sdep: SeldonDeploymentObject, status: Record<string, unknown>) => {
    await custom.patchNamespacedCustomObjectStatus({
      group: GROUP,
      version: VERSION,
      namespace: sdep.metadata!.namespace!,
      plural: PLURAL,
      name: sdep.metadata!.name!,
      // The test op makes a status for an older generation fail (422) instead of overwriting a newer one's.
      body: [
        { op: 'test', path: '/metadata/generation', value: sdep.metadata!.generation },
        { op: 'add', path: '/status', value: status },
      ],
    });
  };

  const reconcile = async (sdep: SeldonDeploymentObject) => {
    if (options.ignore?.(sdep)) return;
    const namespace = sdep.metadata!.namespace!;
    const name = sdep.metadata!.name!;
    const key = `${namespace}/${name}`;
    const generation = sdep.metadata!.generation ?? 1;
    const predictors = sdep.spec?.predictors ?? [];
    const failed = failure(sdep);
    // As Seldon Core: the most specific count wins (component spec, predictor, deployment), else 1.
    const desired = predictors.map((p) => ({ predictor: p, replicas: p.componentSpecs?.[0]?.replicas ?? p.replicas ?? sdep.spec?.replicas ?? 1 }));
    const total = desired.reduce((sum, d) => sum + d.replicas, 0);

    // Pods of this generation, one per replica; pods of older generations or beyond the count go.
    const pods = await podsOf(namespace, name);
    const wanted = new Set<string>();
    for (const { predictor, replicas } of desired) {
      for (let i = 0; i < replicas; i++) wanted.add(podName(name, predictor.name, generation, i));
    }
    for (const pod of pods) if (!wanted.has(pod.metadata!.name!)) await deletePod(pod);
    const existing = new Set(pods.map((p) => p.metadata!.name!));
    for (const { predictor } of desired) {
      for (const podname of [...wanted].filter((n) => n.startsWith(`${name}-${predictor.name}-`) && !existing.has(n))) {
        await createPod(sdep, predictor, podname, generation, failed);
      }
    }

    const observed = sdep.status?.observedGeneration === generation;
    if (failed) {
      if (!observed || sdep.status?.state !== 'Failed') {
        await patchStatus(sdep, { state: 'Failed', description: failed, observedGeneration: generation, replicas: total, deploymentStatus: deploymentStatus(name, desired, 0, 'Failed') });
      }
      return;
    }
    if (!observed || !sdep.status?.state) {
      await patchStatus(sdep, { state: 'Creating', observedGeneration: generation, replicas: total, deploymentStatus: deploymentStatus(name, desired, 0, 'Creating') });
      const previous = timers.get(key);
      if (previous) clearTimeout(previous.timer);
      const timer = setTimeout(() => {
        timers.delete(key);
        queue.enqueue(namespace, name, async () => {
          const latest = informer.get(name, namespace);
          if (!latest || latest.metadata!.generation !== generation || failure(latest)) return;
          for (const pod of await podsOf(namespace, name)) await markRunning(pod);
          await patchStatus(latest, {
            state: 'Available',
            observedGeneration: generation,
            replicas: total,
            deploymentStatus: deploymentStatus(name, desired, 1, 'Available'),
            address: { url: `http://${name}-${predictors[0]?.name ?? 'default'}.${namespace}.svc.cluster.local:8000/api/v1.0/predictions` },
          });
        });
      }, readyDelayMs);
      timers.set(key, { generation, timer });
    }
  };

  const createPod = async (
    sdep: SeldonDeploymentObject,
    predictor: Predictor,
    name: string,
    generation: number,
    failed: string | undefined,
  ) => {
    const namespace = sdep.metadata!.namespace!;
    const sdepName = sdep.metadata!.name!;
    const implementation = predictor.graph?.implementation;
    const image =
      predictor.componentSpecs?.[0]?.spec?.containers?.find((c) => c.name === 'classifier')?.image ??
      `seldonio/${(implementation ?? 'custom_server').toLowerCase().replace(/_server$/, 'server').replace(/_/g, '-')}:1.18.2`;
    await core.createNamespacedPod({
      namespace,
      body: {
        metadata: {
          name,
          namespace,
          labels: {
            'seldon-deployment-id': sdepName,
            'seldon-app': `${sdepName}-${predictor.name}`,
            'app.kubernetes.io/managed-by': 'seldon-core',
            [GENERATION_LABEL]: String(generation),
          },
        },
        spec: { ...(node ? { nodeName: node.name } : {}), containers: [{ name: 'classifier', image }] },
      },
    });
    if (!node) return;
    const lines = [
      `Starting ${implementation ?? 'custom'} model server (stand-in for Seldon Core's, pod ${name})`,
      `Downloading model from ${predictor.graph?.modelUri ?? '(none)'}`,
      ...(failed ? [`ERROR ${failed}`] : ['Model loaded', 'Listening on 0.0.0.0:9000 (REST) and 0.0.0.0:9500 (gRPC)']),
    ];
    for (const line of lines) node.kubelet.appendLog(namespace, name, 'classifier', line);
  };

  const markRunning = async (pod: V1Pod) => {
    const container = pod.spec!.containers[0]!;
    const now = new Date().toISOString();
    await core.patchNamespacedPodStatus({
      namespace: pod.metadata!.namespace!,
      name: pod.metadata!.name!,
      body: [
        {
          op: 'add',
          path: '/status',
          value: {
            phase: 'Running',
            hostIP: node ? '127.0.0.1' : undefined,
            startTime: now,
            conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now }],
            containerStatuses: [
              { name: container.name, image: container.image, imageID: '', ready: true, started: true, restartCount: 0, state: { running: { startedAt: now } } },
            ],
          },
        },
      ],
    });
  };

  const cleanup = async (namespace: string, name: string) => {
    const timer = timers.get(`${namespace}/${name}`);
    if (timer) clearTimeout(timer.timer);
    timers.delete(`${namespace}/${name}`);
    for (const pod of await podsOf(namespace, name)) await deletePod(pod);
  };

  const onChange = (sdep: SeldonDeploymentObject) => queue.enqueue(sdep.metadata!.namespace!, sdep.metadata!.name!, () => reconcile(sdep));
  informer.on('add', onChange);
  informer.on('update', onChange);
  informer.on('delete', (sdep) => queue.enqueue(sdep.metadata!.namespace!, sdep.metadata!.name!, () => cleanup(sdep.metadata!.namespace!, sdep.metadata!.name!)));
  informer.on('error', (error) => {
    if (stopped) return;
    // Once per distinct error: a retry loop against a stopped API server must not fill the list.
    const message = `watch: ${describeError(error)}`;
    if (errors.at(-1) !== message) errors.push(message);
    // The informer stops on an error: start it again, as a controller's reflector would.
    setTimeout(() => !stopped && void informer.start().catch(() => undefined), 200).unref();
  });
  await informer.start();

  return {
    errors,
    async log(namespace, name, line) {
      if (!node) throw new Error('the stand-in operator was started with a kubeconfig path: its pods have no logs');
      for (const pod of await podsOf(namespace, name)) node.kubelet.appendLog(namespace, pod.metadata!.name!, 'classifier', line);
    },
    async stop() {
      stopped = true;
      queue.close();
      await informer.stop();
      for (const { timer } of timers.values()) clearTimeout(timer);
      timers.clear();
      await queue.drain();
    },
  };
}

/** `<sdep>-<predictor>-0-classifier-<generation>-<replica>`, after the shape of Seldon's own pod names. */
function podName(sdep: string, predictor: string, generation: number, replica: number): string {
  return `${sdep}-${predictor}-0-classifier-${generation}-${replica}`;
}

function deploymentStatus(name: string, desired: Array<{ predictor: { name: string }; replicas: number }>, availableFraction: number, status: string) {
  return Object.fromEntries(
    desired.map(({ predictor, replicas }) => {
      const deployment = `${name}-${predictor.name}-0-classifier`;
      return [deployment, { name: deployment, status, replicas, availableReplicas: replicas * availableFraction }];
    }),
  );
}
