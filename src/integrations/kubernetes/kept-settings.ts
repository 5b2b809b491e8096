/**
 * `deploy --replace` on a cluster flavor keeps the service settings (`-c` keys) of the config it replaces
 * unless they are given again: a server deployed with `-c replicas=2` and replaced with a new model keeps
 * two replicas instead of silently dropping to the default. What identifies the model (name, URI, type,
 * version, pipeline, step, run) always comes from the new deploy, and a flavor may name settings that
 * describe one rollout rather than the server (KServe's canaryTrafficPercent), which are never kept.
 */
import { ServiceConfigSchema, type ServiceConfig } from '../../services/service-config.js';

const IDENTITY_KEYS = new Set(Object.keys(ServiceConfigSchema.shape));

/** The new config with the previous config's service settings filled in where the new one lacks them. Pure. */
export function keepServiceSettings(previous: Record<string, unknown>, next: ServiceConfig, transient: readonly string[] = []): ServiceConfig {
  const kept: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(previous)) {
    if (IDENTITY_KEYS.has(key) || transient.includes(key) || value === undefined || Object.hasOwn(next, key)) continue;
    kept[key] = structuredClone(value);
  }
  return { ...kept, ...next };
}
