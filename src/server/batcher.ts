/**
 * Adaptive batching: concurrent requests for one model are stacked along dimension 0, run once, and split back.
 *
 * Why it is on by default (config `batching.enabled: true`, maxBatchSize 1024, maxWaitMs 2): onnxruntime-node runs a
 * session synchronously on the event loop, so each run has a fixed cost that batching amortises, and under load
 * requests pile up behind the running one anyway. A lone request waits for nothing but the end of the current
 * event-loop turn (one setImmediate, microseconds): requests that arrived in the same turn — the streams one read
 * of an HTTP/2 connection carries, the connections one poll wakes up for — then go out in one run and are answered
 * in the same tick, so HTTP/2 sends their answers in one write instead of one write each. Requests that arrive
 * while a run is in flight are queued; they go out as soon as that run finishes, or after maxWaitMs, or when
 * maxBatchSize rows are waiting, whichever comes first.
 *
 * Why 1024 rows: requests of many rows gain from sharing a run as one-row requests do. On the iris model a run costs
 * ~15 µs at one row and ~35 µs at 1,024, against ~22 µs at 256, so four 256-row requests in one run cost less than
 * half of what they cost alone, and served 256-row binary requests went 1.7× faster than with the old cap of 32 rows
 * (which made every request of more than 16 rows run alone; docs/performance.md). Past ~1,024 rows a run's cost grows
 * with its rows, so a larger cap gains little (4,096: +8% more, within the noise) while holding more memory per run.
 */
import { allocateLike } from './dtypes.js';
import type { Tensor, TensorMap } from './model-session.js';

/** Options for {@link createBatcher}. */
export interface BatcherOptions {
  /** Most rows stacked into one run; a larger single request still runs, alone. */
  maxBatchSize: number;
  /** Longest a queued request waits for a running batch to finish before it is dispatched anyway. */
  maxWaitMs: number;
  /** Runs the session once. */
  run: (feeds: TensorMap) => Promise<TensorMap>;
  /** Told how many requests each run served (for the batch size histogram). */
  onRun?: (requests: number) => void;
}

/** Queues feeds and answers each caller with its own rows of the outputs. */
export interface Batcher {
  /** Runs the feeds, possibly together with other callers' feeds. */
  submit(feeds: TensorMap): Promise<TensorMap>;
}

interface Pending {
  feeds: TensorMap;
  rows: number;
  key: string;
  resolve: (out: TensorMap) => void;
  reject: (err: unknown) => void;
}

// Requests can share a run only if every input agrees on everything but dim 0 (and on its element type).
function stackKey(feeds: TensorMap): string {
  const names = Object.keys(feeds);
  if (names.length > 1) names.sort();
  let key = '';
  for (const name of names) {
    const t = feeds[name]!;
    key += `${name}:${t.type}:`;
    for (let d = 1; d < t.dims.length; d += 1) key += `${t.dims[d]}x`;
    key += '|';
  }
  return key;
}

// Rows of a request: dim 0, when every input agrees on it; undefined otherwise (then it runs alone).
function rowsOf(feeds: TensorMap): number | undefined {
  let rows: number | undefined;
  for (const name in feeds) {
    const first = feeds[name]!.dims[0];
    if (first === undefined || (rows !== undefined && first !== rows)) return undefined;
    rows = first;
  }
  return rows !== undefined && rows > 0 ? rows : undefined;
}

function concat(parts: Tensor[], rows: number): Tensor {
  const first = parts[0]!;
  const data = allocateLike(first.type, parts.reduce((n, p) => n + p.data.length, 0));
  let offset = 0;
  for (const p of parts) {
    if (Array.isArray(data)) (p.data as string[]).forEach((v, i) => (data[offset + i] = v));
    else (data as Float32Array).set(p.data as Float32Array, offset);
    offset += p.data.length;
  }
  return { type: first.type, dims: [rows, ...first.dims.slice(1)], data };
}

// A request's rows of a batch output: a view on the batch's typed array (answers only read it), a copy for strings.
function slice(t: Tensor, startRow: number, rows: number, totalRows: number): Tensor {
  const perRow = t.data.length / totalRows;
  const start = startRow * perRow;
  const end = start + rows * perRow;
  const data = (Array.isArray(t.data) ? t.data.slice(start, end) : t.data.subarray(start, end)) as Tensor['data'];
  const dims = t.dims.slice();
  dims[0] = rows;
  return { type: t.type, dims, data };
}

/** Creates a batcher for one loaded model (the model must be `batchable`). */
export function createBatcher(options: BatcherOptions): Batcher {
  const queue: Pending[] = [];
  let running = 0;
  let timer: NodeJS.Timeout | undefined;
  let immediate: NodeJS.Immediate | undefined;
  let queuedRows = 0;

  const runGroup = async (group: Pending[]): Promise<void> => {
    running += 1;
    try {
      const totalRows = group.reduce((n, p) => n + p.rows, 0);
      const names = Object.keys(group[0]!.feeds);
      const feeds: TensorMap = {};
      for (const name of names) feeds[name] = group.length === 1 ? group[0]!.feeds[name]! : concat(group.map((p) => p.feeds[name]!), totalRows);
      options.onRun?.(group.length);
      const out = await options.run(feeds);
      if (group.length === 1) return group[0]!.resolve(out);
      // A model that declared a dynamic dim 0 but returns something else cannot be split: rerun each alone.
      if (!Object.values(out).every((t) => t.dims[0] === totalRows)) {
        for (const p of group) options.run(p.feeds).then(p.resolve, p.reject);
        return;
      }
      let row = 0;
      for (const p of group) {
        const mine: TensorMap = {};
        for (const [name, t] of Object.entries(out)) mine[name] = slice(t, row, p.rows, totalRows);
        row += p.rows;
        p.resolve(mine);
      }
    } catch (err) {
      // One request's values can make a run fail (an index out of range, say); rerun a failed batch one request
      // at a time so only the culprit gets the error.
      if (group.length === 1) group[0]!.reject(err);
      else for (const p of group) options.run(p.feeds).then(p.resolve, p.reject);
    } finally {
      running -= 1;
      if (queue.length > 0) flush();
    }
  };

  const flush = (): void => {
    if (timer !== undefined) clearTimeout(timer);
    if (immediate !== undefined) clearImmediate(immediate);
    timer = undefined;
    immediate = undefined;
    queuedRows = 0;
    // Groups in arrival order of their first request; each takes the later requests that stack with it while they fit.
    let rest = queue.splice(0);
    while (rest.length > 0) {
      const head = rest[0]!;
      const group = [head];
      const left: Pending[] = [];
      let rows = head.rows;
      for (let i = 1; i < rest.length; i += 1) {
        const next = rest[i]!;
        if (next.key === head.key && rows + next.rows <= options.maxBatchSize) {
          group.push(next);
          rows += next.rows;
        } else left.push(next);
      }
      rest = left;
      void runGroup(group);
    }
  };

  return {
    submit(feeds) {
      const rows = rowsOf(feeds);
      if (rows === undefined) {
        options.onRun?.(1);
        return options.run(feeds);
      }
      return new Promise<TensorMap>((resolve, reject) => {
        const pending: Pending = { feeds, rows, key: stackKey(feeds), resolve, reject };
        queue.push(pending);
        queuedRows += rows;
        if (queuedRows >= options.maxBatchSize) flush();
        else if (running === 0) immediate ??= setImmediate(flush);
        else if (timer === undefined) timer = setTimeout(flush, options.maxWaitMs);
      });
    },
  };
}
