import type { ResolvedConfig } from '../config/resolve-config.js';
import { FlavorContractError, NotFoundError } from '../errors.js';
import type { ModelDeployerClass } from '../deployers/base-model-deployer.js';
import { BUILTIN_FLAVORS, findBuiltinFlavor, type FlavorSummary } from './builtin-flavors.js';
import { importFlavorModule } from './load-flavor-module.js';
import { pickFlavorExport, validateFlavorClass } from './validate-flavor.js';

/** Built-in flavors followed by the custom ones registered in the dotfile; loads no code. */
export function listFlavors(config: ResolvedConfig): FlavorSummary[] {
  const custom = Object.entries(config.flavors).map(([name, entry]) => ({
    name,
    type: 'model_deployer' as const,
    integration: 'custom',
    source: entry.export ? `${entry.source}#${entry.export}` : entry.source,
    description: entry.description ?? '',
  }));
  return [...BUILTIN_FLAVORS.map(({ load: _load, ...summary }) => summary), ...custom];
}

/** Load and validate a custom flavor from its source file (re-checked on every load). */
export async function loadFlavorFromSource(sourcePath: string, exportName?: string): Promise<ModelDeployerClass> {
  const mod = await importFlavorModule(sourcePath);
  return validateFlavorClass(pickFlavorExport(mod, sourcePath, exportName), sourcePath);
}

/** The deployer class of flavor `name`: built-in, or registered in the dotfile. */
export async function loadFlavor(config: ResolvedConfig, name: string): Promise<ModelDeployerClass> {
  const builtin = findBuiltinFlavor(name);
  if (builtin) return builtin.load();
  const entry = config.flavors[name];
  if (!entry) {
    throw new NotFoundError(`no flavor named '${name}'`, {
      suggestion: `known flavors: ${listFlavors(config).map((f) => f.name).join(', ')}; register one with \`zenml model-deployer flavor register <path>\``,
    });
  }
  const cls = await loadFlavorFromSource(entry.sourcePath, entry.export);
  if (cls.FLAVOR !== name) {
    throw new FlavorContractError(`${entry.sourcePath} now declares FLAVOR '${cls.FLAVOR}', but it is registered as '${name}'`, {
      suggestion: `re-register it: zenml model-deployer flavor delete ${name} && zenml model-deployer flavor register ${entry.source}`,
    });
  }
  return cls;
}

/** Split `path#ExportName` into its parts. */
export function parseFlavorSource(spec: string): { source: string; exportName?: string } {
  const hash = spec.lastIndexOf('#');
  if (hash <= 0) return { source: spec };
  return { source: spec.slice(0, hash), exportName: spec.slice(hash + 1) || undefined };
}
