import type { ZodType } from 'zod';
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
  /**
   * Only the settings schema (zod, nothing heavier): every read of the dotfile validates the
   * settings of built-in components with it, `flavor list` included.
   */
  loadSettingsSchema: () => Promise<ZodType>;
}

/**
 * The flavors that ship with the CLI, the one source of their descriptions (the classes'
 * DESCRIPTION reads it). Each loads lazily so `zenml --help` and `flavor list` never pay for a
 * flavor's dependencies. A new built-in flavor is one more entry here.
 */
export const BUILTIN_FLAVORS: readonly BuiltinFlavor[] = [
  {
    name: 'local',
    type: 'model_deployer',
    integration: 'built-in',
    source: 'built-in',
    description: 'ONNX models served by the embedded model server in a background process (the default)',
    load: async () => (await import('../integrations/local/index.js')).LocalModelDeployer,
    loadSettingsSchema: async () => (await import('../integrations/local/local-settings.js')).localSettingsSchema,
  },
  {
    name: 'mlflow',
    type: 'model_deployer',
    integration: 'mlflow',
    source: 'built-in',
    description: 'MLflow models: onnx on the embedded model server, others with `mlflow models serve`, in background processes',
    load: async () => (await import('../integrations/mlflow/index.js')).MlflowModelDeployer,
    loadSettingsSchema: async () => (await import('../integrations/mlflow/mlflow-settings.js')).mlflowSettingsSchema,
  },
  {
    name: 'seldon',
    type: 'model_deployer',
    integration: 'seldon',
    source: 'built-in',
    description: 'Seldon Core deployments on Kubernetes (SeldonDeployment custom resources)',
    load: async () => (await import('../integrations/seldon/index.js')).SeldonModelDeployer,
    loadSettingsSchema: async () => (await import('../integrations/seldon/seldon-settings.js')).seldonSettingsSchema,
  },
  {
    name: 'kserve',
    type: 'model_deployer',
    integration: 'kserve',
    source: 'built-in',
    description: 'KServe InferenceServices on Kubernetes, with canary rollouts (promote, rollback)',
    load: async () => (await import('../integrations/kserve/index.js')).KserveModelDeployer,
    loadSettingsSchema: async () => (await import('../integrations/kserve/kserve-settings.js')).kserveSettingsSchema,
  },
];

/** The built-in flavor called `name`, if any. */
export function findBuiltinFlavor(name: string): BuiltinFlavor | undefined {
  return BUILTIN_FLAVORS.find((f) => f.name === name);
}

/** The description `flavor list` shows for a built-in flavor (its class's DESCRIPTION is this). */
export function builtinDescription(name: string): string {
  return findBuiltinFlavor(name)?.description ?? '';
}

/** The settings schemas of the built-in flavors among `flavorNames` (small modules: zod only). */
export async function loadBuiltinSettingsSchemas(flavorNames: Iterable<string>): Promise<Record<string, ZodType>> {
  const schemas: Record<string, ZodType> = {};
  // One after the other: they share modules (mlflow's extends local's), so parallel imports gain nothing.
  for (const name of new Set(flavorNames)) {
    const builtin = findBuiltinFlavor(name);
    if (builtin) schemas[name] = await builtin.loadSettingsSchema();
  }
  return schemas;
}
