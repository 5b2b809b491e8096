/**
 * The gRPC port of one serving process: a plain node:net listener (shared across cluster workers like the HTTP
 * port) that loads the gRPC server (grpc-server.ts) on its first connection and hands every connection to it. An
 * idle server thus holds the port for the price of a socket, not of protobufjs and the parsed .proto.
 */
import { createServer, type Socket } from 'node:net';
import type { GrpcService } from './grpc-server.js';
import type { ServerContext } from './server-context.js';

/** A listening gRPC port. */
export interface GrpcServerHandle {
  /** Bound port (the real one when asked for 0). */
  port: number;
  /** Refuses new connections, lets running calls finish (at most `drainMs`), then closes every connection. */
  close(drainMs: number): Promise<void>;
  /** Closes everything at once. */
  kill(): void;
}

/** Listens for gRPC on host:port for `ctx`. */
export function listenGrpc(ctx: ServerContext, host: string, port: number): Promise<GrpcServerHandle> {
  // noDelay: an answer is one small write per call, and Nagle would hold it back behind the previous one's ACK.
  const listener = createServer({ noDelay: true });
  let service: Promise<GrpcService> | undefined;
  listener.on('connection', (socket: Socket) => {
    // A client that goes away before the HTTP/2 session takes over must not crash the process with an unhandled 'error'.
    socket.on('error', () => undefined);
    service ??= import('./grpc-server.js').then((m) => m.createGrpcService(ctx));
    service.then(
      (s) => s.inject(socket),
      (err: Error) => {
        ctx.log(`cannot start gRPC: ${err.message}`);
        socket.destroy();
      },
    );
  });
  return new Promise((resolve, reject) => {
    listener.once('error', (err) => reject(new Error(`cannot listen for gRPC on ${host}:${port}: ${err.message}`)));
    listener.listen({ host, port }, () => {
      listener.removeAllListeners('error');
      const bound = (listener.address() as { port: number }).port;
      let closing: Promise<void> | undefined;
      resolve({
        port: bound,
        close(drainMs) {
          closing ??= (async () => {
            listener.close();
            const s = await service?.catch(() => undefined);
            if (!s) return;
            s.drain(drainMs);
            // Calls count as in-flight requests; wait for them as the HTTP drain does, then cut what is left.
            const deadline = Date.now() + drainMs;
            while (ctx.state.inflight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
            s.destroy();
          })();
          return closing;
        },
        kill() {
          listener.close();
          void service?.then((s) => s.destroy(), () => undefined);
        },
      });
    });
  });
}
