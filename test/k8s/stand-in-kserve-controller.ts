// A STAND-IN for KServe's controller (and the Knative Serving underneath it). Neither can run here (no container
// runtime for model servers, no Knative), so the tests play their part and nothing else: watch InferenceServices
// through the real API server and answer, through the status subresource, as KServe v1beta1 does in Serverless mode:
// status.conditions (Ready Unknown while a revision rolls, True when ready, False with a reason and message when the
// model cannot load, False/Stopped under the `serving.kserve.io/stop` annotation), status.url, and the predictor's
// revisions and traffic split (status.components.predictor: latestCreatedRevision, latestReadyRevision,
// latestRolledoutRevision, previousRolledoutRevision, traffic). A new revision is cut when the predictor's spec
// changes other than canaryTrafficPercent; with canaryTrafficPercent set, the new revision gets that share and the
// rolled-out one the rest (0 pins the rolled-out one: KServe's rollback); without it, the new revision gets 100%.
// Pods labelled `serving.kserve.io/inferenceservice=<name>` with a `kserve-container` are created for the newest
// revision and bound to the test cluster's Node, so their logs come from its stand-in kubelet.
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

const GROUP = 'serving.kserve.io';
const VERSION = 'v1beta1';
const PLURAL = 'inferenceservices';
/** Annotation a test sets on an InferenceService to make it fail with this text as the Ready message. */
export const FAIL_ANNOTATION = 'zenml-test/fail';
const STOP_ANNOTATION = 'serving.kserve.io/stop';
const POD_LABEL = 'serving.kserve.io/inferenceservice';
const REVISION_LABEL = 'serving.knative.dev/revision';

/** The parts of an InferenceService this controller reads. */
export interface InferenceServiceObject extends KubernetesObject {
  spec?: {
    predictor?: {
      canaryTrafficPercent?: number;
      minReplicas?: number;
      model?: { modelFormat?: { name?: string }; storageUri?: string };
      [key: string]: unknown;
    };
  };
  status?: Record<string, any>;
}

/** Options of the stand-in controller. */
export interface StandInKserveControllerOptions {
  /** Delay between a revision's creation and its readiness (default 300 ms). */
  readyDelayMs?: number;
  /** InferenceServices left alone (no status, no pods): for timeout tests. */
  ignore?: (isvc: InferenceServiceObject) => boolean;
}

/** A running stand-in controller. */
export interface StandInKserveController {
  /** API errors met while reconciling (a test can assert there were none). */
  errors: string[];
  stop(): Promise<void>;
}

interface Revisions {
  count: number;
  hash: string;
  latestCreated: string;
  rolledOut: string;
  previous: string;
}

