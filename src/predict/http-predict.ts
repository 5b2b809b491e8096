/**
 * The default way to predict: POST the body to the URL the flavor's info names (PREDICTION_URL for MLflow's
 * scoring protocol, V2_INFER_URL for v2) and map the answer onto the CLI's errors once, so flavors never
 * inspect HTTP statuses.
 */
import { ServerError, TimeoutError, UsageError } from '../errors.js';
import { httpRequest, type HttpResponse } from '../services/http-request.js';
import type { Prediction, PredictionProtocol, PredictRequest } from './prediction.js';

/** The server to ask: its uuid (for messages), its info, and the bearer token from the deployer settings. */
export interface HttpPredictTarget {
  uuid: string;
  info: Record<string, string>;
  authToken?: string;
  /** Extra request headers (e.g. the Host an ingress routes by). */
  headers?: Record<string, string>;
}

// A v2 infer URL, with or without a version: /v2/models/{name}[/versions/{v}]/infer
const V2_INFER_PATH = /\/v2\/models\/[^/]+(?:\/versions\/[^/]+)?\/infer\/?$/;

/** Which protocol and URL a request goes to; UsageError when the server does not speak the protocol asked for. */
export function resolveEndpoint(target: HttpPredictTarget, request: PredictRequest): { protocol: PredictionProtocol; url: string } {
  const prediction = target.info.PREDICTION_URL ?? '';
  const predictionIsV2 = prediction !== '' && V2_INFER_PATH.test(new URL(prediction).pathname);
  const v2 = target.info.V2_INFER_URL || (predictionIsV2 ? prediction : '');
  const mlflow = predictionIsV2 ? '' : prediction;
  if (!mlflow && !v2) {
    throw new ServerError(`model server ${target.uuid} has no prediction URL (its info has neither PREDICTION_URL nor V2_INFER_URL)`);
  }
  // Native: whatever PREDICTION_URL speaks; CSV only exists in MLflow's protocol.
  const native: PredictionProtocol = mlflow ? 'mlflow' : 'v2';
  const protocol = request.protocol ?? (request.contentType === 'text/csv' ? 'mlflow' : native);
  if (protocol === 'v2') {
    if (request.contentType === 'text/csv') {
      throw new UsageError(`${request.source}: CSV rows can only be sent with the MLflow protocol; drop --protocol v2 or send a v2 JSON request`);
    }
    if (!v2) {
      throw new UsageError(`model server ${target.uuid} does not serve the Open Inference Protocol v2 (its info has no V2_INFER_URL)`, {
        suggestion: 'send an MLflow scoring request with --protocol mlflow',
      });
    }
    const url = new URL(v2);
    if (request.model !== undefined) url.pathname = url.pathname.replace(V2_INFER_PATH, `/v2/models/${encodeURIComponent(request.model)}/infer`);
    return { protocol, url: url.toString() };
  }
  if (!mlflow) {
    throw new UsageError(`model server ${target.uuid} does not serve MLflow's scoring protocol (its PREDICTION_URL is a v2 infer URL)`, {
      suggestion: 'send a v2 request with --protocol v2',
    });
  }
  const url = new URL(mlflow);
  // Our server picks the model by ?model= on /invocations (servers that serve one model ignore it).
  if (request.model !== undefined) url.searchParams.set('model', request.model);
  return { protocol, url: url.toString() };
}

/** Send the request; 2xx → the answer, 4xx → UsageError (exit 2), 5xx and network errors → ServerError, no answer in time → TimeoutError. */
export async function predictOverHttp(target: HttpPredictTarget, request: PredictRequest): Promise<Prediction> {
  const { protocol, url } = resolveEndpoint(target, request);
  const headers: Record<string, string> = { ...target.headers, 'content-type': request.contentType, accept: 'application/json' };
  if (target.authToken) headers.authorization = `Bearer ${target.authToken}`;
  let res: HttpResponse;
  try {
    res = await httpRequest(url, { method: 'POST', headers, body: request.body, timeoutMs: request.timeoutMs });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ETIMEDOUT') {
      throw new TimeoutError(`model server ${target.uuid} did not answer within ${request.timeoutMs / 1000} s (${url})`, {
        suggestion: 'give it longer with --timeout <seconds>',
      });
    }
    throw new ServerError(`cannot reach model server ${target.uuid} at ${url}: ${code ?? (error as Error).message}`, {
      suggestion: `check its state and log with \`zenml model-deployer describe ${target.uuid}\` and \`zenml model-deployer logs ${target.uuid}\``,
    });
  }
  const answer = parseAnswer(res.body);
  if (res.status >= 200 && res.status < 300) return { uuid: target.uuid, protocol, url, status: res.status, answer };
  const details = { status: res.status, url, answer: withoutStackTrace(answer) };
  const message = answerMessage(answer);
  if (res.status >= 400 && res.status < 500) {
    throw new UsageError(`model server ${target.uuid} rejected the request (${res.status}): ${message}`, { code: 'PREDICTION_REJECTED', details });
  }
  throw new ServerError(`model server ${target.uuid} failed to predict (${res.status}): ${message}`, { details });
}

function parseAnswer(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

// Our server answers {"error": "…"}; MLflow's answers {"error_code", "message", "stack_trace"}.
function answerMessage(answer: unknown): string {
  const a = answer as { error?: unknown; message?: unknown } | null;
  const text = typeof a?.error === 'string' ? a.error : typeof a?.message === 'string' ? a.message : typeof answer === 'string' ? answer : JSON.stringify(answer);
  const oneLine = text.trim().replace(/\s*\n\s*/g, ' ');
  return oneLine.length > 500 ? `${oneLine.slice(0, 500)}…` : oneLine || '(empty answer)';
}

function withoutStackTrace(answer: unknown): unknown {
  if (!answer || typeof answer !== 'object' || !('stack_trace' in answer)) return answer;
  const { stack_trace: _trace, ...rest } = answer as Record<string, unknown>;
  return rest;
}
