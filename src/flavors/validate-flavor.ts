import { FlavorContractError } from '../errors.js';
import { isModelDeployerClass, REQUIRED_DEPLOYER_METHODS } from '../deployers/brand.js';
import type { ModelDeployerClass } from '../deployers/base-model-deployer.js';
import { findBuiltinFlavor } from './builtin-flavors.js';

/**
 * Pick the deployer class out of a loaded module: the named export when given, else the
 * default export (unwrapped twice for CommonJS-through-ESM), else the only branded export.
 */
export function pickFlavorExport(mod: Record<string, unknown>, sourcePath: string, exportName?: string): unknown {
  if (exportName) {
    if (!(exportName in mod)) {
      throw new FlavorContractError(`${sourcePath} has no export named '${exportName}' (exports: ${Object.keys(mod).join(', ') || 'none'})`);
    }
    return mod[exportName];
  }
  let candidate: unknown = mod.default;
  while (candidate && typeof candidate === 'object' && 'default' in (candidate as object)) {
    candidate = (candidate as Record<string, unknown>).default;
  }
  if (candidate !== undefined) return candidate;
  const branded = Object.values(mod).filter(isModelDeployerClass);
  if (branded.length === 1) return branded[0];
  if (branded.length > 1) {
    throw new FlavorContractError(`${sourcePath} exports several model deployer classes; pick one with '${sourcePath}#ExportName'`);
  }
  throw new FlavorContractError(`${sourcePath} has no default export and no exported BaseModelDeployer subclass`);
}

/**
 * Check the flavor contract: a class extending BaseModelDeployer (by brand), a non-empty
 * FLAVOR that does not shadow a built-in, a zod config schema, and every required method.
 */
export function validateFlavorClass(value: unknown, sourcePath: string): ModelDeployerClass {
  if (typeof value !== 'function') {
    throw new FlavorContractError(`${sourcePath}: the export is ${value === null ? 'null' : typeof value}, expected a class extending BaseModelDeployer`);
  }
  if (!isModelDeployerClass(value)) {
    throw new FlavorContractError(`${sourcePath}: ${value.name || 'the exported class'} does not extend BaseModelDeployer`, {
      suggestion: "import { BaseModelDeployer } from 'zenml-model-deployer' and extend it",
    });
  }
  const cls = value as ModelDeployerClass;
  const className = (cls as unknown as { name: string }).name || 'the class';
  if (typeof cls.FLAVOR !== 'string' || cls.FLAVOR.trim() === '') {
    throw new FlavorContractError(`${sourcePath}: ${className} has no static FLAVOR name`);
  }
  if (findBuiltinFlavor(cls.FLAVOR)) {
    throw new FlavorContractError(`${sourcePath}: ${className}.FLAVOR '${cls.FLAVOR}' shadows the built-in flavor of that name; choose another`);
  }
  const schema = cls.configSchema as { safeParse?: unknown } | undefined;
  if (!schema || typeof schema.safeParse !== 'function') {
    throw new FlavorContractError(`${sourcePath}: ${className}.configSchema must be a zod schema`);
  }
  const proto = (cls as unknown as { prototype: Record<string, unknown> }).prototype;
  const missing = REQUIRED_DEPLOYER_METHODS.filter((m) => typeof proto[m] !== 'function');
  if (missing.length > 0) {
    throw new FlavorContractError(`${sourcePath}: ${className} does not implement ${missing.join(', ')}`, {
      details: { missing },
    });
  }
  return cls;
}
