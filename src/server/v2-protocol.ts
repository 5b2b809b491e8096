/**
 * The Open Inference Protocol v2 REST endpoints (KServe, MLServer, Triton): server and model metadata, health and
 * readiness, and infer (JSON or binary tensors).
 */
import { randomUUID } from 'node:crypto';
import { v2Datatype } from './dtypes.js';
import { readBody, sendJson, sendRaw, writeHead } from './http-util.js';
import type { LoadedModel, TensorSpec } from './model-session.js';
import { assertModel, withModel, type Handler, type ServerContext } from './server-context.js';
import { v2AnswerText } from './v2-answer.js';
import { binaryAnswer, HEADER_LENGTH } from './v2-binary.js';
import { inferV2 } from './v2-infer.js';
import { parseRestRequest } from './v2-rest-request.js';

/** Server name reported by GET /v2. */
export const SERVER_NAME = 'zenml-model-server';

/** Platform reported in model metadata, as Triton names onnxruntime-served models. */
export const PLATFORM = 'onnxruntime_onnx';

/** Protocol extensions GET /v2 (and gRPC ServerMetadata) advertise. */
export const EXTENSIONS = ['binary_tensor_data'];

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

/** True when every model is loaded and the server is not stopping. */
export const ready = (ctx: ServerContext) => ctx.registry.ready() && !ctx.state.shuttingDown;

/** GET /v2: server metadata. */
export const handleServerMetadata: Handler = async (ctx, _req, res) => {
  sendJson(res, 200, { name: SERVER_NAME, version: ctx.version, extensions: EXTENSIONS });
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
  assertModel(ctx, params.name!, params.version);
  const ok = !ctx.state.shuttingDown;
  sendJson(res, ok ? 200 : 503, { name: params.name, ready: ok });
};

/** POST /v2/models/{name}[/versions/{version}]/infer: JSON, or binary tensors (the binary tensor data extension). */
export const handleInfer: Handler = async (ctx, req, res, params, info) => {
  info.model = params.name!;
  // Resolve the model before reading the body, so an unknown model is a 404 whatever the payload.
  assertModel(ctx, params.name!, params.version);
  const headerLength = req.headers[HEADER_LENGTH];
  const request = parseRestRequest(await readBody(req, ctx.config.maxBodyBytes), Array.isArray(headerLength) ? headerLength[0] : headerLength);
  const answer = await inferV2(ctx, params.name!, params.version, request);
  const { json, parts } = v2AnswerText(answer, request.id ?? randomUUID(), request.binary);
  if (parts.length === 0) return sendRaw(res, 200, json, 'application/json');
  const binary = binaryAnswer(json, parts);
  if (res.headersSent) return;
  writeHead(res, 200, { 'Inference-Header-Content-Length': String(binary.headerLength) }, 'application/octet-stream', binary.length);
  res.end(binary.body, 'latin1');
};
