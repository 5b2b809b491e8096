// A STAND-IN for KServe's manager in Knative mode ONLY. Knative mode needs Knative Serving and a networking layer,
// neither of which runs here, so the one test of that mode (the canaryTrafficPercent canary) plays KServe's part: it
// watches InferenceServices annotated `serving.kserve.io/deploymentMode: Knative` through the real API server (with
// KServe's real CRDs: startKubeCluster({ crds: ['kserve'] })) and writes, through the status subresource, what KServe
// 0.20.0 writes from the Knative Service it would own. Everything in Standard mode is the real manager's (see
// test/kserve/kserve-cli.test.ts). Every field below cites the line of KServe's source (tag v0.20.0) that writes it;
// what this still fakes is listed in test/k8s/README.md.
import { CustomObjectsApi, KubeConfig, makeInformer, type KubernetesListObject, type KubernetesObject } from '@kubernetes/client-node';
import { describeError } from './api-error.js';
import type { KubeCluster } from './cluster.js';
import { createReconcileQueue } from './reconcile-queue.js';

const GROUP = 'serving.kserve.io';
const VERSION = 'v1beta1';
const PLURAL = 'inferenceservices';
const STOP_ANNOTATION = 'serving.kserve.io/stop';
const MODE_ANNOTATION = 'serving.kserve.io/deploymentMode';

/** The parts of an InferenceService this stand-in reads. */
export interface InferenceServiceObject extends KubernetesObject {
  spec?: { predictor?: { canaryTrafficPercent?: number; [key: string]: unknown } };
  status?: Record<string, any>;
}

/** A running stand-in. */
export interface StandInKserveController {
  /** API errors met while reconciling (a test can assert there were none). */
  errors: string[];
  stop(): Promise<void>;
}

/** What the Knative Service KServe would own reports (knative.dev/serving ServiceStatus), kept per InferenceService. */
interface Ksvc {
  /** The Knative Service's own generation: bumped when its spec (revision template or traffic) changes. */
  generation: number;
  template: string;
  traffic: string;
  revisions: number;
  latestCreated: string;
  /** KServe's status.components.predictor, as PropagateStatus keeps it across reconciles. */
  rolledOut: string;
  previous: string;
}

