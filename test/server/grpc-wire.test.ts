// The gRPC wire as the server reads it, with a bare node:http2 client sending exact bytes: the edge cases generated
// clients never produce (compressed flag, truncated and malformed frames, a second message, unknown and streaming
// methods, deadlines, non-gRPC requests) each end the call with the documented status, and the connection and
// server keep serving. The happy path's framing and trailers are checked byte for byte.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { request as http1 } from 'node:http';
import { startServer, stopAllServers, type ServerProcess } from '../helpers/server-harness.js';
import { decodeMessage, encodeMessage, frame, rawGrpc } from '../helpers/grpc-raw-client.js';
import { irisRows } from '../helpers/server-reference.js';
import { toBytes } from '../helpers/v2-binary-client.js';

const rows = irisRows(2);
const infer = encodeMessage('ModelInferRequest', {
  model_name: 'iris',
  id: 'wire',
  inputs: [{ name: 'input', datatype: 'FP32', shape: [rows.length, 4] }],
  raw_input_contents: [toBytes('FP32', rows.flat())],
});
const UNIMPLEMENTED = 12;
const INTERNAL = 13;

let server: ServerProcess;
let client: ReturnType<typeof rawGrpc>;

beforeAll(async () => {
  server = await startServer({ maxBodyBytes: 4096 });
  client = rawGrpc(server.runtime.grpcPort);
});
afterAll(async () => {
  client.session.destroy();
  await stopAllServers();
});

describe('a good call', () => {
  it('is one 200 HEADERS, one uncompressed length-prefixed message, and grpc-status 0 in the trailers', async () => {
    const r = await client.call('ModelInfer', frame(infer));
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/grpc');
    expect(r.headers['grpc-status']).toBeUndefined();
    expect(r.trailers['grpc-status']).toBe('0');
    expect(r.body[0]).toBe(0);
    expect(r.body.readUInt32BE(1)).toBe(r.body.length - 5);
    const reply = decodeMessage('ModelInferResponse', r.body.subarray(5));
    expect(reply.id).toBe('wire');
    expect(reply.outputs.map((o: { name: string; shape: number[] }) => [o.name, o.shape])).toEqual([
      ['probabilities', [2, 3]],
      ['label', [2]],
    ]);
  });

  it('an empty message (ServerLive) is a frame of length 0', async () => {
    const r = await client.call('ServerLive', frame(Buffer.alloc(0)));
    expect(r.trailers['grpc-status']).toBe('0');
    expect(decodeMessage('ServerLiveResponse', r.body.subarray(5))).toEqual({ live: true });
  });

  it('a message split across many DATA frames is put back together', async () => {
    const bytes = frame(infer);
    const { session } = client;
    const stream = session.request({ ':method': 'POST', ':path': '/inference.GRPCInferenceService/ModelInfer', 'content-type': 'application/grpc' });
    const chunks: Buffer[] = [];
    let status: string | undefined;
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('trailers', (t) => (status = String(t['grpc-status'])));
    for (let i = 0; i < bytes.length; i += 3) stream.write(bytes.subarray(i, i + 3));
    stream.end();
    await new Promise((r) => stream.on('close', r));
    expect(status).toBe('0');
    expect(decodeMessage('ModelInferResponse', Buffer.concat(chunks).subarray(5)).id).toBe('wire');
  });
});

