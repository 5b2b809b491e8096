// The raw-HTTP fuzzer of http-fuzz.test.ts, over node:net: random methods, paths, headers, truncated, oversized and
// slow bodies, and plain garbage, on three kinds of connection taken at random: one request then `Connection: close`,
// a kept-alive connection (2-8 requests, each sent once the one before is answered), and a pipelined one (2-6
// requests written at once). `concurrency` connections at a time. Run as its own process (the test spawns it with
// `node --import tsx`), so that generating and reading the fuzz never delays the test's own good requests, whose
// latency is measured:
//   node --import tsx test/torture/raw-http-fuzzer.ts <port> <count> <seed> <bodyLimit> <concurrency>
// prints one JSON line: the count of each status (0: the server closed without an answer; -1: a hang, a request the
// server neither answered nor closed within SILENCE_MS of the client's last byte),
// the requests sent on each kind of connection, and the first hangs.
import { connect, type Socket } from 'node:net';
import { ResponseReader, type ReadResult } from './http-response-reader.js';
import { pathToFileURL } from 'node:url';

// A small deterministic PRNG, so a failing run can be replayed from the seed it prints.
export function rng(seed: number) {
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

/**
 * One fuzz request. `final`: its framing is not one the server can finish reading (garbage, a body shorter than
 * promised, a broken chunk, an odd request line or header), so the client half-closes after it; `isHead`: its answer
 * has no body.
 */
export interface FuzzRequest {
  head: Buffer;
  body: Buffer[];
  slow: boolean;
  final: boolean;
  isHead: boolean;
}

/** The well-formed methods (CONNECT left out: it turns the connection into a tunnel). */
const FRAMED_METHODS = METHODS.filter((m) => /^[A-Z]+$/.test(m) && m !== 'CONNECT');

/**
 * A random request. `keepAlive` leaves out `Connection: close` (but for one request in ten); `framed` keeps its
 * framing well-formed (HTTP/1.1, a plain method, an exact Content-Length or a complete chunked body, no broken header
 * line), everything else as random, so that a kept-alive or pipelined connection outlives it.
 */
export function fuzzRequest(r: ReturnType<typeof rng>, port: number, limit: number, { keepAlive = false, framed = false } = {}): FuzzRequest {
  const kind = framed ? 1 : r.int(10);
  if (kind === 0) return { head: r.bytes(1 + r.int(400)), body: [], slow: false, final: true, isHead: false };
  const method = r.pick(framed ? FRAMED_METHODS : METHODS);
  const path = r.pick(PATHS);
  const version = framed ? 'HTTP/1.1' : r.pick(['HTTP/1.1', 'HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/9', 'FOO']);
  const bodies = [
    '{"inputs": [[1,2,3,4]]', '{"inputs": [[1,2,3,"x"]]}', '[]', 'null', '{"inputs":[{"name":"input","shape":[1,4],"datatype":"FP32","data":[1,2]}]}',
    '{"dataframe_split":{"columns":["a"],"data":[[1],[2,3]]}}', 'a,b\n1', '\u0000\u0001\u0002', '{"inputs": ' + '['.repeat(5000), '"' + 'x'.repeat(1000),
  ];
  let body = r.int(4) === 0 ? r.bytes(r.int(2000)) : Buffer.from(r.pick(bodies));
  if (r.int(20) === 0) body = Buffer.alloc(limit + 1 + r.int(limit), 0x31); // oversized
  const headers: string[] = [`Host: 127.0.0.1:${port}`];
  if (r.int(4) > 0) headers.push(`Content-Type: ${r.pick(TYPES)}`);
  const lengthKind = framed ? r.pick([2, 3, 4]) : r.int(6);
  if (lengthKind === 0) headers.push(`Content-Length: ${body.length + 1 + r.int(100)}`); // truncated: promises more than it sends
  else if (lengthKind === 1) headers.push(`Content-Length: ${r.pick(['-1', 'abc', '1e3', '99999999999999999999', `${body.length}, ${body.length + 1}`])}`);
  else if (lengthKind === 2) headers.push('Transfer-Encoding: chunked');
  else if (lengthKind < 5) headers.push(`Content-Length: ${body.length}`);
  if (r.int(3) === 0) headers.push(`Inference-Header-Content-Length: ${r.pick(['0', '5', '-3', 'x', String(body.length * 2)])}`);
  if (r.int(3) === 0) headers.push(`Authorization: ${r.pick(['Bearer ', 'Bearer x', 'Basic Zm9v', 'Bearer ' + 'x'.repeat(2000)])}`);
  if (r.int(10) === 0) headers.push(`X-Big: ${'y'.repeat(r.int(20_000))}`);
  const badHeader = !framed && r.int(10) === 0;
  if (badHeader) headers.push(r.pick(['NoColon', ': empty', 'Bad Header: x', 'X: \u0001']));
  if (!keepAlive || r.int(10) === 0) headers.push('Connection: close');
  const head = Buffer.from(`${method} ${path} ${version}\r\n${headers.join('\r\n')}\r\n\r\n`, 'latin1');
  const chunkKind = framed ? 0 : r.int(3);
  const size = Buffer.from(`${body.length.toString(16)}\r\n`);
  const chunks = [Buffer.concat([size, body, Buffer.from('\r\n0\r\n\r\n')]), Buffer.from('zz\r\n'), size];
  const chunked = lengthKind === 2 ? chunks[chunkKind]! : body;
  const slow = r.int(200) === 0;
  const parts = slow ? [chunked.subarray(0, chunked.length >> 1), chunked.subarray(chunked.length >> 1)] : [chunked];
  const wellFramed = (lengthKind === 2 && chunkKind === 0) || lengthKind === 3 || lengthKind === 4;
  const final = !wellFramed || badHeader || version !== 'HTTP/1.1' || !FRAMED_METHODS.includes(method);
  return { head, body: parts, slow, final, isHead: method === 'HEAD' };
}

/** How long the server may stay silent after the client's last byte before the request counts as a hang. */
const SILENCE_MS = 3_000;

/** Writes one request (a slow one in two halves, 200 ms apart); half-closes after a final one. */
async function write(socket: Socket, req: FuzzRequest): Promise<void> {
  if (!req.slow) {
    // One write: a head and a body written apart wait out a delayed ACK (~40 ms) on a kept-alive connection.
    socket.write(Buffer.concat([req.head, ...req.body]));
    if (req.final) socket.end();
    return;
  }
  socket.write(req.head);
  for (const part of req.body) {
    if (req.slow) await new Promise((r) => setTimeout(r, 200));
    if (!socket.destroyed) socket.write(part);
  }
  if (req.final && !socket.destroyed) socket.end();
}

/**
 * The answer to the next request, or -1 for a hang: SILENCE_MS without an answer or a close. No request can rightly
 * be left waiting: a well-framed one is complete, and after any other the client has half-closed (node's server ends
 * a half-closed connection at once, so a second chance after a half-close would hide every hang as a close).
 */
async function answer(reader: ResponseReader, isHead: boolean): Promise<number> {
  const result: ReadResult = await reader.next(isHead, SILENCE_MS);
  return result === 'silent' ? -1 : result === 'closed' ? 0 : result;
}

/** The kinds of connection the fuzz takes at random. */
export const MODES = ['close', 'keep-alive', 'pipelined'] as const;
export type Mode = (typeof MODES)[number];

/**
 * One connection: `requests` (1 for `close`) sent in `mode`; resolves with the answer to each request sent (a
 * request after the server closed the connection is not sent).
 */
export function session(port: number, mode: Mode, requests: FuzzRequest[]): Promise<number[]> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1', noDelay: true });
    const reader = new ResponseReader(socket);
    let connected = false;
    // Refused (the server is gone): one request closed without an answer.
    socket.on('error', () => connected || resolve([0]));
    socket.once('connect', async () => {
      connected = true;
      const answers: number[] = [];
      if (mode === 'pipelined') {
        for (const req of requests) socket.write(Buffer.concat([req.head, ...req.body]));
        if (requests.some((req) => req.final)) socket.end();
        for (const req of requests) {
          const status = await answer(reader, req.isHead);
          answers.push(status);
          if (status <= 0) break;
        }
      } else {
        for (const req of requests) {
          if (socket.destroyed || socket.writableEnded) break;
          await write(socket, req);
          const status = await answer(reader, req.isHead);
          answers.push(status);
          if (status <= 0) break;
        }
      }
      socket.destroy();
      resolve(answers);
    });
  });
}

