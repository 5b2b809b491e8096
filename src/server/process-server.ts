/**
 * One serving process: load the configured models, build the handler context, listen. A single-process server is
 * exactly this; a cluster worker is this with swaps and metrics routed through the primary.
 */
import { listenHttp, type HttpServerHandle } from './http-server.js';
import { createLocalSwap, loadInitialModel } from './local-swap.js';
import type { LogLine } from './logger.js';
import { createMetrics, type Metrics, type MetricsSnapshot } from './metrics.js';
import { createModelRegistry, type ModelRegistry } from './model-registry.js';
import { intraOpThreads } from './model-session.js';
import type { ServerConfig } from './config.js';
import type { ServerContext, SwapModel } from './server-context.js';
import { packageVersion } from './version.js';

/** Options for {@link startProcessServer}. */
export interface ProcessServerOptions {
  /** Lifecycle logger. */
  log: LogLine;
  /** pid reported as the daemon's. */
  daemonPid: number;
  /** 1-based worker number in a cluster. */
  workerIndex?: number;
  /** Swap hook; defaults to swapping in this process only. */
  makeSwap?: (registry: ModelRegistry, metrics: Metrics) => SwapModel;
  /** Metrics source; defaults to this process's metrics. */
  makeCollect?: (metrics: Metrics) => () => Promise<MetricsSnapshot>;
}

/** A serving process. */
export interface ProcessServer {
  /** Handler context (shared state). */
  ctx: ServerContext;
  /** The listening HTTP server. */
  http: HttpServerHandle;
  /** Stops gracefully: drain requests, then release every session. */
  close(): Promise<void>;
}

/** Loads every model (failing fast on the first that cannot load), then listens. */
export async function startProcessServer(config: ServerConfig, options: ProcessServerOptions): Promise<ProcessServer> {
  const metrics = createMetrics();
  const registry = createModelRegistry({
    batching: config.batching,
    threads: intraOpThreads(config.workers),
    onRun: (model, n) => metrics.observeBatch(model, n),
  });
  try {
    for (const spec of config.models) await loadInitialModel(registry, metrics, spec, options.log);
  } catch (err) {
    await registry.close();
    throw err;
  }
  const ctx: ServerContext = {
    config,
    registry,
    metrics,
    version: packageVersion(),
    daemonPid: options.daemonPid,
    workerIndex: options.workerIndex,
    swapModel: (options.makeSwap ?? ((r, m) => createLocalSwap(r, m, options.log)))(registry, metrics),
    collectMetrics: (options.makeCollect ?? ((m) => async () => m.snapshot()))(metrics),
    log: options.log,
    state: { shuttingDown: false, inflight: 0 },
  };
  let http: HttpServerHandle;
  try {
    http = await listenHttp(ctx, config.host, config.port);
  } catch (err) {
    await registry.close();
    throw err;
  }
  let closing: Promise<void> | undefined;
  return {
    ctx,
    http,
    close() {
      closing ??= http.close().then(() => registry.close());
      return closing;
    },
  };
}
