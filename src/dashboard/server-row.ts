/** One model server as the dashboard page shows it: the CLI's ServiceView, flattened for a table row (pure). */
import { serviceFacts, type ServiceView } from '../deployers/service-view.js';
import type { DashboardAction, DashboardRow, KubernetesFacts, MetricsRates } from './dashboard-types.js';

export type { DashboardAction, DashboardRow, KubernetesFacts } from './dashboard-types.js';

const UP = new Set(['active', 'pending_startup']);

/** What a row needs besides the view. */
export interface RowExtras {
  /** Rates between the last two /metrics readings (null without them). */
  rates: MetricsRates | null;
  /** Whether the server's deployer runs canary revisions (kserve): promote and rollback. */
  trafficControl: boolean;
  /** The service's status.lastStateChange (ISO). */
  lastStateChange: string;
}

/** Flatten a ServiceView into a row. */
export function serverRow(view: ServiceView, { rates, trafficControl, lastStateChange }: RowExtras): DashboardRow {
  const info = view.info;
  const running = UP.has(view.state);
  const actions: DashboardAction[] = [];
  if (view.state === 'active') actions.push('predict');
  actions.push(view.state === 'inactive' ? 'start' : 'stop');
  if (trafficControl) actions.push('promote', 'rollback');
  actions.push('delete');
  return {
    key: `${view.deployer}/${view.uuid}`,
    uuid: view.uuid,
    deployer: view.deployer,
    flavor: view.flavor,
    state: view.state,
    reason: view.lastError.split('\n')[0] ?? '',
    modelName: info.MODEL_NAME || view.modelName,
    modelVersion: view.modelVersion || info.MODEL_VERSION || '',
    modelUri: info.MODEL_URI || view.modelUri,
    predictionUrl: info.PREDICTION_URL || view.predictionUrl || '',
    upSince: view.state === 'active' && lastStateChange ? lastStateChange : null,
    metrics: running ? rates : null,
    kubernetes: info.RESOURCE && info.NAMESPACE !== undefined ? kubernetesFacts(info) : null,
    actions,
    facts: serviceFacts(view),
  };
}

function kubernetesFacts(info: Record<string, string>): KubernetesFacts {
  return {
    resource: info.RESOURCE ?? '',
    namespace: info.NAMESPACE ?? '',
    replicas: info.REPLICAS ?? '',
    readyReplicas: info.READY_REPLICAS ?? '',
    conditions: info.CONDITIONS ?? '',
    traffic: info.TRAFFIC ?? '',
    canaryPercent: info.CANARY_TRAFFIC_PERCENT ?? '',
    latestReadyRevision: info.LATEST_READY_REVISION ?? '',
    previousRevision: info.PREVIOUS_ROLLED_OUT_REVISION ?? '',
  };
}
