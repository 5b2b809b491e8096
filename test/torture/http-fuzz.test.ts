// A raw-HTTP fuzzer over node:net against a running model server: random methods, paths, headers, truncated,
// oversized and slow bodies, and plain garbage. Invariants: never a 5xx, the daemon stays alive and healthy, RSS
// after the fuzz within 10% of before, and (full run only; timing on shared cores is noisy) the p99 of good
// requests interleaved with the fuzz within 2× of a clean run measured here.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import { startServer, stopAllServers, type ServerProcess } from '../helpers/server-harness.js';
import { FULL, scale, tortureTimeout } from './scale.js';

const BAD = scale(100_000, 3_000);
const GOOD = scale(2_000, 200);
const WARMUP = scale(15_000, 1_500);
// Few enough that the fuzzing client (on the same 2 cores) does not starve the server it measures.
const CONCURRENCY = 2;
const LIMIT = 64 * 1024;
let server: ServerProcess;
let port: number;

beforeAll(async () => {
  server = await startServer({ maxBodyBytes: LIMIT });
  port = server.runtime.port as number;
}, 60_000);

afterAll(stopAllServers);

// A small deterministic PRNG, so a failing run can be replayed from the seed it prints.
function rng(seed: number) {
  let s = seed >>> 0 || 1;
  const next = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => int(256)));
  return { next, int, pick, bytes };
}

const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS', 'TRACE', 'CONNECT', 'BREW', 'get', '', 'P\u00d6ST', 'GET GET'];
const PATHS = [
  '/invocations', '/v2/models/iris/infer', '/v2/models/iris', '/v2/models/iris/ready', '/v2', '/v2/health/ready', '/ping', '/health',
  '/version', '/metrics', '/_zenml/status', '/_zenml/models/iris', '/v2/models/../../etc/passwd/infer', '/%00', '/%ff%fe', '//',
  '*', 'http://evil/', '/v2/models/' + 'a'.repeat(5000) + '/infer', '/invocations?model=' + '%'.repeat(50), '/v2/models/iris/versions/v1/infer',
];
const TYPES = ['application/json', 'text/csv', 'text/csv; charset=latin-1', 'application/octet-stream', 'application/json; charset=utf-16', '', 'x/y; ;;;'];

function fuzzRequest(r: ReturnType<typeof rng>): { head: Buffer; body: Buffer[]; slow: boolean } {
  const kind = r.int(10);
  if (kind === 0) return { head: r.bytes(1 + r.int(400)), body: [], slow: false };
  const method = r.pick(METHODS);
  const path = r.pick(PATHS);
  const version = r.pick(['HTTP/1.1', 'HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/9', 'FOO']);
  const bodies = [
    '{"inputs": [[1,2,3,4]]', '{"inputs": [[1,2,3,"x"]]}', '[]', 'null', '{"inputs":[{"name":"input","shape":[1,4],"datatype":"FP32","data":[1,2]}]}',
    '{"dataframe_split":{"columns":["a"],"data":[[1],[2,3]]}}', 'a,b\n1', '\u0000\u0001\u0002', '{"inputs": ' + '['.repeat(5000), '"' + 'x'.repeat(1000),
  ];
  let body = r.int(4) === 0 ? r.bytes(r.int(2000)) : Buffer.from(r.pick(bodies));
  if (r.int(20) === 0) body = Buffer.alloc(LIMIT + 1 + r.int(LIMIT), 0x31); // oversized
  const headers: string[] = [`Host: 127.0.0.1:${port}`];
  if (r.int(4) > 0) headers.push(`Content-Type: ${r.pick(TYPES)}`);
  const lengthKind = r.int(6);
  if (lengthKind === 0) headers.push(`Content-Length: ${body.length + 1 + r.int(100)}`); // truncated: promises more than it sends
  else if (lengthKind === 1) headers.push(`Content-Length: ${r.pick(['-1', 'abc', '1e3', '99999999999999999999', `${body.length}, ${body.length + 1}`])}`);
  else if (lengthKind === 2) headers.push('Transfer-Encoding: chunked');
  else if (lengthKind < 5) headers.push(`Content-Length: ${body.length}`);
  if (r.int(3) === 0) headers.push(`Inference-Header-Content-Length: ${r.pick(['0', '5', '-3', 'x', String(body.length * 2)])}`);
  if (r.int(3) === 0) headers.push(`Authorization: ${r.pick(['Bearer ', 'Bearer x', 'Basic Zm9v', 'Bearer ' + 'x'.repeat(2000)])}`);
  if (r.int(10) === 0) headers.push(`X-Big: ${'y'.repeat(r.int(20_000))}`);
  if (r.int(10) === 0) headers.push(r.pick(['NoColon', ': empty', 'Bad Header: x', 'X: \u0001']));
  headers.push('Connection: close');
  const head = Buffer.from(`${method} ${path} ${version}\r\n${headers.join('\r\n')}\r\n\r\n`, 'latin1');
  const chunked = lengthKind === 2 ? Buffer.from(r.pick([`${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`, 'zz\r\n', `${body.length.toString(16)}\r\n`])) : body;
  const slow = r.int(200) === 0;
  const parts = slow ? [chunked.subarray(0, chunked.length >> 1), chunked.subarray(chunked.length >> 1)] : [chunked];
  return { head, body: parts, slow };
}

