/**
 * HTTP/2 load with h2load (nghttp2's load generator, Debian package `nghttp2-client`), for the gRPC points: one
 * request body (a length-prefixed gRPC message) sent on `clients` connections × `streams` concurrent streams each.
 * A C load generator, so the gRPC floors, grpc-js and our server are all measured with the same cheap client.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { treeCpuSeconds } from './proc-stats.js';
import { runChild } from './processes.js';
import { reapedChildrenCpuSeconds } from './wrk.js';

/** How to get h2load, for the skipped note. */
export const H2LOAD_HINT = 'h2load is not installed (Debian/Ubuntu: `sudo apt-get install -y nghttp2-client`; macOS: `brew install nghttp2`)';

/** h2load's version line, or undefined when it is not installed. */
export function h2loadVersion(): string | undefined {
  try {
    return execFileSync('h2load', ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\n')[0]!.trim();
  } catch {
    return undefined;
  }
}

/** One gRPC unary method on a server, as h2load loads it. */
export interface H2Target {
  /** http://host:port/package.Service/Method */
  url: string;
  /** The framed request message. */
  body: Buffer;
  headers?: Record<string, string>;
  pid?: number;
}

/** What one h2load run measured (h2load reports no percentiles: mean and sd of the request time). */
export interface H2Run {
  rps: number;
  meanMs: number;
  sdMs: number;
  /** From the per-request log (requestPercentiles); absent when h2load logged nothing. */
  p50Ms?: number;
  p99Ms?: number;
  /** Answers other than 2xx. */
  non2xx: number;
  /** h2load's failed requests: errors, timeouts, and the calls still in flight when a timed run stops (≤ clients × streams). */
  failed: number;
  serverCpuPct?: number;
  clientCpuPct: number;
}

// "1.23ms", "456.78us", "1.2s" → ms
function toMs(value: string): number {
  const m = /^([\d.]+)(us|ms|s)$/.exec(value);
  if (!m) return NaN;
  return Number(m[1]) * ({ us: 1e-3, ms: 1, s: 1000 } as const)[m[2] as 'us' | 'ms' | 's'];
}

/** Parses h2load's summary (exported for a check on a recorded output). */
export function parseH2load(out: string): Omit<H2Run, 'serverCpuPct' | 'clientCpuPct'> {
  const rps = /finished in [\d.]+\w+, ([\d.]+) req\/s/.exec(out);
  const req = /requests: (\d+) total, \d+ started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored, (\d+) timeout/.exec(out);
  const codes = /status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx/.exec(out);
  const time = /time for request:\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)/.exec(out);
  if (!rps || !req || !codes || !time) throw new Error(`cannot read h2load's summary:\n${out.slice(-1500)}`);
  const done = Number(req[2]);
  const succeeded = Number(req[3]);
  const non2xx = Number(codes[2]) + Number(codes[3]) + Number(codes[4]);
  // h2load's req/s counts every finished request; keep the successful 2xx ones.
  return { rps: done > 0 ? (Number(rps[1]) * Math.max(0, succeeded - non2xx)) / done : 0, meanMs: toMs(time[3]!), sdMs: toMs(time[4]!), non2xx, failed: Number(req[4]) };
}

/**
 * p50 and p99 of the request times in h2load's --log-file (tab-separated: start time in µs since the epoch, status,
 * µs until the end of the response; h2load's summary has mean and sd only). Requests of the first second, h2load's
 * warm-up, are left out, as its summary leaves them out.
 */
export function requestPercentiles(tsv: string): { p50Ms?: number; p99Ms?: number } {
  const rows = tsv.split('\n').map((line) => line.split('\t').map(Number)).filter((c) => c.length >= 3 && c.every(Number.isFinite));
  if (rows.length === 0) return {};
  // A loop, not Math.min(...): a run logs hundreds of thousands of requests, more arguments than a call can take.
  let start = Infinity;
  for (const c of rows) if (c[0]! < start) start = c[0]!;
  const times = rows.filter((c) => c[0]! >= start + 1e6 && c[1] === 200).map((c) => c[2]! / 1000).sort((a, b) => a - b);
  if (times.length === 0) return {};
  const at = (p: number) => times[Math.min(times.length - 1, Math.floor((p / 100) * times.length))]!;
  return { p50Ms: at(50), p99Ms: at(99) };
}

/** One h2load run of `seconds` (after a 1 s warm-up) with `clients` connections of `streams` streams each. */
export async function runH2load(target: H2Target, clients: number, streams: number, seconds: number): Promise<H2Run> {
  const dir = mkdtempSync(path.join(tmpdir(), 'zenml-bench-h2load-'));
  try {
    const body = path.join(dir, 'body.bin');
    writeFileSync(body, target.body);
    const headers = { 'content-type': 'application/grpc', te: 'trailers', ...target.headers };
    const log = path.join(dir, 'requests.tsv');
    const args = ['-c', String(clients), '-m', String(streams), '-t', '1', '-D', String(seconds), '--warm-up-time', '1', '-d', body, '--log-file', log];
    for (const [k, v] of Object.entries(headers)) args.push('-H', `${k}: ${v}`);
    const server0 = target.pid ? treeCpuSeconds(target.pid) : 0;
    const client0 = reapedChildrenCpuSeconds();
    const t0 = performance.now();
    const r = await runChild('h2load', [...args, target.url], { timeoutMs: (seconds + 40) * 1000 });
    const wallS = (performance.now() - t0) / 1000;
    if (r.code !== 0) throw new Error(`h2load exited ${r.code}: ${r.stderr.slice(-500)}${r.stdout.slice(-500)}`);
    return {
      ...parseH2load(r.stdout),
      ...requestPercentiles(readFileSync(log, 'utf8')),
      // Both over the whole run, warm-up included.
      serverCpuPct: target.pid ? (100 * (treeCpuSeconds(target.pid) - server0)) / wallS : undefined,
      clientCpuPct: (100 * (reapedChildrenCpuSeconds() - client0)) / wallS,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
