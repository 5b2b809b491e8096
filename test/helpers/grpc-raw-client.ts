// A bare node:http2 gRPC client for the wire edge cases a generated client never produces (compressed flags, bad
// frame lengths, second messages, unknown methods, malformed timeouts): the exact bytes go out, and the answer comes
// back as its HTTP status, headers, body and trailers, undecoded.
import { connect, type ClientHttp2Session, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http2';
import { readFileSync } from 'node:fs';
import protobuf from 'protobufjs';
import { PROTO } from './grpc-client.js';

/** What came back on one stream. */
export interface RawGrpcAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  trailers: IncomingHttpHeaders;
  /** grpc-status from the trailers, or from the headers of a trailers-only answer. */
  grpcStatus?: number;
  /** grpc-message, percent-decoded. */
  grpcMessage?: string;
}

const root = protobuf.parse(readFileSync(PROTO, 'utf8'), { keepCase: true }).root;

/** A message of the v2 proto (`ModelInferRequest`) encoded from a plain object. */
export function encodeMessage(type: string, value: Record<string, unknown>): Buffer {
  const t = root.lookupType(`inference.${type}`);
  return Buffer.from(t.encode(t.fromObject(value)).finish());
}

/** A message of the v2 proto decoded into a plain object (longs as numbers). */
export function decodeMessage(type: string, bytes: Uint8Array): any {
  const t = root.lookupType(`inference.${type}`);
  return t.toObject(t.decode(bytes), { longs: Number, defaults: true });
}

/** One length-prefixed frame; `flag` and `length` default to an honest uncompressed frame. */
export function frame(message: Buffer, flag = 0, length = message.length): Buffer {
  const head = Buffer.alloc(5);
  head[0] = flag;
  head.writeUInt32BE(length, 1);
  return Buffer.concat([head, message]);
}

/** Extra request headers, and whether to half-close the request after the body (default true). */
export interface RawCallOptions {
  headers?: OutgoingHttpHeaders;
  end?: boolean;
}

/** An HTTP/2 connection to 127.0.0.1:port, and calls on it. */
export function rawGrpc(port: number): { session: ClientHttp2Session; call: (method: string, body: Buffer, options?: RawCallOptions) => Promise<RawGrpcAnswer> } {
  const session = connect(`http://127.0.0.1:${port}`);
  session.on('error', () => undefined);
  return { session, call: (method, body, options) => call(session, method, body, options) };
}

/**
 * One stream: `method` is the path after the service (`ModelInfer`) or a full path starting with '/'; `body` is
 * written as given, and the request is ended unless `end` is false.
 */
function call(session: ClientHttp2Session, method: string, body: Buffer, options: RawCallOptions = {}): Promise<RawGrpcAnswer> {
  const path = method.startsWith('/') ? method : `/inference.GRPCInferenceService/${method}`;
  const stream = session.request({ ':method': 'POST', ':path': path, 'content-type': 'application/grpc', te: 'trailers', ...options.headers });
  return new Promise((resolve, reject) => {
    let headers: IncomingHttpHeaders = {};
    let trailers: IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    stream.on('response', (h) => (headers = h));
    stream.on('trailers', (t) => (trailers = t));
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('error', reject);
    stream.on('close', () => {
      const status = trailers['grpc-status'] ?? headers['grpc-status'];
      const message = trailers['grpc-message'] ?? headers['grpc-message'];
      resolve({
        status: Number(headers[':status']),
        headers,
        body: Buffer.concat(chunks),
        trailers,
        grpcStatus: status === undefined ? undefined : Number(status),
        grpcMessage: message === undefined ? undefined : decodeURIComponent(String(message)),
      });
    });
    if (body.length > 0) stream.write(body);
    if (options.end !== false) stream.end();
  });
}
