// Numbers and durations as the page prints them.
import type { Row } from './types.js';

/** "3h 12m", "4m 5s", "12s". */
export function duration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d) return `${d}d ${h}h`;
  if (h) return `${h}h ${m}m`;
  if (m) return `${m}m ${s % 60}s`;
  return `${s}s`;
}

/** A number, or a dash when there is none. */
export function num(n: number | null | undefined, digits = 1): string {
  return n === null || n === undefined ? '–' : n.toFixed(digits);
}

/** An error rate as a percentage. */
export function percent(n: number | null | undefined): string {
  return n === null || n === undefined ? '–' : `${(n * 100).toFixed(1)}%`;
}

/** The uptime of a row at `now`. */
export function uptime(row: Row, now: number): string {
  return row.upSince ? duration(now - Date.parse(row.upSince)) : '–';
}

/** "iris v2". */
export function modelLabel(row: Row): string {
  return row.modelVersion ? `${row.modelName} v${row.modelVersion}` : row.modelName;
}

/** Replicas (ready over desired where the status counts them) and traffic of a Kubernetes server, "" for others. */
export function replicasLabel(row: Row): string {
  const k = row.kubernetes;
  if (!k) return '';
  // A stopped server's REPLICAS says what a start brings back: keep it over "0/0 ready".
  const replicas = k.readyReplicas && /^\d+$/.test(k.replicas) ? `${k.readyReplicas} ready` : k.replicas && `${k.replicas} replicas`;
  return [replicas, k.traffic, k.canaryPercent && `canary ${k.canaryPercent}%`].filter(Boolean).join(' · ');
}
