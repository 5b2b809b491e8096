// The shapes the dashboard's API sends, from the server's own declarations (no imports there, so nothing of Node).
export type { DashboardRow as Row, DashboardSnapshot as Snapshot, HistoryPoint as Point, MetricsRates as Rates } from '../../src/dashboard/dashboard-types.js';
