// Runs the built `zenml` binary the way a user types it, isolated from the developer's own
// dotfiles and state: HOME and XDG_CONFIG_HOME point into the test's temp dir; ZENML_CONFIG and XDG_STATE_HOME are unset.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { assertFresh } from './build-guard.js';

/** The repository root. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The `zenml` executable (a shim over the bundle dist/bundle/main.js). */
export const ZENML_BIN = path.join(REPO_ROOT, 'bin/zenml.js');
/** What bin/zenml.js runs: the bundle of the CLI and everything it imports (scripts/bundle-cli.mjs). */
export const ZENML_BUNDLE = path.join(REPO_ROOT, 'dist/bundle/main.js');
/** The test flavors; they import 'zenml-model-deployer', which resolves only inside the repo. */
export const FLAVOR_FIXTURES = path.join(REPO_ROOT, 'test/fixtures/flavors');

/** Absolute path of a flavor fixture. */
export function fixture(name: string): string {
  return path.join(FLAVOR_FIXTURES, name);
}

/** What a CLI run produced. */
export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Options of runZenml. */
export interface RunOptions {
  /** Working directory of the CLI process. */
  cwd: string;
  /** Overrides on top of the isolated environment; `undefined` removes a variable. */
  env?: Record<string, string | undefined>;
  /** Written to stdin (stdin is closed either way). */
  input?: string;
  /** HOME of the run (default: cwd); XDG_CONFIG_HOME is `<home>/xdg`. */
  home?: string;
  /** Node flags placed before the script (e.g. `--import`). */
  nodeArgs?: string[];
  /** Kill the process after this many ms (default 60 s). */
  timeoutMs?: number;
  /** Run as this user and group (root only): for faults that root would ignore, such as a directory without write permission. */
  user?: { uid: number; gid: number };
}

/** The environment every CLI run starts from: the parent's, minus anything that points at a real dotfile. */
export function isolatedEnv(home: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, XDG_CONFIG_HOME: path.join(home, 'xdg'), NO_COLOR: '1', FORCE_COLOR: '0' };
  delete env.ZENML_CONFIG;
  delete env.XDG_STATE_HOME; // state defaults to <home>/.local/state/zenml (see src/deployers/state-dir.ts)
  return env;
}

const running = new Set<ChildProcess>();
let checkedBuild = false;

/**
 * Fail fast unless the bundle bin/zenml.js runs exists and is newer than every source file (the
 * bundle holds all of src/ that the CLI reaches). Checked once per test file.
 */
export function assertCliBuilt(): void {
  if (checkedBuild) return;
  const shim = readFileSync(ZENML_BIN, 'utf8');
  const target = /import\('(\.\.\/dist\/[^']+)'\)/.exec(shim)?.[1];
  if (!target || path.resolve(path.dirname(ZENML_BIN), target) !== ZENML_BUNDLE) {
    throw new Error(`bin/zenml.js no longer runs ${ZENML_BUNDLE} (it imports ${target}): update test/helpers/cli.ts`);
  }
  assertFresh(ZENML_BUNDLE, path.join(REPO_ROOT, 'src'));
  checkedBuild = true;
}

let sharedNode: string | undefined;

/**
 * This node, where another user can run it: a node under a private folder (CI's Node 24 sits in root's 0700 home)
 * is copied once into a temp folder every user may enter. For runZenml's `user` option.
 */
function nodeForAnyUser(): string {
  if (sharedNode) return sharedNode;
  const dir = mkdtempSync(path.join(tmpdir(), 'zenml-node-'));
  chmodSync(dir, 0o755);
  const copy = path.join(dir, 'node');
  copyFileSync(process.execPath, copy);
  chmodSync(copy, 0o755);
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return (sharedNode = copy);
}

/** Run `node bin/zenml.js ...args`; resolves with the exit code and both streams. */
export function runZenml(args: string[], options: RunOptions): Promise<RunResult> {
  assertCliBuilt();
  const env = isolatedEnv(options.home ?? options.cwd);
  for (const [key, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  const timeoutMs = options.timeoutMs ?? 60_000;
  return new Promise((resolve, reject) => {
    const child = spawn(options.user ? nodeForAnyUser() : process.execPath, [...(options.nodeArgs ?? []), ZENML_BIN, ...args], {
      cwd: options.cwd,
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
      ...options.user,
    });
    running.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`zenml ${args.join(' ')} did not finish within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      running.delete(child);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      running.delete(child);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin!.on('error', () => undefined); // the CLI may exit before reading stdin
    child.stdin!.end(options.input ?? '');
  });
}

/** Kill (by pid) every CLI process a test left running, e.g. after a test timeout. */
export function killRunningZenml(): void {
  for (const child of running) {
    if (child.pid !== undefined && child.exitCode === null) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  running.clear();
}

/** Parse stdout as JSON, with the raw output in the error when it is not. */
export function parseJson<T = any>(result: RunResult): T {
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(`stdout is not JSON (exit ${result.code}):\n${result.stdout}\nstderr:\n${result.stderr}`);
  }
}

/** Non-empty lines of a text. */
export function lines(text: string): string[] {
  return text.split('\n').filter((l) => l.trim() !== '');
}

/** The path of a flavor fixture relative to `dir`, as the dotfile stores it. */
export function relativeFixture(dir: string, name: string): string {
  const rel = path.relative(dir, fixture(name)).split(path.sep).join('/');
  return rel.startsWith('.') ? rel : `./${rel}`;
}

/** Write `<dir>/.zenmlrc.json` and return its path. */
export function writeDotfile(dir: string, body: unknown, name = '.zenmlrc.json'): string {
  const filepath = path.join(dir, name);
  writeFileSync(filepath, `${JSON.stringify(body, null, 2)}\n`);
  return filepath;
}

/** Read `<dir>/.zenmlrc.json` as JSON. */
export function readDotfile(dir: string, name = '.zenmlrc.json'): any {
  return JSON.parse(readFileSync(path.join(dir, name), 'utf8'));
}

/**
 * A dotfile with both record flavors registered (paths relative to `dir`) and the given
 * deployer components; `active` becomes the deployer of an active stack named `main`.
 */
export function recordProject(
  dir: string,
  deployers: Record<string, { flavor: 'record-ts' | 'record-js'; settings?: Record<string, unknown> }>,
  active?: string,
): string {
  return writeDotfile(dir, {
    version: 1,
    flavors: {
      'record-ts': { source: relativeFixture(dir, 'record-flavor.ts') },
      'record-js': { source: relativeFixture(dir, 'record-flavor.mjs') },
    },
    modelDeployers: Object.fromEntries(Object.entries(deployers).map(([name, d]) => [name, { flavor: d.flavor, settings: d.settings ?? {} }])),
    ...(active ? { stacks: { main: { modelDeployer: active } }, activeStack: 'main' } : {}),
  });
}
