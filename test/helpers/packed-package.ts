// The package as users get it: `npm pack` of the built repo, made once per build and shared by every
// test file that needs it (jest runs files in separate workers, so the cache is a folder on disk,
// keyed by the build, made under a lock), and installed into empty temp projects with the real npm
// cache (offline-friendly) and ONNXRUNTIME_NODE_INSTALL=skip, as the README's install section says.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { withFileLock } from '../../src/fs/file-lock.js';
import { REPO_ROOT, type RunResult } from './cli.js';

// Captured before any test changes HOME: installs reuse the developer's (or CI's) npm cache and config.
const NPM_CACHE = process.env.npm_config_cache || path.join(os.homedir(), '.npm');
const NPM_USERCONFIG = process.env.npm_config_userconfig || path.join(os.homedir(), '.npmrc');

/** What the build produced, as a short hash: a rebuild (every `npm test`) packs again. */
function buildKey(): string {
  const hash = createHash('sha256').update(readFileSync(path.join(REPO_ROOT, 'package.json')));
  for (const file of ['dist/index.js', 'dist/bundle/meta.json', 'dist/server/main.js', 'bin/zenml.js']) {
    const full = path.join(REPO_ROOT, file);
    if (!existsSync(full)) throw new Error(`${file} is missing: run \`npm run build\` first`);
    hash.update(`${file}:${statSync(full).mtimeMs}`);
  }
  return hash.digest('hex').slice(0, 16);
}

/**
 * The environment of an npm command in a test: none of the `npm_*` variables an outer `npm test`
 * exported (they would point a nested npm at this repo), the real cache and user config, and the
 * onnxruntime install script skipped.
 */
export function npmEnv(home: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!/^npm_/i.test(key)) env[key] = value;
  delete env.ZENML_CONFIG;
  delete env.XDG_STATE_HOME;
  Object.assign(env, {
    HOME: home,
    XDG_CONFIG_HOME: path.join(home, 'xdg'),
    NO_COLOR: '1',
    FORCE_COLOR: '0',
    ONNXRUNTIME_NODE_INSTALL: 'skip',
    npm_config_cache: NPM_CACHE,
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
  });
  if (existsSync(NPM_USERCONFIG)) env.npm_config_userconfig = NPM_USERCONFIG;
  return env;
}

/** Run a command (npm, npx, an installed bin) with a bounded time; resolves with its output. */
export function runCommand(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<RunResult> {
  const timeoutMs = options.timeoutMs ?? 300_000;
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} ${args.join(' ')} did not finish within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Like runCommand, but a non-zero exit is an error showing both streams. */
export async function runOk(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<RunResult> {
  const r = await runCommand(command, args, options);
  if (r.code !== 0) throw new Error(`${command} ${args.join(' ')} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r;
}

/**
 * The tarball `npm pack` makes of the current build, packed once per build (scripts skipped: the
 * build is what `npm test` just made, and a rebuild here would pull dist/ from under other tests).
 */
export async function packedTarball(): Promise<string> {
  const root = path.join(os.tmpdir(), 'zenml-packed');
  const dir = path.join(root, buildKey());
  mkdirSync(dir, { recursive: true });
  const done = path.join(dir, 'tarball.txt');
  return withFileLock(path.join(dir, 'pack'), async () => {
    if (existsSync(done)) return readFileSync(done, 'utf8');
    const home = path.join(dir, 'home');
    mkdirSync(home, { recursive: true });
    const r = await runOk('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: REPO_ROOT, env: npmEnv(home), timeoutMs: 120_000 });
    const [{ filename }] = JSON.parse(r.stdout) as Array<{ filename: string }>;
    const tarball = path.join(dir, filename);
    writeFileSync(done, tarball);
    removeOldPacks(root, dir);
    return tarball;
  });
}

/** Earlier builds' packs (a day old) go: every `npm test` makes a new one. */
function removeOldPacks(root: string, keep: string): void {
  for (const name of readdirSync(root)) {
    const full = path.join(root, name);
    if (full !== keep && Date.now() - statSync(full).mtimeMs > 86_400_000) rmSync(full, { recursive: true, force: true });
  }
}

/** An empty ESM project in `dir` with the packed package installed from its tarball. */
export async function installPacked(dir: string, tarball: string, home: string): Promise<void> {
  writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify({ name: 'packed-test', version: '1.0.0', private: true, type: 'module' }, null, 2)}\n`);
  await runOk('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball], { cwd: dir, env: npmEnv(home) });
}
