// Starts the built model server (`node dist/server/main.js --config …`) as a real child process in a temp dir,
// waits for its runtime file, and guarantees cleanup: every server started here is killed by stopAllServers().
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { assertFresh } from './build-guard.js';

/** Repository root. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** The built daemon entry point. */
export const MAIN_JS = join(ROOT, 'dist/server/main.js');
/** The example iris model (v1) and its retrained variant (v2, same signature, different answers). */
export const IRIS_V1 = join(ROOT, 'examples/iris/model.onnx');
export const IRIS_V2 = join(ROOT, 'examples/iris/model-v2.onnx');
/** Tokens the helpers configure. */
export const ADMIN_TOKEN = 'admin-secret';

/** A running server child process. */
export interface ServerProcess {
  proc: ChildProcess;
  dir: string;
  configPath: string;
  runtimeFile: string;
  // grpcPort is absent at run time when the config turns gRPC off.
  runtime: { pid: number; port: number; grpcPort: number; host: string; instanceId: string; startedAt: string };
  url: string;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first stdout line matching `re` (already printed or yet to come). */
  waitForLine(re: RegExp, timeoutMs?: number): Promise<string>;
  /** Resolves with the exit code and signal once the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const live = new Set<ChildProcess>();
const tempDirs: string[] = [];

/** Fails fast when dist/server is missing or older than the sources it is built from, instead of testing stale code. */
export function assertBuilt(): void {
  assertFresh(MAIN_JS, join(ROOT, 'src'));
}

/** A fresh temp directory, removed by stopAllServers(). */
export function tempDir(prefix = 'zenml-server-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

/** A config with one iris model, port 0, and the given overrides. */
export function baseConfig(dir: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    instanceId: `test-${Math.random().toString(36).slice(2, 10)}`,
    host: '127.0.0.1',
    port: 0,
    runtimeFile: join(dir, 'runtime.json'),
    adminToken: ADMIN_TOKEN,
    models: [{ name: 'iris', version: 'v1', uri: IRIS_V1 }],
    ...overrides,
  };
}

/** Spawns the daemon with a raw config object (or text) and returns without waiting for it to listen. */
export function spawnServer(dir: string, config: unknown): { proc: ChildProcess; configPath: string; out: string[]; err: string[] } {
  const configPath = join(dir, 'server-config.json');
  writeFileSync(configPath, typeof config === 'string' ? config : JSON.stringify(config, null, 2));
  // Own process group, so cleanup can kill cluster workers along with the primary.
  const proc = spawn(process.execPath, [MAIN_JS, '--config', configPath], { cwd: dir, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(proc);
  proc.on('exit', () => live.delete(proc));
  const out: string[] = [];
  const err: string[] = [];
  proc.stdout!.on('data', (d: Buffer) => out.push(d.toString()));
  proc.stderr!.on('data', (d: Buffer) => err.push(d.toString()));
  return { proc, configPath, out, err };
}

/** Starts the daemon and waits until its runtime file names its port. */
export async function startServer(overrides: Record<string, unknown> = {}, dir = tempDir()): Promise<ServerProcess> {
  assertBuilt();
  const config = baseConfig(dir, overrides);
  const runtimeFile = config.runtimeFile as string;
  const { proc, configPath, out, err } = spawnServer(dir, config);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => proc.once('exit', (code, signal) => res({ code, signal })));
  const deadline = Date.now() + 30_000;
  while (!existsSync(runtimeFile)) {
    if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`server exited early: ${err.join('')}${out.join('')}`);
    if (Date.now() > deadline) throw new Error(`server did not write ${runtimeFile}: ${err.join('')}${out.join('')}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const runtime = JSON.parse(readFileSync(runtimeFile, 'utf8'));
  const waitForLine = async (re: RegExp, timeoutMs = 15_000) => {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const line = out.join('').split('\n').find((l) => re.test(l));
      if (line !== undefined) return line;
      if (Date.now() > end) throw new Error(`no stdout line matching ${re}: ${out.join('')}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  return {
    proc,
    dir,
    configPath,
    runtimeFile,
    runtime,
    url: `http://127.0.0.1:${runtime.port}`,
    stdout: () => out.join(''),
    stderr: () => err.join(''),
    waitForLine,
    exited,
  };
}

/** Kills every server still running (whole process group) and removes temp dirs; use in afterEach/afterAll. */
export async function stopAllServers(): Promise<void> {
  const waits = [...live].map(
    (proc) =>
      new Promise<void>((res) => {
        if (proc.exitCode !== null || proc.signalCode !== null) return res();
        proc.once('exit', () => res());
        try {
          process.kill(-proc.pid!, 'SIGKILL');
        } catch {
          proc.kill('SIGKILL');
        }
      }),
  );
  await Promise.all(waits);
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** Answer of {@link rawRequest}. */
export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: () => any;
}

/** One request on a fresh connection (no keep-alive pool), so cluster round-robin reaches each worker in turn. */
export function rawRequest(url: string, options: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<RawResponse> {
  return new Promise((res, rej) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers, agent: false }, (r) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        res({ status: r.statusCode ?? 0, headers: r.headers, text, json: () => JSON.parse(text) });
      });
      r.on('error', rej);
    });
    req.on('error', rej);
    req.end(options.body);
  });
}

/** Authorization header for a bearer token. */
export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

/** POSTs JSON with fetch and returns status, body and the instance header. */
export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}) {
  const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const text = await r.text();
  return { status: r.status, headers: r.headers, text, json: () => JSON.parse(text) };
}