describe('calls refused with a status, and the connection keeps serving', () => {
  it.each([
    ['an unknown method', '/inference.GRPCInferenceService/Nope', frame(Buffer.alloc(0)), UNIMPLEMENTED, /does not implement the method \/inference.GRPCInferenceService\/Nope/],
    ["Triton's streaming method", 'ModelStreamInfer', frame(infer), UNIMPLEMENTED, /does not implement the method .*ModelStreamInfer/],
    ['an unknown service', '/grpc.health.v1.Health/Check', frame(Buffer.alloc(0)), UNIMPLEMENTED, /does not implement/],
    ['a second message on a unary method (a streaming client)', 'ModelInfer', Buffer.concat([frame(infer), frame(infer)]), UNIMPLEMENTED, /ModelInfer is unary: send one request message per call/],
    ['the compressed flag set', 'ModelInfer', frame(infer, 1), UNIMPLEMENTED, /compressed messages are not supported/],
    ['a compressed flag that is neither 0 nor 1', 'ModelInfer', frame(infer, 7), INTERNAL, /bad frame: compressed flag 7/],
    ['a frame longer than the bytes sent', 'ModelInfer', frame(infer, 0, infer.length + 100), INTERNAL, new RegExp(`ended inside a ${infer.length + 100}-byte message`)],
    ['less than a frame header', 'ModelInfer', Buffer.from([0, 0, 0]), INTERNAL, /ended inside a frame header: got 3 bytes/],
    ['no message at all', 'ModelInfer', Buffer.alloc(0), INTERNAL, /no request message: ModelInfer takes exactly one/],
    ['bytes that are not the request message', 'ModelInfer', frame(Buffer.from([0xff, 0xff])), INTERNAL, /cannot parse the request as a ModelInfer request message/],
    ['a frame over maxBodyBytes (refused from its header)', 'ModelInfer', frame(Buffer.alloc(10), 0, 5000), 8, /larger than max \(5000 vs\. 4096\)/],
  ])('%s', async (_name, method, body, code, message) => {
    const r = await client.call(method, body);
    expect(r.status).toBe(200);
    expect(r.body.length).toBe(0);
    // Trailers-only: the status is in the one HEADERS frame.
    expect({ status: r.grpcStatus, message: r.grpcMessage }).toEqual({ status: code, message: expect.stringMatching(message) });
    expect(Number(r.headers['grpc-status'])).toBe(code);
    expect((await client.call('ServerLive', frame(Buffer.alloc(0)))).trailers['grpc-status']).toBe('0');
  });

  it('a non-ASCII grpc-message is percent-encoded UTF-8', async () => {
    const r = await client.call('ModelReady', frame(encodeMessage('ModelReadyRequest', { name: 'nö%' })));
    expect(r.headers['grpc-message']).toMatch(/^unknown model 'n%C3%B6%25'/);
    expect(r.grpcMessage).toMatch(/^unknown model 'nö%'/);
    expect(r.grpcStatus).toBe(5);
  });

  it('a call whose grpc-timeout passes before the request ends is DEADLINE_EXCEEDED', async () => {
    // The request is never half-closed, so only the deadline can end the call.
    const r = await client.call('ModelInfer', frame(infer).subarray(0, 8), { headers: { 'grpc-timeout': '200m' }, end: false });
    expect({ status: r.grpcStatus, message: r.grpcMessage }).toEqual({ status: 4, message: 'Deadline exceeded' });
  });

  it.each(['20S', '99999999H'])('a call within its grpc-timeout (%s) answers normally', async (value) => {
    // 99999999H is past setTimeout's range, where node would fire at once.
    const r = await client.call('ModelInfer', frame(infer), { headers: { 'grpc-timeout': value } });
    expect(r.trailers['grpc-status']).toBe('0');
  });

  it.each(['abc', '5', '123456789S', '10x'])('a malformed grpc-timeout %p is INTERNAL, naming the value', async (value) => {
    const r = await client.call('ModelInfer', frame(infer), { headers: { 'grpc-timeout': value } });
    expect({ status: r.grpcStatus, message: r.grpcMessage }).toEqual({ status: INTERNAL, message: expect.stringContaining(`invalid grpc-timeout value "${value}"`) });
  });

  it('a request that is not gRPC gets a plain HTTP status: 415 for another content type, 405 for GET', async () => {
    expect((await client.call('ModelInfer', frame(infer), { headers: { 'content-type': 'application/json' } })).status).toBe(415);
    expect((await client.call('ModelInfer', Buffer.alloc(0), { headers: { ':method': 'GET' } })).status).toBe(405);
  });

  it('the token is checked from the authorization metadata', async () => {
    const auth = await startServer({ authToken: 'wire-secret' });
    const c = rawGrpc(auth.runtime.grpcPort);
    try {
      const none = await c.call('ModelInfer', frame(infer));
      expect({ status: none.grpcStatus, message: none.grpcMessage }).toEqual({ status: 16, message: expect.stringMatching(/missing bearer token/) });
      const good = await c.call('ModelInfer', frame(infer), { headers: { authorization: 'Bearer wire-secret' } });
      expect(good.trailers['grpc-status']).toBe('0');
    } finally {
      c.session.destroy();
    }
  });
});

describe('the connection', () => {
  it('a client that cancels a call mid-request, and an HTTP/1 client on the gRPC port, leave the server serving', async () => {
    const stream = client.session.request({ ':method': 'POST', ':path': '/inference.GRPCInferenceService/ModelInfer', 'content-type': 'application/grpc' });
    stream.on('error', () => undefined);
    stream.write(frame(infer).subarray(0, 10));
    stream.close();
    const status = await new Promise<number | string>((resolve) => {
      const req = http1({ host: '127.0.0.1', port: server.runtime.grpcPort, method: 'POST', path: '/' }, (res) => resolve(res.statusCode ?? 0));
      req.on('error', (err) => resolve(err.message));
      req.end('hello');
    });
    expect(status).not.toBe(200);

    const fresh = rawGrpc(server.runtime.grpcPort);
    try {
      expect((await fresh.call('ModelInfer', frame(infer))).trailers['grpc-status']).toBe('0');
    } finally {
      fresh.session.destroy();
    }
    expect(server.proc.exitCode).toBeNull();
  });
});
