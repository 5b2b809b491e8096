// Runs the built `zenml` binary as a user types it, in a temp home with its own dotfile, and cleans up every
// model server it started (the whole process group, so uvicorn children too) whatever happens in the tests.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stopLeftovers } from '../../src/services/marked-processes.js';
import { stopProcess, type ProcessIdentity } from '../../src/services/daemon.js';
import { httpRequest } from '../../src/services/http-request.js';
import { repoRoot } from './mlflow-env.js';

/** What one CLI run printed and how it exited. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A temp HOME with a dotfile; every deployer's state lives below it. */
export class CliSandbox {
  readonly dir = mkdtempSync(path.join(tmpdir(), 'zenml-mlflow-'));
  readonly configPath = path.join(this.dir, '.zenmlrc.json');
  private readonly identities: ProcessIdentity[] = [];

  /** Run `zenml --config <sandbox>/.zenmlrc.json …args`; `env` adds to (or with undefined removes from) the environment. */
  run(args: string[], env: Record<string, string | undefined> = {}, timeoutMs = 240_000): Promise<CliResult> {
    const base: NodeJS.ProcessEnv = { ...process.env, HOME: this.dir, XDG_CONFIG_HOME: this.dir, NO_COLOR: '1', FORCE_COLOR: '0' };
    // A developer's tracking server or config must not leak into the tests.
    delete base.MLFLOW_TRACKING_URI;
    delete base.ZENML_CONFIG;
    const merged = { ...base, ...env };
    for (const [key, value] of Object.entries(env)) if (value === undefined) delete merged[key];
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [path.join(repoRoot, 'bin/zenml.js'), '--config', this.configPath, ...args], {
        cwd: this.dir,
        env: merged,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    });
  }

  /** Run with --json and parse stdout; throws with both streams when the exit code is not 0. */
  async json<T = any>(args: string[], env: Record<string, string | undefined> = {}): Promise<T> {
    const result = await this.run(['--json', ...args], env);
    if (result.code !== 0) throw new Error(`zenml ${args.join(' ')} exited ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
    return JSON.parse(result.stdout) as T;
  }

  /** The service directories of deployer `name`. */
  serviceDirs(name: string): string[] {
    const root = path.join(this.dir, '.zenml/deployers', name, 'services');
    return existsSync(root) ? readdirSync(root).map((d) => path.join(root, d)) : [];
  }

  /** Remember a server process to stop at cleanup (deleted records no longer name it). */
  track(pid: number, startTime: string): void {
    this.identities.push({ pid, startTime });
  }

  /** Stop every server any record names and every tracked one (whole groups, and marked leftovers; SIGKILL after 5 s); remove the sandbox. */
  async cleanup(): Promise<void> {
    const root = path.join(this.dir, '.zenml/deployers');
    const uuids: string[] = [];
    for (const deployer of existsSync(root) ? readdirSync(root) : []) {
      for (const dir of this.serviceDirs(deployer)) {
        uuids.push(path.basename(dir));
        try {
          const extra = JSON.parse(readFileSync(path.join(dir, 'service.json'), 'utf8')).extra;
          if (typeof extra.pid === 'number') this.track(extra.pid, extra.processStartTime ?? '');
        } catch {
          // no record: nothing of ours runs there
        }
      }
    }
    await Promise.all(this.identities.splice(0).map((id) => stopProcess(id, 5, true).catch(() => undefined)));
    // uvicorn children whose mlflow parent is already gone carry their service's mark.
    await Promise.all(uuids.map((uuid) => stopLeftovers(uuid, 5, true).catch(() => undefined)));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Live (non-zombie) pids of process group `pgid`: a server and the children it started. */
export async function groupPids(pgid: number): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const text = await readFile(`/proc/${entry}/stat`, 'utf8');
      const [state, , pgrp] = text.slice(text.lastIndexOf(')') + 2).split(' ');
      if (Number(pgrp) === pgid && state !== 'Z') pids.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

/** POST a JSON or CSV body to /invocations; resolves with the status and the parsed answer. */
export async function invoke(url: string, body: unknown, contentType = 'application/json'): Promise<{ status: number; body: any }> {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const res = await httpRequest(url, { method: 'POST', headers: { 'content-type': contentType }, body: text, timeoutMs: 30_000 });
  let parsed: unknown = res.body;
  try {
    parsed = JSON.parse(res.body);
  } catch {
    // not JSON: keep the text for the failure message
  }
  return { status: res.status, body: parsed };
}

/** Every request format MLflow's scoring server accepts, for `rows` of named feature `columns`. */
export function mlflowPayloads(columns: string[], rows: number[][]): Array<{ format: string; body: unknown; contentType?: string }> {
  const records = rows.map((r) => Object.fromEntries(columns.map((c, i) => [c, r[i]])));
  return [
    { format: 'dataframe_split', body: { dataframe_split: { columns, data: rows } } },
    { format: 'dataframe_records', body: { dataframe_records: records } },
    { format: 'instances', body: { instances: records } },
    { format: 'inputs', body: { inputs: Object.fromEntries(columns.map((c, i) => [c, rows.map((r) => r[i])])) } },
    { format: 'text/csv', body: `${columns.join(',')}\n${rows.map((r) => r.join(',')).join('\n')}\n`, contentType: 'text/csv' },
  ];
}
