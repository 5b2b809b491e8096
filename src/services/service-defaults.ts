/**
 * A flavor's service-setting defaults (its serviceSettingsSchema's `.default()`s) filled into a service config: a new
 * server is deployed with them, so the flavor sees the value `flavor describe` promises when `-c` omits the key.
 * Only the settings part of the config is parsed (the model and pipeline keys stay as they are), and a config the
 * schema does not accept is left as it is (the flavor's own validation speaks for it).
 */
import type * as z from 'zod';
import { ServiceConfigSchema, type ServiceConfig } from './service-config.js';

const MODEL_KEYS = new Set(Object.keys(ServiceConfigSchema.shape));

/** `config` with the schema's defaults filled in for the settings it omits. */
export function withServiceDefaults(schema: z.ZodType | undefined, config: ServiceConfig): ServiceConfig {
  if (!schema) return config;
  const settings = Object.fromEntries(Object.entries(config).filter(([key]) => !MODEL_KEYS.has(key)));
  const parsed = schema.safeParse(settings);
  if (!parsed.success || typeof parsed.data !== 'object' || parsed.data === null) return config;
  return { ...config, ...(parsed.data as Record<string, unknown>), ...Object.fromEntries(Object.entries(config).filter(([key]) => MODEL_KEYS.has(key))) };
}
