/**
 * Figure 3, throughput and latency: autocannon against a `local` deployment's two prediction
 * endpoints (batching on and off) at 1, 8 and 32 connections, against the in-process onnxruntime
 * ceiling; with peers, against `mlflow models serve`, MLServer and KServe's model server serving the scikit-learn
 * model.
 */
import path from 'node:path';
import { irisRows, mlflowBodies, v2BatchBodies, v2BinaryBodies, v2Bodies } from './iris-requests.js';
import { firstSuccess, runLoad, type LoadTarget } from './load.js';
import type { BenchOptions } from './options.js';
import { treeCpuSeconds } from './proc-stats.js';
import { runChild, stopGroup } from './processes.js';
import { IRIS_ONNX, REPO_ROOT, type BenchProject } from './project.js';
import type { PythonEnvs } from './python-envs.js';
import { startKserve, startMlflowServe, startMlserver, trainKserveModel, trainMlflowModel, trainMlserverModel, type GrpcPeerServer, type PeerServer } from './python-servers.js';
import { ratio, summarize, type Summary } from './stats.js';
import { findGhz, runGhz } from './ghz.js';
import { reapedChildrenCpuSeconds, runWrk, wrkPointOf, wrkVersion, WRK_HINT, type WrkRun, type WrkTarget } from './wrk.js';
import { checkGrpcOk, grpcInferBody, h2Point, serialLimit, startFloorServer, startNginx, type FloorServer, type H2Point } from './floors.js';
import { h2loadVersion, H2LOAD_HINT, type H2Target } from './h2load.js';
import { pairedRounds, type CeilingWindow, type PairedResult, type PairedRound } from './paired-rounds.js';
import { BATCHING_DEFAULTS } from '../src/server/config.js';
import { batchLimits, jsonCodecUs, spinMicros, type BatchLimits } from './batch-limits.js';

/** One connection count against one endpoint. */
export interface LoadPoint {
  connections: number;
  rps: Summary;
  p50: Summary;
  p99: Summary;
  /** Summed over the repeats: anything but 0 makes the point suspect. */
  non2xx: number;
  errors: number;
  /** Server CPU (with its children) in % of one core: near 100 × its processes means the server is the bottleneck. */
  serverCpu?: Summary;
  /** Load generator CPU in % of one core: near 100 means autocannon is the bottleneck. */
  clientCpu: Summary;
}

/** The in-process ceiling. */
export interface Ceiling {
  runsPerS: Summary;
  /** Runs per CPU-second of the measuring process (its onnxruntime threads included). */
  runsPerCpuS?: Summary;
  p50: Summary;
  p99: Summary;
}

type Skipped = { skipped: string };

/** wrk's points: one per protocol, at the highest connection count. */
export interface WrkResult {
  version: string;
  threads: number;
  points: Record<string, LoadPoint>;
}

// One thread: the server runs one node worker; a second wrk thread only takes CPU from it on 2 cores.
const WRK_THREADS = 1;

