/**
 * The InferenceService of a service: a pure function of the service, the deployer settings and where
 * it goes, so it is tested table by table without a cluster.
 */
import type { KubeObject } from '../kubernetes/kube-client.js';
import { managedMetadata, type StoredService } from '../kubernetes/kube-labels.js';
import type { ManifestTarget } from '../kubernetes/kubernetes-deployer.js';
import { apiVersionOf } from '../kubernetes/resource-kind.js';
import { UsageError } from '../../errors.js';
import { parseServiceConfig } from '../../services/service-config.js';
import { INFERENCE_SERVICE, KSERVE_DEPLOYMENT_MODE_ANNOTATION } from './kserve-kind.js';
import { resolveKserveServiceSettings } from './kserve-service-settings.js';
import type { KserveSettings } from './kserve-settings.js';

/** The deployer settings a manifest depends on. */
export type KserveManifestSettings = Pick<KserveSettings, 'secret' | 'serviceAccountName' | 'deploymentMode'>;

/**
 * `serving.kserve.io/v1beta1` InferenceService with one predictor: `spec.predictor.model` (format,
 * storageUri, runtime, protocolVersion, resources), the replica bounds, the canary percentage and the
 * service account. Throws UsageError for invalid `-c` settings.
 */
export function buildInferenceService(service: StoredService, settings: KserveManifestSettings, target: ManifestTarget): KubeObject {
  const config = parseServiceConfig(service.config);
  const s = resolveKserveServiceSettings(config);
  if (s.canaryTrafficPercent !== undefined && settings.deploymentMode === 'RawDeployment') {
    // KServe splits traffic between revisions only in Serverless mode (Knative keeps the revisions).
    throw new UsageError('-c canaryTrafficPercent: canary rollouts need deploymentMode Serverless (this deployer uses RawDeployment)');
  }
  const model = {
    modelFormat: { name: s.modelFormat },
    ...(config.modelUri ? { storageUri: config.modelUri } : {}),
    ...(s.runtime ? { runtime: s.runtime } : {}),
    ...(s.protocolExplicit ? { protocolVersion: s.protocol } : {}),
    ...(s.resources ? { resources: s.resources } : {}),
    ...(settings.secret ? { envFrom: [{ secretRef: { name: settings.secret } }] } : {}),
  };
  const predictor = {
    model,
    ...(s.minReplicas !== undefined ? { minReplicas: s.minReplicas } : {}),
    ...(s.maxReplicas !== undefined ? { maxReplicas: s.maxReplicas } : {}),
    ...(s.canaryTrafficPercent !== undefined ? { canaryTrafficPercent: s.canaryTrafficPercent } : {}),
    ...(settings.serviceAccountName ? { serviceAccountName: settings.serviceAccountName } : {}),
  };
  const managed = managedMetadata(target, service);
  const annotations: Record<string, string> = { ...managed.annotations };
  if (settings.deploymentMode) annotations[KSERVE_DEPLOYMENT_MODE_ANNOTATION] = settings.deploymentMode;
  const metadata = { ...managed, annotations };
  return {
    apiVersion: apiVersionOf(INFERENCE_SERVICE),
    kind: INFERENCE_SERVICE.kind,
    metadata,
    spec: { predictor },
  };
}
