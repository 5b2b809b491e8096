import type { ModelDeployerClass } from '../deployers/base-model-deployer.js';

/** What `flavor list` shows about a flavor without loading its code. */
export interface FlavorSummary {
  name: string;
  type: 'model_deployer';
  integration: string;
  /** "built-in" or the registered source path. */
  source: string;
  description: string;
}

/** A built-in flavor: its summary, and its code imported only when a command needs it. */
export interface BuiltinFlavor extends FlavorSummary {
  load: () => Promise<ModelDeployerClass>;
}

/**
 * The flavors that ship with the CLI. Each loads lazily so `zenml --help` and `flavor list`
 * never pay for a flavor's dependencies.
 */
export const BUILTIN_FLAVORS: readonly BuiltinFlavor[] = [
  {
    name: 'local',
    type: 'model_deployer',
    integration: 'built-in',
    source: 'built-in',
    description: 'ONNX models served by the embedded model server in a background process (the default)',
    load: async () => (await import('../integrations/local/index.js')).LocalModelDeployer,
  },
  { name: 'mlflow', type: 'model_deployer', integration: 'mlflow', source: 'built-in', description: 'MLflow models: onnx on the embedded model server, others with `mlflow models serve`, in background processes', load: async () => (await import('../integrations/mlflow/index.js')).MlflowModelDeployer },
  {
    name: 'seldon',
    type: 'model_deployer',
    integration: 'seldon',
    source: 'built-in',
    description: 'Seldon Core deployments on Kubernetes (SeldonDeployment custom resources)',
    load: async () => (await import('../integrations/seldon/index.js')).SeldonModelDeployer,
  },
];

/** The built-in flavor called `name`, if any. */
export function findBuiltinFlavor(name: string): BuiltinFlavor | undefined {
  return BUILTIN_FLAVORS.find((f) => f.name === name);
}
