/**
 * One loaded ONNX model: its onnxruntime session, its input/output signature read from the session, feed validation
 * and running.
 */
import { availableParallelism } from 'node:os';
import ort from 'onnxruntime-node';
import { isSupportedType, v2Datatype, type ElementType, type TensorData } from './dtypes.js';
import { RequestError } from './http-util.js';
import { elementCount, formatShape, shapeMatches } from './tensor-json.js';
import type { ModelSpec } from './config.js';

/** An input or output as the session declares it. */
export interface TensorSpec {
  /** Tensor name in the graph. */
  name: string;
  /** Element type. */
  type: ElementType;
  /** Declared shape with -1 for symbolic/dynamic dims; undefined when the model declares none. */
  shape: number[] | undefined;
}

/** A typed tensor ready to feed, or returned by a run. */
export interface Tensor {
  /** Element type. */
  type: ElementType;
  /** Dimension sizes. */
  dims: number[];
  /** Flat row-major data. */
  data: TensorData;
}

/** Named tensors: a feed or a run's outputs. */
export type TensorMap = Record<string, Tensor>;

/** A model whose session is open. */
export interface LoadedModel {
  /** Model name from the config. */
  name: string;
  /** Version label from the config or the swap request. */
  version: string;
  /** Absolute path of the .onnx file. */
  uri: string;
  /** ISO time the session finished loading. */
  loadedAt: string;
  /** Milliseconds the load took. */
  loadMs: number;
  /** Inputs in session order. */
  inputs: TensorSpec[];
  /** Outputs in session order. */
  outputs: TensorSpec[];
  /** True when every input and output has a dynamic first dimension, so requests can be stacked along it. */
  batchable: boolean;
  /** Runs the session once on already validated feeds. */
  run(feeds: TensorMap): Promise<TensorMap>;
  /** Frees the native session; call only when no run is in flight. */
  release(): Promise<void>;
}

/** A model that failed to load; `message` carries onnxruntime's own words. */
export class ModelLoadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelLoadError';
  }
}

function specOf(meta: ort.InferenceSession.ValueMetadata, kind: string, uri: string): TensorSpec {
  if (!meta.isTensor) throw new ModelLoadError(`${uri}: ${kind} '${meta.name}' is not a tensor; only tensor ${kind}s are supported`);
  if (!isSupportedType(meta.type)) {
    throw new ModelLoadError(`${uri}: ${kind} '${meta.name}' has element type ${meta.type}, which the server does not support`);
  }
  // Symbolic dims come back as strings ("batch") and are as dynamic as -1; an empty list means "not declared".
  const shape = meta.shape.length === 0 ? undefined : meta.shape.map((d) => (typeof d === 'number' && d >= 0 ? d : -1));
  return { name: meta.name, type: meta.type, shape };
}

/** Renders a spec as `[-1,4] (FP32)` for error messages. */
export function describeSpec(spec: TensorSpec): string {
  return `${spec.shape === undefined ? 'any shape' : formatShape(spec.shape)} (${v2Datatype(spec.type)})`;
}

/** Threads per session: split the cores among the cluster workers so they do not oversubscribe the CPU. */
export function intraOpThreads(workers: number): number {
  return Math.max(1, Math.floor(availableParallelism() / Math.max(1, workers)));
}

/** Opens an ONNX model with onnxruntime on CPU; failures become ModelLoadError with onnxruntime's message. */
export async function loadModel(spec: ModelSpec, threads: number): Promise<LoadedModel> {
  const started = performance.now();
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(spec.uri, {
      executionProviders: ['cpu'],
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
      // onnxruntime's pool threads spin after each run waiting for the next; in a server they would spin on the
      // cores the event loop and the kernel's socket work need (on 2 cores, served v2 JSON at 32 connections beat
      // the spinning server in every side-by-side wrk pair, often by 1.5-3x). Large models still run multi-threaded.
      extra: { session: { intra_op: { allow_spinning: '0' } } },
    });
  } catch (err) {
    throw new ModelLoadError(`cannot load model '${spec.name}' version '${spec.version}' from ${spec.uri}: ${(err as Error).message}`);
  }
  try {
    const inputs = session.inputMetadata.map((m) => specOf(m, 'input', spec.uri));
    const outputs = session.outputMetadata.map((m) => specOf(m, 'output', spec.uri));
    const dynamicFirst = (s: TensorSpec) => s.shape !== undefined && s.shape.length > 0 && s.shape[0] === -1;
    const loadMs = performance.now() - started;
    return {
      ...spec,
      loadedAt: new Date().toISOString(),
      loadMs,
      inputs,
      outputs,
      batchable: inputs.length > 0 && inputs.every(dynamicFirst) && outputs.every(dynamicFirst),
      run: (feeds) => runSession(session, feeds),
      release: () => session.release(),
    };
  } catch (err) {
    await session.release();
    throw err;
  }
}

async function runSession(session: ort.InferenceSession, feeds: TensorMap): Promise<TensorMap> {
  const ortFeeds: Record<string, ort.Tensor> = {};
  for (const [name, t] of Object.entries(feeds)) ortFeeds[name] = new ort.Tensor(t.type, t.data, t.dims);
  let results: ort.InferenceSession.ReturnType;
  try {
    results = await session.run(ortFeeds);
  } catch (err) {
    // Feeds were already checked against the signature, so what is left is value-dependent (an index out of range,
    // say): the client's data, hence a 400 as MLflow answers, with onnxruntime's words.
    throw new RequestError(400, `inference failed: ${(err as Error).message.replace(/\s+/g, ' ').trim()}`);
  }
  const out: TensorMap = {};
  for (const [name, t] of Object.entries(results)) {
    out[name] = { type: t.type as ElementType, dims: [...t.dims], data: t.data as TensorData };
  }
  return out;
}

/** Checks a feed set against the model: every input present, none unknown, shapes and types as declared. */
export function validateFeeds(model: LoadedModel, feeds: TensorMap): void {
  const expected = model.inputs.map((i) => i.name);
  for (const name of Object.keys(feeds)) {
    if (!expected.includes(name)) {
      throw new RequestError(400, `model '${model.name}' has no input '${name}'; expected inputs: ${expected.join(', ')}`);
    }
  }
  for (const spec of model.inputs) {
    const feed = feeds[spec.name];
    if (feed === undefined) {
      throw new RequestError(400, `missing input '${spec.name}' ${describeSpec(spec)}; expected inputs: ${expected.join(', ')}`);
    }
    if (feed.type !== spec.type || !shapeMatches(spec.shape, feed.dims)) {
      throw new RequestError(
        400,
        `input '${spec.name}' expects shape ${describeSpec(spec)}, got ${formatShape(feed.dims)} (${v2Datatype(feed.type)})`,
      );
    }
    if (elementCount(feed.dims) !== feed.data.length) {
      throw new RequestError(400, `input '${spec.name}' has ${feed.data.length} values, but shape ${formatShape(feed.dims)} needs ${elementCount(feed.dims)}`);
    }
  }
}