/** What figure 3 measured. */
export interface ThroughputResult {
  durationS: number;
  repeats: number;
  ceiling: Ceiling;
  local: {
    batching: { invocations: LoadPoint[]; v2: LoadPoint[] };
    noBatching: { invocations: LoadPoint[]; v2: LoadPoint[] };
  };
  /**
   * wrk at the highest connection count against the batching deployment (the default settings): a C load
   * generator that leaves the server more of a 2-core machine than autocannon does.
   */
  wrk?: WrkResult | Skipped;
  /** gRPC ModelInfer (raw_input_contents) at every connection count, against the batching deployment. */
  grpc?: LoadPoint[] | Skipped;
  /** What generated the gRPC load: ghz when installed, else the grpc-js loop of bench/grpc-load.ts. */
  grpcClient?: string;
  /** wrk, requests of many rows: binary tensors req/s over v2 JSON req/s, the median of alternated pairs (the issue: binary payloads should beat JSON). */
  binaryOverJsonBatch?: number;
  /** The limits of the two 256-row points (floors spinning their work) and what they are made of (bench/batch-limits.ts). */
  batchLimits?: BatchLimits;
  /** Served requests/s over in-process runs/s, per variant, at the highest connection count (`wrk.*`: wrk's figures). */
  overCeiling: Record<string, number | undefined>;
  /**
   * The machine's limits, measured in this run with the same load generators: nginx and bare node:http under wrk
   * (32 connections, one row's worth of JSON), bare node:http2 with gRPC framing and bare grpc-js under h2load
   * (8 connections × 4 streams). bench/floors.ts.
   */
  floors?: {
    nginx: LoadPoint | Skipped;
    nginxVersion?: string;
    nodeHttp: LoadPoint | Skipped;
    nodeHttp2Grpc: H2Point | Skipped;
    grpcJs: H2Point | Skipped;
    h2load?: string;
  };
  /** Serial limits of one event loop, 1 / (1/floor + 1/onnxruntime), req/s: `http`, `http2` and `grpcJs` floors. */
  limits?: Record<'http' | 'http2' | 'grpcJs', number | undefined>;
  /**
   * The same limits and ratios per CPU-second of the server (req/s over its CPU share): on a machine shared with
   * other work a server gets what the scheduler gives it, and requests per CPU-second are what it does with that.
   */
  limitsPerCpu?: Record<'http' | 'http2' | 'grpcJs', number | undefined>;
  overLimitPerCpu?: Record<string, number | undefined>;
  /** Served gRPC ModelInfer under h2load (raw contents, one row), the same shape as the gRPC floors. */
  grpcH2load?: H2Point | Skipped;
  /**
   * Each served figure over its serial limit: `wrk.invocations`, `wrk.v2`, `wrk.v2Binary` over `limits.http`;
   * `grpc` (h2load) over `limits.http2` and `grpc.overGrpcJs` over `limits.grpcJs`.
   */
  overLimit?: Record<string, number | undefined>;
  /**
   * The rounds behind the goal ratios (bench/paired-rounds.ts): each loads node's floors, the ceiling and the served
   * one-row endpoints back to back; `overLimit` and `overLimitPerCpu` (but `grpc.overGrpcJs`) are the medians of the
   * rounds' ratios, and the node floors, `wrk` one-row points and `grpcH2load` summarise the rounds' runs.
   */
  pairedRounds?: PairedRound[];
  peers?: {
    mlflowServe: LoadPoint[] | Skipped;
    mlserver: LoadPoint[] | Skipped;
    /** Our /invocations (batching on) over mlflow's, at the highest connection count. */
    localOverMlflowServe?: number;
    /** Our v2 (batching on) over MLServer's v2, at the highest connection count. */
    localOverMlserver?: number;
    /**
     * KServe's Python model server (bench/kserve_iris_server.py, kserve 0.20.0, one uvicorn worker) on v2 REST
     * `/v2/models/iris/infer` with our v2 JSON bodies (`[1, 4]` FP32 tensor named `input`), under autocannon at every
     * connection count.
     */
    kserveRest?: LoadPoint[] | Skipped;
    /** The same KServe REST endpoint under wrk at the highest connection count; measured when wrk measured ours. */
    kserveRestWrk?: LoadPoint | Skipped;
    /**
     * KServe's gRPC ModelInfer under h2load with the shape and request of our served gRPC point (`grpcH2load`: 8
     * connections × 4 streams, one raw FP32 row), after a check that it answers grpc-status 0.
     */
    kserveGrpc?: H2Point | Skipped;
    /**
     * Our v2 JSON (batching on) over KServe's v2 REST at the highest connection count, with the same load generator on
     * both sides: wrk (`wrk.points.v2` over `kserveRestWrk`) when wrk measured both, else autocannon
     * (`local.batching.v2` over `kserveRest`). `localOverKserveRestBy` says which.
     */
    localOverKserveRest?: number;
    localOverKserveRestBy?: 'wrk' | 'autocannon';
    /** Our served gRPC ModelInfer over KServe's, both under h2load (`grpcH2load` over `kserveGrpc`). */
    localOverKserveGrpc?: number;
  };
}

const ROWS = irisRows();
/** Rows per request of the batch points (wrk only). */
const BATCH_ROWS = 256;
/** Most rows the served server stacks into one run (its default batching.maxBatchSize). */
const SERVER_BATCH_ROWS = BATCHING_DEFAULTS.maxBatchSize;
// Set by grpcPoints: which load generator the gRPC figures come from.
let grpcClient: string | undefined;

/** Runs of every connection count against one target (after a short warm-up). */
async function loadPoints(target: LoadTarget, options: BenchOptions, log: (m: string) => void, label: string): Promise<LoadPoint[]> {
  await runLoad(target, options.connections[options.connections.length - 1], Math.min(2, options.duration));
  const points: LoadPoint[] = [];
  for (const connections of options.connections) {
    const runs = [];
    for (let i = 0; i < options.repeats; i++) runs.push(await runLoad(target, connections, options.duration));
    const point: LoadPoint = {
      connections,
      rps: summarize(runs.map((r) => r.rps), 'req/s'),
      p50: summarize(runs.map((r) => r.p50Ms), 'ms'),
      p99: summarize(runs.map((r) => r.p99Ms), 'ms'),
      non2xx: runs.reduce((a, r) => a + r.non2xx, 0),
      errors: runs.reduce((a, r) => a + r.errors + r.timeouts, 0),
      serverCpu: target.pid ? summarize(runs.map((r) => r.serverCpuPct ?? 0), '%') : undefined,
      clientCpu: summarize(runs.map((r) => r.clientCpuPct), '%'),
    };
    logPoint(log, label, point, 'client');
    points.push(point);
  }
  return points;
}

/** `options.repeats` wrk runs at `connections` against one target (after a short warm-up), as a LoadPoint. */
async function wrkPoint(target: WrkTarget, connections: number, options: BenchOptions, log: (m: string) => void, label: string): Promise<LoadPoint> {
  await runWrk(target, connections, Math.min(2, options.duration), WRK_THREADS);
  const runs: WrkRun[] = [];
  for (let i = 0; i < options.repeats; i++) runs.push(await runWrk(target, connections, options.duration, WRK_THREADS));
  const point = wrkPointOf(runs, connections, target.pid !== undefined);
  logPoint(log, `wrk ${label}`, point, 'wrk');
  return point;
}

