/** The built-in `local` flavor. Importing it must stay cheap: it spawns the server, never loads onnxruntime. */
import { LocalModelDeployer } from './local-deployer.js';

export { LocalModelDeployer } from './local-deployer.js';
export { LocalModelService, type LocalServiceExtra } from './local-service.js';
export { localSettingsSchema, type LocalSettings } from './local-settings.js';

/** The flavor class, as the flavor loader expects a default export. */
export default LocalModelDeployer;
