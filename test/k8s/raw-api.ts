// Plain REST calls to the test cluster's API server, as the admin, for manifests read from the controllers' own
// config files: the client's models would drop keys they do not know (every `x-kubernetes-*` of a CRD, a webhook's
// fields newer than the client), so what the controllers ship is sent as it is.
import { request } from 'node:https';

/** How to reach the API server as the admin. */
export interface RawApi {
  server: string;
  caPem: string;
  token: string;
}

/** An API answer that is not 2xx. */
export class RawApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
    what: string,
  ) {
    super(`${what}: HTTP ${status}: ${body.slice(0, 500)}`);
  }
}

/** `method path` with a JSON body; resolves to the parsed answer, throws RawApiError on a non-2xx status. */
export function rawCall<T = unknown>(api: RawApi, method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<T> {
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = request(
      `${api.server}${path}`,
      {
        method,
        ca: api.caPem,
        timeout: 30_000,
        headers: {
          authorization: `Bearer ${api.token}`,
          accept: 'application/json',
          ...(payload ? { 'content-type': contentType, 'content-length': payload.length } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          if (status < 200 || status > 299) return reject(new RawApiError(status, text, `${method} ${path}`));
          try {
            resolve((text ? JSON.parse(text) : undefined) as T);
          } catch (error) {
            reject(error);
          }
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer in 30 s`)));
    req.on('error', reject);
    if (payload) req.write(payload);
    req.end();
  });
}

/** The collection path of a manifest (`/api/v1/...` or `/apis/<group>/<version>/...`), namespaced when it says so. */
export function collectionPath(manifest: { apiVersion: string; kind: string; metadata?: { namespace?: string } }, plural: string): string {
  const base = manifest.apiVersion.includes('/') ? `/apis/${manifest.apiVersion}` : `/api/${manifest.apiVersion}`;
  const ns = manifest.metadata?.namespace;
  return ns ? `${base}/namespaces/${ns}/${plural}` : `${base}/${plural}`;
}

/** Create a manifest as it is (every kind created here has the regular plural: lower case plus "s"). */
export async function rawCreate(api: RawApi, manifest: { apiVersion: string; kind: string; metadata?: { namespace?: string; name?: string; [key: string]: unknown } }): Promise<void> {
  await rawCall(api, 'POST', collectionPath(manifest, `${manifest.kind.toLowerCase()}s`), manifest);
}