/** The progress line of one load point; `client` names the load generator's CPU share. */
function logPoint(log: (m: string) => void, label: string, point: LoadPoint, client: string): void {
  log(`${label} @${point.connections}: ${Math.round(point.rps.median)} req/s, p50 ${point.p50.median} ms, p99 ${point.p99.median} ms, server CPU ${point.serverCpu?.median ?? '?'}%, ${client} CPU ${point.clientCpu.median}%`);
}

/**
 * Two wrk targets in alternation (a then b, then b then a, …), `options.repeats` runs each: their points, and the
 * median of the per-pair ratios b/a, so that the host's drift between two runs of minutes apart is not in the ratio.
 */
async function alternatedWrkPoints(
  [a, b]: [WrkTarget, WrkTarget],
  connections: number,
  options: BenchOptions,
  log: (m: string) => void,
  [labelA, labelB]: [string, string],
): Promise<{ a: LoadPoint; b: LoadPoint; ratio: Summary }> {
  for (const t of [a, b]) await runWrk(t, connections, Math.min(2, options.duration), WRK_THREADS);
  const runsA: WrkRun[] = [];
  const runsB: WrkRun[] = [];
  for (let i = 0; i < options.repeats; i++) {
    if (i % 2 === 0) runsA.push(await runWrk(a, connections, options.duration, WRK_THREADS));
    runsB.push(await runWrk(b, connections, options.duration, WRK_THREADS));
    if (i % 2 === 1) runsA.push(await runWrk(a, connections, options.duration, WRK_THREADS));
  }
  const points = { a: wrkPointOf(runsA, connections, a.pid !== undefined), b: wrkPointOf(runsB, connections, b.pid !== undefined) };
  logPoint(log, `wrk ${labelA}`, points.a, 'wrk');
  logPoint(log, `wrk ${labelB}`, points.b, 'wrk');
  const ratio = summarize(runsB.map((r, i) => r.rps / runsA[i]!.rps), '×');
  log(`wrk ${labelB} / ${labelA}, pair by pair: ${runsB.map((r, i) => (r.rps / runsA[i]!.rps).toFixed(2)).join(', ')}×`);
  return { ...points, ratio };
}

/** The binary tensor data extension request as a wrk target. */
function binaryTarget(url: string, pid: number): WrkTarget {
  const bodies = v2BinaryBodies(ROWS);
  return {
    url,
    bodies: bodies.map((b) => b.body),
    headers: { 'content-type': 'application/octet-stream' },
    bodyHeaders: bodies.map((b) => ({ 'inference-header-content-length': String(b.headerLength) })),
    pid,
  };
}

/** gRPC ModelInfer at every connection count (concurrent calls on one channel), each point `repeats` child runs. */
async function grpcPoints(target: string, pid: number, options: BenchOptions, log: (m: string) => void): Promise<LoadPoint[]> {
  const ghz = findGhz();
  grpcClient = ghz ? `ghz (${ghz})` : 'grpc-js (bench/grpc-load.ts)';
  if (!ghz) log('ghz not found (go install github.com/bojand/ghz/cmd/ghz@v0.120.0): gRPC load from a grpc-js client, which is slower per call than the server');
  const viaGhz = async (concurrency: number, seconds: number) => {
    const client0 = reapedChildrenCpuSeconds();
    const t0 = performance.now();
    const r = await runGhz(ghz!, target, ROWS[0], concurrency, seconds, pid);
    return { ...r, clientCpuPct: (100 * (reapedChildrenCpuSeconds() - client0)) / ((performance.now() - t0) / 1000) };
  };
  if (ghz) await viaGhz(options.connections[options.connections.length - 1], Math.min(2, options.duration));
  const run = ghz ? viaGhz : async (concurrency: number, seconds: number) => {
    const server0 = treeCpuSeconds(pid);
    const t0 = performance.now();
    const r = await runChild(
      process.execPath,
      ['--import', 'tsx', path.join(REPO_ROOT, 'bench', 'grpc-load.ts'), target, String(concurrency), String(seconds), JSON.stringify(ROWS)],
      { cwd: REPO_ROOT, env: process.env, timeoutMs: (seconds + 60) * 1000 },
    );
    const wallS = (performance.now() - t0) / 1000;
    if (r.code !== 0) throw new Error(`grpc-load failed: ${r.stderr.slice(-1500)}`);
    const out = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { rps: number; p50Ms: number; p99Ms: number; failed: number; clientCpuPct: number };
    // The server's CPU over the child's whole life (its warm-up included): a slight overestimate.
    return { ...out, serverCpuPct: (100 * (treeCpuSeconds(pid) - server0)) / wallS };
  };
  const points: LoadPoint[] = [];
  for (const connections of options.connections) {
    const runs = [];
    for (let i = 0; i < options.repeats; i++) runs.push(await run(connections, options.duration));
    const point: LoadPoint = {
      connections,
      rps: summarize(runs.map((r) => r.rps), 'req/s'),
      p50: summarize(runs.map((r) => r.p50Ms), 'ms'),
      p99: summarize(runs.map((r) => r.p99Ms), 'ms'),
      non2xx: runs.reduce((a, r) => a + r.failed, 0),
      errors: 0,
      serverCpu: summarize(runs.map((r) => r.serverCpuPct), '%'),
      clientCpu: summarize(runs.map((r) => r.clientCpuPct), '%'),
    };
    log(`gRPC ModelInfer @${connections}: ${Math.round(point.rps.median)} calls/s, p50 ${point.p50.median} ms, p99 ${point.p99.median} ms, server CPU ${point.serverCpu?.median}%, client CPU ${point.clientCpu.median}%`);
    points.push(point);
  }
  return points;
}

