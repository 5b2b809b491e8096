/**
 * The limits of the 256-row points: how far binary tensors can get ahead of JSON at all, measured in the same run.
 * Each encoding's limit is a bare node:http server that reads the 256-row request, spends the CPU time of that
 * request's unavoidable work (its share of an onnxruntime run; for JSON also V8's `JSON.parse` of the request and
 * `JSON.stringify` of the answer, the cost of a server that does nothing else with JSON) and answers the bytes the
 * served server answered. Binary has no JSON time. The ratio of the two limits is the most binary rows/s can gain
 * over JSON rows/s on this machine with a JSON path as fast as V8's own.
 *
 * A request's share of a run: the server's batcher stacks concurrent requests up to its default cap of rows
 * (`maxBatchSize`, src/server/config.ts), so under wrk's 32 connections four 256-row requests share one run of
 * 1,024 rows; the limit spins a quarter of that run, not a whole 256-row run per request.
 *
 * Why a server that spins rather than 1 / (1/floor + 1/work), the one-row figures' serial limit: on this VM the
 * floor's own cost per request grows as its rate falls (each answer then wakes a load generator that went to sleep),
 * so that sum overstates what one loop reaches at 256 rows: a bare floor spinning 17 µs per answer served
 * 22,400–26,500 req/s where the sum gave 31,200 (docs/performance.md).
 */
import { summarize, type Summary } from './stats.js';
import type { LoadPoint } from './throughput.js';

/** What the limits of the 256-row points were made of, and the limits. */
export interface BatchLimits {
  rows: number;
  /**
   * Rows of each measured onnxruntime run: the server's batch of `runRows / rows` requests. Absent in results
   * written before 256-row requests shared runs, whose runs were of `rows` rows.
   */
  runRows?: number;
  /** In-process onnxruntime runs of `runRows` rows. */
  ortRunsPerS: Summary;
  /** µs per request of V8's JSON.parse (request) + JSON.stringify (answer). */
  jsonCodecUs: Summary;
  /** The floors that spin each encoding's work per request (the limits), alternated under wrk. */
  jsonLimit: LoadPoint;
  binaryLimit: LoadPoint;
  /** binaryLimit / jsonLimit, the median of the alternated pairs: the ceiling of the served binary/JSON ratio. */
  binaryOverJsonLimit: number;
  /** The served figures (medians) over their limits (medians). */
  jsonOverLimit: number;
  binaryOverLimit: number;
}

/**
 * µs per request of V8's own JSON work for one request and its answer, in this process: `windows` windows of about
 * `seconds` each (after a warm-up), each the mean over its calls.
 */
export function jsonCodecUs(request: Buffer, answer: Buffer, seconds: number, windows: number): Summary {
  const answerObject: unknown = JSON.parse(answer.toString());
  let sink = 0;
  const once = () => {
    sink += (JSON.parse(request.toString()) as { inputs: unknown[] }).inputs.length;
    sink += JSON.stringify(answerObject).length;
  };
  const warmEnd = performance.now() + Math.min(1000, seconds * 200);
  while (performance.now() < warmEnd) once();
  const means: number[] = [];
  for (let w = 0; w < windows; w++) {
    let calls = 0;
    const start = performance.now();
    const end = start + seconds * 1000;
    while (performance.now() < end) {
      for (let i = 0; i < 16; i++) once();
      calls += 16;
    }
    means.push(((performance.now() - start) * 1000) / calls);
  }
  if (sink === 0) throw new Error('jsonCodecUs: nothing parsed');
  return summarize(means, 'µs');
}

/** The µs each limit server spins per request: its share of a run, and for JSON V8's JSON work too. */
export function spinMicros(limits: Pick<BatchLimits, 'rows' | 'runRows' | 'ortRunsPerS' | 'jsonCodecUs'>): { json: number; binary: number } {
  const ortUs = 1e6 / limits.ortRunsPerS.median / ((limits.runRows ?? limits.rows) / limits.rows);
  return { json: ortUs + limits.jsonCodecUs.median, binary: ortUs };
}

/** The limits and the served 256-row figures set against them. */
export function batchLimits(
  parts: { rows: number; runRows: number; ortRunsPerS: Summary; jsonCodecUs: Summary; jsonLimit: LoadPoint; binaryLimit: LoadPoint; limitRatio: Summary },
  served: { json: number; binary: number },
): BatchLimits {
  const { limitRatio, ...measured } = parts;
  return {
    ...measured,
    binaryOverJsonLimit: limitRatio.median,
    jsonOverLimit: served.json / parts.jsonLimit.rps.median,
    binaryOverLimit: served.binary / parts.binaryLimit.rps.median,
  };
}
