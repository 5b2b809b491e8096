/**
 * Small HTTP helpers on node:http: an error that carries its status, body reading under a size limit, JSON replies.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** A client-facing failure: thrown anywhere while handling a request, answered as `{"error": message}`. */
export class RequestError extends Error {
  constructor(
    /** HTTP status to answer with. */
    readonly status: number,
    message: string,
    /** Extra response headers (Allow for 405, WWW-Authenticate for 401). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'RequestError';
  }
}

// A client that ignores the 413 and keeps streaming is cut off once it has sent this many times the limit:
// draining a little lets well-behaved clients read the answer, draining forever would let anyone hold a socket busy.
const DRAIN_FACTOR = 4;

/** Reads the whole request body, answering 413 (as a RequestError) when it exceeds `limit` bytes. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    const tooLarge = () =>
      new RequestError(413, `request body exceeds the limit of ${limit} bytes (maxBodyBytes)`, { Connection: 'close' });
    const chunks: Buffer[] = [];
    let size = 0;
    let over = Number.isFinite(declared) && declared > limit;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) over = true;
      if (over) {
        chunks.length = 0;
        if (size > limit * DRAIN_FACTOR) req.socket.destroy();
        return;
      }
      chunks.push(chunk);
    });
    // One chunk (the usual small request) is the body as it is: node hands out every chunk as a copy of its own.
    req.on('end', () => (over ? reject(tooLarge()) : resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size))));
    req.on('error', (err) => reject(new RequestError(400, `cannot read request body: ${err.message}`)));
    req.on('aborted', () => reject(new RequestError(400, 'request aborted by the client')));
  });
}

/** Parses a JSON body (its first `length` bytes when given); malformed JSON is a 400 that quotes the parser. */
export function parseJsonBody(body: Buffer, length = body.length): unknown {
  if (length === 0) throw new RequestError(400, 'expected a JSON request body, got an empty body');
  try {
    return JSON.parse(body.toString('utf8', 0, length));
  } catch (err) {
    throw new RequestError(400, `malformed JSON: ${(err as Error).message}`);
  }
}

// The headers every answer to a request carries (the server's identity, its worker, `Connection: close` while
// draining), set once per request by the router. They are not set with res.setHeader: node's writeHead takes one
// flat array without merging when nothing was set before it, and that skips a setHeader (validation and a lower-cased
// copy) per header; a bare node:http server answered 5–12% more requests per second that way on this machine.
const baseHeaders = new WeakMap<ServerResponse, readonly string[]>();

/** Sets the headers every answer to this request carries (name, value, name, value…); see writeHead. */
export function setBaseHeaders(res: ServerResponse, headers: readonly string[]): void {
  baseHeaders.set(res, headers);
}

/**
 * Writes the status line and headers: the request's base headers (but those `headers` names again), `headers`, and
 * the body's type and length. Every answer of the HTTP server goes through here.
 */
export function writeHead(res: ServerResponse, status: number, headers: Record<string, string>, contentType: string, length: number): void {
  const flat: string[] = [];
  const base = baseHeaders.get(res);
  if (base) for (let i = 0; i < base.length; i += 2) if (!(base[i]! in headers)) flat.push(base[i]!, base[i + 1]!);
  for (const name in headers) flat.push(name, headers[name]!);
  flat.push('Content-Type', contentType, 'Content-Length', String(length));
  res.writeHead(status, flat);
}

/** Sends a JSON reply with the given status and extra headers. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  sendRaw(res, status, text, 'application/json', headers);
}

/** Sends a pre-rendered body with an explicit content type. */
export function sendRaw(
  res: ServerResponse,
  status: number,
  text: string,
  contentType: string,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) return;
  writeHead(res, status, headers, contentType, Buffer.byteLength(text));
  res.end(text);
}

/** The media type of a request, lower-cased, without parameters (`application/json; charset=utf-8` → `application/json`). */
export function mediaType(req: IncomingMessage): { type: string; params: Record<string, string> } {
  const [type = '', ...rest] = (req.headers['content-type'] ?? '').split(';').map((s) => s.trim());
  const params: Record<string, string> = {};
  for (const pair of rest) {
    const eq = pair.indexOf('=');
    if (eq > 0) params[pair.slice(0, eq).trim().toLowerCase()] = pair.slice(eq + 1).trim().replace(/^"|"$/g, '').toLowerCase();
  }
  return { type: type.toLowerCase(), params };
}
