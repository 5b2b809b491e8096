/**
 * The handlers of `inference.GRPCInferenceService`: the same models, batching, hot swap, auth and metrics as the
 * REST endpoints (they share the server context and v2-infer.ts), with errors as gRPC status codes.
 */
import { randomUUID } from 'node:crypto';
import { status, type handleUnaryCall, type Metadata, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { checkAuthorization, userTokens } from './auth.js';
import { v2Datatype } from './dtypes.js';
import { RequestError } from './http-util.js';
import { withModel, type ServerContext } from './server-context.js';
import { contentsValues, toContents, type TensorContents } from './grpc-tensors.js';
import { encodeRaw } from './tensor-raw.js';
import { inferV2, type WireInput } from './v2-infer.js';
import { EXTENSIONS, modelMetadata, ready, SERVER_NAME } from './v2-protocol.js';

type Access = 'open' | 'user';

/** What a handler learns about the call for its metrics. */
interface CallInfo {
  model: string;
}

type Body = (request: any, info: CallInfo) => Promise<unknown>;

// The HTTP statuses handlers throw, as the gRPC codes the v2 spec and clients expect.
const CODES: Record<number, status> = {
  400: status.INVALID_ARGUMENT,
  401: status.UNAUTHENTICATED,
  404: status.NOT_FOUND,
  413: status.RESOURCE_EXHAUSTED,
  422: status.INVALID_ARGUMENT,
  503: status.UNAVAILABLE,
};

function codeOf(err: unknown): status {
  return err instanceof RequestError ? (CODES[err.status] ?? status.INTERNAL) : status.INTERNAL;
}

function messageOf(err: unknown): string {
  return err instanceof RequestError ? err.message : `internal error: ${(err as Error)?.message ?? String(err)}`;
}

// First value of a metadata key, as a string (binary keys end in -bin and are never an authorization).
function first(metadata: Metadata, key: string): string | undefined {
  const [value] = metadata.get(key);
  return typeof value === 'string' ? value : undefined;
}

/** Wraps a handler body: auth, in-flight count (so a graceful stop waits for it), metrics, errors as statuses. */
function unary(ctx: ServerContext, endpoint: string, access: Access, body: Body): handleUnaryCall<any, any> {
  return (call, callback) => {
    const started = performance.now();
    const info: CallInfo = { model: '' };
    ctx.state.inflight += 1;
    const finish = (code: status, reply?: unknown, err?: unknown) => {
      ctx.state.inflight -= 1;
      // Only served model names become label values, as over HTTP.
      const model = info.model === '' || ctx.registry.get(info.model) ? info.model : '(unknown)';
      ctx.metrics.observeRequest(model, endpoint, status[code], (performance.now() - started) / 1000, 'grpc');
      if (code === status.OK) callback(null, reply);
      else callback({ code, details: messageOf(err) });
    };
    const run = async () => {
      if (access === 'user') checkAuthorization(first(call.metadata, 'authorization'), userTokens(ctx.config));
      return body(call.request, info);
    };
    run().then(
      (reply) => finish(status.OK, reply),
      (err: unknown) => finish(codeOf(err), undefined, err),
    );
  };
}

interface GrpcInput {
  name: string;
  datatype: string;
  shape: number[];
  contents: TensorContents | null;
}

interface GrpcInferRequest {
  model_name: string;
  model_version: string;
  id: string;
  inputs: GrpcInput[];
  outputs: Array<{ name: string }>;
  raw_input_contents: Buffer[];
}

const hasContents = (c: TensorContents | null) => c !== null && Object.values(c).some((v) => Array.isArray(v) && v.length > 0);

// raw_input_contents, when used, has one entry per input in input order; otherwise each input has typed contents.
function wireInputs(request: GrpcInferRequest): WireInput[] {
  const raw = request.raw_input_contents;
  if (raw.length > 0 && raw.length !== request.inputs.length) {
    throw new RequestError(400, `raw_input_contents has ${raw.length} entries, but there are ${request.inputs.length} inputs; send one per input, in input order`);
  }
  return request.inputs.map((input, i) => {
    const { name, datatype, shape } = input;
    if (shape.some((d) => !Number.isInteger(d) || d < 0)) throw new RequestError(400, `input '${name}' has shape [${shape.join(',')}]; expected non-negative sizes`);
    if (raw.length > 0) {
      if (hasContents(input.contents)) throw new RequestError(400, `input '${name}' has contents, but the request sends raw_input_contents; use one or the other`);
      return { name, datatype, shape, raw: raw[i]! };
    }
    return { name, datatype, shape, data: contentsValues(datatype, input.contents, name) };
  });
}

const modelName = (request: { name?: string; model_name?: string }) => {
  const name = request.model_name ?? request.name ?? '';
  if (name === '') throw new RequestError(400, 'the request names no model');
  return name;
};

// proto3 has no "absent" string: an empty version means "whatever version is served", as in the spec.
const versionOf = (v: string) => (v === '' ? undefined : v);

/** The service implementation for one server context. */
export function grpcHandlers(ctx: ServerContext): UntypedServiceImplementation {
  return {
    ServerLive: unary(ctx, 'v2_live', 'open', async () => ({ live: true })),
    ServerReady: unary(ctx, 'v2_ready', 'open', async () => ({ ready: ready(ctx) })),
    ModelReady: unary(ctx, 'v2_model_ready', 'open', async (request: { name: string; version: string }, info) => {
      info.model = modelName(request);
      await withModel(ctx, info.model, versionOf(request.version), async () => undefined);
      return { ready: !ctx.state.shuttingDown };
    }),
    ServerMetadata: unary(ctx, 'v2_server_metadata', 'user', async () => ({ name: SERVER_NAME, version: ctx.version, extensions: EXTENSIONS })),
    ModelMetadata: unary(ctx, 'v2_model_metadata', 'user', async (request: { name: string; version: string }, info) => {
      info.model = modelName(request);
      return withModel(ctx, info.model, versionOf(request.version), async (lease) => modelMetadata(lease.model));
    }),
    ModelInfer: unary(ctx, 'v2_infer', 'user', async (request: GrpcInferRequest, info) => {
      info.model = modelName(request);
      const outputs = request.outputs.map((o) => o.name);
      const answer = await inferV2(ctx, info.model, versionOf(request.model_version), { inputs: wireInputs(request), outputs });
      // Answers take the form the request used: raw contents for raw inputs (tritonclient reads only those),
      // typed contents for typed inputs.
      const raw = request.raw_input_contents.length > 0;
      return {
        model_name: answer.modelName,
        model_version: answer.modelVersion,
        id: request.id || randomUUID(),
        outputs: answer.outputs.map(({ name, tensor }) => ({
          name,
          datatype: v2Datatype(tensor.type),
          shape: tensor.dims,
          ...(raw ? {} : { contents: toContents(tensor.type, tensor.data) }),
        })),
        raw_output_contents: raw ? answer.outputs.map(({ tensor }) => encodeRaw(tensor.type, tensor.data)) : [],
      };
    }),
  };
}
