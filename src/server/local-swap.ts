/**
 * Model loading and swapping inside one process: the steps a single server runs directly and a cluster worker runs
 * on the primary's command.
 */
import { ModelLoadError } from './model-session.js';
import type { ModelSpec } from './config.js';
import type { Metrics } from './metrics.js';
import type { ModelRegistry } from './model-registry.js';
import type { SwapModel, SwapOutcome } from './server-context.js';

/** Loads a model into the registry at startup and logs it; throws ModelLoadError. */
export async function loadInitialModel(registry: ModelRegistry, metrics: Metrics, spec: ModelSpec, log: (l: string) => void) {
  const { token, model } = await registry.prepare(spec);
  registry.commit(token);
  metrics.setLoadTime(model.name, model.version, model.loadMs / 1000);
  log(`loaded model ${model.name} ${model.version} in ${Math.round(model.loadMs)} ms`);
}

/** Turns a load failure into the admin answer: 422 with onnxruntime's message; other errors are 500. */
export function failedSwap(err: unknown): SwapOutcome {
  const status = err instanceof ModelLoadError ? 422 : 500;
  return { ok: false, status, error: (err as Error).message };
}

/** A swap for a single process: load beside the old session, switch, release the old one when its requests end. */
export function createLocalSwap(registry: ModelRegistry, metrics: Metrics, log: (l: string) => void): SwapModel {
  // Swaps run one at a time so two admin calls for one model cannot interleave their load and switch.
  let chain: Promise<unknown> = Promise.resolve();
  return (spec) => {
    const run = async (): Promise<SwapOutcome> => {
      const before = registry.get(spec.name);
      let prepared;
      try {
        prepared = await registry.prepare(spec);
      } catch (err) {
        log(`swap of model ${spec.name} to ${spec.version} failed: ${(err as Error).message}`);
        return failedSwap(err);
      }
      const model = registry.commit(prepared.token)!;
      metrics.setLoadTime(model.name, model.version, model.loadMs / 1000);
      log(`swapped model ${spec.name} ${before?.version ?? '(new)'} -> ${model.version} in ${Math.round(model.loadMs)} ms`);
      return { ok: true, name: model.name, version: model.version, loadMs: Math.round(model.loadMs) };
    };
    const result = chain.then(run, run);
    chain = result;
    return result;
  };
}
