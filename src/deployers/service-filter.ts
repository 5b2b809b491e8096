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
  /**
   * Also servers that other components made (or none did), where a flavor's servers live in shared
   * state: the Kubernetes flavors' namespace. No effect on flavors whose state is the component's own.
   */
  all?: boolean;
}

const CONFIG_KEYS = ['pipelineName', 'pipelineRunId', 'pipelineStepName', 'modelName', 'modelUri', 'modelType'] as const;

/** True when the service passes every filter that is set. */
export function matchesFilter(service: BaseService, filter: ServiceFilter): boolean {
  if (filter.running && !service.isRunning) return false;
  return matchesRecordFilter(service, filter);
}

/** What a record filter looks at: a persisted record or a service. */
type FilteredRecord = { uuid: string; config: Record<string, unknown> };

/**
 * The filters that depend on the record alone (uuid and config, not the live state): a store can
 * apply them to raw records before building services from them.
 */
export function matchesRecordFilter(record: FilteredRecord, filter: ServiceFilter): boolean {
  if (filter.serviceUuid && !record.uuid.startsWith(filter.serviceUuid.toLowerCase())) return false;
  return CONFIG_KEYS.every((key) => filter[key] === undefined || record.config[key] === filter[key]);
}

/** Config keys from the most to the least selective in practice: the index scans for the first one set. */
const SELECTIVITY = ['pipelineRunId', 'modelUri', 'pipelineStepName', 'modelName', 'pipelineName', 'modelType'] as const;

/**
 * The listServices options of a filter: the record test, and needles (`"key":"value"` as
 * JSON.stringify writes them) that the JSON of every matching record contains, most selective first.
 */
export function recordQuery(filter: ServiceFilter | undefined): { where?: (record: FilteredRecord) => boolean; needles?: string[] } {
  if (!filter) return {};
  const where = (record: FilteredRecord) => matchesRecordFilter(record, filter);
  const needles = SELECTIVITY.filter((key) => filter[key] !== undefined).map((key) => `${JSON.stringify(key)}:${JSON.stringify(filter[key])}`);
  if (filter.serviceUuid) needles.unshift(`"uuid":${JSON.stringify(filter.serviceUuid.toLowerCase()).slice(0, -1)}`);
  return { where, needles };
}
