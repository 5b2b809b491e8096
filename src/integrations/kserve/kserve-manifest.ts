/**
 * The InferenceService of a service: a pure function of the service, the deployer settings, where it goes and (for
 * a `--replace`) the live resource it replaces, so it is tested table by table without a cluster.
 */
import type { KubeObject } from '../kubernetes/kube-client.js';
import { managedMetadata, type StoredService } from '../kubernetes/kube-labels.js';
import type { ManifestTarget } from '../kubernetes/kubernetes-deployer.js';
import { apiVersionOf } from '../kubernetes/resource-kind.js';
import { SPEC_MARK_ANNOTATION, specMark } from '../kubernetes/spec-mark.js';
import { UsageError } from '../../errors.js';
import { parseServiceConfig } from '../../services/service-config.js';
import { INFERENCE_SERVICE, KSERVE_DEPLOYMENT_MODE_ANNOTATION } from './kserve-kind.js';
import { resolveKserveServiceSettings } from './kserve-service-settings.js';
import { currentModeName, type KserveSettings } from './kserve-settings.js';
import { nextCanaryName, predictorOf, type CanaryEntry } from './kserve-canary.js';
import { kserveModeOf, type KserveMode } from './kserve-status.js';

/** The deployer settings a manifest depends on. */
export type KserveManifestSettings = Pick<KserveSettings, 'secret' | 'serviceAccountName' | 'deploymentMode'>;

/**
 * `serving.kserve.io/v1beta1` InferenceService with one predictor: `spec.predictor.model` (format, storageUri,
 * runtime, protocolVersion, resources), the replica bounds and the service account; the mark of its spec
 * (spec-mark.ts) in the annotations. With `-c canaryTrafficPercent`, the new model runs beside the live one:
 * in Standard mode as a `spec.canary[]` entry next to the live predictor (KServe 0.20's canary; it needs a live
 * resource, so a first deploy is refused), in Knative mode as the predictor's `canaryTrafficPercent` (Knative's
 * traffic split between the new revision and the rolled-out one). Throws UsageError for invalid `-c` settings.
 */
export function buildInferenceService(service: StoredService, settings: KserveManifestSettings, target: ManifestTarget, live?: KubeObject): KubeObject {
  const config = parseServiceConfig(service.config);
  const s = resolveKserveServiceSettings(config);
  const model = {
    modelFormat: { name: s.modelFormat },
    ...(config.modelUri ? { storageUri: config.modelUri } : {}),
    ...(s.runtime ? { runtime: s.runtime } : {}),
    ...(s.protocolExplicit ? { protocolVersion: s.protocol } : {}),
    ...(s.resources ? { resources: s.resources } : {}),
    ...(settings.secret ? { envFrom: [{ secretRef: { name: settings.secret } }] } : {}),
  };
  const account = settings.serviceAccountName ? { serviceAccountName: settings.serviceAccountName } : {};
  const livePredictor = live && predictorOf(live);
  const mode: KserveMode | undefined = settings.deploymentMode ? currentModeName(settings.deploymentMode) : live && kserveModeOf(live);
  let spec: Record<string, unknown>;
  if (s.canaryTrafficPercent !== undefined && mode === 'Standard') {
    if (!livePredictor) {
      throw new UsageError('-c canaryTrafficPercent: a canary runs beside a model already deployed (KServe Standard mode)', {
        suggestion: 'deploy the model first, then deploy --replace -c canaryTrafficPercent=N with the new one',
      });
    }
    const canaryName = nextCanaryName(live!);
    refuseLongCanaryHost(target, canaryName);
    const canary: CanaryEntry = {
      // A canary at 0% (a dark launch) still gets a pod: KServe sizes a canary by its share of the stable replicas.
      predictor: { name: canaryName, model, ...account, ...(s.canaryTrafficPercent === 0 ? { minReplicas: 1 } : {}) },
      trafficPercent: s.canaryTrafficPercent,
    };
    spec = { predictor: livePredictor, canary: [canary] };
  } else {
    spec = {
      predictor: {
        // A replace keeps the live predictor's name (after a promote, its Deployment is {isvc}-{name}-predictor).
        ...(livePredictor?.name ? { name: livePredictor.name } : {}),
        model,
        ...(s.minReplicas !== undefined ? { minReplicas: s.minReplicas } : {}),
        ...(s.maxReplicas !== undefined ? { maxReplicas: s.maxReplicas } : {}),
        ...(s.canaryTrafficPercent !== undefined ? { canaryTrafficPercent: s.canaryTrafficPercent } : {}),
        ...account,
      },
    };
  }
  const managed = managedMetadata(target, service);
  const annotations: Record<string, string> = { ...managed.annotations, [SPEC_MARK_ANNOTATION]: specMark(spec) };
  if (settings.deploymentMode) annotations[KSERVE_DEPLOYMENT_MODE_ANNOTATION] = currentModeName(settings.deploymentMode);
  return {
    apiVersion: apiVersionOf(INFERENCE_SERVICE),
    kind: INFERENCE_SERVICE.kind,
    metadata: { ...managed, annotations },
    spec,
  };
}

/** The longest DNS label: KServe's host name of a canary must fit in one (RFC 1123). */
const MAX_LABEL = 63;

/**
 * KServe 0.20 names a canary's host `<isvc>-<canary>-predictor-<namespace>` and refuses one longer than a DNS label
 * (pkg/controller/v1beta1/inferenceservice/reconcilers/raw/raw_kube_reconciler.go: "failed creating host name",
 * through ingress/domain.go GenerateDomainName) — in its log only, never in the status, so the canary would never
 * come up. Refused here, before anything changes (exit 2).
 */
function refuseLongCanaryHost(target: ManifestTarget, canaryName: string): void {
  const host = `${target.name}-${canaryName}-predictor-${target.namespace}`;
  if (host.length <= MAX_LABEL) return;
  const room = MAX_LABEL - (host.length - target.namespace.length);
  throw new UsageError(
    `-c canaryTrafficPercent: KServe cannot name this canary's host: '${host}' is ${host.length} characters, more than ${MAX_LABEL} (KServe builds it from the InferenceService name, the canary name, "predictor" and the namespace)`,
    { code: 'KSERVE_CANARY_HOST_TOO_LONG', suggestion: `canaries of this model server need a namespace of at most ${Math.max(0, room)} characters (this one is '${target.namespace}')` },
  );
}
