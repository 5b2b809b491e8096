import * as z from 'zod';
import { BaseService, type ServiceJSON } from './base-service.js';
import { SERVICE_STATES } from './service-status.js';

/** A class that can be re-created from its JSON form. */
export type ServiceClass = { SERVICE_TYPE: string; new (init: ConstructorParameters<typeof BaseService>[0]): BaseService };

const registry = new Map<string, ServiceClass>();

/** Register a service class under its SERVICE_TYPE so persisted services re-create as that class. */
export function registerServiceType(cls: ServiceClass): void {
  registry.set(cls.SERVICE_TYPE, cls);
}

/** The shape a persisted service must have; anything else is reported, never guessed at. */
export const ServiceJSONSchema = z.object({
  type: z.string().min(1),
  flavor: z.string().min(1),
  uuid: z.string().min(1),
  // Validated once, by the service's constructor (parseServiceConfig), not twice.
  config: z.record(z.string(), z.unknown()),
  status: z.object({
    state: z.enum(SERVICE_STATES as [string, ...string[]]),
    lastError: z.string().default(''),
    lastStateChange: z.string(),
  }),
  endpoint: z.object({ predictionUrl: z.string(), healthCheckUrl: z.string() }).nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  extra: z.record(z.string(), z.unknown()).default({}),
});

/**
 * Re-create a service from its persisted JSON. Unknown types still load as BaseService,
 * so `find` can list services of a flavor whose code is not loaded.
 */
export function serviceFromJSON(json: unknown): BaseService {
  return serviceFromTrustedJSON(ServiceJSONSchema.parse(json) as ServiceJSON);
}

/** The same without validation, for records the store validated when it indexed them. */
export function serviceFromTrustedJSON(data: ServiceJSON): BaseService {
  const cls = registry.get(data.type) ?? BaseService;
  return new cls({
    uuid: data.uuid,
    config: data.config,
    flavor: data.flavor,
    status: data.status,
    endpoint: data.endpoint,
    createdAt: data.createdAt,
    updatedAt: data.updatedAt,
    extra: data.extra,
  });
}
