/**
 * Where a deployer keeps its state by default. A project dotfile keeps it beside itself
 * (`<project>/.zenml/deployers/<name>`), so a project's servers travel with the project. The
 * user-level config (`~/.config/zenml/config.json`, used when no project dotfile is found) is
 * configuration, and XDG keeps state apart from it: `$XDG_STATE_HOME/zenml/deployers/<name>`
 * (default `~/.local/state/zenml/...`).
 *
 * Earlier versions put the user-level state under `~/.config/zenml/.zenml/deployers/<name>`. A
 * deployer that already has state there keeps using it: its records hold absolute paths into that
 * folder and its running servers write their logs and pid files there, so moving it under a running
 * server would lose them. Only deployers with no state yet start under the XDG state directory.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { userConfigPath } from '../config/locate-config.js';

/** `$XDG_STATE_HOME/zenml` (default `~/.local/state/zenml`). */
export function userStateDir(env: NodeJS.ProcessEnv = process.env): string {
  const home = env.HOME || env.USERPROFILE || '/';
  const base = env.XDG_STATE_HOME && path.isAbsolute(env.XDG_STATE_HOME) ? env.XDG_STATE_HOME : path.join(home, '.local', 'state');
  return path.join(base, 'zenml');
}

/** `<dir>/.zenml/deployers/<name>`: a project's state, beside its dotfile. */
export function projectStateDir(configDir: string, name: string): string {
  return path.join(configDir, '.zenml', 'deployers', name);
}

/** What deployerStateDir needs of the resolved config. */
export interface StateDirConfig {
  /** Absolute path of the dotfile in use. */
  filepath: string;
  /** Its folder. */
  configDir: string;
}

/**
 * The default state folder of deployer `name`: beside a project dotfile; under the XDG state
 * directory for the user-level config (or its legacy folder, while that holds this deployer's state).
 */
export function deployerStateDir(config: StateDirConfig, name: string, env: NodeJS.ProcessEnv = process.env): string {
  const beside = projectStateDir(config.configDir, name);
  if (path.resolve(config.filepath) !== path.resolve(userConfigPath(env))) return beside;
  if (existsSync(beside)) return beside;
  return path.join(userStateDir(env), 'deployers', name);
}
