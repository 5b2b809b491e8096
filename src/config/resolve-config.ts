import path from 'node:path';
import { DEFAULT_FLAVOR, DEFAULT_NAME, type Dotfile, type FlavorEntry, type ModelDeployerEntry, type StackEntry } from './schema.js';

/** The configuration with defaults filled in and paths made absolute; never written back. */
export interface ResolvedConfig {
  /** Absolute path of the dotfile. */
  filepath: string;
  /** The folder relative paths are resolved against. */
  configDir: string;
  activeStack: string;
  stacks: Record<string, StackEntry>;
  modelDeployers: Record<string, Required<ModelDeployerEntry>>;
  /** Custom flavors with absolute source paths. */
  flavors: Record<string, FlavorEntry & { sourcePath: string }>;
}

/**
 * Fill in the built-in `default` stack and `default` deployer (so a fresh project deploys with
 * no setup) and make flavor paths absolute.
 */
export function resolveDotfile(filepath: string, data: Dotfile): ResolvedConfig {
  const configDir = path.dirname(filepath);
  const modelDeployers: ResolvedConfig['modelDeployers'] = {
    [DEFAULT_NAME]: { flavor: DEFAULT_FLAVOR, settings: {} },
  };
  for (const [name, entry] of Object.entries(data.modelDeployers ?? {})) {
    modelDeployers[name] = { flavor: entry.flavor, settings: entry.settings ?? {} };
  }
  const flavors: ResolvedConfig['flavors'] = {};
  for (const [name, entry] of Object.entries(data.flavors ?? {})) {
    flavors[name] = { ...entry, sourcePath: path.resolve(configDir, entry.source) };
  }
  return {
    filepath,
    configDir,
    activeStack: data.activeStack ?? DEFAULT_NAME,
    stacks: { [DEFAULT_NAME]: { modelDeployer: DEFAULT_NAME }, ...(data.stacks ?? {}) },
    modelDeployers,
    flavors,
  };
}
