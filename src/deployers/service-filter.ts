import type { BaseService } from '../services/base-service.js';

/** The filters of findModelServer (ZenML's find_model_server arguments). */
export interface ServiceFilter {
  /** Only active servers. */
  running?: boolean;
  /** A full uuid or a prefix of one. */
  serviceUuid?: string;
  pipelineName?: string;
  pipelineRunId?: string;
  pipelineStepName?: string;
  modelName?: string;
  modelUri?: string;
  modelType?: string;
}

const CONFIG_KEYS = ['pipelineName', 'pipelineRunId', 'pipelineStepName', 'modelName', 'modelUri', 'modelType'] as const;

/** True when the service passes every filter that is set. */
export function matchesFilter(service: BaseService, filter: ServiceFilter): boolean {
  if (filter.running && !service.isRunning) return false;
  if (filter.serviceUuid && !service.uuid.startsWith(filter.serviceUuid.toLowerCase())) return false;
  return CONFIG_KEYS.every((key) => filter[key] === undefined || service.config[key] === filter[key]);
}
