// An @grpc/grpc-js client of inference.GRPCInferenceService built from the same shipped .proto, with promise calls.
import { credentials, loadPackageDefinition, Metadata, type Client, type ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { join } from 'node:path';
import { ROOT } from './server-harness.js';

/** The proto the server ships. */
export const PROTO = join(ROOT, 'src/server/proto/grpc_predict_v2.proto');

/** One unary call's outcome: the reply, or the gRPC error (code, details). */
export type CallResult = { ok: true; reply: any } | { ok: false; code: number; details: string };

/** A connected client; `call` never throws for a gRPC error, it returns it. */
export interface V2GrpcClient {
  call(method: string, request: unknown, token?: string): Promise<CallResult>;
  close(): void;
}

const definition = loadSync(PROTO, { keepCase: true, longs: Number, enums: String, defaults: true, oneofs: true });
const inference = loadPackageDefinition(definition).inference as any;

/** A client for 127.0.0.1:port. */
export function grpcClient(port: number): V2GrpcClient {
  const client = new inference.GRPCInferenceService(`127.0.0.1:${port}`, credentials.createInsecure()) as Client & Record<string, any>;
  return {
    call(method, request, token) {
      const metadata = new Metadata();
      if (token !== undefined) metadata.set('authorization', `Bearer ${token}`);
      return new Promise((resolve) => {
        client[method](request, metadata, { deadline: Date.now() + 20_000 }, (err: ServiceError | null, reply: unknown) => {
          resolve(err ? { ok: false, code: err.code, details: err.details } : { ok: true, reply });
        });
      });
    },
    close: () => client.close(),
  };
}

/** The reply of a call that must succeed (fails the test with the status otherwise). */
export async function ok(result: Promise<CallResult>): Promise<any> {
  const r = await result;
  if (!r.ok) throw new Error(`gRPC call failed: code ${r.code}: ${r.details}`);
  return r.reply;
}
