/**
 * The goal ratios of figure 3, measured in paired rounds. Each round loads every floor and every served endpoint
 * the ratios compare once, back to back: one in-process onnxruntime window; node's http floor and the served
 * `/invocations`, v2 JSON and v2 binary under wrk; node's http2 gRPC floor and the served gRPC ModelInfer under
 * h2load. Each served figure is set against the serial limit of the same round, and the ratio reported is the
 * median over the rounds.
 *
 * Why rounds: this machine is a 2-vCPU VM on a shared host. With nothing else running in the VM, the same server
 * under the same wrk gave 17,000–19,000 req/s in one minute and 33,000–38,000 a few minutes later, while steal time
 * moved between 0 and 10% (vmstat). A floor measured minutes before a served point folds that drift into the ratio;
 * a round takes well under a minute.
 */
import { runH2load, type H2Run, type H2Target } from './h2load.js';
import { H2_CLIENTS, H2_STREAMS, h2PointOf, serialLimit, type H2Point } from './floors.js';
import { summarize, type Summary } from './stats.js';
import { runWrk, wrkPointOf, type WrkRun, type WrkTarget } from './wrk.js';
import type { LoadPoint } from './throughput.js';

/** One window of the in-process ceiling: runs/s and the CPU share it took. */
export interface CeilingWindow {
  runsPerS: number;
  p50Ms: number;
  p99Ms: number;
  cpuPct: number;
}

/** The wrk (HTTP) and h2load (gRPC) targets of the rounds; a missing gRPC pair leaves the gRPC ratio out. */
export interface PairedTargets {
  httpFloor: WrkTarget;
  invocations: WrkTarget;
  v2: WrkTarget;
  v2Binary: WrkTarget;
  http2Floor?: H2Target;
  grpc?: H2Target;
}

/** What one round measured: req/s of each target, the ceiling, and each served figure over its serial limit. */
export interface PairedRound {
  ortRunsPerS: number;
  rps: Record<string, number>;
  /** `wrk.invocations`, `wrk.v2`, `wrk.v2Binary` over the http limit; `grpc` over the http2 limit. */
  overLimit: Record<string, number | undefined>;
  /** The same per CPU-second of the server (req/s over its CPU share): what a server does with the CPU it got. */
  overLimitPerCpu: Record<string, number | undefined>;
}

/** The rounds and, per target, the runs summarised as the rest of figure 3 summarises a point. */
export interface PairedResult {
  rounds: PairedRound[];
  ceilingWindows: CeilingWindow[];
  httpFloor: LoadPoint;
  invocations: LoadPoint;
  v2: LoadPoint;
  v2Binary: LoadPoint;
  http2Floor?: H2Point;
  grpc?: H2Point;
  /** Median over the rounds of each round's ratio. */
  overLimit: Record<string, Summary | undefined>;
  overLimitPerCpu: Record<string, Summary | undefined>;
}

/** The ratios the rounds measure: the served one-row figures over their serial limits. */
export const ROUND_RATIOS = ['wrk.invocations', 'wrk.v2', 'wrk.v2Binary', 'grpc'] as const;

const perCpu = (rps: number, cpuPct: number | undefined) => (cpuPct ? (100 * rps) / cpuPct : undefined);
const over = (value: number | undefined, limit: number | undefined) => (value !== undefined && limit ? value / limit : undefined);

function medianOf(rounds: PairedRound[], pick: (r: PairedRound) => number | undefined): Summary | undefined {
  const values = rounds.map(pick).filter((v): v is number => v !== undefined);
  return values.length > 0 ? summarize(values, '×') : undefined;
}

/**
 * `rounds` paired rounds at `connections` (wrk) and H2_CLIENTS × H2_STREAMS (h2load), `seconds` per load and per
 * ceiling window; every target gets a short warm-up first, and every other round runs the loads in reverse order.
 */
