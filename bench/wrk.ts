/**
 * Load runs with wrk (a C load generator, Debian package `wrk`) beside autocannon: wrk takes far less CPU per
 * request than a Node load generator, so on 2 cores it leaves the server more of the machine and its figure is
 * closer to what the server can do. Bodies are cycled by a generated Lua script; `done` prints the summary as JSON.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { treeCpuSeconds } from './proc-stats.js';
import { runChild } from './processes.js';
import { summarize } from './stats.js';
import type { LoadPoint } from './throughput.js';

/** A wrk target: URL, the bodies every connection cycles through, and extra headers. */
export interface WrkTarget {
  url: string;
  /** Request bodies (binary allowed). */
  bodies: Buffer[];
  headers: Record<string, string>;
  /** Per-body headers (e.g. Inference-Header-Content-Length), same index as bodies. */
  bodyHeaders?: Array<Record<string, string>>;
  pid?: number;
}

/** `runs` of one target at `connections`, summarised as a LoadPoint (`withServer`: the runs measured its CPU). */
export function wrkPointOf(runs: WrkRun[], connections: number, withServer: boolean): LoadPoint {
  return {
    connections,
    rps: summarize(runs.map((r) => r.rps), 'req/s'),
    p50: summarize(runs.map((r) => r.p50Ms), 'ms'),
    p99: summarize(runs.map((r) => r.p99Ms), 'ms'),
    non2xx: runs.reduce((a, r) => a + r.non2xx, 0),
    errors: runs.reduce((a, r) => a + r.errors, 0),
    serverCpu: withServer ? summarize(runs.map((r) => r.serverCpuPct ?? 0), '%') : undefined,
    clientCpu: summarize(runs.map((r) => r.clientCpuPct), '%'),
  };
}

/** What one wrk run measured. */
export interface WrkRun {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
  serverCpuPct?: number;
  /** wrk's own CPU (from this process's reaped-children times), % of one core. */
  clientCpuPct: number;
}

/** wrk's version line, or undefined when it is not installed. */
export function wrkVersion(): string | undefined {
  try {
    return execFileSync('wrk', ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).split('\n')[0].trim() || 'wrk';
  } catch (error) {
    // wrk --version exits 1 after printing its banner.
    const out = String((error as { stdout?: unknown }).stdout ?? '');
    return /^wrk /.test(out) ? out.split('\n')[0].trim() : undefined;
  }
}

/** How to get wrk, for the skipped note. */
export const WRK_HINT = 'wrk is not installed (Debian/Ubuntu: `sudo apt-get install -y wrk`; macOS: `brew install wrk`)';

// A Lua string literal for any bytes: printable ASCII as is, everything else as \ddd.
function luaString(buf: Buffer): string {
  let out = '"';
  for (const b of buf) {
    if (b >= 0x20 && b < 0x7f && b !== 0x22 && b !== 0x5c) out += String.fromCharCode(b);
    else out += `\\${b.toString().padStart(3, '0')}`;
  }
  return `${out}"`;
}

function luaTable(headers: Record<string, string>): string {
  return `{${Object.entries(headers).map(([k, v]) => `[${luaString(Buffer.from(k))}] = ${luaString(Buffer.from(v))}`).join(', ')}}`;
}

/** The Lua script: cycle the bodies; print the summary as one JSON line. */
export function wrkScript(target: WrkTarget): string {
  const url = new URL(target.url);
  const bodies = target.bodies.map(luaString).join(',\n  ');
  const perBody = (target.bodyHeaders ?? target.bodies.map(() => ({}))).map((h) => luaTable({ ...target.headers, ...h })).join(',\n  ');
  return `local path = ${luaString(Buffer.from(url.pathname + url.search))}
local bodies = {
  ${bodies}
}
local headers = {
  ${perBody}
}
local i = 0
request = function()
  i = i % #bodies + 1
  return wrk.format("POST", path, headers[i], bodies[i])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('{"requests":%d,"durationUs":%d,"non2xx":%d,"errors":%d,"p50Us":%d,"p99Us":%d}\\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
`;
}

/** utime + stime of this process's reaped children (fields 16 and 17 of /proc/self/stat), in seconds. */
export function reapedChildrenCpuSeconds(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[13]) + Number(fields[14])) / 100;
}

/** One wrk run: `connections` connections on `threads` threads for `seconds` seconds. */
export async function runWrk(target: WrkTarget, connections: number, seconds: number, threads = 1): Promise<WrkRun> {
  const dir = mkdtempSync(path.join(tmpdir(), 'zenml-bench-wrk-'));
  try {
    const script = path.join(dir, 'bodies.lua');
    writeFileSync(script, wrkScript(target));
    const server0 = target.pid ? treeCpuSeconds(target.pid) : 0;
    const client0 = reapedChildrenCpuSeconds();
    const t0 = performance.now();
    const r = await runChild('wrk', ['-t', String(threads), '-c', String(connections), '-d', `${seconds}s`, '--timeout', '10s', '-s', script, target.url], {
      timeoutMs: (seconds + 30) * 1000,
    });
    const wallS = (performance.now() - t0) / 1000;
    if (r.code !== 0) throw new Error(`wrk exited ${r.code}: ${r.stderr.slice(-500)}`);
    const line = r.stdout.trim().split('\n').filter((l) => l.startsWith('{')).pop();
    if (!line) throw new Error(`wrk printed no summary:\n${r.stdout.slice(-1000)}`);
    const s = JSON.parse(line) as { requests: number; durationUs: number; non2xx: number; errors: number; p50Us: number; p99Us: number };
    return {
      rps: (s.requests - s.non2xx) / (s.durationUs / 1e6),
      p50Ms: s.p50Us / 1000,
      p99Ms: s.p99Us / 1000,
      non2xx: s.non2xx,
      errors: s.errors,
      serverCpuPct: target.pid ? (100 * (treeCpuSeconds(target.pid) - server0)) / wallS : undefined,
      clientCpuPct: (100 * (reapedChildrenCpuSeconds() - client0)) / wallS,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
