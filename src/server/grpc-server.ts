/**
 * The gRPC service of one serving process: grpc-js with the shipped KServe v2 .proto (loaded by @grpc/proto-loader),
 * serving grpc-service.ts on the connections grpc-listener.ts hands it. Imported on the first gRPC connection only,
 * so an idle server (or one with gRPC off) never loads grpc-js.
 */
import { loadPackageDefinition, Server, ServerCredentials, type ServiceDefinition } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { grpcHandlers } from './grpc-service.js';
import type { ServerContext } from './server-context.js';

/** The service definition, shipped beside this module (src/server/proto is copied to dist/server/proto). */
export const PROTO_PATH = fileURLToPath(new URL('./proto/grpc_predict_v2.proto', import.meta.url));

/** A gRPC server fed with accepted connections. */
export interface GrpcService {
  /** Serves gRPC on an accepted connection. */
  inject(socket: Socket): void;
  /** Tells every client to stop (GOAWAY), lets running calls finish, cuts what is left after `graceMs`. */
  drain(graceMs: number): void;
  /** Closes every connection now. */
  destroy(): void;
}

function serviceDefinition(): ServiceDefinition {
  // keepCase: the field names of the spec (raw_input_contents); longs as numbers: shapes and INT64 contents are
  // far below 2^53; defaults: every repeated field is an array, so handlers need no undefined checks.
  const definition = loadSync(PROTO_PATH, { keepCase: true, longs: Number, enums: String, defaults: true, oneofs: true });
  const inference = loadPackageDefinition(definition).inference as unknown as { GRPCInferenceService: { service: ServiceDefinition } };
  return inference.GRPCInferenceService.service;
}

/** Creates the gRPC service for `ctx`. */
export function createGrpcService(ctx: ServerContext): GrpcService {
  const server = new Server({
    // The same request size limit as the HTTP body limit; answers are as large as the model makes them.
    'grpc.max_receive_message_length': ctx.config.maxBodyBytes,
    'grpc.max_send_message_length': -1,
  });
  server.addService(serviceDefinition(), grpcHandlers(ctx));
  const injector = server.createConnectionInjector(ServerCredentials.createInsecure());
  return {
    inject: (socket) => injector.injectConnection(socket),
    drain: (graceMs) => injector.drain(graceMs),
    destroy() {
      injector.destroy();
      server.forceShutdown();
    },
  };
}
