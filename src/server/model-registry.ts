/**
 * The models this process serves, with hot swap: a new session is loaded beside the old one, the name is pointed at
 * it in one assignment, and the old session is released only after the requests that hold it have finished.
 */
import { randomUUID } from 'node:crypto';
import { createBatcher, type Batcher } from './batcher.js';
import { loadModel, validateFeeds, type LoadedModel, type TensorMap } from './model-session.js';
import type { BatchingConfig, ModelSpec } from './config.js';

/** A request's hold on one model version; the session stays open until every lease is released. */
export interface ModelLease {
  /** The model version this request uses from start to finish, even if a swap happens meanwhile. */
  model: LoadedModel;
  /** Validates the feeds and runs them, batched with other requests when enabled. */
  infer(feeds: TensorMap): Promise<TensorMap>;
  /** Ends the hold. */
  release(): void;
}

/** Options for {@link createModelRegistry}. */
export interface RegistryOptions {
  /** Batching settings from the config. */
  batching: BatchingConfig;
  /** onnxruntime intra-op threads per session. */
  threads: number;
  /** Told each run's request count, per model. */
  onRun?: (model: string, requests: number) => void;
}

/** The served models of this process. */
export interface ModelRegistry {
  /** Name of the model /invocations serves when none is named: the first in the config. */
  defaultModel(): string;
  /** The current version of every model, in config order. */
  list(): LoadedModel[];
  /** The current version of one model. */
  get(name: string): LoadedModel | undefined;
  /** True when every configured model has an open session. */
  ready(): boolean;
  /** Takes a lease on the current version of a model, or undefined when there is no such model. */
  acquire(name: string): ModelLease | undefined;
  /** Loads a model version beside the current one; returns a token to commit or abort. Throws ModelLoadError. */
  prepare(spec: ModelSpec): Promise<{ token: string; model: LoadedModel }>;
  /** Makes a prepared version current; the replaced one is released once its leases end. */
  commit(token: string): LoadedModel | undefined;
  /** Drops a prepared version that will not be used. */
  abort(token: string): Promise<void>;
  /** Releases every session once its leases end. */
  close(): Promise<void>;
}

interface Entry {
  model: LoadedModel;
  batcher?: Batcher;
  leases: number;
  retired: boolean;
  drained?: Promise<void>;
  onDrained?: () => void;
}

/** Creates an empty registry; load the configured models with prepare + commit. */
export function createModelRegistry(options: RegistryOptions): ModelRegistry {
  const order: string[] = [];
  const current = new Map<string, Entry>();
  const prepared = new Map<string, Entry>();

  const entryFor = (model: LoadedModel): Entry => {
    const { enabled, maxBatchSize, maxWaitMs } = options.batching;
    const batcher =
      enabled && model.batchable
        ? createBatcher({ maxBatchSize, maxWaitMs, run: model.run, onRun: (n) => options.onRun?.(model.name, n) })
        : undefined;
    return { model, batcher, leases: 0, retired: false };
  };

  const retire = (entry: Entry): Promise<void> => {
    if (entry.drained) return entry.drained;
    entry.retired = true;
    entry.drained = new Promise<void>((resolve) => {
      entry.onDrained = resolve;
    }).then(() => entry.model.release());
    if (entry.leases === 0) entry.onDrained!();
    return entry.drained;
  };

  return {
    defaultModel: () => order[0]!,
    list: () => order.flatMap((n) => current.get(n)?.model ?? []),
    get: (name) => current.get(name)?.model,
    ready: () => order.length > 0 && order.every((n) => current.has(n)),
    acquire(name) {
      const entry = current.get(name);
      if (entry === undefined) return undefined;
      entry.leases += 1;
      let released = false;
      return {
        model: entry.model,
        infer: async (feeds) => {
          validateFeeds(entry.model, feeds);
          if (entry.batcher) return entry.batcher.submit(feeds);
          options.onRun?.(entry.model.name, 1);
          return entry.model.run(feeds);
        },
        release: () => {
          if (released) return;
          released = true;
          entry.leases -= 1;
          if (entry.retired && entry.leases === 0) entry.onDrained?.();
        },
      };
    },
    async prepare(spec) {
      const model = await loadModel(spec, options.threads);
      const token = randomUUID();
      prepared.set(token, entryFor(model));
      return { token, model };
    },
    commit(token) {
      const entry = prepared.get(token);
      if (entry === undefined) return undefined;
      prepared.delete(token);
      const name = entry.model.name;
      const old = current.get(name);
      current.set(name, entry);
      if (!order.includes(name)) order.push(name);
      if (old) void retire(old);
      return entry.model;
    },
    async abort(token) {
      const entry = prepared.get(token);
      prepared.delete(token);
      if (entry) await entry.model.release();
    },
    async close() {
      const all = [...current.values(), ...prepared.values()];
      current.clear();
      prepared.clear();
      await Promise.all(all.map(retire));
    },
  };
}
