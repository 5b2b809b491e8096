/**
 * The Open Inference Protocol v2 REST endpoints (KServe, MLServer, Triton): server and model metadata, health and
 * readiness, and infer.
 */
import { randomUUID } from 'node:crypto';
import { fromTensorData, toTensorData, typeFromV2, v2Datatype } from './dtypes.js';
import { parseJsonBody, readBody, RequestError, sendJson } from './http-util.js';
import type { LoadedModel, TensorMap, TensorSpec } from './model-session.js';
import { withModel, type Handler, type ServerContext } from './server-context.js';
import { elementCount, flattenNested, formatShape } from './tensor-json.js';

/** Server name reported by GET /v2. */
export const SERVER_NAME = 'zenml-model-server';

/** Platform reported in model metadata, as Triton names onnxruntime-served models. */
export const PLATFORM = 'onnxruntime_onnx';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function tensorMetadata(spec: TensorSpec) {
  return { name: spec.name, datatype: v2Datatype(spec.type), shape: spec.shape ?? [] };
}

/** The v2 model metadata object of a loaded model. */
export function modelMetadata(model: LoadedModel) {
  return {
    name: model.name,
    versions: [model.version],
    platform: PLATFORM,
    inputs: model.inputs.map(tensorMetadata),
    outputs: model.outputs.map(tensorMetadata),
  };
}

const ready = (ctx: ServerContext) => ctx.registry.ready() && !ctx.state.shuttingDown;

/** GET /v2: server metadata. */
export const handleServerMetadata: Handler = async (ctx, _req, res) => {
  sendJson(res, 200, { name: SERVER_NAME, version: ctx.version, extensions: [] });
};

/** GET /v2/health/live: the process answers, so it is live. */
export const handleLive: Handler = async (_ctx, _req, res) => sendJson(res, 200, { live: true });

/** GET /v2/health/ready: 200 only when every model is loaded and the server is not stopping. */
export const handleReady: Handler = async (ctx, _req, res) => {
  const ok = ready(ctx);
  sendJson(res, ok ? 200 : 503, { ready: ok });
};

/** GET /v2/models/{name}[/versions/{version}]: model metadata. */
export const handleModelMetadata: Handler = async (ctx, _req, res, params, info) => {
  info.model = params.name!;
  const meta = await withModel(ctx, params.name!, params.version, async (lease) => modelMetadata(lease.model));
  sendJson(res, 200, meta);
};

/** GET /v2/models/{name}[/versions/{version}]/ready. */
export const handleModelReady: Handler = async (ctx, _req, res, params, info) => {
  info.model = params.name!;
  await withModel(ctx, params.name!, params.version, async () => undefined);
  const ok = !ctx.state.shuttingDown;
  sendJson(res, ok ? 200 : 503, { name: params.name, ready: ok });
};

function parseInputs(model: LoadedModel, body: Record<string, unknown>): TensorMap {
  if (!Array.isArray(body.inputs) || body.inputs.length === 0) {
    throw new RequestError(400, `expected "inputs": a non-empty list of {"name", "shape", "datatype", "data"}`);
  }
  const feeds: TensorMap = {};
  body.inputs.forEach((raw, i) => {
    if (!isObject(raw) || typeof raw.name !== 'string') throw new RequestError(400, `inputs[${i}] needs a string "name"`);
    const name = raw.name;
    if (feeds[name]) throw new RequestError(400, `input '${name}' is given twice`);
    const shape = raw.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new RequestError(400, `input '${name}' needs "shape": a list of non-negative integers, got ${JSON.stringify(shape)}`);
    }
    const type = typeof raw.datatype === 'string' ? typeFromV2(raw.datatype) : undefined;
    if (type === undefined) {
      throw new RequestError(400, `input '${name}' has datatype ${JSON.stringify(raw.datatype)}; expected one of FP32, FP64, INT8, INT16, INT32, INT64, UINT8, UINT16, UINT32, UINT64, BOOL, BYTES`);
    }
    if (!('data' in raw)) throw new RequestError(400, `input '${name}' needs "data": its values, flat in row-major order or nested`);
    const values = flattenNested(raw.data, name).values;
    if (values.length !== elementCount(shape)) {
      throw new RequestError(400, `input '${name}' has ${values.length} values, but shape ${formatShape(shape)} needs ${elementCount(shape)}`);
    }
    const spec = model.inputs.find((s) => s.name === name);
    if (spec !== undefined && spec.type !== type) {
      throw new RequestError(400, `input '${name}' expects datatype ${v2Datatype(spec.type)}, got ${v2Datatype(type)}`);
    }
    feeds[name] = { type, dims: shape as number[], data: toTensorData(type, values, name) };
  });
  return feeds;
}

function requestedOutputs(model: LoadedModel, body: Record<string, unknown>): string[] {
  const all = model.outputs.map((o) => o.name);
  if (body.outputs === undefined) return all;
  if (!Array.isArray(body.outputs)) throw new RequestError(400, `expected "outputs": a list of {"name"}`);
  return body.outputs.map((o, i) => {
    const name = isObject(o) ? o.name : undefined;
    if (typeof name !== 'string') throw new RequestError(400, `outputs[${i}] needs a string "name"`);
    if (!all.includes(name)) throw new RequestError(400, `model '${model.name}' has no output '${name}'; expected outputs: ${all.join(', ')}`);
    return name;
  });
}

/** POST /v2/models/{name}[/versions/{version}]/infer. */
export const handleInfer: Handler = async (ctx, req, res, params, info) => {
  info.model = params.name!;
  if (req.headers['inference-header-content-length'] !== undefined) {
    throw new RequestError(400, 'the binary tensor data extension is not supported; send JSON tensors');
  }
  // Resolve the model before reading the body, so an unknown model is a 404 whatever the payload.
  await withModel(ctx, params.name!, params.version, async () => undefined);
  const body = parseJsonBody(await readBody(req, ctx.config.maxBodyBytes));
  if (!isObject(body)) throw new RequestError(400, 'expected a JSON object {"inputs": [...]}');
  if (body.id !== undefined && typeof body.id !== 'string') throw new RequestError(400, '"id" must be a string');
  const answer = await withModel(ctx, params.name!, params.version, async (lease) => {
    const wanted = requestedOutputs(lease.model, body);
    const outputs = await lease.infer(parseInputs(lease.model, body));
    return {
      model_name: lease.model.name,
      model_version: lease.model.version,
      id: (body.id as string | undefined) ?? randomUUID(),
      outputs: wanted.map((name) => {
        const t = outputs[name]!;
        return { name, shape: t.dims, datatype: v2Datatype(t.type), data: fromTensorData(t.type, t.data) };
      }),
    };
  });
  sendJson(res, 200, answer);
};
