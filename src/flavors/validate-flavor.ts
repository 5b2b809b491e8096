import { FlavorContractError } from '../errors.js';
import { isModelDeployerClass, REQUIRED_DEPLOYER_METHODS } from '../deployers/brand.js';
import type { ModelDeployerClass } from '../deployers/base-model-deployer.js';
import { findBuiltinFlavor } from './builtin-flavors.js';

/**
 * Pick the deployer class out of a loaded module: the named export when given, else the
 * default export, else the only branded export. A CommonJS module (a `.cjs` file, or a `.ts`/`.js`
 * file in a package without `"type": "module"`) arrives with `module.exports` as its default:
 * that object is searched like the module itself, and its own `default` (compiled
 * `export default`) unwrapped.
 */
export function pickFlavorExport(mod: Record<string, unknown>, sourcePath: string, exportName?: string): unknown {
  const namespaces: Array<Record<string, unknown>> = [mod];
  let candidate: unknown = mod.default;
  while (typeof candidate === 'object' && candidate !== null) {
    namespaces.push(candidate as Record<string, unknown>);
    candidate = (candidate as Record<string, unknown>).default;
  }
  const exportNames = [
    ...(candidate !== undefined ? ['default'] : []),
    ...new Set(namespaces.flatMap((ns) => Object.keys(ns)).filter((k) => k !== 'default' && k !== 'module.exports')),
  ];
  if (exportName) {
    const holder = namespaces.find((ns) => exportName in ns);
    if (!holder) {
      throw new FlavorContractError(`${sourcePath} has no export named '${exportName}' (exports: ${exportNames.join(', ') || 'none'})`);
    }
    return holder[exportName];
  }
  if (candidate !== undefined) return candidate;
  const branded = [...new Set(namespaces.flatMap((ns) => Object.values(ns)).filter(isModelDeployerClass))];
  if (branded.length === 1) return branded[0];
  if (branded.length > 1) {
    throw new FlavorContractError(`${sourcePath} exports several model deployer classes; pick one with '${sourcePath}#ExportName'`);
  }
  throw new FlavorContractError(
    `${sourcePath} has no default export and none of its exports (${exportNames.join(', ') || 'none'}) is a class extending BaseModelDeployer`,
  );
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
