/** Finding the `mlflow` executable a deployer uses, and the environment it runs in. */
import { accessSync, constants, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { EnvironmentError } from '../../errors.js';
import type { MlflowSettings } from './mlflow-settings.js';

/** An mlflow executable ready to run. */
export interface MlflowRuntime {
  /** Absolute path of the executable. */
  command: string;
  /** Our environment plus the `env` setting, with the executable's folder first on PATH. */
  env: NodeJS.ProcessEnv;
}

const INSTALL = 'pip install mlflow';

/**
 * The mlflow executable from `pythonEnv`, `mlflowCommand` or PATH. EnvironmentError (exit 2) with one
 * line saying what to install and which setting points at another environment when there is none.
 */
export function resolveMlflow(
  settings: Pick<MlflowSettings, 'mlflowCommand' | 'pythonEnv' | 'env'>,
  configDir: string,
  baseEnv: NodeJS.ProcessEnv = process.env,
): MlflowRuntime {
  const merged: NodeJS.ProcessEnv = { ...baseEnv, ...settings.env };
  let command: string | undefined;
  if (settings.pythonEnv) {
    const venv = path.resolve(configDir, settings.pythonEnv);
    command = path.join(venv, 'bin', 'mlflow');
    if (!isExecutable(command)) {
      throw new EnvironmentError(
        `${command} does not exist (setting pythonEnv): run \`${path.join(venv, 'bin', 'pip')} install mlflow\`, or point pythonEnv at a virtualenv that has mlflow`,
      );
    }
  } else if (settings.mlflowCommand && settings.mlflowCommand.includes(path.sep)) {
    command = path.resolve(configDir, settings.mlflowCommand);
    if (!isExecutable(command)) {
      throw new EnvironmentError(
        `${command} is not an executable (setting mlflowCommand): \`${INSTALL}\` and point mlflowCommand at its mlflow, or pythonEnv at its virtualenv`,
      );
    }
  } else {
    const name = settings.mlflowCommand ?? 'mlflow';
    command = searchPath(name, merged.PATH);
    if (!command) {
      throw new EnvironmentError(
        `${name} is not installed (not found on PATH): run \`${INSTALL}\`, or set the deployer's mlflowCommand (path of an mlflow executable) or pythonEnv (a virtualenv with mlflow)`,
      );
    }
  }
  return { command, env: { ...merged, PATH: withBinFirst(command, merged.PATH) } };
}

/**
 * `mlflow models serve` starts the server as `uvicorn …` looked up on PATH, so the folder of the
 * mlflow we run (and of its real file, when it is a symlink into a virtualenv) goes first.
 */
function withBinFirst(command: string, pathVar: string | undefined): string {
  const dirs = [path.dirname(command)];
  try {
    const real = path.dirname(realpathSync(command));
    if (real !== dirs[0]) dirs.push(real);
  } catch {
    // checked executable a moment ago; keep the link's folder alone
  }
  return [...dirs, ...(pathVar ? [pathVar] : [])].join(path.delimiter);
}

function searchPath(name: string, pathVar: string | undefined): string | undefined {
  for (const dir of (pathVar ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.resolve(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function isExecutable(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
