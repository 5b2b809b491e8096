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

/** The server's connection limits (README, "Model server API"): what idle, slow and half-sent clients may hold. */
export const SERVER_TIMEOUTS = {
  // Keep-alive sockets outlive a typical client's pool timeout by a little, so clients never reuse a socket that
  // the server is closing at the same moment.
  keepAliveTimeout: 65_000,
  // A client has this long to send its whole header block (slowloris sending a header line a minute is cut off).
  headersTimeout: 66_000,
  // ... and this long for the whole request, body included (a slow body cannot hold a socket for ever).
  requestTimeout: 120_000,
  // Sockets open at once; past this the server closes new connections at once instead of running out of fds.
  maxConnections: 10_000,
} as const;

/** Sets SERVER_TIMEOUTS on a node:http server. */
export function applyTimeouts(server: Server): void {
  server.keepAliveTimeout = SERVER_TIMEOUTS.keepAliveTimeout;
  server.headersTimeout = SERVER_TIMEOUTS.headersTimeout;
  server.requestTimeout = SERVER_TIMEOUTS.requestTimeout;
  server.maxConnections = SERVER_TIMEOUTS.maxConnections;
}

/** Starts listening on host:port with the router for `ctx`. */
export function listenHttp(ctx: ServerContext, host: string, port: number): Promise<HttpServerHandle> {
  const server = createServer(createRouter(ctx));
  applyTimeouts(server);
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