const GRPC_PATH = '/inference.GRPCInferenceService/ModelInfer';

/** Runs `measure` against a floor server, stopping it afterwards; a server that cannot start is a skipped point. */
async function withFloor<T>(start: () => Promise<FloorServer | undefined>, absent: string, measure: (s: FloorServer) => Promise<T>): Promise<T | Skipped> {
  let server: FloorServer | undefined;
  try {
    server = await start();
    if (!server) return { skipped: absent };
    return await measure(server);
  } catch (error) {
    return { skipped: (error as Error).message.slice(0, 800) };
  } finally {
    await server?.stop();
  }
}

/** nginx and grpc-js, the floors that are not node's own (bench/floors.ts), each server alone on the machine while it is loaded. */
async function measureFloors(options: BenchOptions, log: (m: string) => void): Promise<NonNullable<ThroughputResult['floors']>> {
  const top = options.connections[options.connections.length - 1]!;
  const json = { 'content-type': 'application/json' };
  const body = [Buffer.from(v2Bodies(ROWS, 'input', 'FP32')[0]!)];
  const wrk = wrkVersion();
  const h2load = h2loadVersion();
  let nginxVersion: string | undefined;
  const httpFloor = (start: () => Promise<FloorServer | undefined>, absent: string, label: string) =>
    wrk ? withFloor(start, absent, (s) => wrkPoint({ url: `http://127.0.0.1:${s.port}/`, bodies: body, headers: json, pid: s.pid }, top, options, log, label)) : Promise.resolve({ skipped: WRK_HINT });
  const grpcFloor = async (mode: 'h2grpc' | 'grpcjs', label: string) => {
    if (!h2load) return { skipped: H2LOAD_HINT };
    return withFloor(() => startFloorServer(mode), '', async (s) => {
      const target = { url: `http://127.0.0.1:${s.port}${GRPC_PATH}`, body: grpcInferBody(ROWS[0]!), pid: s.pid };
      await checkGrpcOk(target.url, target.body);
      const point = await h2Point(target, options.duration, options.repeats);
      log(`h2load ${label}: ${Math.round(point.rps.median)} calls/s, mean ${point.meanMs.median} ms, server CPU ${point.serverCpu?.median}%, h2load CPU ${point.clientCpu.median}%`);
      return point;
    });
  };
  const nginx = await httpFloor(
    async () => {
      const s = await startNginx();
      nginxVersion = s?.version;
      return s;
    },
    'nginx is not installed (Debian/Ubuntu: `sudo apt-get install -y nginx-light`)',
    'nginx floor',
  );
  const grpcJs = await grpcFloor('grpcjs', 'grpc-js floor');
  // node's own floors are measured in the paired rounds, beside the served figures they bound (paired-rounds.ts).
  const nodeHttp = { skipped: wrk ? 'not measured' : WRK_HINT };
  const nodeHttp2Grpc = { skipped: h2load ? 'not measured' : H2LOAD_HINT };
  return { nginx, nginxVersion, nodeHttp, nodeHttp2Grpc, grpcJs, h2load };
}

/**
 * The paired rounds of the goal ratios (bench/paired-rounds.ts): node's http floor (and its http2 gRPC floor, when
 * the served gRPC is measured) started beside the served deployment, then `options.repeats` rounds.
 */
async function withPairedFloors(
  served: { invocations: WrkTarget; v2: WrkTarget; v2Binary: WrkTarget; grpc?: H2Target },
  options: BenchOptions,
  log: (m: string) => void,
): Promise<PairedResult> {
  const top = options.connections[options.connections.length - 1]!;
  const floors: FloorServer[] = [];
  try {
    const http = await startFloorServer('http');
    floors.push(http);
    const http2 = served.grpc ? await startFloorServer('h2grpc') : undefined;
    if (http2) floors.push(http2);
    const http2Floor = http2 ? { url: `http://127.0.0.1:${http2.port}${GRPC_PATH}`, body: grpcInferBody(ROWS[0]!), pid: http2.pid } : undefined;
    if (http2Floor) await checkGrpcOk(http2Floor.url, http2Floor.body);
    const httpFloor = { url: `http://127.0.0.1:${http.port}/`, bodies: [Buffer.from(v2Bodies(ROWS, 'input', 'FP32')[0]!)], headers: { 'content-type': 'application/json' }, pid: http.pid };
    const ceilingWindow = async () => (await ceilingWindows(options.ortSeconds, 1))[0]!;
    return await pairedRounds({ httpFloor, ...served, http2Floor }, ceilingWindow, top, options.duration, options.repeats, log);
  } finally {
    for (const f of floors) await f.stop();
  }
}