/** Start watching InferenceServices in every namespace of the test cluster. */
export async function startStandInKserveController(cluster: KubeCluster, options: StandInKserveControllerOptions = {}): Promise<StandInKserveController> {
  const kc = new KubeConfig();
  kc.loadFromFile(cluster.kubeconfigPath);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const core = kc.makeApiClient(CoreV1Api);
  const readyDelayMs = options.readyDelayMs ?? 300;
  const errors: string[] = [];
  const timers = new Map<string, NodeJS.Timeout>();
  const revisions = new Map<string, Revisions>();
  let stopped = false;

  const informer = makeInformer<InferenceServiceObject>(
    kc,
    `/apis/${GROUP}/${VERSION}/${PLURAL}`,
    () => custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURAL }) as Promise<KubernetesListObject<InferenceServiceObject>>,
  );

  const queue = createReconcileQueue<InferenceServiceObject>({
    latest: (namespace, name) => informer.get(name, namespace),
    reconcile: (object) => reconcile(object), // an arrow: reconcile is declared further down
    errors,
  });

  const podsOf = async (namespace: string, name: string): Promise<V1Pod[]> =>
    (await core.listNamespacedPod({ namespace, labelSelector: `${POD_LABEL}=${name}` })).items;

  const deletePod = async (pod: V1Pod) => {
    try {
      await core.deleteNamespacedPod({ namespace: pod.metadata!.namespace!, name: pod.metadata!.name!, gracePeriodSeconds: 0 });
    } catch (error) {
      if (statusCode(error) !== 404) throw error;
    }
    cluster.kubelet.endLogs(pod.metadata!.namespace!, pod.metadata!.name!);
  };

  const patchStatus = async (isvc: InferenceServiceObject, status: Record<string, unknown>) => {
    await custom.patchNamespacedCustomObjectStatus({
      group: GROUP,
      version: VERSION,
      namespace: isvc.metadata!.namespace!,
      plural: PLURAL,
      name: isvc.metadata!.name!,
      // A status for an older generation fails (422) instead of overwriting a newer one's.
      body: [
        { op: 'test', path: '/metadata/generation', value: isvc.metadata!.generation },
        { op: 'add', path: '/status', value: status },
      ],
    });
  };

  const condition = (type: string, status: string, reason?: string, message?: string) => ({
    type,
    status,
    lastTransitionTime: new Date().toISOString(),
    ...(reason ? { reason } : {}),
    ...(message ? { message } : {}),
  });

  const reconcile = async (isvc: InferenceServiceObject) => {
    if (options.ignore?.(isvc)) return;
    const namespace = isvc.metadata!.namespace!;
    const name = isvc.metadata!.name!;
    const key = `${namespace}/${name}`;
    const generation = isvc.metadata!.generation ?? 1;
    const predictor = isvc.spec?.predictor ?? {};
    const previousStatus = isvc.status ?? {};

    if (isvc.metadata?.annotations?.[STOP_ANNOTATION] === 'true') {
      clearTimeout(timers.get(key));
      timers.delete(key);
      for (const pod of await podsOf(namespace, name)) await deletePod(pod);
      const ready = (previousStatus.conditions ?? []).find((c: any) => c.type === 'Ready');
      if (ready?.reason !== 'Stopped' || previousStatus.observedGeneration !== generation) {
        await patchStatus(isvc, {
          ...previousStatus,
          observedGeneration: generation,
          conditions: [condition('Stopped', 'True'), condition('Ready', 'False', 'Stopped', 'the InferenceService is stopped (serving.kserve.io/stop)')],
        });
      }
      return;
    }

    // A new revision when the predictor changes other than its traffic share.
    const { canaryTrafficPercent: _share, ...template } = predictor;
    const hash = JSON.stringify(template);
    let revs = revisions.get(key);
    if (!revs || revs.hash !== hash) {
      const count = (revs?.count ?? 0) + 1;
      revs = { count, hash, latestCreated: `${name}-predictor-${String(count).padStart(5, '0')}`, rolledOut: revs?.rolledOut ?? '', previous: revs?.previous ?? '' };
      revisions.set(key, revs);
    }
    const revision = revs.latestCreated;
    const uri = predictor.model?.storageUri ?? '';
    const failed = isvc.metadata?.annotations?.[FAIL_ANNOTATION] ?? (uri.includes('bad-model') ? `Revision "${revision}" failed with message: model not found at ${uri}` : undefined);

    // Pods of the newest revision, one per minReplicas (at least one); older revisions' pods go.
    const replicas = Math.max(predictor.minReplicas ?? 1, 1);
    const wanted = Array.from({ length: replicas }, (_, i) => `${revision}-deployment-${i}`);
    const pods = await podsOf(namespace, name);
    for (const pod of pods) if (!wanted.includes(pod.metadata!.name!)) await deletePod(pod);
    const existing = new Set(pods.map((p) => p.metadata!.name!));
    for (const pod of wanted) if (!existing.has(pod)) await createPod(isvc, revision, pod, failed);

    if (failed) {
      const ready = (previousStatus.conditions ?? []).find((c: any) => c.type === 'Ready');
      if (previousStatus.observedGeneration !== generation || ready?.status !== 'False') {
        await patchStatus(isvc, {
          ...previousStatus,
          observedGeneration: generation,
          conditions: [condition('PredictorReady', 'False', 'RevisionFailed', failed), condition('Ready', 'False', 'RevisionFailed', failed)],
        });
      }
      return;
    }
    const ready = (previousStatus.conditions ?? []).find((c: any) => c.type === 'Ready');
    if (previousStatus.observedGeneration === generation && ready?.status === 'True') return;
    if (previousStatus.observedGeneration !== generation || ready?.status !== 'Unknown') {
      await patchStatus(isvc, {
        ...previousStatus,
        observedGeneration: generation,
        conditions: [condition('PredictorReady', 'Unknown'), condition('Ready', 'Unknown')],
        components: { predictor: { ...(previousStatus.components?.predictor ?? {}), latestCreatedRevision: revision } },
      });
    }
    clearTimeout(timers.get(key));
    timers.set(
      key,
      setTimeout(() => {
        timers.delete(key);
        queue.enqueue(namespace, name, async () => {
          const latest = informer.get(name, namespace);
          if (!latest || latest.metadata!.generation !== generation || latest.metadata?.annotations?.[STOP_ANNOTATION] === 'true') return;
          for (const pod of await podsOf(namespace, name)) await markRunning(pod);
          const share = latest.spec?.predictor?.canaryTrafficPercent;
          const r = revisions.get(key)!;
          let traffic: Array<Record<string, unknown>>;
          const latestTarget = (percent: number) => ({ revisionName: r.latestCreated, percent, latestRevision: true, tag: 'latest' });
          const prevTarget = (rev: string, percent: number) => ({ revisionName: rev, percent, latestRevision: false, tag: 'prev' });
          if (share === undefined || !r.rolledOut) {
            if (r.rolledOut !== r.latestCreated) {
              r.previous = r.rolledOut;
              r.rolledOut = r.latestCreated;
            }
            traffic = [latestTarget(100)];
          } else if (r.rolledOut !== r.latestCreated) {
            traffic = [latestTarget(share), prevTarget(r.rolledOut, 100 - share)];
          } else {
            traffic = r.previous ? [latestTarget(share), prevTarget(r.previous, 100 - share)] : [latestTarget(100)];
          }
          const host = `${name}.${namespace}.example.com`;
          await patchStatus(latest, {
            observedGeneration: generation,
            url: `http://${host}`,
            address: { url: `http://${name}-predictor.${namespace}.svc.cluster.local` },
            conditions: [condition('IngressReady', 'True'), condition('PredictorReady', 'True'), condition('Ready', 'True')],
            components: {
              predictor: {
                url: `http://${name}-predictor.${namespace}.example.com`,
                latestCreatedRevision: r.latestCreated,
                latestReadyRevision: r.latestCreated,
                latestRolledoutRevision: r.rolledOut,
                ...(r.previous ? { previousRolledoutRevision: r.previous } : {}),
                traffic,
              },
            },
          });
        });
      }, readyDelayMs),
    );
  };

  const createPod = async (isvc: InferenceServiceObject, revision: string, name: string, failed: string | undefined) => {
    const namespace = isvc.metadata!.namespace!;
    const model = isvc.spec?.predictor?.model ?? {};
    await core.createNamespacedPod({
      namespace,
      body: {
        metadata: { name, namespace, labels: { [POD_LABEL]: isvc.metadata!.name!, [REVISION_LABEL]: revision, component: 'predictor' } },
        spec: { nodeName: cluster.nodeName, containers: [{ name: 'kserve-container', image: `kserve/${model.modelFormat?.name ?? 'custom'}server:v0.15.0` }] },
      },
    });
    const lines = [
      `Starting ${model.modelFormat?.name ?? 'custom'} model server (stand-in for KServe's, pod ${name}, revision ${revision})`,
      `Downloading model from ${model.storageUri ?? '(none)'}`,
      ...(failed ? [`ERROR ${failed}`] : ['Model loaded', 'Listening on 0.0.0.0:8080']),
    ];
    for (const line of lines) cluster.kubelet.appendLog(namespace, name, 'kserve-container', line);
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
            hostIP: '127.0.0.1',
            startTime: now,
            conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now }],
            containerStatuses: [{ name: container.name, image: container.image, imageID: '', ready: true, started: true, restartCount: 0, state: { running: { startedAt: now } } }],
          },
        },
      ],
    });
  };

  const cleanup = async (namespace: string, name: string) => {
    const key = `${namespace}/${name}`;
    clearTimeout(timers.get(key));
    timers.delete(key);
    revisions.delete(key);
    for (const pod of await podsOf(namespace, name)) await deletePod(pod);
  };

  const onChange = (isvc: InferenceServiceObject) => queue.enqueue(isvc.metadata!.namespace!, isvc.metadata!.name!, () => reconcile(isvc));
  informer.on('add', onChange);
  informer.on('update', onChange);
  informer.on('delete', (isvc) => queue.enqueue(isvc.metadata!.namespace!, isvc.metadata!.name!, () => cleanup(isvc.metadata!.namespace!, isvc.metadata!.name!)));
  informer.on('error', (error) => {
    if (stopped) return;
    const message = `watch: ${describeError(error)}`;
    if (errors.at(-1) !== message) errors.push(message);
    setTimeout(() => !stopped && void informer.start().catch(() => undefined), 200).unref();
  });
  await informer.start();

  return {
    errors,
    async stop() {
      stopped = true;
      queue.close();
      await informer.stop();
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
      await queue.drain();
    },
  };
}
