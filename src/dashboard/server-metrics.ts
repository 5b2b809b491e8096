/**
 * What the dashboard shows of a model server's /metrics: counters read from the Prometheus text the
 * server renders (src/server/metrics.ts), and rates between two readings.
 */

import type { MetricsRates } from './dashboard-types.js';

export type { MetricsRates } from './dashboard-types.js';

/** Cumulative counters of one /metrics reading. */
export interface MetricsReading {
  /** Unix ms when it was read. */
  at: number;
  requests: number;
  /** Requests answered with a status other than 2xx / gRPC OK. */
  errors: number;
  /** Latency histogram: upper bounds (seconds) and cumulative counts, summed over every series. */
  latency: Histogram;
  batch: Histogram;
}

/** Cumulative bucket counts by upper bound (the last bound is +Inf). */
export interface Histogram {
  bounds: number[];
  counts: number[];
  sum: number;
  count: number;
}

// The dashboard's own scrapes and health probes, and everyone else's, are not traffic.
const NOT_TRAFFIC = new Set(['metrics', 'ping', 'health', 'v2_live', 'v2_ready', 'v2_model_ready']);
const LINE = /^([a-zA-Z_:][\w:]*)(?:\{([^}]*)\})?\s+(\S+)/;
const LABEL = /(\w+)="((?:[^"\\]|\\.)*)"/g;

/** Read the counters the dashboard needs from Prometheus text. */
export function parseMetrics(text: string, at: number): MetricsReading {
  const reading: MetricsReading = { at, requests: 0, errors: 0, latency: emptyHistogram(), batch: emptyHistogram() };
  for (const line of text.split('\n')) {
    const m = LINE.exec(line);
    if (!m) continue;
    const [, name, labelText = '', raw] = m;
    const value = Number(raw);
    if (!Number.isFinite(value)) continue;
    const labels = Object.fromEntries([...labelText.matchAll(LABEL)].map((l) => [l[1], l[2]]));
    if (name === 'zenml_server_requests_total') {
      if (NOT_TRAFFIC.has(labels.endpoint ?? '')) continue;
      reading.requests += value;
      if (!/^(2\d\d|OK)$/.test(labels.code ?? '')) reading.errors += value;
    } else if (name.startsWith('zenml_server_request_duration_seconds_')) {
      if (!NOT_TRAFFIC.has(labels.endpoint ?? '')) addHistogramLine(reading.latency, name.slice('zenml_server_request_duration_seconds_'.length), labels, value);
    } else if (name.startsWith('zenml_server_batch_size_')) {
      addHistogramLine(reading.batch, name.slice('zenml_server_batch_size_'.length), labels, value);
    }
  }
  return reading;
}

function emptyHistogram(): Histogram {
  return { bounds: [], counts: [], sum: 0, count: 0 };
}

function addHistogramLine(h: Histogram, suffix: string, labels: Record<string, string>, value: number): void {
  if (suffix === 'sum') h.sum += value;
  else if (suffix === 'count') h.count += value;
  else if (suffix === 'bucket' && labels.le !== undefined) {
    const bound = labels.le === '+Inf' ? Infinity : Number(labels.le);
    let i = h.bounds.indexOf(bound);
    if (i < 0) {
      i = h.bounds.findIndex((b) => b > bound);
      if (i < 0) i = h.bounds.length;
      h.bounds.splice(i, 0, bound);
      h.counts.splice(i, 0, 0);
    }
    h.counts[i] += value;
  }
}

/** Requests/s, latency quantiles, error rate and mean batch size between two readings of one server. */
export function ratesBetween(before: MetricsReading, after: MetricsReading): MetricsRates {
  const seconds = Math.max((after.at - before.at) / 1000, 0.001);
  // A restarted server starts its counters again: the interval is measured from zero then.
  const base = after.requests < before.requests ? undefined : before;
  const requests = after.requests - (base?.requests ?? 0);
  const errors = after.errors - (base?.errors ?? 0);
  const latency = histogramDelta(after.latency, base?.latency);
  const batch = histogramDelta(after.batch, base?.batch);
  return {
    requestsPerSecond: round(requests / seconds, 2),
    p50Ms: quantileMs(latency, 0.5),
    p99Ms: quantileMs(latency, 0.99),
    errorRate: requests > 0 ? round(errors / requests, 4) : null,
    meanBatch: batch.count > 0 ? round(batch.sum / batch.count, 2) : null,
  };
}

function histogramDelta(after: Histogram, before: Histogram | undefined): Histogram {
  if (!before) return after;
  const counts = after.bounds.map((b, i) => after.counts[i] - (before.counts[before.bounds.indexOf(b)] ?? 0));
  return { bounds: after.bounds, counts, sum: after.sum - before.sum, count: after.count - before.count };
}

// As Prometheus' histogram_quantile: linear interpolation inside the bucket the rank falls in.
function quantileMs(h: Histogram, q: number): number | null {
  const total = h.counts[h.counts.length - 1] ?? 0;
  if (total <= 0) return null;
  const rank = q * total;
  const i = h.counts.findIndex((c) => c >= rank);
  const upper = h.bounds[i];
  const lower = i > 0 ? h.bounds[i - 1] : 0;
  if (upper === Infinity) return round(lower * 1000, 2);
  const below = i > 0 ? h.counts[i - 1] : 0;
  const inBucket = h.counts[i] - below;
  const fraction = inBucket > 0 ? (rank - below) / inBucket : 1;
  return round((lower + (upper - lower) * fraction) * 1000, 2);
}

function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
