/**
 * A cluster worker: a serving process whose swaps and metrics go through the primary, and which prepares, commits
 * and aborts model versions when the primary says so.
 */
import { failedSwap } from './local-swap.js';
import { stderrLogger, stdoutLogger } from './logger.js';
import { createRpcChannel } from './cluster-rpc.js';
import { startProcessServer, type ProcessServer } from './process-server.js';
import type { Metrics, MetricsSnapshot } from './metrics.js';
import type { ModelRegistry } from './model-registry.js';
import type { ModelSpec, ServerConfig } from './config.js';
import type { SwapOutcome } from './server-context.js';

/** Environment variable carrying a worker's {@link WorkerBoot} as JSON. */
export const WORKER_ENV = 'ZENML_SERVER_WORKER';

/** What the primary hands a worker when forking it. */
export interface WorkerBoot {
  /** Resolved config, with the models currently served and the port already bound. */
  config: ServerConfig;
  /** 1-based worker number. */
  index: number;
  /** The primary's pid. */
  daemonPid: number;
}

/** Runs the worker until the primary (or a signal) stops it; exits the process. */
export async function runClusterWorker(): Promise<void> {
  const boot = JSON.parse(process.env[WORKER_ENV] ?? '{}') as WorkerBoot;
  const log = stdoutLogger(`[worker ${boot.index}] `);
  let registry: ModelRegistry | undefined;
  let metrics: Metrics | undefined;
  let server: ProcessServer | undefined;
  const tokens = new Map<string, string>();

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (server?.close() ?? Promise.resolve()).then(() => process.exit(0));
    return stopping;
  };

  const channel = createRpcChannel((m) => process.send?.(m), {
    async prepare(payload) {
      const { swapId, spec } = payload as { swapId: string; spec: ModelSpec };
      if (!registry) return { ok: false, status: 503, error: `worker ${boot.index} is still starting` } satisfies SwapOutcome;
      try {
        const { token, model } = await registry.prepare(spec);
        tokens.set(swapId, token);
        return { ok: true, name: model.name, version: model.version, loadMs: model.loadMs } satisfies SwapOutcome;
      } catch (err) {
        return failedSwap(err);
      }
    },
    async commit(payload) {
      const { swapId } = payload as { swapId: string };
      const token = tokens.get(swapId);
      tokens.delete(swapId);
      if (!registry || !metrics || token === undefined) return false;
      const model = registry.commit(token);
      if (!model) return false;
      metrics.setLoadTime(model.name, model.version, model.loadMs / 1000);
      log(`swapped model ${model.name} to ${model.version} (loaded in ${Math.round(model.loadMs)} ms)`);
      return true;
    },
    async abort(payload) {
      const { swapId } = payload as { swapId: string };
      const token = tokens.get(swapId);
      tokens.delete(swapId);
      if (registry && token !== undefined) await registry.abort(token);
      return true;
    },
    snapshot: async () => metrics?.snapshot() ?? {},
    async shutdown() {
      void stop();
      return true;
    },
  });
  process.on('message', (m) => channel.receive(m));

  // A stop signal sent to the whole process group reaches the workers too: drain like the primary asks us to.
  let signals = 0;
  const onSignal = () => {
    signals += 1;
    if (signals > 1) process.exit(1);
    void stop();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  try {
    server = await startProcessServer(boot.config, {
      log,
      daemonPid: boot.daemonPid,
      workerIndex: boot.index,
      makeSwap: (r, m) => {
        registry = r;
        metrics = m;
        return (spec) => channel.call<SwapOutcome>('swap', spec);
      },
      makeCollect: () => () => channel.call<MetricsSnapshot>('metrics'),
    });
  } catch (err) {
    const message = (err as Error).message;
    stderrLogger(`[worker ${boot.index}] `)(message);
    await channel.call('startupFailed', message).catch(() => undefined);
    process.exit(1);
  }
}
