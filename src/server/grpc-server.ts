/**
 * The gRPC service of one serving process, on node:http2 directly: each call is one HTTP/2 stream carrying one
 * length-prefixed request message (grpc-framing.ts), answered with response headers, one message and the
 * `grpc-status` trailer, or with a trailers-only error. Messages go through protobufjs (grpc-messages.ts), handlers
 * are grpc-service.ts. Flow control, HPACK, PING and SETTINGS are node's. Imported on the first gRPC connection
 * only, so an idle server (or one with gRPC off) never parses the .proto.
 */
import { constants, createServer, type Http2Session, type IncomingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import type { Socket } from 'node:net';
import { encodeFrame, encodeGrpcMessage, GrpcCallError, parseTimeout, UnaryFrameReader } from './grpc-framing.js';
import { loadMethodCodecs, SERVICE, type MethodCodec } from './grpc-messages.js';
import { grpcError, grpcMethods, metricModel, type CallInfo, type GrpcMethod } from './grpc-service.js';
import { Status, statusName } from './grpc-status.js';
import type { ServerContext } from './server-context.js';

export { PROTO_PATH } from './grpc-messages.js';

/** A gRPC server fed with accepted connections. */
export interface GrpcService {
  /** Serves gRPC on an accepted connection. */
  inject(socket: Socket): void;
  /** Tells every client to stop (GOAWAY), lets running calls finish, cuts what is left after `graceMs`. */
  drain(graceMs: number): void;
  /** Closes every connection now. */
  destroy(): void;
}

const PREFIX = `/${SERVICE}/`;
const MAX_TIMER_MS = 2 ** 31 - 1;
const ignore = () => undefined;

/** One served method: its codec, its handler, its metrics endpoint. */
interface Route {
  codec: MethodCodec;
  method: GrpcMethod;
}

/** Creates the gRPC service for `ctx`. */
export function createGrpcService(ctx: ServerContext): GrpcService {
  const codecs = loadMethodCodecs();
  const methods = grpcMethods(ctx);
  const routes = new Map<string, Route>();
  for (const [name, method] of Object.entries(methods)) routes.set(`${PREFIX}${name}`, { codec: codecs.get(name)!, method });

  const server = createServer();
  const sessions = new Set<Http2Session>();
  server.on('session', (session: Http2Session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
    // A peer that breaks the protocol or goes away loses its session, never the process.
    session.on('error', ignore);
  });
  server.on('sessionError', ignore);
  server.on('stream', (stream, headers) => serveCall(ctx, routes, stream, headers));

  let cut: NodeJS.Timeout | undefined;
  return {
    inject: (socket) => server.emit('connection', socket),
    drain(graceMs) {
      for (const s of sessions) s.close();
      cut = setTimeout(() => sessions.forEach((s) => s.destroy()), graceMs);
      cut.unref();
    },
    destroy() {
      clearTimeout(cut);
      for (const s of sessions) s.destroy();
    },
  };
}

/** Sends a trailers-only answer: the status and message in the only HEADERS frame. */
function sendStatus(stream: ServerHttp2Stream, code: number, message: string): void {
  if (stream.destroyed || stream.closed || stream.headersSent) return;
  stream.respond(
    {
      ':status': 200,
      'content-type': 'application/grpc',
      'grpc-status': String(code),
      ...(message === '' ? {} : { 'grpc-message': encodeGrpcMessage(message) }),
    },
    { endStream: true },
  );
  // Answered before the client finished sending (a refused frame, a deadline): RST_STREAM NO_ERROR tells it to
  // stop sending the rest (RFC 9113 §8.1), after the status has gone out.
  if (!stream.readableEnded) stream.close(constants.NGHTTP2_NO_ERROR);
}

/** Sends one response message and the OK trailer. */
function sendReply(stream: ServerHttp2Stream, message: Uint8Array): void {
  if (stream.destroyed || stream.closed || stream.headersSent) return;
  stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-accept-encoding': 'identity' }, { waitForTrailers: true });
  stream.once('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
  stream.end(encodeFrame(message));
}

function serveCall(ctx: ServerContext, routes: Map<string, Route>, stream: ServerHttp2Stream, headers: IncomingHttpHeaders): void {
  // A reset or a broken connection surfaces here; the call is simply over.
  stream.on('error', ignore);
  const contentType = headers['content-type'] ?? '';
  if (headers[':method'] !== 'POST' || !/^application\/grpc(\+proto)?(;|$)/.test(contentType)) {
    // Not a gRPC call at all: plain HTTP answers, as the gRPC spec asks.
    const notPost = headers[':method'] !== 'POST';
    stream.respond({ ':status': notPost ? constants.HTTP_STATUS_METHOD_NOT_ALLOWED : constants.HTTP_STATUS_UNSUPPORTED_MEDIA_TYPE }, { endStream: true });
    if (!stream.readableEnded) stream.close(constants.NGHTTP2_NO_ERROR);
    return;
  }
  const path = headers[':path'] ?? '';
  const route = routes.get(path);
  if (route === undefined) {
    sendStatus(stream, Status.UNIMPLEMENTED, `the server does not implement the method ${path}`);
    stream.resume();
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  const timeout = headers['grpc-timeout'];
  try {
    if (typeof timeout === 'string') {
      const ms = parseTimeout(timeout);
      // Past setTimeout's range (about 24.8 days; grpc-timeout reaches 11,000 years) node would fire at once.
      if (ms <= MAX_TIMER_MS) timer = setTimeout(() => fail(new GrpcCallError(Status.DEADLINE_EXCEEDED, 'Deadline exceeded')), ms);
    }
  } catch (err) {
    sendStatus(stream, (err as GrpcCallError).code, (err as GrpcCallError).message);
    stream.resume();
    return;
  }
  const name = path.slice(PREFIX.length);
  const reader = new UnaryFrameReader(ctx.config.maxBodyBytes, name);
  const started = performance.now();
  const info: CallInfo = { model: '' };
  let settled = false;
  let handled = false;
  // Every call that reached its method ends here once: one status sent, one metrics observation.
  const settle = (code: number, reply?: Uint8Array, message = '') => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    if (handled) ctx.metrics.observeRequest(metricModel(ctx, info.model), route.method.endpoint, statusName(code), (performance.now() - started) / 1000, 'grpc');
    if (reply !== undefined) sendReply(stream, reply);
    else sendStatus(stream, code, message);
  };
  function fail(err: unknown) {
    if (err instanceof GrpcCallError) return settle(err.code, undefined, err.message);
    const { code, message } = grpcError(err);
    settle(code, undefined, message);
  }
  // The client cancelled (RST_STREAM) or the connection went: nothing more to send.
  stream.once('close', () => {
    settled = true;
    clearTimeout(timer);
  });
  stream.on('data', (chunk: Buffer) => {
    if (settled) return;
    try {
      reader.push(chunk);
    } catch (err) {
      fail(err);
    }
  });
  stream.once('end', () => {
    if (settled) return;
    let request: unknown;
    try {
      const bytes = reader.end();
      try {
        request = route.codec.decode(bytes);
      } catch (err) {
        throw new GrpcCallError(Status.INTERNAL, `cannot parse the request as a ${name} request message: ${(err as Error).message}`);
      }
    } catch (err) {
      return fail(err);
    }
    handled = true;
    const authorization = headers.authorization;
    ctx.state.inflight += 1;
    route.method
      .run(request, typeof authorization === 'string' ? authorization : undefined, info)
      .finally(() => (ctx.state.inflight -= 1))
      .then((reply) => route.codec.encode(reply))
      .then((bytes) => settle(Status.OK, bytes), fail);
  });
}