/**
 * The limits of the 256-row points (bench/batch-limits.ts): onnxruntime runs of 256 rows and V8's JSON work for the
 * JSON request and answer, measured first; then two bare node:http servers that spin that work per request and answer
 * the bytes the served server answered to each 256-row request, alternated under wrk as the served pair was.
 */
async function measureBatchLimits(
  [jsonTarget, binaryTarget]: [WrkTarget, WrkTarget],
  served: { a: LoadPoint; b: LoadPoint },
  connections: number,
  options: BenchOptions,
  log: (m: string) => void,
): Promise<BatchLimits> {
  // The served server's answer to a target's one request: the bytes its limit server answers.
  const answerTo = async (t: WrkTarget) => {
    const res = await fetch(t.url, { method: 'POST', body: t.bodies[0], headers: { ...t.headers, ...t.bodyHeaders?.[0] } });
    if (!res.ok) throw new Error(`${t.url} answered ${res.status} to a ${BATCH_ROWS}-row request: ${await res.text()}`);
    return Buffer.from(await res.arrayBuffer());
  };
  const jsonAnswer = await answerTo(jsonTarget);
  const binaryAnswer = await answerTo(binaryTarget);
  const windows = Math.max(3, options.repeats);
  // The runs the server makes of these requests under load: as many of them as its default batch cap holds.
  const runRows = Math.max(BATCH_ROWS, Math.floor(SERVER_BATCH_ROWS / BATCH_ROWS) * BATCH_ROWS);
  const ortRunsPerS = summarize((await ceilingWindows(options.ortSeconds, windows, runRows)).map((w) => w.runsPerS), 'runs/s');
  const codec = jsonCodecUs(jsonTarget.bodies[0]!, jsonAnswer, options.ortSeconds, windows);
  const spin = spinMicros({ rows: BATCH_ROWS, runRows, ortRunsPerS, jsonCodecUs: codec });
  log(`${BATCH_ROWS} rows: onnxruntime ${Math.round(ortRunsPerS.median)} runs/s of ${runRows} rows, V8 JSON ${codec.median.toFixed(1)} µs/request: the limit servers spin ${spin.json.toFixed(1)} µs (JSON) and ${spin.binary.toFixed(1)} µs (binary) per request`);
  const floors: FloorServer[] = [];
  let pair;
  try {
    const jsonFloor = await startFloorServer('http', jsonAnswer, spin.json);
    floors.push(jsonFloor);
    const binaryFloor = await startFloorServer('http', binaryAnswer, spin.binary);
    floors.push(binaryFloor);
    // The served requests, sent to the limit servers instead.
    const toFloor = (t: WrkTarget, floor: FloorServer): WrkTarget => ({ ...t, url: `http://127.0.0.1:${floor.port}/`, pid: floor.pid });
    pair = await alternatedWrkPoints(
      [toFloor(jsonTarget, jsonFloor), toFloor(binaryTarget, binaryFloor)],
      connections, options, log, [`${BATCH_ROWS}-row JSON limit`, `${BATCH_ROWS}-row binary limit`],
    );
  } finally {
    for (const f of floors) await f.stop();
  }
  const limits = batchLimits(
    { rows: BATCH_ROWS, runRows, ortRunsPerS, jsonCodecUs: codec, jsonLimit: pair.a, binaryLimit: pair.b, limitRatio: pair.ratio },
    { json: served.a.rps.median, binary: served.b.rps.median },
  );
  log(`${BATCH_ROWS} rows: binary/JSON at the limits ${limits.binaryOverJsonLimit.toFixed(2)}×; served JSON ${limits.jsonOverLimit.toFixed(2)}×, binary ${limits.binaryOverLimit.toFixed(2)}× of their limits`);
  return limits;
}

/**
 * `windows` windows of `seconds` of the in-process ceiling (runs of `rowsPerRun` rows), in a child process so it has a
 * runtime of its own.
 */
async function ceilingWindows(seconds: number, windows: number, rowsPerRun = 1): Promise<CeilingWindow[]> {
  const r = await runChild(
    process.execPath,
    ['--import', 'tsx', path.join(REPO_ROOT, 'bench', 'ort-ceiling.ts'), IRIS_ONNX, String(seconds), String(windows), JSON.stringify(ROWS), String(rowsPerRun)],
    { cwd: REPO_ROOT, env: process.env, timeoutMs: (seconds * windows + 60) * 1000 },
  );
  if (r.code !== 0) throw new Error(`ort-ceiling failed: ${r.stderr.slice(-1500)}`);
  return (JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { windows: CeilingWindow[] }).windows;
}

