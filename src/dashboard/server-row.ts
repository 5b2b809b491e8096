/** One model server as the dashboard page shows it: the CLI's ServiceView, flattened for a table row (pure). */
import type { ServiceView } from '../deployers/service-view.js';
import type { MetricsRates } from './server-metrics.js';

/** What a row of the page shows and which buttons its server view offers. */
export interface DashboardRow {
  /** `<deployer>/<uuid>`: unique across deployers, and the path of the server's API. */
  key: string;
  uuid: string;
  deployer: string;
  flavor: string;
  state: string;
  /** First line of the last error (why a server is in `error`). */
  reason: string;
  modelName: string;
  modelVersion: string;
  modelUri: string;
  predictionUrl: string;
  /** ISO time since which the server is active (its last state change), null when it is not. */
  upSince: string | null;
  /** Rates from its /metrics over the last poll, null for servers without one (or not answering). */
  metrics: MetricsRates | null;
  /** Kubernetes facts (seldon, kserve), null for other flavors. */
  kubernetes: KubernetesFacts | null;
  /** The actions that make sense now, in the order the page shows them. */
  actions: DashboardAction[];
  /** Every fact `describe` shows (the flavor's info keys), for the server's own view. */
  info: Record<string, string>;
}

/** Replicas, revisions and traffic of a server on Kubernetes, as the flavor's info keys report them. */
export interface KubernetesFacts {
  resource: string;
  namespace: string;
  replicas: string;
  /** "latest 100%", "canary 10% / previous 90%"… (kserve), empty for seldon. */
  traffic: string;
  canaryPercent: string;
  latestReadyRevision: string;
  previousRevision: string;
}

/** What the page can ask the dashboard to do to a server. */
export type DashboardAction = 'predict' | 'start' | 'stop' | 'delete' | 'promote' | 'rollback';

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
    info,
  };
}

function kubernetesFacts(info: Record<string, string>): KubernetesFacts {
  return {
    resource: info.RESOURCE ?? '',
    namespace: info.NAMESPACE ?? '',
    replicas: info.REPLICAS ?? '',
    traffic: info.TRAFFIC ?? '',
    canaryPercent: info.CANARY_TRAFFIC_PERCENT ?? '',
    latestReadyRevision: info.LATEST_READY_REVISION ?? '',
    previousRevision: info.PREVIOUS_ROLLED_OUT_REVISION ?? '',
  };
}
