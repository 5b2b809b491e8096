/**
 * The node:http server of one process: listen, and stop gracefully (refuse new connections, let in-flight
 * requests finish, then drop idle keep-alive sockets).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEFAULT_TIMEOUTS } from './config.js';
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

/** Sockets open at once; past this the server closes new connections at once instead of running out of fds. */
export const MAX_CONNECTIONS = 10_000;

/** A node:http server with the config's connection limits (config.ts, DEFAULT_TIMEOUTS). */
function createLimitedServer(ctx: ServerContext): Server {
  const { keepAliveMs, headersMs, requestMs } = ctx.config.timeouts ?? DEFAULT_TIMEOUTS;
  const server = createServer(
    {
      headersTimeout: headersMs,
      requestTimeout: requestMs,
      // node checks the header and request deadlines this often (default 30 s): often enough for short limits too.
      connectionsCheckingInterval: Math.max(100, Math.min(30_000, Math.floor(headersMs / 2))),
    },
    createRouter(ctx),
  );
  server.keepAliveTimeout = keepAliveMs;
  server.maxConnections = MAX_CONNECTIONS;
  return server;
}

/** Starts listening on host:port with the router for `ctx`. */
export function listenHttp(ctx: ServerContext, host: string, port: number): Promise<HttpServerHandle> {
  const server = createLimitedServer(ctx);
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
