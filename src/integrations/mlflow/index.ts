/** The built-in `mlflow` flavor. Importing it must stay cheap: it spawns servers, never loads onnxruntime or Python. */
import { MlflowModelDeployer } from './mlflow-deployer.js';

export { MlflowModelDeployer } from './mlflow-deployer.js';
export { MlflowModelService, type MlflowServiceExtra } from './mlflow-service.js';
export { mlflowSettingsSchema, type MlflowSettings } from './mlflow-settings.js';
export { readMlModel, MLMODEL_FILE, type MlModel, type ServingFlavor } from './mlmodel.js';
export { resolveMlflow, type MlflowRuntime } from './mlflow-command.js';

/** The flavor class, as the flavor loader expects a default export. */
export default MlflowModelDeployer;
