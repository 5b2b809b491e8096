import type { ServiceConfig, ServiceConfigInput } from './service-config.js';
import { parseServiceConfig } from './service-config.js';
import { ServiceState, type ServiceEndpoint, type ServiceStatus } from './service-status.js';
import { carriedCreatedAt } from './carried-created-at.js';

/** The serialized form of a service: what a flavor persists outside the CLI process. */
export interface ServiceJSON {
  /** Service type key used to re-create the right class (e.g. "local-model-server"). */
  type: string;
  /** The flavor of the deployer that owns the service. */
  flavor: string;
  uuid: string;
  config: ServiceConfig;
  status: ServiceStatus;
  endpoint: ServiceEndpoint | null;
  createdAt: string;
  updatedAt: string;
  /** Flavor-specific state (pid, port, Kubernetes resource name, …). */
  extra: Record<string, unknown>;
}

/** Arguments to construct a service. */
export interface ServiceInit {
  uuid: string;
  /** Validated and completed with defaults by the constructor. */
  config: ServiceConfigInput;
  flavor: string;
  status?: Partial<ServiceStatus>;
  endpoint?: ServiceEndpoint | null;
  createdAt?: string;
  updatedAt?: string;
  extra?: Record<string, unknown>;
}

/**
 * A model server a deployer started. The record is plain data so that any deployer can
 * rebuild it from JSON; flavors subclass it to add typed accessors over `extra`.
 */
export class BaseService {
  /** Type key written to JSON; subclasses override it and register themselves. */
  static readonly SERVICE_TYPE: string = 'base';

  readonly uuid: string;
  config: ServiceConfig;
  readonly flavor: string;
  status: ServiceStatus;
  endpoint: ServiceEndpoint | null;
  readonly createdAt: string;
  updatedAt: string;
  extra: Record<string, unknown>;

  constructor(init: ServiceInit) {
    // Only new services need the clock: re-creating 10,000 from the store must not pay for it.
    let clock: string | undefined;
    const now = () => (clock ??= new Date().toISOString());
    this.uuid = init.uuid;
    this.config = parseServiceConfig(init.config);
    this.flavor = init.flavor;
    this.status = {
      state: init.status?.state ?? ServiceState.INACTIVE,
      lastError: init.status?.lastError ?? '',
      lastStateChange: init.status?.lastStateChange ?? now(),
    };
    this.endpoint = init.endpoint ?? null;
    this.createdAt = init.createdAt ?? carriedCreatedAt(init.uuid) ?? now();
    this.updatedAt = init.updatedAt ?? now();
    this.extra = { ...(init.extra ?? {}) };
  }

  /** The type key of this instance's class. */
  get type(): string {
    return (this.constructor as typeof BaseService).SERVICE_TYPE;
  }

  /** True when the service is active (serving). */
  get isRunning(): boolean {
    return this.status.state === ServiceState.ACTIVE;
  }

  /** True when the service is stopped (inactive) and can be started again. */
  get isStopped(): boolean {
    return this.status.state === ServiceState.INACTIVE;
  }

  /** True when the service failed. */
  get isFailed(): boolean {
    return this.status.state === ServiceState.ERROR;
  }

  /** Record a state change (and the error, if any). */
  setState(state: ServiceState, lastError = ''): void {
    if (state !== this.status.state || lastError !== this.status.lastError) {
      this.status = { state, lastError, lastStateChange: new Date().toISOString() };
    }
    this.updatedAt = new Date().toISOString();
  }

  /** The serialized form; `BaseService.fromJSON` (via the service registry) reverses it. */
  toJSON(): ServiceJSON {
    return {
      type: this.type,
      flavor: this.flavor,
      uuid: this.uuid,
      config: this.config,
      status: this.status,
      endpoint: this.endpoint,
      createdAt: this.createdAt,
      updatedAt: this.updatedAt,
      extra: this.extra,
    };
  }
}
