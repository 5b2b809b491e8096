/**
 * The model server's programmatic API: start it in this process (one serving process, or a cluster primary when
 * `workers` > 1), get its address, close it.
 */
import { startClusterPrimary } from './cluster-primary.js';
import { parseServerConfig, type ServerConfig, type ServerConfigInput } from './config.js';
import { stdoutLogger, type LogLine } from './logger.js';
import { startProcessServer } from './process-server.js';
import { removeRuntimeFile, writeRuntimeFile } from './runtime-file.js';

// Config loading and its types, for callers (the local flavor, the benchmark) that write or check a server config.
export { loadServerConfigFile, parseServerConfig, serverConfigSchema, ServerConfigError } from './config.js';
export type { ServerConfig, ServerConfigInput, ModelSpec, BatchingConfig } from './config.js';
export type { RuntimeInfo } from './runtime-file.js';

/** A started server. */
export interface RunningServer {
  /** Base URL, e.g. http://127.0.0.1:41234. */
  url: string;
  /** Bound host. */
  host: string;
  /** Bound port. */
  port: number;
  /** Bound gRPC port (inference.GRPCInferenceService); undefined when gRPC is off. */
  grpcPort?: number;
  /** The identity token every response carries in X-Zenml-Instance. */
  instanceId: string;
  /** The resolved config. */
  config: ServerConfig;
  /** Graceful stop: refuse new connections, finish in-flight requests, release sessions (and stop workers). */
  close(): Promise<void>;
  /** Immediate stop: kill cluster workers without draining (a single process just stops listening). */
  kill(): void;
}

/** Options for {@link startModelServer}. */
export interface StartOptions {
  /** Lifecycle logger; defaults to stdout lines. */
  log?: LogLine;
  /** Folder relative model paths resolve against; defaults to the working directory. */
  baseDir?: string;
}

/** Starts the model server; resolves once it listens with every model loaded. */
export async function startModelServer(config: ServerConfigInput | ServerConfig, options: StartOptions = {}): Promise<RunningServer> {
  const resolved = parseServerConfig(config, 'server config', options.baseDir ?? process.cwd());
  const log = options.log ?? stdoutLogger();
  let port: number;
  let grpcPort: number | undefined;
  let stop: () => Promise<void>;
  let kill: () => void;
  if (resolved.workers > 1) {
    const primary = await startClusterPrimary(resolved, log);
    port = primary.port;
    grpcPort = primary.grpcPort;
    stop = () => primary.close();
    kill = () => primary.kill();
  } else {
    const server = await startProcessServer(resolved, { log, daemonPid: process.pid });
    port = server.http.port;
    grpcPort = server.grpc?.port;
    stop = () => server.close();
    kill = () => {
      server.http.server.closeAllConnections();
      server.http.server.close();
      server.grpc?.kill();
    };
  }
  const host = resolved.host;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  if (resolved.runtimeFile !== undefined) {
    const runtime = { pid: process.pid, port, ...(grpcPort === undefined ? {} : { grpcPort }), host, instanceId: resolved.instanceId };
    writeRuntimeFile(resolved.runtimeFile, { ...runtime, startedAt: new Date().toISOString() });
  }
  log(`listening on ${url}${grpcPort === undefined ? '' : `, gRPC on ${host.includes(':') ? `[${host}]` : host}:${grpcPort}`}`);
  let closing: Promise<void> | undefined;
  return {
    url,
    host,
    port,
    grpcPort,
    instanceId: resolved.instanceId,
    config: resolved,
    close() {
      closing ??= stop().then(() => {
        if (resolved.runtimeFile !== undefined) removeRuntimeFile(resolved.runtimeFile, process.pid);
      });
      return closing;
    },
    kill,
  };
}