/** Sends one raw request and returns the status code (0 when the server closed without an answer). */
function sendRaw(req: { head: Buffer; body: Buffer[]; slow: boolean }): Promise<number> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(Buffer.concat(chunks).subarray(0, 20).toString('latin1'));
      resolve(m ? Number(m[1]) : 0);
    };
    // A request that promised more body than it sent gets no answer until the server's requestTimeout; the client
    // gives up first, as a real one would.
    const timer = setTimeout(finish, 3_000);
    socket.on('data', (c: Buffer) => {
      chunks.push(c);
      if (Buffer.concat(chunks).includes('\r\n\r\n')) finish();
    });
    socket.on('error', finish);
    socket.on('close', finish);
    socket.on('connect', async () => {
      socket.write(req.head);
      for (const part of req.body) {
        if (req.slow) await new Promise((r) => setTimeout(r, 200));
        if (!socket.destroyed) socket.write(part);
      }
      if (!socket.destroyed) socket.end();
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

async function fuzz(count: number, seed: number, statuses: Map<number, number>): Promise<void> {
  const r = rng(seed);
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < count) {
        next += 1;
        const status = await sendRaw(fuzzRequest(r));
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }
    }),
  );
}

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
      const warm = fuzz(WARMUP, seed + 1, new Map()).finally(() => (warming = false));
      while (warming) await good();
      await warm;
      const clean: number[] = [];
      for (let i = 0; i < GOOD; i += 1) clean.push(await good());
      const rssBefore = rssKb(pid);

      const statuses = new Map<number, number>();
      const during: number[] = [];
      let fuzzing = true;
      const fuzzDone = fuzz(BAD, seed, statuses).finally(() => (fuzzing = false));
      while (fuzzing || during.length < GOOD) {
        during.push(await good());
        if (!fuzzing && during.length >= GOOD) break;
      }
      await fuzzDone;
      const rssAfter = rssKb(pid);

      const fivexx = [...statuses].filter(([s]) => s >= 500);
      const report = {
        seed,
        bad: BAD,
        statuses: Object.fromEntries([...statuses].sort(([a], [b]) => a - b)),
        rssBeforeKb: rssBefore,
        rssAfterKb: rssAfter,
        rssChange: `${(((rssAfter - rssBefore) / rssBefore) * 100).toFixed(1)}%`,
        p99CleanMs: p99(clean).toFixed(2),
        p99FuzzMs: p99(during).toFixed(2),
        p99Ratio: (p99(during) / p99(clean)).toFixed(2),
        goodDuringFuzz: during.length,
      };
      process.stderr.write(`http-fuzz: ${JSON.stringify(report)}\n`);

      expect(fivexx).toEqual([]);
      expect(server.proc.exitCode).toBeNull();
      expect(server.proc.signalCode).toBeNull();
      process.kill(pid, 0);
      const health = await fetch(`${server.url}/health`);
      expect(health.status).toBe(200);
      // The issue's 10% is for 100,000 bad requests after a 15,000-request warm-up. The short form's 1,500-request
      // warm-up is too short for the heap to settle (Node 24 grew 24% over 3,000 requests in one CI run and 4% in
      // another), so it only guards against a gross leak.
      expect(Math.abs(rssAfter - rssBefore) / rssBefore).toBeLessThan(FULL ? 0.1 : 0.5);
      if (FULL) expect(p99(during) / p99(clean)).toBeLessThan(2);
    },
    tortureTimeout(1_800_000, 90_000),
  );
});

afterAll(() => agent.destroy());
