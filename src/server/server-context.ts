/**
 * What every request handler can reach: the config, this process's models and metrics, and the hooks that differ
 * between a single process and a cluster worker (model swaps and metrics collection).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { RequestError } from './http-util.js';
import type { ServerConfig, ModelSpec } from './config.js';
import type { Metrics, MetricsSnapshot } from './metrics.js';
import type { ModelLease, ModelRegistry } from './model-registry.js';

/** Outcome of a model swap, as the admin endpoint answers it. */
export type SwapOutcome =
  | { ok: true; name: string; version: string; loadMs: number }
  | { ok: false; status: number; error: string };

/** Swaps a model in every process that serves it, answering once all have switched (or none has). */
export type SwapModel = (spec: ModelSpec) => Promise<SwapOutcome>;

/** Mutable per-process state. */
export interface ServerState {
  /** Set once a stop signal arrived; readiness turns false. */
  shuttingDown: boolean;
  /** Requests being handled right now. */
  inflight: number;
}

/** Everything a handler needs. */
export interface ServerContext {
  /** Resolved config. */
  config: ServerConfig;
  /** This process's models. */
  registry: ModelRegistry;
  /** This process's metrics. */
  metrics: Metrics;
  /** Package version, answered by /version and /v2. */
  version: string;
  /** pid of the daemon (the cluster primary when there are workers). */
  daemonPid: number;
  /** 1-based worker number in a cluster; undefined in a single process. */
  workerIndex?: number;
  /** Swap hook: local, or through the cluster primary. */
  swapModel: SwapModel;
  /** Metrics of every process of the server. */
  collectMetrics: () => Promise<MetricsSnapshot>;
  /** Lifecycle log line (stdout). */
  log: (line: string) => void;
  /** Mutable state. */
  state: ServerState;
}

/** Labels a request for metrics; handlers fill in the model they served. */
export interface RequestInfo {
  /** Model name, or '' for endpoints that serve no model. */
  model: string;
  /** Endpoint label (route name). */
  endpoint: string;
}

/** A route handler; path parameters come from the route pattern. */
export type Handler = (
  ctx: ServerContext,
  req: IncomingMessage,
  res: ServerResponse,
  params: Record<string, string>,
  info: RequestInfo,
) => Promise<void>;

/**
 * Throws the 404 withModel would for an unknown model or version, without taking a lease: handlers check the model
 * before they read a body, so an unknown model is a 404 whatever the payload.
 */
export function assertModel(ctx: ServerContext, name: string, version: string | undefined): void {
  const model = ctx.registry.get(name);
  if (model === undefined) throw unknownModel(ctx, name);
  if (version !== undefined && version !== model.version) throw unknownVersion(name, version, model.version);
}

const unknownModel = (ctx: ServerContext, name: string) =>
  new RequestError(404, `unknown model '${name}'; served models: ${ctx.registry.list().map((m) => m.name).join(', ')}`);
const unknownVersion = (name: string, version: string, serving: string) =>
  new RequestError(404, `model '${name}' has no version '${version}'; serving version '${serving}'`);

/** Runs `fn` with a lease on the model's current version; unknown models are 404s, a named version must match. */
export async function withModel<T>(
  ctx: ServerContext,
  name: string,
  version: string | undefined,
  fn: (lease: ModelLease) => Promise<T>,
): Promise<T> {
  const lease = ctx.registry.acquire(name);
  if (lease === undefined) throw unknownModel(ctx, name);
  try {
    if (version !== undefined && version !== lease.model.version) throw unknownVersion(name, version, lease.model.version);
    return await fn(lease);
  } finally {
    lease.release();
  }
}
