/** The record of one model server started by the `local` deployer. */
import path from 'node:path';
import { BaseService } from '../../services/base-service.js';
import type { ProcessIdentity } from '../../services/process-identity.js';
import { registerServiceType } from '../../services/service-registry.js';
import type { ServiceEndpoint } from '../../services/service-status.js';

/** What the local flavor keeps in `extra`. */
export interface LocalServiceExtra {
  /** The server process (absent before the first spawn). */
  pid?: number;
  processStartTime?: string;
  /**
   * The zenml process launching the server, recorded before the spawn and dropped once the server's pid is:
   * when it died in between, the server (if it was spawned) is found by its mark and adopted.
   */
  launcher?: ProcessIdentity;
  host: string;
  port: number;
  /** The gRPC port of the current spawn; absent when gRPC is off (or for servers that have none). */
  grpcPort?: number;
  /** Changes on every spawn; the server echoes it in X-Zenml-Instance. */
  instanceId: string;
  servicePath: string;
  logPath: string;
  serverConfigPath: string;
  /** Absolute path of the served .onnx file (config.modelUri may be relative to where deploy ran). */
  modelPath: string;
  /** The version the server serves: config.modelVersion, or the deployer's count ('1', then one more per swap). */
  modelVersion: string;
}

/** A model server process of the `local` flavor, with typed access to its extra state. */
export class LocalModelService extends BaseService {
  static override readonly SERVICE_TYPE = 'local-model-server';

  /** The flavor state (fields missing in a hand-edited record read as empty). */
  get local(): LocalServiceExtra {
    const e = this.extra;
    return {
      pid: typeof e.pid === 'number' ? e.pid : undefined,
      processStartTime: typeof e.processStartTime === 'string' ? e.processStartTime : undefined,
      launcher: asIdentity(e.launcher),
      host: typeof e.host === 'string' ? e.host : '127.0.0.1',
      port: typeof e.port === 'number' ? e.port : 0,
      grpcPort: typeof e.grpcPort === 'number' ? e.grpcPort : undefined,
      instanceId: typeof e.instanceId === 'string' ? e.instanceId : '',
      servicePath: String(e.servicePath ?? ''),
      logPath: String(e.logPath ?? ''),
      serverConfigPath: String(e.serverConfigPath ?? ''),
      modelPath: String(e.modelPath ?? ''),
      modelVersion: typeof e.modelVersion === 'string' ? e.modelVersion : '',
    };
  }

  /** Merge new flavor state into `extra`. */
  setLocal(patch: Partial<LocalServiceExtra>): void {
    this.extra = { ...this.extra, ...patch };
  }

  /** The recorded server process, if it was ever spawned. */
  get identity(): ProcessIdentity | undefined {
    const { pid, processStartTime } = this.local;
    return pid === undefined ? undefined : { pid, startTime: processStartTime ?? '' };
  }

  /** runtime.json, written by the server once it listens. */
  get runtimePath(): string {
    return path.join(this.local.servicePath, 'runtime.json');
  }

  /** server.pid. */
  get pidPath(): string {
    return path.join(this.local.servicePath, 'server.pid');
  }

  /** The host clients connect to: a wildcard host becomes loopback, IPv6 goes in brackets. */
  private get clientHost(): string {
    const { host } = this.local;
    const h = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
    return h.includes(':') ? `[${h}]` : h;
  }

  /** http://host:port, with a wildcard host replaced by loopback so clients can use it. */
  get baseUrl(): string {
    return `http://${this.clientHost}:${this.local.port}`;
  }

  /** host:port of the gRPC service (the target form gRPC clients take), or '' when it has none. */
  get grpcTarget(): string {
    const { grpcPort } = this.local;
    return grpcPort === undefined ? '' : `${this.clientHost}:${grpcPort}`;
  }

  /** The prediction and health URLs of the current port. */
  endpointUrls(): ServiceEndpoint {
    return { predictionUrl: `${this.baseUrl}/invocations`, healthCheckUrl: `${this.baseUrl}/v2/health/ready` };
  }
}

registerServiceType(LocalModelService);

function asIdentity(value: unknown): ProcessIdentity | undefined {
  const v = value as Partial<ProcessIdentity> | undefined;
  return v && typeof v.pid === 'number' && typeof v.startTime === 'string' ? { pid: v.pid, startTime: v.startTime } : undefined;
}
