/** The lifecycle states of a service, as in ZenML's ServiceState. */
export const ServiceState = {
  INACTIVE: 'inactive',
  PENDING_STARTUP: 'pending_startup',
  ACTIVE: 'active',
  PENDING_SHUTDOWN: 'pending_shutdown',
  ERROR: 'error',
} as const;

/** One of the ServiceState values. */
export type ServiceState = (typeof ServiceState)[keyof typeof ServiceState];

/** Every ServiceState value, for validation and docs. */
export const SERVICE_STATES = Object.values(ServiceState) as ServiceState[];

/** The observed status of a service: its state and, when it failed, why. */
export interface ServiceStatus {
  state: ServiceState;
  lastError: string;
  /** ISO time of the last state change. */
  lastStateChange: string;
}

/** Where a running service answers. */
export interface ServiceEndpoint {
  /** Base URL of the prediction endpoint. */
  predictionUrl: string;
  /** URL answering 200 when the service is ready. */
  healthCheckUrl: string;
}
