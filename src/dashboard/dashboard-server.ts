/**
 * The dashboard's HTTP server: the page's static files and a small JSON API, changes pushed with
 * Server-Sent Events. Every request needs the token (from the URL once, then its cookie) and a Host
 * header naming this server; actions need the CSRF token too. No CORS headers are ever sent.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { UsageError, ZenmlError } from '../errors.js';
import { runAction } from './dashboard-actions.js';
import type { Poller } from './dashboard-poller.js';
import { cookieName, hostChecker, newSecret, readCookie, sameOrigin, sameSecret } from './dashboard-security.js';
import type { StaticFile } from './static-files.js';

/** Options of startDashboardServer. */
export interface DashboardServerOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  poller: Poller;
  files: Map<string, StaticFile>;
  /** Folder predict input paths would resolve against (the CLI's cwd). */
  cwd: string;
  /** The token; a random one by default. */
  token?: string;
}

/** A listening dashboard. */
export interface DashboardServer {
  /** The URL to open, token included. */
  url: string;
  port: number;
  close(): Promise<void>;
}

const SECURITY_HEADERS = {
  'Content-Security-Policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
};
const API = /^\/api\/servers\/([^/]+)\/([^/]+)\/([a-z]+)$/;
const MAX_BODY = 1 << 20;

/** Listen on host:port and serve until close(). */
export async function startDashboardServer(options: DashboardServerOptions): Promise<DashboardServer> {
  const token = options.token ?? newSecret();
  const csrf = newSecret();
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const hostAllowed = hostChecker(options.host, port);
  const cookie = cookieName(port);
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((error: unknown) => sendError(res, error));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!hostAllowed(req.headers.host)) return sendText(res, 403, `Host '${req.headers.host ?? ''}' is not this dashboard's`);
    const url = new URL(req.url ?? '/', 'http://dashboard');
    const fromUrl = url.searchParams.get('token');
    if (fromUrl !== null && req.method === 'GET' && url.pathname === '/') {
      if (!sameSecret(token, fromUrl)) return sendText(res, 401, 'wrong token: open the URL `zenml model-deployer dashboard` printed');
      // The token moves into a cookie and out of the address bar (and the browser's history).
      res.writeHead(303, { ...SECURITY_HEADERS, Location: '/', 'Set-Cookie': `${cookie}=${token}; Path=/; HttpOnly; SameSite=Strict` });
      return void res.end();
    }
    if (!sameSecret(token, readCookie(req.headers.cookie, cookie))) {
      return sendText(res, 401, 'no token: open the URL `zenml model-deployer dashboard` printed');
    }
    const file = req.method === 'GET' ? options.files.get(url.pathname) : undefined;
    if (file) {
      res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': file.type, 'Content-Length': file.body.length });
      return void res.end(file.body);
    }
    if (req.method === 'GET' && url.pathname === '/api/session') return sendJson(res, 200, { csrfToken: csrf });
    if (req.method === 'GET' && url.pathname === '/api/events') return streamSnapshots(req, res);
    const api = API.exec(url.pathname);
    if (!api) return sendText(res, 404, `nothing at ${url.pathname}`);
    const [, deployerName, uuid, verb] = api.map((part) => decodeURIComponent(part));
    if (req.method === 'GET' && verb === 'history') return sendJson(res, 200, options.poller.history(`${deployerName}/${uuid}`));
    if (req.method === 'GET' && verb === 'logs') return streamLogs(req, res, deployerName, uuid);
    if (req.method !== 'POST') return sendText(res, 405, `${req.method} is not allowed on ${url.pathname}`);
    if (!sameSecret(csrf, req.headers['x-csrf-token'] as string | undefined) || !sameOrigin(req.headers.origin, req.headers.host)) {
      return sendText(res, 403, 'missing or wrong CSRF token');
    }
    const body = await readJsonBody(req);
    const deployer = await options.poller.deployer(deployerName);
    const result = await runAction(deployer, verb, uuid, body, options.cwd);
    // The page sees a change at once rather than at the next poll (a prediction changes nothing to show).
    if (verb !== 'predict') await options.poller.refresh();
    return sendJson(res, 200, result);
  }

  function streamSnapshots(req: IncomingMessage, res: ServerResponse): void {
    openStream(res);
    const send = (snapshot: unknown) => res.write(`event: snapshot\ndata: ${JSON.stringify(snapshot)}\n\n`);
    const latest = options.poller.latest();
    if (latest) send(latest);
    const unsubscribe = options.poller.subscribe(send);
    req.on('close', unsubscribe);
  }

  async function streamLogs(req: IncomingMessage, res: ServerResponse, deployerName: string, uuid: string): Promise<void> {
    const deployer = await options.poller.deployer(deployerName);
    const abort = new AbortController();
    req.on('close', () => abort.abort());
    const lines = deployer.getModelServerLogs(uuid, { follow: true, tail: 200, signal: abort.signal });
    openStream(res);
    try {
      for await (const line of lines) res.write(`data: ${JSON.stringify(line)}\n\n`);
    } catch (error) {
      if (!abort.signal.aborted) res.write(`event: failure\ndata: ${JSON.stringify(errorJson(error))}\n\n`);
    }
    res.end();
  }

  return {
    url: `http://${urlHost(options.host)}:${port}/?token=${token}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections(); // open event streams would keep it listening
      }),
  };
}

function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

function openStream(res: ServerResponse): void {
  res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': 'text/event-stream; charset=utf-8', Connection: 'keep-alive' });
  res.write('retry: 1000\n\n');
}

async function readJsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  if (!/^application\/json\b/.test(req.headers['content-type'] ?? '')) throw new UsageError('actions take a JSON body (Content-Type: application/json)');
  let text = '';
  for await (const chunk of req) {
    text += chunk;
    if (text.length > MAX_BODY) throw new UsageError('request body over 1 MiB');
  }
  const body: unknown = text ? JSON.parse(text) : {};
  return body !== null && typeof body === 'object' ? (body as Record<string, unknown>) : {};
}

function errorJson(error: unknown): Record<string, unknown> {
  return error instanceof ZenmlError ? error.toJSON() : { code: 'ERROR', message: (error as Error).message, exitCode: 1 };
}

// Exit codes map onto statuses: usage 400, not found 404, timeout 504, anything else 500.
function sendError(res: ServerResponse, error: unknown): void {
  const usage = error instanceof SyntaxError ? `the body is not JSON: ${error.message}` : error instanceof URIError ? `malformed path: ${error.message}` : undefined;
  const json = errorJson(usage ? new UsageError(usage) : error);
  const status = ({ 2: 400, 3: 404, 4: 504 } as Record<number, number>)[json.exitCode as number] ?? 500;
  if (res.headersSent) return void res.end();
  sendJson(res, status, { error: json });
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(`${text}`);
}
