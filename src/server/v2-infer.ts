/**
 * The protocol-neutral half of a v2 inference: tensors as the wire described them (JSON values or raw bytes) are
 * checked against the model and typed, the model runs (batched, on the current version), and the requested outputs
 * come back. The REST handler (JSON and binary) and the gRPC service both end here, so they answer alike.
 */
import { toTensorData, typeFromV2, v2Datatype } from './dtypes.js';
import { RequestError } from './http-util.js';
import type { LoadedModel, Tensor, TensorMap } from './model-session.js';
import { withModel, type ServerContext } from './server-context.js';
import { elementCount, flattenNested, formatShape } from './tensor-json.js';
import { decodeRaw } from './tensor-raw.js';

/** One input as a request carried it: JSON values (flat or nested) or raw little-endian bytes. */
export interface WireInput {
  name: string;
  datatype: string;
  shape: number[];
  /** JSON values; absent when `raw` is given. */
  data?: unknown;
  /** Raw bytes (binary extension, gRPC raw_input_contents). */
  raw?: Uint8Array;
}

/** A v2 inference request, whatever the transport. */
export interface WireRequest {
  inputs: WireInput[];
  /** Requested output names; undefined means every output. */
  outputs?: string[];
}

/** What a v2 inference answers: the model version that ran and the requested outputs, in request order. */
export interface WireAnswer {
  modelName: string;
  modelVersion: string;
  outputs: Array<{ name: string; tensor: Tensor }>;
}

/** The datatype names error messages list. */
export const DATATYPES = 'FP32, FP64, INT8, INT16, INT32, INT64, UINT8, UINT16, UINT32, UINT64, BOOL, BYTES';

/** Types and checks the inputs: datatype known and as the model declares, element count as the shape needs. */
export function buildFeeds(model: LoadedModel, inputs: readonly WireInput[]): TensorMap {
  if (inputs.length === 0) throw new RequestError(400, `expected "inputs": a non-empty list of {"name", "shape", "datatype", "data"}`);
  const feeds: TensorMap = {};
  for (const input of inputs) {
    const { name, shape } = input;
    if (feeds[name]) throw new RequestError(400, `input '${name}' is given twice`);
    const type = typeFromV2(input.datatype);
    if (type === undefined) throw new RequestError(400, `input '${name}' has datatype ${JSON.stringify(input.datatype)}; expected one of ${DATATYPES}`);
    const spec = model.inputs.find((s) => s.name === name);
    if (spec !== undefined && spec.type !== type) {
      throw new RequestError(400, `input '${name}' expects datatype ${v2Datatype(spec.type)}, got ${v2Datatype(type)}`);
    }
    const count = elementCount(shape);
    if (input.raw !== undefined) {
      feeds[name] = { type, dims: shape, data: decodeRaw(type, input.raw, shape, count, name) };
      continue;
    }
    const values = flattenNested(input.data, name).values;
    if (values.length !== count) throw new RequestError(400, `input '${name}' has ${values.length} values, but shape ${formatShape(shape)} needs ${count}`);
    feeds[name] = { type, dims: shape, data: toTensorData(type, values, name) };
  }
  return feeds;
}

/** The output names to answer: the requested ones (each must exist), or every output in model order. */
export function selectOutputs(model: LoadedModel, requested: readonly string[] | undefined): string[] {
  const all = model.outputs.map((o) => o.name);
  if (requested === undefined || requested.length === 0) return all;
  for (const name of requested) {
    if (!all.includes(name)) throw new RequestError(400, `model '${model.name}' has no output '${name}'; expected outputs: ${all.join(', ')}`);
  }
  return [...requested];
}

/** Runs a v2 request on the current version of a model (404 for an unknown model or version). */
export function inferV2(ctx: ServerContext, name: string, version: string | undefined, request: WireRequest): Promise<WireAnswer> {
  return withModel(ctx, name, version, async (lease) => {
    const wanted = selectOutputs(lease.model, request.outputs);
    const outputs = await lease.infer(buildFeeds(lease.model, request.inputs));
    return {
      modelName: lease.model.name,
      modelVersion: lease.model.version,
      outputs: wanted.map((output) => ({ name: output, tensor: outputs[output]! })),
    };
  });
}
