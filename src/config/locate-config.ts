import { existsSync } from 'node:fs';
import path from 'node:path';
import { cosmiconfig } from 'cosmiconfig';

/** The cosmiconfig module name: `.zenmlrc`, `.zenmlrc.json`, `zenml.config.js`, `package.json#zenml`, … */
export const MODULE_NAME = 'zenml';

/** Where the configuration comes from and how it can be written back. */
export interface ConfigLocation {
  /** Absolute path of the dotfile (it may not exist yet). */
  filepath: string;
  /** How the path was chosen. */
  origin: 'flag' | 'env' | 'search' | 'user';
  /** Whether the file exists. */
  exists: boolean;
}

/** Options for locating the dotfile. */
export interface LocateOptions {
  cwd: string;
  /** `--config PATH`. */
  configPath?: string;
  env?: NodeJS.ProcessEnv;
}

/** The user-level dotfile used when no project one is found (XDG config dir). */
export function userConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  const home = env.HOME || env.USERPROFILE || '/';
  const base = env.XDG_CONFIG_HOME || path.join(home, '.config');
  return path.join(base, MODULE_NAME, 'config.json');
}

/**
 * Find the dotfile: `--config`, then `ZENML_CONFIG`, then a cosmiconfig search from cwd
 * upward (ending in the user-level XDG directory), then the user-level file to create.
 */
export async function locateConfig(options: LocateOptions): Promise<ConfigLocation> {
  const env = options.env ?? process.env;
  if (options.configPath) {
    const filepath = path.resolve(options.cwd, options.configPath);
    return { filepath, origin: 'flag', exists: existsSync(filepath) };
  }
  if (env.ZENML_CONFIG) {
    const filepath = path.resolve(options.cwd, env.ZENML_CONFIG);
    return { filepath, origin: 'env', exists: existsSync(filepath) };
  }
  const userPath = userConfigPath(env);
  const explorer = cosmiconfig(MODULE_NAME, {
    searchStrategy: 'global',
    stopDir: path.parse(options.cwd).root,
    cache: false,
    // An empty `.zenmlrc.json` is still the project's dotfile: skipping it would send writes to the user-level one.
    // (A package.json without a `zenml` key reads as null, not empty, and is still skipped.)
    ignoreEmptySearchPlaces: false,
  });
  // The search ends in env-paths' user config dir, which honours XDG_CONFIG_HOME like userConfigPath.
  // A dotfile cosmiconfig cannot parse is still the dotfile: readDotfile reports its syntax error (exit 2, file named).
  const found = await explorer.search(options.cwd).catch((error: { filepath?: string }) => { if (error?.filepath) return { filepath: error.filepath, isEmpty: false }; throw error; });
  if (found) return { filepath: found.filepath, origin: 'search', exists: true };
  return { filepath: userPath, origin: 'user', exists: existsSync(userPath) };
}

/** The dotfile the search would find in `dir` itself (not above it), or undefined. */
export async function dotfileInFolder(dir: string): Promise<string | undefined> {
  const explorer = cosmiconfig(MODULE_NAME, { searchStrategy: 'none', cache: false, ignoreEmptySearchPlaces: false });
  const found = await explorer.search(dir).catch((error: { filepath?: string }) => {
    if (error?.filepath) return { filepath: error.filepath };
    throw error;
  });
  return found?.filepath;
}
