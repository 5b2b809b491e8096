/**
 * MLflow's scoring protocol (mlflow/pyfunc/scoring_server): /ping, /health, /version and /invocations.
 */
import { parseCsv } from './csv.js';
import { mediaType, parseJsonBody, readBody, RequestError, sendRaw } from './http-util.js';
import { mlflowFeeds, parseMlflowJson, type MlflowInput } from './mlflow-input.js';
import { dictText, recordsText } from './mlflow-output.js';
import { assertModel, withModel, type Handler } from './server-context.js';

/** Header naming the model for /invocations when several are served (the `?model=` query works too). */
export const MODEL_HEADER = 'x-zenml-model';

/** MLflow's error codes for our statuses, so MLflow clients see the `error_code` they know. */
export function mlflowErrorCode(status: number): string {
  if (status === 404) return 'RESOURCE_DOES_NOT_EXIST';
  if (status === 401) return 'UNAUTHENTICATED';
  if (status >= 500) return 'INTERNAL_ERROR';
  return 'BAD_REQUEST';
}

/** GET /ping and /health: MLflow answers a bare newline with 200 once the model is loaded. */
export const handlePing: Handler = async (ctx, _req, res) => {
  const ok = ctx.registry.ready();
  sendRaw(res, ok ? 200 : 503, ok ? '\n' : JSON.stringify({ error: 'models are not loaded' }), 'application/json');
};

/** GET /version: the server's version string (MLflow sends its own version as the raw body). */
export const handleVersion: Handler = async (ctx, _req, res) => {
  sendRaw(res, 200, ctx.version, 'application/json');
};

/** POST /invocations: scores a DataFrame or tensor with the default model, or the one named by ?model= / header. */
export const handleInvocations: Handler = async (ctx, req, res, _params, info) => {
  // Most requests carry no query: parse one only when there is one (a URL parse is a measurable share of a request).
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const header = req.headers[MODEL_HEADER];
  const fromQuery = q < 0 ? null : new URLSearchParams(url.slice(q + 1).split('#')[0]).get('model');
  const name = fromQuery ?? (typeof header === 'string' ? header : undefined) ?? ctx.registry.defaultModel();
  info.model = name;
  // Resolve the model before reading the body, so an unknown model is a 404 whatever the payload.
  assertModel(ctx, name, undefined);
  const { type, params } = mediaType(req);
  if (type !== 'application/json' && type !== 'text/csv') {
    throw new RequestError(415, `expected Content-Type application/json or text/csv, got '${req.headers['content-type'] ?? 'none'}'`);
  }
  if (params.charset !== undefined && params.charset !== 'utf-8') {
    throw new RequestError(415, `the scoring server only supports UTF-8, got charset '${params.charset}'`);
  }
  const body = await readBody(req, ctx.config.maxBodyBytes);
  let input: MlflowInput;
  if (type === 'text/csv') {
    const table = parseCsv(body.toString('utf8'));
    input = { kind: 'dataframe', ...table };
  } else {
    input = parseMlflowJson(parseJsonBody(body));
  }
  const predictions = await withModel(ctx, name, undefined, async (lease) => {
    const outputs = await lease.infer(mlflowFeeds(lease.model, input));
    return input.kind === 'dataframe' ? recordsText(outputs, lease.model.outputs, input.rows.length) : dictText(outputs, lease.model.outputs);
  });
  sendRaw(res, 200, `{"predictions":${predictions}}`, 'application/json');
};
