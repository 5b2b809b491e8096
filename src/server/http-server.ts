/**
 * The node:http server of one process: listen, and stop gracefully (refuse new connections, let in-flight
 * requests finish, then drop idle keep-alive sockets).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRouter } from './router.js';
import type { ServerContext } from './server-context.js';

/** A listening server. */
export interface HttpServerHandle {
  /** The node:http server. */
  server: Server;
  /** Bound port (the real one when the config said 0). */
  port: number;
  /** Stops accepting, waits for in-flight requests (at most `drainMs`), then closes every socket. */
  close(drainMs?: number): Promise<void>;
}

/** How long a graceful stop waits for in-flight requests before cutting them off. */
export const DEFAULT_DRAIN_MS = 30_000;

/** Starts listening on host:port with the router for `ctx`. */
export function listenHttp(ctx: ServerContext, host: string, port: number): Promise<HttpServerHandle> {
  const server = createServer(createRouter(ctx));
  // Keep-alive sockets outlive a typical client's pool timeout by a little, so clients never reuse a socket that
  // the server is closing at the same moment.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port }, () => {
      server.off('error', reject);
      const bound = (server.address() as AddressInfo).port;
      let closing: Promise<void> | undefined;
      resolve({
        server,
        port: bound,
        close(drainMs = DEFAULT_DRAIN_MS) {
          closing ??= drain(server, ctx, drainMs);
          return closing;
        },
      });
    });
  });
}

async function drain(server: Server, ctx: ServerContext, drainMs: number): Promise<void> {
  ctx.state.shuttingDown = true;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const deadline = Date.now() + drainMs;
  await new Promise<void>((resolve) => {
    const tick = setInterval(() => {
      if (ctx.state.inflight > 0 && Date.now() < deadline) return;
      clearInterval(tick);
      resolve();
    }, 10);
  });
  // In-flight requests are done; whatever sockets remain are idle keep-alives (or stragglers past the deadline).
  server.closeAllConnections();
  await closed;
}
