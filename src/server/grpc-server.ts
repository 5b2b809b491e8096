/**
 * The gRPC listener of one serving process: loads the shipped KServe v2 .proto with @grpc/proto-loader, serves
 * grpc-service.ts on host:port, and stops gracefully. Imported lazily (only when `grpcPort` is not false), so a server
 * without gRPC never loads grpc-js.
 */
import { loadPackageDefinition, Server, ServerCredentials, type ServiceDefinition } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { fileURLToPath } from 'node:url';
import { grpcHandlers } from './grpc-service.js';
import type { ServerContext } from './server-context.js';

/** The service definition, shipped beside this module (src/server/proto is copied to dist/server/proto). */
export const PROTO_PATH = fileURLToPath(new URL('./proto/grpc_predict_v2.proto', import.meta.url));

/** A listening gRPC server. */
export interface GrpcServerHandle {
  /** Bound port (the real one when asked for 0). */
  port: number;
  /** Refuses new calls and resolves once the running ones have answered, or cuts them off after `drainMs`. */
  close(drainMs: number): Promise<void>;
  /** Cuts every call and connection at once. */
  kill(): void;
}

function serviceDefinition(): ServiceDefinition {
  // keepCase: the field names of the spec (raw_input_contents); longs as numbers: shapes and INT64 contents are
  // far below 2^53; defaults: every repeated field is an array, so handlers need no undefined checks.
  const definition = loadSync(PROTO_PATH, { keepCase: true, longs: Number, enums: String, defaults: true, oneofs: true });
  const inference = loadPackageDefinition(definition).inference as unknown as { GRPCInferenceService: { service: ServiceDefinition } };
  return inference.GRPCInferenceService.service;
}

/** Starts serving `inference.GRPCInferenceService` for `ctx` on host:port. */
export function listenGrpc(ctx: ServerContext, host: string, port: number): Promise<GrpcServerHandle> {
  const server = new Server({
    // The same request size limit as the HTTP body limit; answers are as large as the model makes them.
    'grpc.max_receive_message_length': ctx.config.maxBodyBytes,
    'grpc.max_send_message_length': -1,
  });
  server.addService(serviceDefinition(), grpcHandlers(ctx));
  const address = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  return new Promise((resolve, reject) => {
    server.bindAsync(address, ServerCredentials.createInsecure(), (err, bound) => {
      if (err) return reject(new Error(`cannot listen for gRPC on ${address}: ${err.message}`));
      let closing: Promise<void> | undefined;
      resolve({
        port: bound,
        close(drainMs) {
          closing ??= new Promise<void>((done) => {
            const cutoff = setTimeout(() => server.forceShutdown(), drainMs);
            server.tryShutdown(() => {
              clearTimeout(cutoff);
              done();
            });
          });
          return closing;
        },
        kill: () => server.forceShutdown(),
      });
    });
  });
}
