/**
 * The handlers of `inference.GRPCInferenceService`: the same models, batching, hot swap, auth and metrics as the
 * REST endpoints (they share the server context and v2-infer.ts), with errors as gRPC status codes.
 */
import { randomUUID } from 'node:crypto';
import { checkAuthorization, userTokens } from './auth.js';
import { v2Datatype } from './dtypes.js';
import { Status, type StatusCode } from './grpc-status.js';
import { RequestError } from './http-util.js';
import { assertModel, withModel, type ServerContext } from './server-context.js';
import { contentsValues, toContents, type TensorContents } from './grpc-tensors.js';
import { encodeRaw } from './tensor-raw.js';
import { inferV2, type WireInput } from './v2-infer.js';
import { EXTENSIONS, modelMetadata, ready, SERVER_NAME } from './v2-protocol.js';

type Access = 'open' | 'user';

/** What a handler learns about the call, for its metrics. */
export interface CallInfo {
  /** The model the call names ('' until known). */
  model: string;
}

type Body = (request: any, info: CallInfo) => Promise<unknown>;

/** One unary method: its metrics endpoint name and its handler (auth included). */
export interface GrpcMethod {
  /** The `endpoint` label of its metrics, shared with the REST twin (v2_infer). */
  endpoint: string;
  /** Checks the token when the method needs one, then answers the decoded request with a plain reply object. */
  run(request: unknown, authorization: string | undefined, info: CallInfo): Promise<unknown>;
}

// The HTTP statuses handlers throw, as the gRPC codes the v2 spec and clients expect.
const CODES: Record<number, StatusCode> = {
  400: Status.INVALID_ARGUMENT,
  401: Status.UNAUTHENTICATED,
  404: Status.NOT_FOUND,
  413: Status.RESOURCE_EXHAUSTED,
  422: Status.INVALID_ARGUMENT,
  503: Status.UNAVAILABLE,
};

/** A handler's failure as a gRPC status and message (anything but a RequestError is INTERNAL). */
export function grpcError(err: unknown): { code: StatusCode; message: string } {
  if (err instanceof RequestError) return { code: CODES[err.status] ?? Status.INTERNAL, message: err.message };
  return { code: Status.INTERNAL, message: `internal error: ${(err as Error)?.message ?? String(err)}` };
}

/** The model label of a call's metrics: only served model names become label values, as over HTTP. */
export const metricModel = (ctx: ServerContext, model: string) => (model === '' || ctx.registry.get(model) ? model : '(unknown)');

const method = (ctx: ServerContext, endpoint: string, access: Access, body: Body): GrpcMethod => ({
  endpoint,
  async run(request, authorization, info) {
    if (access === 'user') checkAuthorization(authorization, userTokens(ctx.config));
    return body(request, info);
  },
});

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

/** The methods of inference.GRPCInferenceService for one server context, by name. */
export function grpcMethods(ctx: ServerContext): Record<string, GrpcMethod> {
  return {
    ServerLive: method(ctx, 'v2_live', 'open', async () => ({ live: true })),
    ServerReady: method(ctx, 'v2_ready', 'open', async () => ({ ready: ready(ctx) })),
    ModelReady: method(ctx, 'v2_model_ready', 'open', async (request: { name: string; version: string }, info) => {
      info.model = modelName(request);
      assertModel(ctx, info.model, versionOf(request.version));
      return { ready: !ctx.state.shuttingDown };
    }),
    ServerMetadata: method(ctx, 'v2_server_metadata', 'user', async () => ({ name: SERVER_NAME, version: ctx.version, extensions: EXTENSIONS })),
    ModelMetadata: method(ctx, 'v2_model_metadata', 'user', async (request: { name: string; version: string }, info) => {
      info.model = modelName(request);
      return withModel(ctx, info.model, versionOf(request.version), async (lease) => modelMetadata(lease.model));
    }),
    ModelInfer: method(ctx, 'v2_infer', 'user', async (request: GrpcInferRequest, info) => {
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