function ceilingOf(windows: CeilingWindow[]): Ceiling {
  return {
    runsPerS: summarize(windows.map((w) => w.runsPerS), 'runs/s'),
    runsPerCpuS: summarize(windows.map((w) => w.runsPerS / (w.cpuPct / 100)), 'runs/CPU-s'),
    p50: summarize(windows.map((w) => w.p50Ms), 'ms'),
    p99: summarize(windows.map((w) => w.p99Ms), 'ms'),
  };
}

const at = (points: LoadPoint[] | Skipped | undefined, connections: number) =>
  Array.isArray(points) ? points.find((p) => p.connections === connections)?.rps : undefined;

/** Measure figure 3. */
export async function measureThroughput(
  project: BenchProject,
  options: BenchOptions,
  python: PythonEnvs | undefined,
  log: (m: string) => void,
): Promise<ThroughputResult> {
  const floors = await measureFloors(options, log);
  let grpcH2load: H2Point | Skipped = { skipped: floors.h2load ? 'not measured' : H2LOAD_HINT };

  await project.zenml(['model-deployer', 'register', 'bench-batch', '--flavor', 'local', '-c', 'batching.enabled=true']);
  await project.zenml(['model-deployer', 'register', 'bench-nobatch', '--flavor', 'local', '-c', 'batching.enabled=false']);
  const local = {} as ThroughputResult['local'];
  const top = options.connections[options.connections.length - 1];
  const wrk = wrkVersion();
  let wrkResult: WrkResult | Skipped = { skipped: WRK_HINT };
  let grpc: LoadPoint[] | Skipped = { skipped: 'not measured' };
  let paired: PairedResult | undefined;
  let binaryOverJsonBatch: number | undefined;
  let batchLimitsResult: BatchLimits | undefined;
  grpcClient = undefined;
  if (!wrk) log(`${WRK_HINT}: wrk figures skipped`);
  for (const [key, deployer] of [['batching', 'bench-batch'], ['noBatching', 'bench-nobatch']] as const) {
    const d = await project.deploy(deployer, 'iris');
    try {
      local[key] = {
        invocations: await loadPoints({ url: d.predictionUrl, bodies: mlflowBodies(ROWS), pid: d.pid }, options, log, `${deployer} /invocations`),
        v2: await loadPoints({ url: d.v2InferUrl, bodies: v2Bodies(ROWS, 'input', 'FP32'), pid: d.pid }, options, log, `${deployer} v2`),
      };
      if (wrk && key === 'batching') {
        const json = { 'content-type': 'application/json' };
        const asBuffers = (bodies: string[]) => bodies.map((b) => Buffer.from(b));
        const batch = v2BatchBodies(ROWS, BATCH_ROWS);
        const served = {
          invocations: { url: d.predictionUrl, bodies: asBuffers(mlflowBodies(ROWS)), headers: json, pid: d.pid },
          v2: { url: d.v2InferUrl, bodies: asBuffers(v2Bodies(ROWS, 'input', 'FP32')), headers: json, pid: d.pid },
          v2Binary: binaryTarget(d.v2InferUrl, d.pid),
          grpc: d.grpcTarget && floors.h2load ? { url: `http://${d.grpcTarget}${GRPC_PATH}`, body: grpcInferBody(ROWS[0]!), pid: d.pid } : undefined,
        };
        if (served.grpc) await checkGrpcOk(served.grpc.url, served.grpc.body);
        paired = await withPairedFloors(served, options, log);
        floors.nodeHttp = paired.httpFloor;
        if (paired.http2Floor) floors.nodeHttp2Grpc = paired.http2Floor;
        if (paired.grpc) {
          grpcH2load = paired.grpc;
          log(`h2load served gRPC ModelInfer: ${Math.round(paired.grpc.rps.median)} calls/s, mean ${paired.grpc.meanMs.median} ms, server CPU ${paired.grpc.serverCpu?.median}%`);
        }
        // Requests of BATCH_ROWS rows each: where the encoding, not the framing, is the cost (rows/s = req/s × BATCH_ROWS).
        const batchTargets: [WrkTarget, WrkTarget] = [
          { url: d.v2InferUrl, bodies: [batch.json], headers: json, pid: d.pid },
          { url: d.v2InferUrl, bodies: [batch.binary.body], headers: { 'content-type': 'application/octet-stream' }, bodyHeaders: [{ 'inference-header-content-length': String(batch.binary.headerLength) }], pid: d.pid },
        ];
        const batchPoints = await alternatedWrkPoints(batchTargets, top, options, log, [`v2 ${BATCH_ROWS} rows`, `v2 binary ${BATCH_ROWS} rows`]);
        binaryOverJsonBatch = batchPoints.ratio.median;
        batchLimitsResult = await measureBatchLimits(batchTargets, batchPoints, top, options, log);
        wrkResult = {
          version: wrk,
          threads: WRK_THREADS,
          points: { invocations: paired.invocations, v2: paired.v2, v2Binary: paired.v2Binary, v2Batch: batchPoints.a, v2BinaryBatch: batchPoints.b },
        };
      }
      if (key === 'batching') {
        grpc = d.grpcTarget ? await grpcPoints(d.grpcTarget, d.pid, options, log) : { skipped: 'the server has no gRPC listener (GRPC_URL is empty)' };
      }
    } finally {
      await project.remove(deployer, d.uuid, d.pid);
    }
  }
  // The in-process ceiling: the paired rounds' windows, or (without wrk) windows of its own, after the loads.
  const ceiling = ceilingOf(paired?.ceilingWindows ?? (await ceilingWindows(options.ortSeconds, Math.max(3, options.repeats))));
  log(`in-process onnxruntime: ${Math.round(ceiling.runsPerS.median)} runs/s`);
  const overCeiling: Record<string, number | undefined> = {};
  for (const variant of ['batching', 'noBatching'] as const) {
    for (const endpoint of ['invocations', 'v2'] as const) {
      overCeiling[`${variant}.${endpoint}`] = ratio(at(local[variant][endpoint], top), ceiling.runsPerS);
    }
  }
  if ('points' in wrkResult) {
    // The batch points are many rows per request: they are compared with each other, not with one-row runs.
    for (const [name, point] of Object.entries(wrkResult.points)) if (!name.endsWith('Batch')) overCeiling[`wrk.${name}`] = ratio(point.rps, ceiling.runsPerS);
  }
  overCeiling['grpc'] = ratio(at(grpc, top), ceiling.runsPerS);
  // The limits and ratios from one measure of a point: its req/s, or its req/s per CPU-second of the server (req/s
  // over the share of a core it got).
  const limitsBy = (measure: (p: LoadPoint | H2Point | Skipped | undefined) => number | undefined, ort: number | undefined) => {
    const limits = {
      http: serialLimit(measure(floors.nodeHttp), ort),
      http2: serialLimit(measure(floors.nodeHttp2Grpc), ort),
      grpcJs: serialLimit(measure(floors.grpcJs), ort),
    };
    // The one-row served figures are set against node's limits within each paired round (pairedMedians below);
    // grpc-js is not in the rounds, so its ratio is the ratio of the medians.
    const served = measure(grpcH2load);
    return { limits, overGrpcJs: served !== undefined && limits.grpcJs ? Math.round((100 * served) / limits.grpcJs) / 100 : undefined };
  };
  const byRps = limitsBy((p) => (p && 'rps' in p ? p.rps.median : undefined), ceiling.runsPerS.median);
  const byCpu = limitsBy((p) => (p && 'rps' in p && p.serverCpu?.median ? (100 * p.rps.median) / p.serverCpu.median : undefined), ceiling.runsPerCpuS?.median);
  // The goal ratios are the paired rounds' medians (each round's served figure over that round's limit).
  const pairedMedians = (by: 'overLimit' | 'overLimitPerCpu') =>
    Object.fromEntries(Object.entries(paired?.[by] ?? {}).map(([k, v]) => [k, v === undefined ? undefined : Math.round(100 * v.median) / 100]));
  const result: ThroughputResult = {
    durationS: options.duration,
    repeats: options.repeats,
    ceiling,
    floors,
    limits: byRps.limits,
    limitsPerCpu: byCpu.limits,
    local,
    wrk: wrkResult,
    grpc,
    grpcClient,
    grpcH2load,
    overCeiling,
    overLimit: { ...pairedMedians('overLimit'), 'grpc.overGrpcJs': byRps.overGrpcJs },
    overLimitPerCpu: { ...pairedMedians('overLimitPerCpu'), 'grpc.overGrpcJs': byCpu.overGrpcJs },
    pairedRounds: paired?.rounds,
    binaryOverJsonBatch,
    batchLimits: batchLimitsResult,
  };
  if (!options.peers) return result;

  const mlflowServe = await withPeer('mlflow models serve', python?.mlflow ? undefined : python?.problems.mlflow, async () => {
    const model = await trainMlflowModel(python!, project.dir);
    return startMlflowServe(python!, model, project.dir);
  }, (s) => ({ url: `${s.baseUrl}/invocations`, bodies: mlflowBodies(ROWS), pid: s.pid }), options, log);
  const mlserver = await withPeer('MLServer', python?.mlserver ? undefined : python?.problems.mlserver, async () => {
    const repo = await trainMlserverModel(python!, project.dir);
    return startMlserver(python!, repo, project.dir);
  }, (s) => ({ url: `${s.baseUrl}/v2/models/iris/infer`, bodies: v2Bodies(ROWS, 'input-0', 'FP64'), pid: s.pid }), options, log);
  const wrkPoints = 'points' in wrkResult ? wrkResult.points : {};
  const kserve = await measureKserve(python, project.dir, { wrk: 'v2' in wrkPoints, h2load: floors.h2load !== undefined }, options, log);
  const kserveRest = 'skipped' in kserve ? kserve : kserve.rest;
  const kserveRestWrk = 'skipped' in kserve ? undefined : kserve.restWrk;
  const kserveGrpc = 'skipped' in kserve ? kserve : kserve.grpc;
  // One load generator on both sides: wrk when it measured ours and KServe's, else autocannon's points.
  const kserveWrkRps = kserveRestWrk && 'rps' in kserveRestWrk ? kserveRestWrk.rps : undefined;
  const byWrk = wrkPoints.v2 !== undefined && kserveWrkRps !== undefined;
  result.peers = {
    mlflowServe,
    mlserver,
    localOverMlflowServe: ratio(at(local.batching.invocations, top), at(mlflowServe, top)),
    localOverMlserver: ratio(at(local.batching.v2, top), at(mlserver, top)),
    kserveRest,
    kserveRestWrk,
    kserveGrpc,
    localOverKserveRest: byWrk ? ratio(wrkPoints.v2?.rps, kserveWrkRps) : ratio(at(local.batching.v2, top), at(kserveRest, top)),
    localOverKserveRestBy: byWrk ? 'wrk' : 'autocannon',
    localOverKserveGrpc: 'rps' in grpcH2load && 'rps' in kserveGrpc ? ratio(grpcH2load.rps, kserveGrpc.rps) : undefined,
  };
  return result;
}

