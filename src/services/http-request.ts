/** A tiny HTTP client for talking to our own servers: no connection pool, so a CLI exits at once. */
import { request } from 'node:http';

/** What came back. */
export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Options of httpRequest. */
export interface HttpRequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Gives up (rejects) after this long without an answer. */
  timeoutMs?: number;
}

/** Send one request and read the whole answer; network errors and timeouts reject. */
export function httpRequest(url: string, options: HttpRequestOptions = {}): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const headers = { ...(options.headers ?? {}) };
    if (options.body !== undefined) headers['content-length'] = String(Buffer.byteLength(options.body));
    const req = request(url, { method: options.method ?? 'GET', headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
      );
    });
    req.on('error', reject);
    if (options.timeoutMs !== undefined) {
      // code ETIMEDOUT tells a slow server from an unreachable one (predict maps them to different exit codes).
      req.setTimeout(options.timeoutMs, () =>
        req.destroy(Object.assign(new Error(`no answer from ${url} within ${options.timeoutMs}ms`), { code: 'ETIMEDOUT' })),
      );
    }
    req.end(options.body);
  });
}
