/**
 * Server metrics: a tiny in-memory registry, plain-data snapshots (so cluster workers can send theirs to the
 * primary and be summed), and a hand-written Prometheus text-format renderer.
 */

type Labels = Record<string, string>;

interface Family {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram';
  buckets?: number[];
}

/** One labelled series: a value, or for histograms cumulative-free bucket counts plus sum and count. */
export interface Series {
  labels: Labels;
  value: number;
  buckets?: number[];
  count?: number;
}

/** Every family's series, as plain data. */
export type MetricsSnapshot = Record<string, Series[]>;

const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256];

const FAMILIES: Family[] = [
  { name: 'zenml_server_requests_total', help: 'Requests by model, endpoint, status code (HTTP status, or gRPC status name) and protocol (http or grpc).', type: 'counter' },
  {
    name: 'zenml_server_request_duration_seconds',
    help: 'Request latency by model, endpoint and protocol.',
    type: 'histogram',
    buckets: LATENCY_BUCKETS,
  },
  { name: 'zenml_server_model_load_seconds', help: 'Time the current version of each model took to load.', type: 'gauge' },
  {
    name: 'zenml_server_batch_size',
    help: 'Requests served by one onnxruntime run (1 when a request ran alone).',
    type: 'histogram',
    buckets: BATCH_BUCKETS,
  },
];

/** The transport a request came over (a label on the request series). */
export type Protocol = 'http' | 'grpc';

/** This process's metrics. */
export interface Metrics {
  /** Records one answered request: code is the HTTP status or the gRPC status name, protocol `http` or `grpc`. */
  observeRequest(model: string, endpoint: string, code: string, seconds: number, protocol: Protocol): void;
  /** Records how many requests one run served. */
  observeBatch(model: string, requests: number): void;
  /** Sets the load time of a model's current version (replacing the previous version's series). */
  setLoadTime(model: string, version: string, seconds: number): void;
  /** A copy of every series. */
  snapshot(): MetricsSnapshot;
}

// Label values never contain a NUL (names are URL-safe; codes and endpoints are ours), so joining
// with it is a unique key, and far cheaper per request than JSON.stringify(Object.entries()).
const keyOf = (labels: Labels) => {
  let key = '';
  for (const name in labels) key += `${name}\u0000${labels[name]}\u0000`;
  return key;
};

function lookup<V>(map: Map<string, V>, key: string, make: () => V): V {
  let v = map.get(key);
  if (v === undefined) map.set(key, (v = make()));
  return v;
}

/** Creates an empty registry. */
export function createMetrics(): Metrics {
  const series = new Map<string, Map<string, Series>>(FAMILIES.map((f) => [f.name, new Map()]));
  const get = (family: string, labels: Labels): Series => {
    const map = series.get(family)!;
    const key = keyOf(labels);
    let s = map.get(key);
    if (!s) {
      const f = FAMILIES.find((x) => x.name === family)!;
      s = { labels, value: 0, ...(f.buckets ? { buckets: f.buckets.map(() => 0), count: 0 } : {}) };
      map.set(key, s);
    }
    return s;
  };
  const add = (s: Series, bounds: number[], v: number) => {
    s.value += v;
    s.count! += 1;
    const i = bounds.findIndex((b) => v <= b);
    if (i >= 0) s.buckets![i]! += 1;
  };
  // Requests find their two series through nested maps keyed by the label values themselves: building a key
  // string per request was 8% of the server's CPU under load. The label values are few (models x endpoints x
  // codes x protocols), so these maps stay small.
  const requestSeries = new Map<string, Map<string, Map<string, Map<string, [Series, Series]>>>>();
  const seriesOfRequest = (model: string, endpoint: string, code: string, protocol: Protocol): [Series, Series] => {
    const byEndpoint = lookup(requestSeries, model, () => new Map());
    const byCode = lookup(byEndpoint, endpoint, () => new Map());
    const byProtocol = lookup(byCode, code, () => new Map());
    return lookup(byProtocol, protocol, () => [
      get('zenml_server_requests_total', { model, endpoint, code, protocol }),
      get('zenml_server_request_duration_seconds', { model, endpoint, protocol }),
    ]);
  };
  const batchSeries = new Map<string, Series>();
  return {
    observeRequest(model, endpoint, code, seconds, protocol) {
      const [total, duration] = seriesOfRequest(model, endpoint, code, protocol);
      total.value += 1;
      add(duration, LATENCY_BUCKETS, seconds);
    },
    observeBatch: (model, requests) =>
      add(lookup(batchSeries, model, () => get('zenml_server_batch_size', { model })), BATCH_BUCKETS, requests),
    setLoadTime(model, version, seconds) {
      const map = series.get('zenml_server_model_load_seconds')!;
      for (const [key, s] of map) if (s.labels.model === model) map.delete(key);
      get('zenml_server_model_load_seconds', { model, version }).value = seconds;
    },
    snapshot: () => Object.fromEntries([...series].map(([name, map]) => [name, structuredClone([...map.values()])])),
  };
}

/** Sums several processes' snapshots; gauges take the largest value. */
export function mergeSnapshots(snapshots: MetricsSnapshot[]): MetricsSnapshot {
  const merged: MetricsSnapshot = {};
  for (const f of FAMILIES) {
    const byKey = new Map<string, Series>();
    for (const snap of snapshots) {
      for (const s of snap[f.name] ?? []) {
        const key = keyOf(s.labels);
        const have = byKey.get(key);
        if (!have) byKey.set(key, structuredClone(s));
        else if (f.type === 'gauge') have.value = Math.max(have.value, s.value);
        else {
          have.value += s.value;
          if (have.count !== undefined) have.count += s.count ?? 0;
          have.buckets?.forEach((_, i) => (have.buckets![i]! += s.buckets?.[i] ?? 0));
        }
      }
    }
    merged[f.name] = [...byKey.values()];
  }
  return merged;
}

// Prometheus label values escape backslash, double quote and newline.
const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

function labelText(labels: Labels, extra?: [string, string]): string {
  const pairs = Object.entries(labels);
  if (extra) pairs.push(extra);
  return pairs.length === 0 ? '' : `{${pairs.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}`;
}

const num = (v: number) => (Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(15))));

/** Renders a snapshot in the Prometheus text exposition format (version 0.0.4). */
export function renderPrometheus(snapshot: MetricsSnapshot): string {
  const lines: string[] = [];
  for (const f of FAMILIES) {
    lines.push(`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} ${f.type}`);
    for (const s of snapshot[f.name] ?? []) {
      if (f.type !== 'histogram') {
        lines.push(`${f.name}${labelText(s.labels)} ${num(s.value)}`);
        continue;
      }
      let cumulative = 0;
      f.buckets!.forEach((bound, i) => {
        cumulative += s.buckets?.[i] ?? 0;
        lines.push(`${f.name}_bucket${labelText(s.labels, ['le', String(bound)])} ${cumulative}`);
      });
      lines.push(`${f.name}_bucket${labelText(s.labels, ['le', '+Inf'])} ${s.count ?? 0}`);
      lines.push(`${f.name}_sum${labelText(s.labels)} ${num(s.value)}`);
      lines.push(`${f.name}_count${labelText(s.labels)} ${s.count ?? 0}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
