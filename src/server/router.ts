/**
 * Routes requests to handlers: path and method matching (404 / 405), bearer auth, the identity header, JSON errors,
 * and per-request metrics. Nothing a client sends can escape as an exception.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { checkBearer, userTokens } from './auth.js';
import { handleStatus, handleSwap } from './admin.js';
import { RequestError, sendJson, sendRaw, setBaseHeaders } from './http-util.js';
import { renderPrometheus } from './metrics.js';
import { handleInvocations, handlePing, handleVersion, mlflowErrorCode } from './mlflow-protocol.js';
import type { Handler, RequestInfo, ServerContext } from './server-context.js';
import {
  handleInfer,
  handleLive,
  handleModelMetadata,
  handleModelReady,
  handleReady,
  handleServerMetadata,
} from './v2-protocol.js';

/** Header carrying the server's identity token on every response. */
export const INSTANCE_HEADER = 'X-Zenml-Instance';

type Access = 'open' | 'user' | 'admin';

interface Route {
  endpoint: string;
  method: string;
  pattern: RegExp;
  access: Access;
  handler: Handler;
  mlflowErrors?: boolean;
}

const NAME = '([^/]+)';
const MODEL = `/v2/models/${NAME}(?:/versions/${NAME})?`;

const handleMetrics: Handler = async (ctx, _req, res) => {
  const text = renderPrometheus(await ctx.collectMetrics());
  sendRaw(res, 200, text, 'text/plain; version=0.0.4; charset=utf-8');
};

const ROUTES: Route[] = [
  { endpoint: 'ping', method: 'GET', pattern: /^\/ping$/, access: 'open', handler: handlePing },
  { endpoint: 'health', method: 'GET', pattern: /^\/health$/, access: 'open', handler: handlePing },
  { endpoint: 'version', method: 'GET', pattern: /^\/version$/, access: 'user', handler: handleVersion },
  { endpoint: 'invocations', method: 'POST', pattern: /^\/invocations$/, access: 'user', handler: handleInvocations, mlflowErrors: true },
  { endpoint: 'v2_server_metadata', method: 'GET', pattern: /^\/v2\/?$/, access: 'user', handler: handleServerMetadata },
  { endpoint: 'v2_live', method: 'GET', pattern: /^\/v2\/health\/live$/, access: 'open', handler: handleLive },
  { endpoint: 'v2_ready', method: 'GET', pattern: /^\/v2\/health\/ready$/, access: 'open', handler: handleReady },
  { endpoint: 'v2_model_ready', method: 'GET', pattern: new RegExp(`^${MODEL}/ready$`), access: 'open', handler: handleModelReady },
  { endpoint: 'v2_infer', method: 'POST', pattern: new RegExp(`^${MODEL}/infer$`), access: 'user', handler: handleInfer },
  { endpoint: 'v2_model_metadata', method: 'GET', pattern: new RegExp(`^${MODEL}$`), access: 'user', handler: handleModelMetadata },
  { endpoint: 'metrics', method: 'GET', pattern: /^\/metrics$/, access: 'user', handler: handleMetrics },
  { endpoint: 'admin_status', method: 'GET', pattern: /^\/_zenml\/status$/, access: 'admin', handler: handleStatus },
  { endpoint: 'admin_swap', method: 'PUT', pattern: /^\/_zenml\/models\/([^/]+)$/, access: 'admin', handler: handleSwap },
];

function match(method: string, path: string): { route: Route; params: Record<string, string> } | RequestError {
  // One pass, one regex run per route until the first that takes both path and method (the hot path: every
  // prediction request); the lists for 404/405 are only built when nothing does.
  let route: Route | undefined;
  let found: RegExpExecArray | null = null;
  for (const r of ROUTES) {
    if (r.method !== method && !(method === 'HEAD' && r.method === 'GET')) continue;
    found = r.pattern.exec(path);
    if (found) {
      route = r;
      break;
    }
  }
  if (!route || !found) {
    const byPath = ROUTES.filter((r) => r.pattern.test(path));
    if (byPath.length === 0) return new RequestError(404, `no endpoint at ${path}`);
    const allowed = byPath.map((r) => r.method).join(', ');
    return new RequestError(405, `${method} is not allowed on ${path}; use ${allowed}`, { Allow: allowed });
  }
  let groups: (string | undefined)[];
  try {
    groups = found.slice(1).map((g: string | undefined) => g && decodeURIComponent(g));
  } catch {
    return new RequestError(400, `malformed percent-encoding in ${path}`);
  }
  const params: Record<string, string> = {};
  if (groups[0] !== undefined) params.name = groups[0];
  if (groups[1] !== undefined) params.version = groups[1];
  return { route, params };
}

function sendError(res: ServerResponse, err: unknown, mlflow: boolean): void {
  const status = err instanceof RequestError ? err.status : 500;
  const message = err instanceof RequestError ? err.message : `internal error: ${(err as Error)?.message ?? String(err)}`;
  const headers = err instanceof RequestError ? err.headers : {};
  // MLflow clients read `error_code` and `message`; everyone else reads `error`. Both are sent on MLflow routes.
  const body = mlflow ? { error: message, error_code: mlflowErrorCode(status), message } : { error: message };
  if (res.headersSent) res.destroy();
  else sendJson(res, status, body, headers);
}

/** Creates the node:http request listener for a server context. */
export function createRouter(ctx: ServerContext): (req: IncomingMessage, res: ServerResponse) => void {
  // Every answer says which server (and worker) gave it.
  const identity = [INSTANCE_HEADER, ctx.config.instanceId, ...(ctx.workerIndex === undefined ? [] : ['X-Zenml-Worker', String(ctx.workerIndex)])];
  return (req, res) => {
    const started = performance.now();
    const info: RequestInfo = { model: '', endpoint: 'unknown' };
    ctx.state.inflight += 1;
    setBaseHeaders(res, ctx.state.shuttingDown ? [...identity, 'Connection', 'close'] : identity);
    res.on('close', () => {
      ctx.state.inflight -= 1;
      // Only served model names become label values: a client naming made-up models must not grow the series.
      const model = info.model === '' || ctx.registry.get(info.model) ? info.model : '(unknown)';
      ctx.metrics.observeRequest(model, info.endpoint, String(res.statusCode), (performance.now() - started) / 1000, 'http');
    });
    let mlflow = false;
    const work = async () => {
      const path = (req.url ?? '/').split('?')[0]!;
      const found = match(req.method ?? 'GET', path);
      // A wrong method on /invocations is still an /invocations error: MLflow's fields too.
      if (found instanceof RequestError) {
        mlflow = ROUTES.some((r) => r.mlflowErrors === true && r.pattern.test(path));
        throw found;
      }
      const { route, params } = found;
      info.endpoint = route.endpoint;
      mlflow = route.mlflowErrors === true;
      if (route.access !== 'open') checkBearer(req, route.access === 'admin' ? [ctx.config.adminToken] : userTokens(ctx.config));
      await route.handler(ctx, req, res, params, info);
    };
    work().catch((err) => {
      // A request that failed before its body was read must not leave that body unread on a keep-alive socket.
      if (!req.complete) req.resume();
      sendError(res, err, mlflow);
    });
  };
}
