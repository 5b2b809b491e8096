// The few facts about deployer classes that the flavor registry needs, kept apart from the base
// class so that listing and validating flavors loads nothing else.
import type { ModelDeployerClass } from './base-model-deployer.js';

/**
 * Brand on every BaseModelDeployer subclass. Symbol.for is shared across module copies,
 * so a flavor that imports this package from its own node_modules still passes the check.
 */
export const MODEL_DEPLOYER_BRAND = Symbol.for('zenml.BaseModelDeployer');

/** The hooks a flavor must implement; the loader checks each is a function. */
export const REQUIRED_DEPLOYER_METHODS = [
  'performDeployModel',
  'performStopModel',
  'performStartModel',
  'performDeleteModel',
  'listModelServers',
  'getModelServerInfo',
  'getModelServerLogs',
] as const;

/** True when `value` is a deployer class (by brand, so copies of this package count too). */
export function isModelDeployerClass(value: unknown): value is ModelDeployerClass {
  return typeof value === 'function' && (value as unknown as Record<symbol, unknown>)[MODEL_DEPLOYER_BRAND] === true;
}
