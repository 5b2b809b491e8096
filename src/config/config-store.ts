import { ConfigError } from '../errors.js';
import { locateConfig, type ConfigLocation, type LocateOptions } from './locate-config.js';
import { readDotfile, isPlainObject } from './read-config.js';
import { resolveDotfile, type ResolvedConfig } from './resolve-config.js';
import { validateDotfile, type ValidatedDotfile } from './validate-config.js';
import { loadBuiltinSettingsSchemas } from '../flavors/builtin-flavors.js';

/** The configuration as loaded for one command. */
export interface LoadedConfig {
  location: ConfigLocation;
  resolved: ResolvedConfig;
  /** Unknown keys and other non-fatal findings, one line each. */
  warnings: string[];
}

/** Locate, read, validate and resolve the dotfile. */
export async function loadConfig(options: LocateOptions): Promise<LoadedConfig> {
  const location = await locateConfig(options);
  const file = await readDotfile(location.filepath);
  const { data, warnings } = await checkDotfile(location.filepath, file.raw);
  return { location, resolved: resolveDotfile(location.filepath, data), warnings };
}

/**
 * Validate the whole dotfile, built-in components' settings included (their schemas are small
 * zod modules, loaded only for the flavors the file uses).
 */
export async function checkDotfile(filepath: string, raw: Record<string, unknown>): Promise<ValidatedDotfile> {
  const components = isPlainObject(raw.modelDeployers) ? Object.values(raw.modelDeployers) : [];
  const flavors = components.map((c) => (isPlainObject(c) && typeof c.flavor === 'string' ? c.flavor : ''));
  return validateDotfile(filepath, raw, { settingsSchemas: await loadBuiltinSettingsSchemas(flavors) });
}

/** The raw sections a command may edit; each is created on first use. */
export interface EditableDotfile {
  raw: Record<string, unknown>;
  /** `raw[key]` as an object, created when missing. */
  section(key: 'modelDeployers' | 'stacks' | 'flavors'): Record<string, unknown>;
  /** The configuration as it was before this edit, resolved. */
  before: ResolvedConfig;
}

/**
 * Change the dotfile under its lock: re-read it, refuse to touch an invalid file, apply `edit`,
 * validate the result, write atomically. Returns what `edit` returns.
 */
export async function editConfig<T>(filepath: string, edit: (file: EditableDotfile) => T | Promise<T>): Promise<T> {
  // The lock and atomic-write libraries load only for commands that write.
  const { updateDotfile } = await import('./write-config.js');
  return updateDotfile(filepath, async (file) => {
    const { data } = await checkDotfile(filepath, file.raw);
    const before = resolveDotfile(filepath, data);
    const raw = file.raw;
    const section = (key: 'modelDeployers' | 'stacks' | 'flavors') => {
      if (!isPlainObject(raw[key])) raw[key] = {};
      return raw[key] as Record<string, unknown>;
    };
    if (raw.version === undefined) raw.version = 1;
    const result = await edit({ raw, section, before });
    try {
      await checkDotfile(filepath, raw);
    } catch (error) {
      throw new ConfigError(`refusing to write ${filepath}: the change would make it invalid: ${(error as Error).message}`, { cause: error });
    }
    return result;
  });
}