/** What a fuzz run saw: the count of each answer (0 closed, -1 hang), requests per kind of connection, the first hangs. */
export interface FuzzReport {
  statuses: Record<string, number>;
  byMode: Record<Mode, number>;
  hangs: Array<{ mode: Mode; request: string }>;
}

/** Sends `count` fuzz requests, `concurrency` connections at a time, each of a kind taken at random. */
export async function fuzz(port: number, count: number, seed: number, limit: number, concurrency: number): Promise<FuzzReport> {
  const r = rng(seed);
  const statuses: Record<string, number> = {};
  const byMode: Record<Mode, number> = { close: 0, 'keep-alive': 0, pipelined: 0 };
  const hangs: FuzzReport['hangs'] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      // Five hangs are enough to fail the run: stop there rather than wait out SILENCE_MS for every other one.
      while (next < count && hangs.length < 5) {
        const mode = r.pick(MODES);
        const n = Math.min(count - next, mode === 'close' ? 1 : mode === 'keep-alive' ? 2 + r.int(7) : 2 + r.int(5));
        next += n;
        // On a kept-alive or pipelined connection every request but the last is well framed, so the connection
        // outlives them; the last may be anything.
        const requests = Array.from({ length: n }, (_, i) => fuzzRequest(r, port, limit, { keepAlive: mode !== 'close', framed: i < n - 1 }));
        if (mode === 'pipelined') for (const req of requests) req.slow = false;
        const answers = await session(port, mode, requests);
        // Requests not sent (the server had closed the connection) go back to the pool.
        next -= n - answers.length;
        byMode[mode] += answers.length;
        answers.forEach((status, i) => {
          statuses[status] = (statuses[status] ?? 0) + 1;
          if (status === -1) hangs.push({ mode, request: requests[i]!.head.toString('latin1').slice(0, 300) });
        });
      }
    }),
  );
  return { statuses, byMode, hangs };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [port, count, seed, limit, concurrency] = process.argv.slice(2).map(Number);
  process.stdout.write(`${JSON.stringify(await fuzz(port!, count!, seed!, limit!, concurrency!))}\n`);
}
