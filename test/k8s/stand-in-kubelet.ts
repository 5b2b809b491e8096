// A STAND-IN for the kubelet's log endpoint, in the test process. No kubelet can run here (no container runtime),
// and without one the API server answers pods/log with an empty body. So the test cluster registers a Node whose
// kubelet address is this HTTPS server: `GET /api/v1/namespaces/<ns>/pods/<pod>/log` then goes through the real
// API server (authentication, RBAC, container validation, tailLines/follow parameters) and is proxied here as
// `GET /containerLogs/<ns>/<pod>/<container>?tailLines=&follow=&timestamps=`, exactly as it would reach a kubelet.
// Only the log text is the test's: lines are appended by the stand-in operator and by tests.
import { createServer, type Server } from 'node:https';
import type { ServerResponse } from 'node:http';

/** One line of a container's log. */
interface LogLine {
  time: string;
  text: string;
}

interface ContainerLog {
  lines: LogLine[];
  followers: Set<ServerResponse>;
  ended: boolean;
}

/** The stand-in kubelet of the test cluster's one Node. */
export interface StandInKubelet {
  port: number;
  /** Append a line to a container's log (followers see it at once). */
  appendLog(namespace: string, pod: string, container: string, line: string): void;
  /** The pod is gone: end its followed streams (as the kubelet does when a container stops). */
  endLogs(namespace: string, pod: string): void;
  /** Paths requested so far (`/containerLogs/...?...`), for tests that check what the API server forwarded. */
  requests: string[];
  stop(): Promise<void>;
}

/** Serve container logs over HTTPS on 127.0.0.1 with the given certificate (the API server does not verify it). */
export async function startStandInKubelet(tls: { cert: Buffer; key: Buffer }): Promise<StandInKubelet> {
  const logs = new Map<string, ContainerLog>();
  const requests: string[] = [];
  const entry = (key: string): ContainerLog => {
    let log = logs.get(key);
    if (!log) {
      log = { lines: [], followers: new Set(), ended: false };
      logs.set(key, log);
    }
    return log;
  };
  const format = (line: LogLine, timestamps: boolean) => (timestamps ? `${line.time} ${line.text}\n` : `${line.text}\n`);

  const server: Server = createServer(tls, (req, res) => {
    requests.push(req.url ?? '');
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    const match = /^\/containerLogs\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(url.pathname);
    if (req.method !== 'GET' || !match) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('404 page not found\n');
      return;
    }
    const [, namespace, pod, container] = match.map(decodeURIComponent);
    const key = `${namespace}/${pod}/${container}`;
    const log = logs.get(key);
    if (!log) {
      // What a kubelet says for a container it does not run.
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`container "${container}" in pod "${pod}" is not available\n`);
      return;
    }
    const timestamps = url.searchParams.get('timestamps') === 'true';
    const tail = url.searchParams.get('tailLines');
    const lines = tail === null ? log.lines : log.lines.slice(Math.max(0, log.lines.length - Number(tail)));
    res.writeHead(200, { 'content-type': 'text/plain' });
    for (const line of lines) res.write(format(line, timestamps));
    if (url.searchParams.get('follow') !== 'true' || log.ended) {
      res.end();
      return;
    }
    res.flushHeaders();
    (res as ServerResponse & { timestamps?: boolean }).timestamps = timestamps;
    log.followers.add(res);
    res.on('close', () => log.followers.delete(res));
  });
  server.on('clientError', (_error, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  server.unref();
  const address = server.address();
  if (!address || typeof address !== 'object') throw new Error('stand-in kubelet: no address');

  return {
    port: address.port,
    requests,
    appendLog(namespace, pod, container, text) {
      const log = entry(`${namespace}/${pod}/${container}`);
      const line = { time: new Date().toISOString(), text };
      log.lines.push(line);
      for (const res of log.followers) res.write(format(line, (res as ServerResponse & { timestamps?: boolean }).timestamps === true));
    },
    endLogs(namespace, pod) {
      for (const [key, log] of logs) {
        if (!key.startsWith(`${namespace}/${pod}/`)) continue;
        log.ended = true;
        for (const res of log.followers) res.end();
        log.followers.clear();
        logs.delete(key);
      }
    },
    async stop() {
      for (const log of logs.values()) for (const res of log.followers) res.end();
      logs.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
