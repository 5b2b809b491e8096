// Real shells for the completion tests: a `zenml` command on PATH (a shim over bin/zenml.js), the
// script `zenml completion <shell>` prints, and a way to drive an interactive zsh through tmux.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { isCi } from './ci.js';
import { isolatedEnv, ZENML_BIN } from './cli.js';

/** Whether `program` is on PATH. */
export function hasProgram(program: string): boolean {
  return spawnSync('sh', ['-c', 'command -v "$1"', 'sh', program], { stdio: 'ignore' }).status === 0;
}

/**
 * A shell leg's availability: in CI (isCi; .ci/run installs zsh and fish) a missing shell is a
 * failure, elsewhere the leg is skipped and says why.
 */
export function shellAvailability(shell: string): { run: boolean; reason: string } {
  if (hasProgram(shell)) return { run: true, reason: '' };
  if (isCi()) throw new Error(`${shell} is not installed, but .ci/run installs it (apt-get install -y ${shell})`);
  return { run: false, reason: `skipped: ${shell} is not installed (apt-get install -y ${shell}; .ci/run does)` };
}

/** Put a `zenml` shim in `<home>/bin` and return an isolated environment with it first on PATH. */
export function shellEnv(home: string): NodeJS.ProcessEnv {
  const bin = path.join(home, 'bin');
  mkdirSync(bin, { recursive: true });
  const shim = path.join(bin, 'zenml');
  writeFileSync(shim, `#!/bin/sh\nexec "${process.execPath}" "${ZENML_BIN}" "$@"\n`);
  chmodSync(shim, 0o755);
  return { ...isolatedEnv(home), PATH: `${bin}:${process.env.PATH}` };
}

/** Write the completion script for `shell` (as `zenml completion <shell>` prints it) to `<home>/completion.<shell>`. */
export function writeCompletionScript(home: string, shell: string, env: NodeJS.ProcessEnv): string {
  const file = path.join(home, `completion.${shell}`);
  writeFileSync(file, execFileSync('zenml', ['completion', shell], { env, cwd: home, encoding: 'utf8' }));
  return file;
}

/**
 * Ask bash for the completions of `line` (the cursor at its end; a trailing space starts a new
 * word) the way bash-completion calls the function: COMP_WORDS, COMP_CWORD, then COMPREPLY.
 */
export function bashComplete(script: string, line: string, cwd: string, env: NodeJS.ProcessEnv): string[] {
  const words = line.split(/\s+/).filter((w, i, all) => w !== '' || i === all.length - 1);
  const quoted = words.map((w) => `'${w.replace(/'/g, `'\\''`)}'`).join(' ');
  const program = `source '${script}'\nCOMP_WORDS=(${quoted})\nCOMP_CWORD=${words.length - 1}\n_zenml_complete\nprintf '%s\\n' "\${COMPREPLY[@]}"`;
  const out = execFileSync('bash', ['--norc', '--noprofile', '-c', program], { cwd, env, encoding: 'utf8', timeout: 30_000 });
  return out.split('\n').filter((l) => l !== '');
}

/** Ask fish for the completions of `line` (`complete -C`): `value<TAB>description` lines. */
export function fishComplete(script: string, line: string, cwd: string, env: NodeJS.ProcessEnv): string[] {
  const out = execFileSync('fish', ['--no-config', '-c', `source '${script}'; complete -C '${line.replace(/'/g, "\\'")}'`], {
    cwd,
    env,
    encoding: 'utf8',
    timeout: 30_000,
  });
  return out.split('\n').filter((l) => l !== '');
}
