/**
 * What the dashboard sends its page (JSON over SSE and its API). Plain data with no imports: the page's code
 * (web/dashboard/) imports these types too, so the two sides cannot drift.
 */

/** Rates over the interval between two /metrics readings (null where the interval saw no request). */
export interface MetricsRates {
  requestsPerSecond: number;
  p50Ms: number | null;
  p99Ms: number | null;
  errorRate: number | null;
  meanBatch: number | null;
}

/** What the page can ask the dashboard to do to a server. */
export type DashboardAction = 'predict' | 'start' | 'stop' | 'delete' | 'promote' | 'rollback';

/** Replicas, revisions and traffic of a server on Kubernetes, as the flavor's info keys report them. */
export interface KubernetesFacts {
  resource: string;
  namespace: string;
  replicas: string;
  /** "1/1": available over desired replicas (seldon; empty where the status carries no counts, as KServe's). */
  readyReplicas: string;
  /** status.conditions in one line: "Ready=True, DeploymentsReady=True, ..." (the reason of any not True). */
  conditions: string;
  /** "r2 10% (latest), r1 90%" (kserve), empty for seldon. */
  traffic: string;
  canaryPercent: string;
  latestReadyRevision: string;
  previousRevision: string;
}

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
  /** The facts `describe` shows, labelled as it labels them (serviceFacts). */
  facts: [label: string, value: string][];
}

/** What the page receives on every poll. */
export interface DashboardSnapshot {
  /** Unix ms of the poll. */
  at: number;
  rows: DashboardRow[];
  /** Deployers that could not be listed (an unreachable cluster, a broken flavor), with why. */
  errors: { deployer: string; message: string }[];
}

/** One point of a server's charts. */
export interface HistoryPoint {
  at: number;
  rps: number;
  p50: number | null;
  p99: number | null;
}