export async function pairedRounds(
  targets: PairedTargets,
  ceilingWindow: () => Promise<CeilingWindow>,
  connections: number,
  seconds: number,
  rounds: number,
  log: (m: string) => void,
): Promise<PairedResult> {
  const http: Array<[string, WrkTarget]> = [
    ['httpFloor', targets.httpFloor],
    ['invocations', targets.invocations],
    ['v2', targets.v2],
    ['v2Binary', targets.v2Binary],
  ];
  const h2: Array<[string, H2Target]> = targets.http2Floor && targets.grpc ? [['http2Floor', targets.http2Floor], ['grpc', targets.grpc]] : [];
  const warm = Math.min(2, seconds);
  for (const [, t] of http) await runWrk(t, connections, warm);
  for (const [, t] of h2) await runH2load(t, H2_CLIENTS, H2_STREAMS, warm);

  const wrkRuns = new Map<string, WrkRun[]>(http.map(([k]) => [k, []]));
  const h2Runs = new Map<string, H2Run[]>(h2.map(([k]) => [k, []]));
  const windows: CeilingWindow[] = [];
  const done: PairedRound[] = [];
  for (let round = 1; round <= rounds; round++) {
    const window = await ceilingWindow();
    windows.push(window);
    const rps: Record<string, number> = {};
    const cpu: Record<string, number | undefined> = {};
    // Every other round loads in the opposite order, so a drift of the host within a round favours no target.
    const order = <T>(list: T[]) => (round % 2 === 0 ? [...list].reverse() : list);
    for (const [key, t] of order(http)) {
      const run = await runWrk(t, connections, seconds);
      wrkRuns.get(key)!.push(run);
      rps[key] = run.rps;
      cpu[key] = run.serverCpuPct;
    }
    for (const [key, t] of order(h2)) {
      const run = await runH2load(t, H2_CLIENTS, H2_STREAMS, seconds);
      h2Runs.get(key)!.push(run);
      rps[key] = run.rps;
      cpu[key] = run.serverCpuPct;
    }
    const limit = { http: serialLimit(rps.httpFloor, window.runsPerS), http2: serialLimit(rps.http2Floor, window.runsPerS) };
    const ortPerCpu = perCpu(window.runsPerS, window.cpuPct);
    const limitPerCpu = {
      http: serialLimit(perCpu(rps.httpFloor!, cpu.httpFloor), ortPerCpu),
      http2: rps.http2Floor === undefined ? undefined : serialLimit(perCpu(rps.http2Floor, cpu.http2Floor), ortPerCpu),
    };
    const served = (key: string) => (rps[key] === undefined ? undefined : perCpu(rps[key]!, cpu[key]));
    const r: PairedRound = {
      ortRunsPerS: window.runsPerS,
      rps,
      overLimit: {
        'wrk.invocations': over(rps.invocations, limit.http),
        'wrk.v2': over(rps.v2, limit.http),
        'wrk.v2Binary': over(rps.v2Binary, limit.http),
        grpc: over(rps.grpc, limit.http2),
      },
      overLimitPerCpu: {
        'wrk.invocations': over(served('invocations'), limitPerCpu.http),
        'wrk.v2': over(served('v2'), limitPerCpu.http),
        'wrk.v2Binary': over(served('v2Binary'), limitPerCpu.http),
        grpc: over(served('grpc'), limitPerCpu.http2),
      },
    };
    done.push(r);
    const shown = Object.entries(r.overLimit).filter(([, v]) => v !== undefined).map(([k, v]) => `${k} ${v!.toFixed(2)}×`);
    log(`paired round ${round}/${rounds}: onnxruntime ${Math.round(window.runsPerS)} runs/s, node http floor ${Math.round(rps.httpFloor!)}${rps.http2Floor ? `, http2 floor ${Math.round(rps.http2Floor)}` : ''} req/s; ${shown.join(', ')}`);
  }
  return {
    rounds: done,
    ceilingWindows: windows,
    httpFloor: wrkPointOf(wrkRuns.get('httpFloor')!, connections, true),
    invocations: wrkPointOf(wrkRuns.get('invocations')!, connections, true),
    v2: wrkPointOf(wrkRuns.get('v2')!, connections, true),
    v2Binary: wrkPointOf(wrkRuns.get('v2Binary')!, connections, true),
    http2Floor: h2Runs.has('http2Floor') ? h2PointOf(h2Runs.get('http2Floor')!, true) : undefined,
    grpc: h2Runs.has('grpc') ? h2PointOf(h2Runs.get('grpc')!, true) : undefined,
    overLimit: Object.fromEntries(ROUND_RATIOS.map((k) => [k, medianOf(done, (r) => r.overLimit[k])])),
    overLimitPerCpu: Object.fromEntries(ROUND_RATIOS.map((k) => [k, medianOf(done, (r) => r.overLimitPerCpu[k])])),
  };
}
