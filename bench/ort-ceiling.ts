/**
 * The ceiling of figure 3, run as a child process: one onnxruntime-node session on the iris model
 * (the session options the model server uses), sequential `session.run` calls of one row (or of
 * `rows per run` rows: the rows repeated) in fixed windows. Prints one JSON line: runs/s and per-run
 * latency of every window.
 *
 *   node --import tsx bench/ort-ceiling.ts <model.onnx> <seconds per window> <windows> '<rows as JSON>' [rows per run]
 */
import { availableParallelism } from 'node:os';
import ort from 'onnxruntime-node';

/** One measurement window. */
export interface OrtWindow {
  runs: number;
  runsPerS: number;
  p50Ms: number;
  p99Ms: number;
  /** CPU of this process over the window, % of one core (onnxruntime's spinning threads included). */
  cpuPct: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function main(): Promise<void> {
  const [model, secondsArg, windowsArg, rowsArg, perRunArg = '1'] = process.argv.slice(2);
  const seconds = Number(secondsArg);
  const windows = Number(windowsArg);
  const rows = JSON.parse(rowsArg) as number[][];
  const perRun = Number(perRunArg);
  // The server's options with one worker, except that onnxruntime's threads keep spinning between runs (its
  // default): the server turns spinning off (it would take the cores its event loop needs), but for sequential
  // in-process runs spinning is fastest, and the ceiling must be the best in-process figure, not a lowered one.
  const session = await ort.InferenceSession.create(model, {
    executionProviders: ['cpu'],
    intraOpNumThreads: availableParallelism(),
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
  });
  const inputName = session.inputNames[0];
  // A fresh tensor over a fresh copy per call, as a server builds one from each request's bytes.
  const inputs = rows.map((_, i) => Float32Array.from(Array.from({ length: perRun }, (_, k) => rows[(i + k) % rows.length]).flat()));
  const feed = (i: number) => ({ [inputName]: new ort.Tensor('float32', inputs[i % inputs.length].slice(), [perRun, 4]) });
  const warmupEnd = performance.now() + Math.min(1000, seconds * 200);
  for (let i = 0; performance.now() < warmupEnd; i++) await session.run(feed(i));

  const results: OrtWindow[] = [];
  for (let w = 0; w < windows; w++) {
    const latencies: number[] = [];
    const cpu0 = process.cpuUsage();
    const start = performance.now();
    const end = start + seconds * 1000;
    // Bounded by time and by count.
    for (let i = 0; i < 50_000_000; i++) {
      const t0 = performance.now();
      await session.run(feed(i));
      const t1 = performance.now();
      latencies.push(t1 - t0);
      if (t1 >= end) break;
    }
    const elapsed = (performance.now() - start) / 1000;
    const cpu = process.cpuUsage(cpu0);
    latencies.sort((a, b) => a - b);
    const cpuPct = (100 * (cpu.user + cpu.system)) / 1e6 / elapsed;
    results.push({ runs: latencies.length, runsPerS: latencies.length / elapsed, p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99), cpuPct });
  }
  await session.release();
  process.stdout.write(`${JSON.stringify({ windows: results })}\n`);
}

await main();
