import { existsSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../errors.js';
import { SUPPORTED_DOTFILE_FORMS, supportedDotfileName } from './format.js';
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

/** Options of loadConfig. */
export interface LoadOptions extends LocateOptions {
  /** The command creates the dotfile when it is missing (the `register` commands): a named file may be missing, its folder not. */
  creates?: boolean;
}

/** Locate, read, validate and resolve the dotfile. */
export async function loadConfig(options: LoadOptions): Promise<LoadedConfig> {
  const location = await locateConfig(options);
  if (location.origin === 'flag' || location.origin === 'env') checkNamedDotfile(location, options.creates === true);
  const file = await readDotfile(location.filepath);
  const { data, warnings } = await checkDotfile(location.filepath, file.raw);
  return { location, resolved: resolveDotfile(location.filepath, data), warnings };
}

/**
 * A dotfile named by `--config` or `ZENML_CONFIG` must have a format we can read and write, and exist unless the
 * command creates it (then its folder must exist: a typo in a path must not create directories).
 */
function checkNamedDotfile(location: ConfigLocation, creates: boolean): void {
  const from = location.origin === 'flag' ? '--config' : 'ZENML_CONFIG';
  if (!supportedDotfileName(location.filepath)) {
    throw new ConfigError(`${location.filepath} (from ${from}): unsupported dotfile extension '${path.extname(location.filepath)}'`, {
      suggestion: `name it with ${SUPPORTED_DOTFILE_FORMS}`,
    });
  }
  if (location.exists) return;
  if (!creates) {
    throw new ConfigError(`${location.filepath} (from ${from}) does not exist`, {
      suggestion: `check the path, or create it with 'zenml --config ${location.filepath} init'`,
    });
  }
  const folder = path.dirname(location.filepath);
  if (!existsSync(folder)) {
    throw new ConfigError(`${location.filepath} (from ${from}): folder ${folder} does not exist`, {
      suggestion: `check the path, or create the folder first (mkdir -p ${folder})`,
    });
  }
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
