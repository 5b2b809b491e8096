// A STAND-IN for an overloaded Kubernetes API server, in the test process: a plain HTTP server on 127.0.0.1 that
// turns away the requests a test picks with 429 Too Many Requests or 503 Service Unavailable and a Retry-After
// header, in the Status body kube-apiserver sends then (its max-in-flight and priority-and-fairness filters answer
// 429 "Too many requests, please try again later." with Retry-After: 1), and proxies every other request to a real
// API server (`upstream`), or answers it itself (`answer`) where no API server is needed. A real kube-apiserver
// cannot be made to throttle on cue, which is why this stands in for that one behaviour.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';

/** How to turn a request away. */
export interface Refusal {
  status: 429 | 503;
  /** The Retry-After header's value; none when undefined. */
  retryAfter?: string;
}

/** One request the stand-in saw, and what it did with it. */
export interface SeenRequest {
  method: string;
  path: string;
  /** ms since the stand-in started. */
  at: number;
  /** The refusal status, or 0 when it was passed on. */
  refused: number;
}

/** Options of startStandInThrottlingProxy. */
export interface ThrottlingProxyOptions {
  /** Decide per request: a refusal, or undefined to pass it on; `seen` holds every earlier request. */
  refuse: (req: { method: string; path: string }, seen: SeenRequest[]) => Refusal | undefined;
  /** The real API server to proxy to (https URL and the CA its certificate chains to). */
  upstream?: { server: string; caPem: string };
  /** Without an upstream: the JSON answer to every request that is passed on. */
  answer?: (req: { method: string; path: string }) => { status: number; body: unknown };
}

/** A running stand-in. */
export interface StandInThrottlingProxy {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  seen: SeenRequest[];
  stop(): Promise<void>;
}

const MESSAGES: Record<number, { reason: string; message: string }> = {
  429: { reason: 'TooManyRequests', message: 'Too many requests, please try again later.' },
  503: { reason: 'ServiceUnavailable', message: 'the server is currently unable to handle the request' },
};

/** Start the stand-in on a random port of 127.0.0.1. */
export async function startStandInThrottlingProxy(options: ThrottlingProxyOptions): Promise<StandInThrottlingProxy> {
  const started = Date.now();
  const seen: SeenRequest[] = [];
  const server: Server = createServer((req, res) => {
    const path = req.url ?? '/';
    const method = req.method ?? 'GET';
    const refusal = options.refuse({ method, path }, seen);
    seen.push({ method, path, at: Date.now() - started, refused: refusal?.status ?? 0 });
    if (refusal) {
      const { reason, message } = MESSAGES[refusal.status];
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (refusal.retryAfter !== undefined) headers['retry-after'] = refusal.retryAfter;
      req.resume();
      res.writeHead(refusal.status, headers).end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, details: { retryAfterSeconds: Number(refusal.retryAfter) || undefined }, code: refusal.status }));
      return;
    }
    if (options.upstream) proxy(req, res, options.upstream);
    else {
      const { status, body } = options.answer?.({ method, path }) ?? { status: 404, body: { kind: 'Status', code: 404, message: 'not found' } };
      req.resume();
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function proxy(req: IncomingMessage, res: ServerResponse, upstream: { server: string; caPem: string }): void {
  const target = new URL(req.url ?? '/', upstream.server);
  const headers = { ...req.headers, host: target.host };
  const out = httpsRequest(target, { method: req.method, headers, ca: upstream.caPem }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
  });
  out.on('error', (error) => {
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
    res.end(`stand-in proxy: ${error.message}\n`);
  });
  req.pipe(out);
}
