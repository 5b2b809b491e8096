/** The built-in `kserve` flavor. Importing it must stay cheap: the Kubernetes client loads on first connect. */
import { KserveModelDeployer } from './kserve-deployer.js';

export { KserveModelDeployer } from './kserve-deployer.js';
export { InferenceServiceService, type KserveLiveFacts } from './kserve-service.js';
export { kserveSettingsSchema, KSERVE_DEPLOYMENT_MODES, type KserveSettings } from './kserve-settings.js';
export { buildInferenceService, type KserveManifestSettings } from './kserve-manifest.js';
export { readKserveState, kserveLiveFacts, predictorRevisions, rollbackTarget, describeTraffic, isKserveStopped, type TrafficTarget } from './kserve-status.js';
export { kserveEndpoint, kserveHostHeader, kserveServerInfo } from './kserve-info.js';
export { resolveKserveServiceSettings, kserveServiceSettingsSchema, KSERVE_MODEL_FORMATS, type KserveServiceSettings } from './kserve-service-settings.js';
export { INFERENCE_SERVICE, KSERVE_CONTAINER, KSERVE_POD_LABEL, KSERVE_STOP_ANNOTATION, KSERVE_DEPLOYMENT_MODE_ANNOTATION } from './kserve-kind.js';

/** The flavor class, as the flavor loader expects a default export. */
export default KserveModelDeployer;
