/**
 * gRPC load generator, run as a child process by the bench (`node --import tsx bench/grpc-load.ts <target>
 * <concurrency> <seconds> <rows-json>`): one grpc-js channel (HTTP/2 multiplexes the calls), `concurrency`
 * ModelInfer calls always in flight, each a [1, 4] FP32 row in raw_input_contents, for `seconds`. Prints one
 * JSON line: calls/s (OK answers only), p50/p99 in ms, failed calls, and its own CPU in % of one core.
 */
import { credentials, loadPackageDefinition, type Client, type ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const PROTO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../src/server/proto/grpc_predict_v2.proto');

const [target, concurrencyArg, secondsArg, rowsArg] = process.argv.slice(2);
const concurrency = Number(concurrencyArg);
const seconds = Number(secondsArg);
const rows = JSON.parse(rowsArg) as number[][];

const definition = loadSync(PROTO, { keepCase: true, longs: Number, enums: String, defaults: true, oneofs: true });
const inference = loadPackageDefinition(definition).inference as unknown as { GRPCInferenceService: new (t: string, c: unknown) => Client };
const client = new inference.GRPCInferenceService(target, credentials.createInsecure()) as Client & Record<string, Function>;

// The requests, built once: one row each, raw little-endian FP32.
const requests = rows.map((row) => ({
  model_name: 'iris',
  inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 4] }],
  raw_input_contents: [Buffer.from(new Float32Array(row).buffer)],
}));

function call(request: unknown): Promise<boolean> {
  return new Promise((resolve) => {
    client.ModelInfer(request, { deadline: Date.now() + 10_000 }, (err: ServiceError | null) => resolve(!err));
  });
}

async function main(): Promise<void> {
  // Warm-up: the channel connects and the server loads its gRPC code on the first connection.
  for (let i = 0; i < 50; i++) await call(requests[i % requests.length]);
  const latencies: number[] = [];
  let failed = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      for (let i = worker; performance.now() < end; i += concurrency) {
        const start = performance.now();
        if (await call(requests[i % requests.length])) latencies.push(performance.now() - start);
        else failed++;
      }
    }),
  );
  const wallS = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] : 0);
  client.close();
  process.stdout.write(
    `${JSON.stringify({ rps: latencies.length / wallS, p50Ms: pct(50), p99Ms: pct(99), failed, clientCpuPct: (100 * (cpu.user + cpu.system)) / 1e6 / wallS })}\n`,
  );
}

await main();
