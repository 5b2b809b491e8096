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
  return matchesRecordFilter(service, filter);
}

/**
 * The filters that depend on the record alone (uuid and config, not the live state): a store can
 * apply them to raw records before building services from them.
 */
export function matchesRecordFilter(record: { uuid: string; config: Record<string, unknown> }, filter: ServiceFilter): boolean {
  if (filter.serviceUuid && !record.uuid.startsWith(filter.serviceUuid.toLowerCase())) return false;
  return CONFIG_KEYS.every((key) => filter[key] === undefined || record.config[key] === filter[key]);
}

/**
 * The listServices options of a filter: the record test, and a needle (`"key":"value"` as
 * JSON.stringify writes it) that the JSON of every matching record contains.
 */
export function recordQuery(filter: ServiceFilter | undefined): { where?: (record: { uuid: string; config: Record<string, unknown> }) => boolean; needle?: string } {
  if (!filter) return {};
  const where = (record: { uuid: string; config: Record<string, unknown> }) => matchesRecordFilter(record, filter);
  if (filter.serviceUuid) return { where, needle: `"uuid":${JSON.stringify(filter.serviceUuid.toLowerCase()).slice(0, -1)}` };
  const key = CONFIG_KEYS.find((k) => filter[k] !== undefined);
  return { where, needle: key && `${JSON.stringify(key)}:${JSON.stringify(filter[key])}` };
}
