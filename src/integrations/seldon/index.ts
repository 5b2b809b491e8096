/** The built-in `seldon` flavor. Importing it must stay cheap: the Kubernetes client loads on first connect. */
import { SeldonModelDeployer } from './seldon-deployer.js';

export { SeldonModelDeployer } from './seldon-deployer.js';
export { SeldonDeploymentService, type SeldonLiveFacts } from './seldon-service.js';
export { seldonSettingsSchema, type SeldonSettings } from './seldon-settings.js';
export { buildSeldonDeployment, type SeldonManifestSettings } from './seldon-manifest.js';
export { readSeldonState, readSeldonReplicas, seldonScalePatch, seldonLiveFacts } from './seldon-status.js';
export { seldonEndpoint, seldonServerInfo, v2ModelName } from './seldon-info.js';
export { resolveSeldonServiceSettings, SELDON_IMPLEMENTATIONS, MODEL_TYPE_DEFAULTS, type SeldonServiceSettings } from './seldon-service-settings.js';
export { SELDON_DEPLOYMENT, SELDON_GRAPH_NODE, SELDON_POD_LABEL, SELDON_PREDICTOR } from './seldon-kind.js';

/** The flavor class, as the flavor loader expects a default export. */
export default SeldonModelDeployer;