/** Start the stand-in; `readyDelayMs` is how long a new revision takes to become ready (default 300 ms). */
export async function startStandInKserveController(cluster: Pick<KubeCluster, 'kubeconfigPath'>, readyDelayMs = 300): Promise<StandInKserveController> {
  const kc = new KubeConfig();
  kc.loadFromFile(cluster.kubeconfigPath);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const errors: string[] = [];
  const services = new Map<string, Ksvc>();
  const timers = new Set<NodeJS.Timeout>();
  let stopped = false;

  const informer = makeInformer<InferenceServiceObject>(kc, `/apis/${GROUP}/${VERSION}/${PLURAL}`, () =>
    custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURAL }) as Promise<KubernetesListObject<InferenceServiceObject>>,
  );
  const queue = createReconcileQueue<InferenceServiceObject>({ latest: (ns, name) => informer.get(name, ns), reconcile: (o) => reconcile(o), errors });

  const writeStatus = (isvc: InferenceServiceObject, status: Record<string, unknown>) =>
    custom.patchNamespacedCustomObjectStatus({
      group: GROUP, version: VERSION, namespace: isvc.metadata!.namespace!, plural: PLURAL, name: isvc.metadata!.name!,
      body: [{ op: 'add', path: '/status', value: status }],
    });
  const condition = (type: string, status: string, reason?: string) => ({ type, status, lastTransitionTime: new Date().toISOString(), ...(reason ? { reason } : {}) });

  const reconcile = async (isvc: InferenceServiceObject) => {
    if (isvc.metadata?.annotations?.[MODE_ANNOTATION] !== 'Knative') return;
    const namespace = isvc.metadata!.namespace!;
    const name = isvc.metadata!.name!;
    const key = `${namespace}/${name}`;
    if (isvc.metadata?.annotations?.[STOP_ANNOTATION] === 'true') {
      // pkg/controller/v1beta1/inferenceservice/components/predictor.go:252-269: under the stop annotation the status
      // is cleared, the deployment mode kept, PredictorReady False/Stopped; the Knative Service is deleted (its
      // revisions with it). Ready follows from the living condition set (inference_service_status.go:295).
      services.delete(key);
      if (isvc.status?.conditions?.some((c: any) => c.type === 'PredictorReady' && c.reason === 'Stopped')) return;
      await writeStatus(isvc, { deploymentMode: 'Knative', conditions: [condition('PredictorReady', 'False', 'Stopped'), condition('Ready', 'False', 'Stopped')] });
      return;
    }
    const predictor = isvc.spec?.predictor ?? {};
    const { canaryTrafficPercent: percent, ...template } = predictor;
    // The Knative Service's spec: the revision template (the predictor, and the InferenceService's annotations, which
    // KServe copies into it: components/predictor.go:100 and ksvc_reconciler.go) and the traffic block.
    const templateKey = JSON.stringify([template, isvc.metadata?.annotations ?? {}]);
    let ksvc = services.get(key);
    if (!ksvc) ksvc = { generation: 0, template: '', traffic: '', revisions: 0, latestCreated: '', rolledOut: '', previous: '' };
    const newRevision = ksvc.template !== templateKey;
    if (newRevision) {
      ksvc.revisions += 1;
      // Knative names revisions <configuration>-<5 digits>; KServe's configuration is <isvc>-predictor
      // (pkg/constants/constants.go:799 PredictorServiceName).
      ksvc.latestCreated = `${name}-predictor-${String(ksvc.revisions).padStart(5, '0')}`;
    }
    // reconcilers/knative/ksvc_reconciler.go:132-163: with canaryTrafficPercent and a rolled-out revision, the latest
    // revision gets that share and the rolled-out one (tag "prev") the rest; otherwise the latest gets 100%. No "latest"
    // tag: that needs the serving.kserve.io/enable-tag-routing annotation (ksvc_reconciler.go:139).
    const traffic = percent !== undefined && ksvc.rolledOut
      ? [{ revisionName: ksvc.latestCreated, latestRevision: true, percent }, ...(percent < 100 ? [{ revisionName: ksvc.rolledOut, latestRevision: false, percent: 100 - percent, tag: 'prev' }] : [])]
      : [{ revisionName: ksvc.latestCreated, latestRevision: true, percent: 100 }];
    const trafficKey = JSON.stringify(traffic);
    // Nothing changed in the Knative Service (this event is our own status write, say): nothing to do.
    if (!newRevision && ksvc.traffic === trafficKey) return;
    ksvc.generation += 1;
    ksvc.template = templateKey;
    ksvc.traffic = trafficKey;
    services.set(key, ksvc);
    const generation = ksvc.generation;
    // inference_service_status.go:566-636 PropagateStatus while the new revision is not ready: PredictorReady (from the
    // Knative Service's Ready) Unknown, latestCreatedRevision set, observedGeneration the Knative Service's (line 635).
    await writeStatus(isvc, {
      ...(isvc.status ?? {}),
      deploymentMode: 'Knative', // controller.go:425
      observedGeneration: generation,
      conditions: [condition('PredictorReady', 'Unknown'), ...(isvc.status?.conditions ?? []).filter((c: any) => c.type === 'IngressReady'), condition('Ready', 'Unknown')],
      components: { predictor: { ...(isvc.status?.components?.predictor ?? {}), latestCreatedRevision: ksvc.latestCreated } },
    });
    const timer = setTimeout(() => {
      timers.delete(timer);
      queue.enqueue(namespace, name, async () => {
        const latest = informer.get(name, namespace);
        const now = services.get(key);
        if (!latest || !now || now.generation !== generation) return;
        // PropagateStatus (inference_service_status.go:576-600): when the latest ready revision carries 100% as the
        // latest, it becomes latestRolledoutRevision and the one before previousRolledoutRevision.
        const latestTarget = traffic.find((t) => t.latestRevision)!;
        if (now.rolledOut !== now.latestCreated && latestTarget.percent === 100) {
          now.previous = now.rolledOut;
          now.rolledOut = now.latestCreated;
        }
        const host = `${name}.${namespace}.example.com`;
        await writeStatus(latest, {
          deploymentMode: 'Knative',
          observedGeneration: generation,
          // reconcilers/ingress/ingress_reconciler.go:110-122: status.url from the ingress domain, address the
          // cluster-local host, IngressReady True.
          url: `http://${host}`,
          address: { url: `http://${name}.${namespace}.svc.cluster.local` },
          // Ready is True when PredictorReady and IngressReady are (the living condition set, line 295).
          conditions: [condition('IngressReady', 'True'), condition('PredictorReady', 'True'), condition('Ready', 'True')],
          modelStatus: { transitionStatus: 'UpToDate' }, // the CRD's default (inference_service_status.go:156)
          components: {
            predictor: {
              url: `http://${name}-predictor.${namespace}.example.com`,
              latestCreatedRevision: now.latestCreated,
              latestReadyRevision: now.latestCreated,
              latestRolledoutRevision: now.rolledOut,
              ...(now.previous ? { previousRolledoutRevision: now.previous } : {}),
              traffic, // line 628: the Knative Service's traffic as it is
            },
          },
        });
      });
    }, readyDelayMs);
    timers.add(timer);
  };

  const onChange = (isvc: InferenceServiceObject) => queue.enqueue(isvc.metadata!.namespace!, isvc.metadata!.name!, () => reconcile(isvc));
  informer.on('add', onChange);
  informer.on('update', onChange);
  informer.on('delete', (isvc) => services.delete(`${isvc.metadata!.namespace}/${isvc.metadata!.name}`));
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
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await queue.drain();
    },
  };
}
