// The shapes the dashboard's API sends (src/dashboard/server-row.ts and dashboard-poller.ts), as the page reads them.

/** Rates over the last poll. */
export interface Rates {
  requestsPerSecond: number;
  p50Ms: number | null;
  p99Ms: number | null;
  errorRate: number | null;
  meanBatch: number | null;
}

/** One model server. */
export interface Row {
  key: string;
  uuid: string;
  deployer: string;
  flavor: string;
  state: string;
  reason: string;
  modelName: string;
  modelVersion: string;
  modelUri: string;
  predictionUrl: string;
  upSince: string | null;
  metrics: Rates | null;
  kubernetes: { resource: string; namespace: string; replicas: string; traffic: string; canaryPercent: string; latestReadyRevision: string; previousRevision: string } | null;
  actions: string[];
  info: Record<string, string>;
}

/** One poll. */
export interface Snapshot {
  at: number;
  rows: Row[];
  errors: { deployer: string; message: string }[];
}

/** One chart point. */
export interface Point {
  at: number;
  rps: number;
  p50: number | null;
  p99: number | null;
}