/** What KServe's one server gave on both protocols. */
export interface KserveFigures {
  rest: LoadPoint[];
  restWrk?: LoadPoint | Skipped;
  grpc: H2Point | Skipped;
}

/**
 * KServe's peer: one server, loaded on v2 REST (autocannon at every connection count, then wrk at the top one when
 * `loaders.wrk`) and then on gRPC ModelInfer under h2load (when `loaders.h2load`), each as our own points are. A
 * gRPC or wrk failure skips that figure only. Exported so that the peer can be measured alone.
 */
export async function measureKserve(
  python: PythonEnvs | undefined,
  workDir: string,
  loaders: { wrk: boolean; h2load: boolean },
  options: BenchOptions,
  log: (m: string) => void,
): Promise<KserveFigures | Skipped> {
  const rest = (s: GrpcPeerServer): LoadTarget => ({ url: `${s.baseUrl}/v2/models/iris/infer`, bodies: v2Bodies(ROWS, 'input', 'FP32'), pid: s.pid });
  const top = options.connections[options.connections.length - 1]!;
  const start = async () => startKserve(python!, await trainKserveModel(python!, workDir), workDir);
  return withPeerServer('KServe', python?.kserve ? undefined : python?.problems.kserve, start, rest, async (s) => {
    const points = await loadPoints(rest(s), options, log, 'KServe v2 REST');
    const json = { 'content-type': 'application/json' };
    const restWrk = loaders.wrk
      ? await wrkPoint({ ...rest(s), bodies: rest(s).bodies.map((b) => Buffer.from(b)), headers: json }, top, options, log, 'KServe v2 REST').catch(skip)
      : undefined;
    const grpc = loaders.h2load ? await kserveGrpcPoint(s, options, log).catch(skip) : { skipped: H2LOAD_HINT };
    return { rest: points, restWrk, grpc };
  });
}

