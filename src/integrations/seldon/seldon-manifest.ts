/**
 * The SeldonDeployment of a service: a pure function of the service, the deployer settings and where it
 * goes, so it is tested table by table without a cluster.
 */
import type { KubeObject } from '../kubernetes/kube-client.js';
import { managedMetadata, type StoredService } from '../kubernetes/kube-labels.js';
import { apiVersionOf } from '../kubernetes/resource-kind.js';
import { SPEC_MARK_ANNOTATION, specMark } from '../kubernetes/spec-mark.js';
import type { ManifestTarget } from '../kubernetes/kubernetes-deployer.js';
import { parseServiceConfig } from '../../services/service-config.js';
import { SELDON_DEPLOYMENT, SELDON_GRAPH_NODE, SELDON_PREDICTOR } from './seldon-kind.js';
import { resolveSeldonServiceSettings } from './seldon-service-settings.js';
import type { SeldonSettings } from './seldon-settings.js';

/** The deployer settings a manifest depends on. */
export type SeldonManifestSettings = Pick<SeldonSettings, 'secret' | 'serviceAccountName'>;

/**
 * `machinelearning.seldon.io/v1` SeldonDeployment with one predictor whose graph is one `classifier`
 * node. Resources, extra args and a custom image go on the `classifier` container of the predictor's
 * componentSpecs (Seldon merges it into the pre-packaged server's container). Throws UsageError for
 * invalid `-c` settings.
 */
export function buildSeldonDeployment(service: StoredService, settings: SeldonManifestSettings, target: ManifestTarget): KubeObject {
  const config = parseServiceConfig(service.config);
  const s = resolveSeldonServiceSettings(config);
  const container = {
    ...(s.image ? { image: s.image } : {}),
    ...(s.extraArgs.length ? { args: s.extraArgs } : {}),
    ...(s.resources ? { resources: s.resources } : {}),
  };
  const graph = {
    name: SELDON_GRAPH_NODE,
    type: 'MODEL',
    ...(s.implementation ? { implementation: s.implementation } : {}),
    ...(config.modelUri ? { modelUri: config.modelUri } : {}),
    ...(settings.secret ? { envSecretRefName: settings.secret } : {}),
    ...(settings.serviceAccountName ? { serviceAccountName: settings.serviceAccountName } : {}),
    ...(s.parameters.length ? { parameters: s.parameters } : {}),
    children: [],
  };
  const predictor = {
    name: SELDON_PREDICTOR,
    replicas: s.replicas,
    ...(Object.keys(s.podLabels).length ? { labels: s.podLabels } : {}),
    graph,
    ...(Object.keys(container).length ? { componentSpecs: [{ spec: { containers: [{ name: SELDON_GRAPH_NODE, ...container }] } }] } : {}),
  };
  const spec = { name: target.name, protocol: s.protocol, predictors: [predictor] };
  return {
    apiVersion: apiVersionOf(SELDON_DEPLOYMENT),
    kind: SELDON_DEPLOYMENT.kind,
    metadata: managedMetadata(target, service),
    // The operator copies spec.annotations onto the predictor's Deployment: the mark tells when it has acted on this spec.
    spec: { ...spec, annotations: { [SPEC_MARK_ANNOTATION]: specMark(spec) } },
  };
}
