/**
 * The cluster primary (config `workers` > 1): forks workers that share the port, replaces workers that die,
 * coordinates model swaps across all of them, sums their metrics, and stops them gracefully.
 */
import cluster, { type Worker } from 'node:cluster';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createRpcChannel, type RpcChannel } from './cluster-rpc.js';
import { WORKER_ENV, type WorkerBoot } from './cluster-worker.js';
import type { LogLine } from './logger.js';
import { mergeSnapshots, type MetricsSnapshot } from './metrics.js';
import type { ModelSpec, ServerConfig } from './config.js';
import type { SwapOutcome } from './server-context.js';
import { findFreePort } from '../services/free-port.js';

/** A running cluster, seen from the primary. */
export interface ClusterPrimary {
  /** The port every worker shares. */
  port: number;
  /** The gRPC port every worker shares; undefined when gRPC is off. */
  grpcPort?: number;
  /** Asks every worker to drain and exit; resolves when all have exited. */
  close(): Promise<void>;
  /** Kills every worker at once (second stop signal). */
  kill(): void;
}

interface Member {
  index: number;
  worker: Worker;
  channel: RpcChannel;
}

// Workers run worker-main from beside this file: the .js in dist, or the .ts under tsx when running from source.
function workerEntry(): { exec: string; execArgv: string[] } {
  const fromSource = import.meta.url.endsWith('.ts');
  const exec = fileURLToPath(new URL(`./worker-main.${fromSource ? 'ts' : 'js'}`, import.meta.url));
  return { exec, execArgv: fromSource ? ['--import', 'tsx'] : [] };
}

/** Forks `config.workers` workers and resolves once all of them listen; rejects if one fails to start. */
export async function startClusterPrimary(config: ServerConfig, log: LogLine): Promise<ClusterPrimary> {
  cluster.setupPrimary({ ...workerEntry(), args: [] });
  // node:cluster shares one listening handle per address key, and HTTP's port 0 already has the key for port 0:
  // a gRPC listen(0) would land on that same handle. So gRPC gets a concrete port here, before any worker starts.
  const grpcPort = config.grpcPort === 0 ? await findFreePort(config.host) : config.grpcPort;
  config = { ...config, grpcPort };
  let models: ModelSpec[] = config.models;
  let port = config.port;
  let shuttingDown = false;
  const members = new Map<number, Member>();
  const exited: Array<() => void> = [];
  // Swaps and worker restarts run one at a time, so a worker forked mid-swap cannot miss the new version.
  let chain: Promise<unknown> = Promise.resolve();
  const serial = <T>(task: () => Promise<T>): Promise<T> => {
    const result = chain.then(task, task);
    chain = result.catch(() => undefined);
    return result;
  };

  const swap = async (spec: ModelSpec): Promise<SwapOutcome> => {
    const swapId = randomUUID();
    const live = [...members.values()];
    const before = models.find((m) => m.name === spec.name)?.version ?? '(new)';
    const prepared = await Promise.all(
      live.map((m) =>
        m.channel
          .call<SwapOutcome>('prepare', { swapId, spec })
          .catch((e: Error): SwapOutcome => ({ ok: false, status: 500, error: `worker ${m.index}: ${e.message}` })),
      ),
    );
    const failed = prepared.find((p) => !p.ok);
    if (failed) {
      await Promise.all(live.map((m) => m.channel.call('abort', { swapId }).catch(() => undefined)));
      log(`swap of model ${spec.name} to ${spec.version} failed: ${failed.ok ? '' : failed.error}`);
      return failed;
    }
    await Promise.all(live.map((m) => m.channel.call('commit', { swapId }).catch(() => undefined)));
    models = models.some((m) => m.name === spec.name) ? models.map((m) => (m.name === spec.name ? spec : m)) : [...models, spec];
    const loadMs = Math.round(Math.max(...prepared.map((p) => (p.ok ? p.loadMs : 0))));
    log(`swapped model ${spec.name} ${before} -> ${spec.version} in ${live.length} workers (load ${loadMs} ms)`);
    return { ok: true, name: spec.name, version: spec.version, loadMs };
  };

  const collect = async (): Promise<MetricsSnapshot> => {
    const snaps = await Promise.all([...members.values()].map((m) => m.channel.call<MetricsSnapshot>('snapshot').catch(() => ({}))));
    return mergeSnapshots(snaps);
  };

  const fork = (index: number): Promise<void> => {
    // Workers keep the configured port (0 included): node:cluster shares one listening handle per address key,
    // so every worker's listen(0) lands on the port the first one got.
    const boot: WorkerBoot = { config: { ...config, models }, index, daemonPid: process.pid };
    const worker = cluster.fork({ [WORKER_ENV]: JSON.stringify(boot) });
    let startupError: string | undefined;
    let listening = false;
    const channel = createRpcChannel((m) => worker.send(m), {
      swap: (spec) => serial(() => swap(spec as ModelSpec)),
      metrics: collect,
      startupFailed: async (message) => (startupError = String(message)),
    });
    const member: Member = { index, worker, channel };
    worker.on('message', (m) => channel.receive(m));
    return new Promise((resolve, reject) => {
      // A worker is up once it listens for HTTP and, when on, for gRPC (it starts them in that order).
      let awaiting = grpcPort === false ? 1 : 2;
      const onListening = (address: AddressInfo) => {
        if (grpcPort === false || address.port !== grpcPort) port = address.port;
        awaiting -= 1;
        if (awaiting > 0) return;
        worker.off('listening', onListening);
        listening = true;
        members.set(worker.id, member);
        resolve();
      };
      worker.on('listening', onListening);
      worker.once('exit', (code, signal) => {
        channel.failAll(`worker ${index} exited`);
        members.delete(worker.id);
        if (!listening) reject(new Error(startupError ?? `worker ${index} exited (code ${code}, signal ${signal}) before listening`));
        else if (!shuttingDown) {
          log(`worker ${index} exited (code ${code}, signal ${signal}); starting a replacement`);
          void serial(() => fork(index)).catch((e: Error) => log(`worker ${index} could not restart: ${e.message}`));
        }
        if (members.size === 0) exited.splice(0).forEach((done) => done());
      });
    });
  };

  const killAll = () => {
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGKILL');
  };

  const indexes = Array.from({ length: config.workers }, (_, i) => i + 1);
  const started = await Promise.allSettled(indexes.map(fork));
  const failure = started.find((r) => r.status === 'rejected');
  if (failure) {
    shuttingDown = true;
    killAll();
    throw (failure as PromiseRejectedResult).reason;
  }

  let closing: Promise<void> | undefined;
  return {
    get port() {
      return port;
    },
    grpcPort: grpcPort === false ? undefined : grpcPort,
    close() {
      closing ??= new Promise<void>((resolve) => {
        shuttingDown = true;
        if (members.size === 0) return resolve();
        exited.push(resolve);
        for (const m of members.values()) m.channel.call('shutdown').catch(() => undefined);
      });
      return closing;
    },
    kill: killAll,
  };
}
