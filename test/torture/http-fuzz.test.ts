// A raw-HTTP fuzzer (raw-http-fuzzer.ts, in a process of its own) against a running model server: random methods,
// paths, headers, truncated, oversized and slow bodies, and plain garbage, on one-request, kept-alive and pipelined
// connections. Invariants: never a 5xx, never a hang (a request the server neither answers nor closes, even once the
// client has half-closed), the daemon stays alive and healthy, RSS after the fuzz within 10% of before, and (full run
// only; timing on shared cores is noisy) the p99 of good requests interleaved with the fuzz within 2× of a clean run
// measured here.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startServer, stopAllServers, type ServerProcess } from '../helpers/server-harness.js';
import type { FuzzReport } from './raw-http-fuzzer.js';
import { FULL, scale, tortureTimeout } from './scale.js';

const BAD = scale(100_000, 3_000);
const GOOD = scale(2_000, 200);
const CLEAN = scale(20_000, 400);
const WARMUP = scale(15_000, 1_500);
// One fuzz connection at a time, as fast as the server answers (~2,500 bad requests/s here, a quarter of the
// server's one event loop). The fuzzer runs at nice 19 in its own process, so that the p99 measures how the server
// copes with bad requests rather than how much CPU the fuzzer takes on these 2 shared cores. Two connections at once
// (~3,900/s) put the p99 at 2.3-2.4× of clean: queueing behind the bad requests' own TCP accept, answer and close.
const CONCURRENCY = 1;
const LIMIT = 64 * 1024;
const FUZZER = fileURLToPath(new URL('./raw-http-fuzzer.ts', import.meta.url));
let server: ServerProcess;
let port: number;

beforeAll(async () => {
  server = await startServer({ maxBodyBytes: LIMIT });
  port = server.runtime.port as number;
}, 60_000);

afterAll(stopAllServers);

/** Runs the fuzzer in a process of its own (see raw-http-fuzzer.ts); resolves with its report. */
function fuzz(count: number, seed: number): Promise<FuzzReport> {
  const args = ['--import', 'tsx', FUZZER, String(port), String(count), String(seed), String(LIMIT), String(CONCURRENCY)];
  return new Promise((resolve, reject) => {
    execFile('nice', ['-n', '19', process.execPath, ...args], { maxBuffer: 1 << 20, timeout: 1_500_000 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`fuzzer (seed ${seed}) failed: ${err.message}\n${stderr}`));
      resolve(JSON.parse(stdout) as FuzzReport);
    });
  });
}

function rssKb(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
}

const agent = new Agent({ keepAlive: true, maxSockets: 1 });
const GOOD_BODY = JSON.stringify({ inputs: [[5.1, 3.5, 1.4, 0.2]] });

function good(): Promise<number> {
  const start = performance.now();
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/invocations', method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve(performance.now() - start) : reject(new Error(`good request got ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(GOOD_BODY);
  });
}

const p99 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.99)]!;

describe('raw-HTTP fuzz', () => {
  it(
    `${BAD} bad requests: no 5xx, no crash, RSS steady, good requests still served`,
    async () => {
      const pid = server.proc.pid!;
      const seed = Number(process.env.ZENML_FUZZ_SEED ?? Date.now() % 1_000_000);
      // Warm up with the same mix (fuzz plus good requests) before the RSS and latency baselines: a busy server's
      // heap settles some 15% above an idle one's within the first ~10,000 requests and then stays flat (measured:
      // 116 MB idle, 133-150 MB from 12,500 to 100,000 bad requests), which is growth to a working size, not a leak.
      let warming = true;
      const warm = fuzz(WARMUP, seed + 1).finally(() => (warming = false));
      while (warming) await good();
      await warm;
      // The clean baseline: good requests alone, half before the fuzz and half after it, pooled (a p99 over 2,000
      // requests taken in one half-second swung from 0.25 to 0.6 ms between runs on these shared cores).
      const clean: number[] = [];
      for (let i = 0; i < CLEAN / 2; i += 1) clean.push(await good());
      const rssBefore = rssKb(pid);

      const during: number[] = [];
      let fuzzing = true;
      const fuzzStart = performance.now();
      const fuzzDone = fuzz(BAD, seed).finally(() => (fuzzing = false));
      while (fuzzing || during.length < GOOD) {
        during.push(await good());
        if (!fuzzing && during.length >= GOOD) break;
      }
      const fuzzed = await fuzzDone;
      const statuses = new Map(Object.entries(fuzzed.statuses).map(([k, v]) => [Number(k), v]));
      const fuzzSeconds = (performance.now() - fuzzStart) / 1000;
      const rssAfter = rssKb(pid);
      for (let i = 0; i < CLEAN / 2; i += 1) clean.push(await good());

      const fivexx = [...statuses].filter(([s]) => s >= 500);
      const report = {
        seed,
        bad: BAD,
        statuses: Object.fromEntries([...statuses].sort(([a], [b]) => a - b)),
        byConnection: fuzzed.byMode,
        rssBeforeKb: rssBefore,
        rssAfterKb: rssAfter,
        rssChange: `${(((rssAfter - rssBefore) / rssBefore) * 100).toFixed(1)}%`,
        p99CleanMs: p99(clean).toFixed(2),
        p99FuzzMs: p99(during).toFixed(2),
        p99Ratio: (p99(during) / p99(clean)).toFixed(2),
        goodDuringFuzz: during.length,
        badPerS: Math.round(BAD / fuzzSeconds),
      };
      process.stderr.write(`http-fuzz: ${JSON.stringify(report)}\n`);

      expect(fivexx).toEqual([]);
      // A hang is a failure, not a closed socket: the server must answer or close every request.
      expect({ hangs: statuses.get(-1) ?? 0, first: fuzzed.hangs }).toEqual({ hangs: 0, first: [] });
      // Every kind of connection was fuzzed, the kept-alive and pipelined ones with more than one request each.
      for (const mode of ['close', 'keep-alive', 'pipelined'] as const) expect(fuzzed.byMode[mode]).toBeGreaterThan(BAD / 10);
      expect(server.proc.exitCode).toBeNull();
      expect(server.proc.signalCode).toBeNull();
      process.kill(pid, 0);
      const health = await fetch(`${server.url}/health`);
      expect(health.status).toBe(200);
      // The 10% is for 100,000 bad requests after a 15,000-request warm-up. The short form's 1,500-request
      // warm-up is too short for the heap to settle (Node 24 grew 24% over 3,000 requests in one CI run and 4% in
      // another), so it only guards against a gross leak.
      expect(Math.abs(rssAfter - rssBefore) / rssBefore).toBeLessThan(FULL ? 0.1 : 0.5);
      if (FULL) expect(p99(during) / p99(clean)).toBeLessThan(2);
    },
    tortureTimeout(1_800_000, 90_000),
  );
});

afterAll(() => agent.destroy());