const skip = (error: Error): Skipped => ({ skipped: error.message.slice(0, 800) });

/** KServe's gRPC ModelInfer with our served gRPC point's request and shape, once it answers grpc-status 0. */
async function kserveGrpcPoint(s: GrpcPeerServer, options: BenchOptions, log: (m: string) => void): Promise<H2Point> {
  const target = { url: `http://127.0.0.1:${s.grpcPort}${GRPC_PATH}`, body: grpcInferBody(ROWS[0]!), pid: s.pid };
  await checkGrpcOk(target.url, target.body);
  const point = await h2Point(target, options.duration, options.repeats);
  log(`h2load KServe gRPC ModelInfer: ${Math.round(point.rps.median)} calls/s, mean ${point.meanMs.median} ms, server CPU ${point.serverCpu?.median}%, h2load CPU ${point.clientCpu.median}%`);
  return point;
}

/** Start a peer, wait for its first prediction, load it at every connection count, stop it (see withPeerServer). */
function withPeer(
  label: string,
  problem: string | undefined,
  start: () => Promise<PeerServer>,
  target: (s: PeerServer) => LoadTarget,
  options: BenchOptions,
  log: (m: string) => void,
): Promise<LoadPoint[] | Skipped> {
  return withPeerServer(label, problem, start, target, (s) => loadPoints(target(s), options, log, label));
}

/** Start a peer, wait for its first prediction on `ready`, `measure` it, stop it; a peer that cannot run is reported as skipped. */
async function withPeerServer<S extends PeerServer, T>(
  label: string,
  problem: string | undefined,
  start: () => Promise<S>,
  ready: (s: S) => LoadTarget,
  measure: (s: S) => Promise<T>,
): Promise<T | Skipped> {
  if (problem !== undefined) return { skipped: problem || `${label}: no environment` };
  let server: S | undefined;
  try {
    server = await start();
    await firstSuccess(ready(server), 180_000, 100);
    return await measure(server);
  } catch (error) {
    return { skipped: `${label}: ${(error as Error).message.slice(0, 800)}${server ? ` (log: ${server.logPath})` : ''}` };
  } finally {
    if (server) await stopGroup(server.pid, 5000);
  }
}
