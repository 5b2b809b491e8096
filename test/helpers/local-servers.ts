// Helpers for tests that start real `local` model servers through the CLI: is a pid alive, does a
// port answer, and killing (by the pids recorded in the state dirs) every server a test left behind.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';
import { REPO_ROOT, ZENML_BIN } from './cli.js';

/** The Iris models shipped in examples/. */
export const IRIS_V1 = path.join(REPO_ROOT, 'examples/iris/model.onnx');
export const IRIS_V2 = path.join(REPO_ROOT, 'examples/iris/model-v2.onnx');

/** True while the process runs; a zombie (exited, not yet reaped by its new parent) counts as gone. */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** The instance id of a deployed local server's current spawn, from the record beside its log (`deploy --json`'s info.LOG_FILE). */
export function instanceIdOf(service: { info: Record<string, string> }): string {
  return JSON.parse(readFileSync(path.join(path.dirname(service.info.LOG_FILE!), 'service.json'), 'utf8')).extra.instanceId;
}

/**
 * True when the server spawn `instanceId` still answers on 127.0.0.1:port. Tests run in parallel, so a freed port
 * may be taken at once by another test's server: only an answer with this spawn's X-Zenml-Instance counts.
 */
export async function instanceAnswers(port: number, instanceId: string): Promise<boolean> {
  try {
    const r = await fetch(`http://127.0.0.1:${port}/v2/health/live`, { signal: AbortSignal.timeout(2_000) });
    await r.arrayBuffer();
    return r.headers.get('x-zenml-instance') === instanceId;
  } catch {
    return false;
  }
}

/** True when something accepts TCP connections on 127.0.0.1:port. */
export function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Live processes other than zenml itself (and this test) whose command line names `dir`: the servers under it, by pid. */
export function serverProcessesUnder(dir: string): Map<number, string> {
  const found = new Map<number, string>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    let cmd = '';
    try {
      cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
    } catch {
      continue;
    }
    if (cmd.includes(dir) && !cmd.includes(ZENML_BIN) && pidAlive(Number(entry))) found.set(Number(entry), cmd);
  }
  return found;
}

/** Kill every server recorded under `root` (service.json or server.pid files with a live pid), by process group. */
export function killServers(root: string): void {
  const stack = [root];
  while (stack.length) {
    const dir = stack.pop()!;
    if (!existsSync(dir)) continue;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) stack.push(full);
      else if (entry.name === 'service.json' || entry.name === 'server.pid') {
        // server.pid too: a server whose launch was killed before its record named it.
        let pid: unknown;
        try {
          const text = readFileSync(full, 'utf8');
          pid = entry.name === 'server.pid' ? Number(text.trim()) : JSON.parse(text).extra?.pid;
        } catch {
          continue; // being written: its server is killed through another record or was never started
        }
        if (typeof pid === 'number' && pidAlive(pid)) {
          try {
            process.kill(-pid, 'SIGKILL');
          } catch {
            try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
          }
        }
      }
    }
  }
}

/** Poll `check` every 100 ms until it returns true; fails with `what` after `timeoutMs` (bounded, with a message). */
export async function waitUntil(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
