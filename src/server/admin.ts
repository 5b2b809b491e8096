/**
 * Admin endpoints (Bearer adminToken): status, and hot-swapping a model's version.
 */
import { isAbsolute, resolve } from 'node:path';
import * as z from 'zod';
import { modelSpecSchema } from './config.js';
import { parseJsonBody, readBody, RequestError, sendJson } from './http-util.js';
import { formatIssues } from './config.js';
import type { Handler } from './server-context.js';

const swapBodySchema = modelSpecSchema.pick({ version: true, uri: true });

/** GET /_zenml/status: identity, models with their load time, batching and worker settings. */
export const handleStatus: Handler = async (ctx, _req, res) => {
  sendJson(res, 200, {
    instanceId: ctx.config.instanceId,
    pid: ctx.daemonPid,
    models: ctx.registry.list().map((m) => ({ name: m.name, version: m.version, uri: m.uri, loadedAt: m.loadedAt })),
    batching: ctx.config.batching,
    workers: ctx.config.workers,
    // Which process answered, and how busy it is (this request excluded): lets a supervisor or a test see a drain.
    worker: { index: ctx.workerIndex ?? 0, pid: process.pid, inflightRequests: ctx.state.inflight - 1 },
  });
};

/** PUT /_zenml/models/{name} {version, uri}: loads, then switches every process; 422 keeps the old model. */
export const handleSwap: Handler = async (ctx, req, res, params, info) => {
  const name = params.name!;
  info.model = name;
  const body = parseJsonBody(await readBody(req, ctx.config.maxBodyBytes));
  const parsed = swapBodySchema.safeParse(body);
  if (!parsed.success) throw new RequestError(400, formatIssues('request body', parsed.error.issues).replace(/\n/g, '; '));
  const nameCheck = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/).safeParse(name);
  if (!nameCheck.success) throw new RequestError(400, `model name '${name}' must be letters, digits, ".", "_" or "-"`);
  // A relative uri is taken from the server's working directory; callers should send absolute paths.
  const uri = isAbsolute(parsed.data.uri) ? parsed.data.uri : resolve(parsed.data.uri);
  const outcome = await ctx.swapModel({ name, version: parsed.data.version, uri });
  if (!outcome.ok) throw new RequestError(outcome.status, outcome.error);
  sendJson(res, 200, { name: outcome.name, version: outcome.version, loadMs: outcome.loadMs });
};
