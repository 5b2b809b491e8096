// The raw-HTTP fuzzer of http-fuzz.test.ts, over node:net: random methods, paths, headers, truncated, oversized and
// slow bodies, and plain garbage, `concurrency` requests at a time. Run as its own process (the test spawns it with
// `node --import tsx`), so that generating and reading the fuzz never delays the test's own good requests, whose
// latency is measured:
//   node --import tsx test/torture/raw-http-fuzzer.ts <port> <count> <seed> <bodyLimit> <concurrency>
// prints one JSON line, the count of each status (0: closed without an answer).
import { connect } from 'node:net';
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

export function fuzzRequest(r: ReturnType<typeof rng>, port: number, limit: number): { head: Buffer; body: Buffer[]; slow: boolean } {
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
  if (r.int(20) === 0) body = Buffer.alloc(limit + 1 + r.int(limit), 0x31); // oversized
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
export function sendRaw(port: number, req: { head: Buffer; body: Buffer[]; slow: boolean }): Promise<number> {
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


/** Sends `count` fuzz requests, `concurrency` at a time; resolves with the count of each status. */
export async function fuzz(port: number, count: number, seed: number, limit: number, concurrency: number): Promise<Map<number, number>> {
  const r = rng(seed);
  const statuses = new Map<number, number>();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        next += 1;
        const status = await sendRaw(port, fuzzRequest(r, port, limit));
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }
    }),
  );
  return statuses;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [port, count, seed, limit, concurrency] = process.argv.slice(2).map(Number);
  const statuses = await fuzz(port!, count!, seed!, limit!, concurrency!);
  process.stdout.write(`${JSON.stringify(Object.fromEntries(statuses))}\n`);
}
