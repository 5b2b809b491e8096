/**
 * One serving process: load the configured models, build the handler context, listen. A single-process server is
 * exactly this; a cluster worker is this with swaps and metrics routed through the primary.
 */
import { listenGrpc, type GrpcServerHandle } from './grpc-listener.js';
import { DEFAULT_DRAIN_MS, listenHttp, type HttpServerHandle } from './http-server.js';
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
  /** The gRPC server, unless config.grpcPort is false. */
  grpc?: GrpcServerHandle;
  /** Stops gracefully: drain requests and calls, then release every session. */
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
  let http: HttpServerHandle | undefined;
  let grpc: GrpcServerHandle | undefined;
  try {
    http = await listenHttp(ctx, config.host, config.port);
    // The gRPC server itself loads on the first gRPC connection (grpc-listener.ts).
    if (config.grpcPort !== false) grpc = await listenGrpc(ctx, config.host, config.grpcPort);
  } catch (err) {
    await http?.close(0);
    await registry.close();
    throw err;
  }
  const listening = http;
  let closing: Promise<void> | undefined;
  return {
    ctx,
    http: listening,
    grpc,
    close() {
      // Both drain together; the HTTP drain also waits for gRPC calls (they count as in-flight requests).
      closing ??= Promise.all([listening.close(), grpc?.close(DEFAULT_DRAIN_MS)]).then(() => registry.close());
      return closing;
    },
  };
}
