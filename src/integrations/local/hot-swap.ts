/** Continuous deployment in place: ask a running local server to load a new model version and switch to it. */
import { ServerError } from '../../errors.js';
import { httpRequest } from '../../services/http-request.js';
import type { LocalModelService } from './local-service.js';
import type { ModelSpec } from './model-spec.js';
import { readAdminToken } from './server-process.js';

/**
 * PUT /_zenml/models/{name}. Resolves once every worker serves the new model; rejects with
 * ServerError carrying the server's message otherwise (on 422 the old model keeps serving).
 */
export async function swapModel(service: LocalModelService, spec: ModelSpec, timeoutS: number): Promise<void> {
  const token = await readAdminToken(service.local.serverConfigPath);
  if (!token) throw new ServerError(`${service.local.serverConfigPath}: no admin token; restart the model server`);
  const url = `${service.baseUrl}/_zenml/models/${encodeURIComponent(spec.name)}`;
  let res;
  try {
    res = await httpRequest(url, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ version: spec.version, uri: spec.uri }),
      timeoutMs: timeoutS * 1000,
    });
  } catch (error) {
    throw new ServerError(`model server ${service.uuid} did not take the new model: ${(error as Error).message}`, { cause: error });
  }
  if (res.status === 200) return;
  const message = serverMessage(res.body);
  const kept = res.status === 422 ? '; the previous model is still serving' : '';
  throw new ServerError(`model server ${service.uuid} rejected ${spec.uri} (HTTP ${res.status}): ${message}${kept}`, {
    details: { uuid: service.uuid, status: res.status, uri: spec.uri },
  });
}

function serverMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: unknown };
    if (typeof parsed.error === 'string') return parsed.error;
  } catch {
    // not JSON: quote it as is
  }
  return body.trim().slice(0, 2000) || '(empty answer)';
}
