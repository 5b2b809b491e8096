/**
 * The request and response messages of inference.GRPCInferenceService, from the shipped .proto with protobufjs:
 * decoded into plain objects of the spec's field names (what grpc-service.ts reads), encoded from the plain
 * objects the handlers return.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

/** The service definition, shipped beside this module (src/server/proto is copied to dist/server/proto). */
export const PROTO_PATH = fileURLToPath(new URL('./proto/grpc_predict_v2.proto', import.meta.url));

/** The full name of the service, as it appears in every call's path. */
export const SERVICE = 'inference.GRPCInferenceService';

// longs as numbers: shapes and INT64 contents are far below 2^53; defaults: every repeated field is an array and
// every message field present (null when unset), so handlers need no undefined checks. The options proto-loader
// used when grpc-js served these calls, so handlers see the same objects.
const TO_OBJECT: protobuf.IConversionOptions = { longs: Number, enums: String, defaults: true, oneofs: true };

/** How one method's messages go to and from bytes. */
export interface MethodCodec {
  /** Bytes of one request message → a plain object; throws on bytes that are not that message. */
  decode(bytes: Uint8Array): any;
  /** A plain response object → bytes. */
  encode(reply: unknown): Uint8Array;
}

/** Every method of the service by name (`ModelInfer`); every one is unary. */
export function loadMethodCodecs(): Map<string, MethodCodec> {
  // Parsed from the text rather than with protobufjs's own loader, so the bundle needs no fs shim in protobufjs.
  // keepCase: the field names of the spec (raw_input_contents).
  const { root } = protobuf.parse(readFileSync(PROTO_PATH, 'utf8'), { keepCase: true });
  root.resolveAll();
  const codecs = new Map<string, MethodCodec>();
  for (const method of Object.values(root.lookupService(SERVICE).methods)) {
    const request = method.resolvedRequestType!;
    const response = method.resolvedResponseType!;
    codecs.set(method.name, {
      decode: (bytes) => request.toObject(request.decode(bytes), TO_OBJECT),
      encode: (reply) => response.encode(reply as protobuf.Message).finish(),
    });
  }
  return codecs;
}
