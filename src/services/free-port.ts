/** Port checks for servers we are about to start: is a port free, and which one is. */
import { createServer } from 'node:net';
import { UsageError } from '../errors.js';

/** A bind error in the user's words: an address this machine does not have is a setting to fix, not a crash. */
function bindError(host: string, error: NodeJS.ErrnoException): Error {
  if (error.code !== 'EADDRNOTAVAIL') return error;
  return new UsageError(`host ${host} is not an address of this machine (cannot listen on it: EADDRNOTAVAIL)`, {
    code: 'ADDRESS_NOT_AVAILABLE',
    suggestion: "use 127.0.0.1 (this machine only), 0.0.0.0 (every interface) or one of this machine's addresses (ip addr)",
  });
}

/** True when `port` on `host` can be bound right now (by trying to bind it). */
export function isPortFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE' || error.code === 'EACCES') resolve(false);
      else reject(bindError(host, error));
    });
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/**
 * A port on `host` that was free a moment ago, chosen by the kernel. Someone else may take it
 * before our server binds it; callers see that as a server that fails to start.
 */
export function findFreePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', (error: NodeJS.ErrnoException) => reject(bindError(host, error)));
    server.listen({ host, port: 0, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error(`no free port on ${host}`))));
    });
  });
}
