/** The run's record (JSON) and its Markdown summary: machine, figures, ratios and targets. */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import type { CliStartResult } from './cli-start.js';
import type { DeployResult } from './deploy-ready.js';
import type { BenchOptions } from './options.js';
import { REPO_ROOT } from './project.js';
import { LOOKUP_ARGS, type ScaleResult } from './scale.js';
import type { SeldonFindResult } from './seldon-find.js';
import type { ClusterDeployFigure, ClusterDeployResult } from './cluster-deploy.js';
import { fmt, formatSummary, ratio, summarize, type Summary } from './stats.js';
import type { H2Point } from './floors.js';
import type { LoadPoint, ThroughputResult } from './throughput.js';
import { ROUND_RATIOS } from './paired-rounds.js';
import { spinMicros } from './batch-limits.js';

/** Where and on what the bench ran. */
export interface Machine {
  cpu: string;
  cores: number;
  ramGiB: number;
  node: string;
  os: string;
  commit: string;
}

/** A target from the issue, judged on this run's figures. */
export interface Target {
  name: string;
  value: string;
  target: string;
  /** undefined when the figure was not measured in this run. */
  pass?: boolean;
  /** A figure shown to read the one above it, not a goal: no result. */
  info?: boolean;
}

/** The JSON written to bench/results. */
export interface BenchResults {
  date: string;
  machine: Machine;
  options: Omit<BenchOptions, 'out' | 'keep' | 'profile'>;
  cliStart?: CliStartResult | { error: string };
  deploy?: DeployResult | { error: string };
  throughput?: ThroughputResult | { error: string };
  scale?: ScaleResult | { error: string };
  seldonFind?: SeldonFindResult | { error: string } | { skipped: string };
  clusterDeploy?: ClusterDeployResult | { error: string } | { skipped: string };
  /** 1-minute load average before and after each section (other processes skew the figures). */
  loadAverage: Record<string, { before: number; after: number }>;
  targets: Target[];
  durationS: number;
}

/** CPU, cores, memory, Node and the commit measured. */
export function describeMachine(): Machine {
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
    if (dirty) commit += ' (src has uncommitted changes)';
  } catch {
    // not a git checkout
  }
  return {
    cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
    cores: os.availableParallelism(),
    ramGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    commit,
  };
}

const ratioOf = (a: { rps: Summary } | undefined, b: { rps: Summary } | undefined) => ratio(a?.rps, b?.rps);

const ok = <T extends object>(r: T | { error: string } | undefined): T | undefined => (r && !('error' in r) ? (r as T) : undefined);

/** Judge the issue's targets on the measured figures (none is asserted; they are reported). */
export function judgeTargets(results: Omit<BenchResults, 'targets' | 'durationS'>): Target[] {
  const cli = ok(results.cliStart);
  const deploy = ok(results.deploy);
  const tp = ok(results.throughput);
  const scale = ok(results.scale);
  const targets: Target[] = [];
  const add = (name: string, value: number | undefined, unit: string, target: string, pass: (v: number) => boolean) =>
    targets.push({ name, value: value === undefined ? 'not measured' : `${fmt(value)}${unit}`, target, pass: value === undefined ? undefined : pass(value) });
  add('CLI `flavor list` / bare `node -e 0`', cli?.flavorListOverNode, '×', '≤ 2.5×', (v) => v <= 2.5);
  add('shell completion call (uuids of 1,000 services) / `zenml --help`', cli?.completionOverHelp, '×', '< 1.5×', (v) => v < 1.5);
  add('deploy → first prediction (local)', deploy?.local.total.median, ' ms', '< 1000 ms', (v) => v < 1000);
  // Each served figure against its serial limit in the same run (bench/floors.ts): one event loop answering with the
  // floor's cost and running onnxruntime in series.
  const over = tp?.overLimit ?? {};
  const wrkPoints = tp?.wrk && 'points' in tp.wrk ? tp.wrk.points : undefined;
  add('wrk: served /invocations / serial limit (node http floor ⊕ onnxruntime)', over['wrk.invocations'], '×', '≥ 0.9×', (v) => v >= 0.9);
  add('wrk: served v2 JSON / serial limit (node http floor ⊕ onnxruntime)', over['wrk.v2'], '×', '≥ 0.9×', (v) => v >= 0.9);
  add('wrk: served v2 binary tensors / serial limit (node http floor ⊕ onnxruntime)', over['wrk.v2Binary'], '×', '≥ 0.9×', (v) => v >= 0.9);
  // Served over served: the median of the paired rounds' own ratios when the rounds ran (the ratio of medians otherwise).
  const perRound = (a: string, b: string) => {
    const values = (tp?.pairedRounds ?? []).map((r) => (r.rps[a] && r.rps[b] ? r.rps[a] / r.rps[b] : undefined)).filter((v): v is number => v !== undefined);
    return values.length > 0 ? summarize(values, '×').median : undefined;
  };
  add('wrk: v2 binary req/s / v2 JSON req/s, one row', perRound('v2Binary', 'v2') ?? ratioOf(wrkPoints?.v2Binary, wrkPoints?.v2), '×', '≥ 1×', (v) => v >= 1);
  add('wrk: v2 binary rows/s / v2 JSON rows/s, 256 rows per request', tp?.binaryOverJsonBatch, '×', '≥ 3.5×', (v) => v >= 3.5);
  // Not a goal: the ceiling of the ratio above on this machine (bench/batch-limits.ts), for reading it.
  targets.push({ name: '… the same ratio at the two limits (bare node http spinning each request\'s onnxruntime and V8 JSON time)', value: tp?.batchLimits ? `${fmt(tp.batchLimits.binaryOverJsonLimit)}×` : 'not measured', target: '(its ceiling)', info: true });
  add('h2load: served gRPC ModelInfer / serial limit (node http2 gRPC floor ⊕ onnxruntime)', over['grpc'], '×', '≥ 0.8×', (v) => v >= 0.8);
  const grpcServed = tp?.grpcH2load && 'rps' in tp.grpcH2load ? tp.grpcH2load : undefined;
  add('served gRPC ModelInfer (h2load) / served v2 JSON (wrk)', perRound('grpc', 'v2') ?? ratioOf(grpcServed, wrkPoints?.v2), '×', '≥ 1×', (v) => v >= 1);
  // p99 at 32 requests in flight, one row; the goal holds on a quiet machine only (a busy one adds its scheduling).
  add('wrk: served /invocations p99 @32', wrkPoints?.invocations?.p99.median, ' ms', '≤ 2 ms', (v) => v <= 2);
  add('wrk: served v2 JSON p99 @32', wrkPoints?.v2?.p99.median, ' ms', '≤ 2 ms', (v) => v <= 2);
  add('wrk: served v2 binary tensors p99 @32', wrkPoints?.v2Binary?.p99.median, ' ms', '≤ 2 ms', (v) => v <= 2);
  add('h2load: served gRPC ModelInfer p99 (8 conn × 4 streams)', grpcServed?.p99?.median, ' ms', '≤ 2 ms', (v) => v <= 2);
  add('served /invocations req/s / `mlflow models serve` (32 conn)', tp?.peers?.localOverMlflowServe, '×', '≥ 10×', (v) => v >= 10);
  add(`served v2 JSON req/s / KServe v2 REST (32 conn, ${tp?.peers?.localOverKserveRestBy ?? 'wrk or autocannon'} on both)`, tp?.peers?.localOverKserveRest, '×', '≥ 20×', (v) => v >= 20);
  add('served gRPC ModelInfer / KServe gRPC ModelInfer (h2load, 8 conn × 4 streams)', tp?.peers?.localOverKserveGrpc, '×', '≥ 20×', (v) => v >= 20);
  add('idle model server RSS / bare node with one onnxruntime session', scale?.idleRssOverFloor, '×', '≤ 1.1×', (v) => v <= 1.1);
  const at10k = scale?.find.find((p) => p.services === 10000);
  add('`find --json` over 10,000 services, all printed (10 MB)', at10k?.find.median, ' ms', '< 150 ms', (v) => v < 150);
  add('`find --json` lookup among 10,000 services (pipeline, step, model)', at10k?.lookup?.median, ' ms', '< 150 ms', (v) => v < 150);
  const seldon = ok(results.seldonFind && !('skipped' in results.seldonFind) ? results.seldonFind : undefined);
  add('`find --json` over 1,000 SeldonDeployments (seldon, real kube-apiserver)', seldon?.find.median, ' ms', '< 1000 ms', (v) => v < 1000);
  return targets;
}

function row(cells: (string | number | undefined)[]): string {
  // Errors may span lines; a table row may not.
  return `| ${cells.map((c) => (c === undefined ? '—' : String(c).replace(/\s*\n\s*/g, ' '))).join(' | ')} |`;
}

const x = (v: number | undefined) => (v === undefined ? '—' : `${fmt(v)}×`);
/** A skip reason fit for one table cell: one line, short (the JSON keeps it whole). */
const skipped = (v: unknown) =>
  v && typeof v === 'object' && 'skipped' in v ? `skipped: ${oneLine((v as { skipped: string }).skipped, 240)}` : undefined;

function oneLine(text: string, max: number): string {
  const line = text.replace(/\s+/g, ' ').replace(/\|/g, '\\|').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** One h2load point in the throughput table: its mean in the p50 column (h2load reports no percentiles). */
function h2Rows(label: string, point: H2Point | { skipped: string } | undefined): string[] {
  if (!point) return [];
  if (!('rps' in point)) return [row([label, skipped(point), '', '', '', ''])];
  return [
    row([
      `${label} @${point.clients}×${point.streams}`,
      formatSummary(point.rps),
      `mean ${formatSummary(point.meanMs)}`,
      '—',
      point.serverCpu ? `${fmt(point.serverCpu.median)} / ${fmt(point.clientCpu.median)}` : `— / ${fmt(point.clientCpu.median)}`,
      point.non2xx > 0 ? `${point.non2xx} non-2xx` : '',
    ]),
  ];
}

function loadRows(label: string, points: LoadPoint[] | { skipped: string } | undefined): string[] {
  if (!points) return [];
  if (!Array.isArray(points)) return [row([label, skipped(points), '', '', '', ''])];
  return points.map((p) =>
    row([
      `${label} @${p.connections}`,
      formatSummary(p.rps),
      formatSummary(p.p50),
      formatSummary(p.p99),
      p.serverCpu ? `${fmt(p.serverCpu.median)} / ${fmt(p.clientCpu.median)}` : `— / ${fmt(p.clientCpu.median)}`,
      p.non2xx + p.errors > 0 ? `${p.non2xx} non-2xx, ${p.errors} errors` : '',
    ]),
  );
}

/** The KServe peer's two rows of the summary: v2 REST (against our v2 JSON, one load generator on both) and gRPC. */
function kservePeerRows(peers: NonNullable<ThroughputResult['peers']>): string[] {
  if (peers.kserveRest === undefined && peers.kserveGrpc === undefined) return []; // a result from before the KServe peer
  const byWrk = peers.localOverKserveRestBy === 'wrk';
  const rest = byWrk ? peers.kserveRestWrk : peers.kserveRest;
  const restCell = rest && 'rps' in rest ? formatSummary(rest.rps) : Array.isArray(rest) ? formatSummary(rest.at(-1)?.rps) : skipped(rest);
  const grpc = peers.kserveGrpc;
  return [
    row([`… v2 JSON vs KServe v2 REST (${byWrk ? 'wrk' : 'autocannon'}, both)`, '', restCell, x(peers.localOverKserveRest)]),
    row(['… gRPC ModelInfer vs KServe gRPC (h2load, both)', '', grpc && 'rps' in grpc ? formatSummary(grpc.rps) : skipped(grpc), x(peers.localOverKserveGrpc)]),
  ];
}

/** The floors, serial limits and ratios of the throughput figure, as a Markdown table. */
function limitsTable(tp: ThroughputResult): string[] {
  const f = tp.floors;
  if (!f) return [];
  const cell = (p: { rps: Summary } | { skipped: string } | undefined) => (p && 'rps' in p ? formatSummary(p.rps) : (skipped(p) ?? '—'));
  const wrk = tp.wrk && 'points' in tp.wrk ? tp.wrk.points : undefined;
  const limit = (v: number | undefined) => (v === undefined ? '—' : `${fmt(v)} req/s`);
  const lim = tp.limits ?? { http: undefined, http2: undefined, grpcJs: undefined };
  const o = tp.overLimit ?? {};
  const limCpu = tp.limitsPerCpu ?? { http: undefined, http2: undefined, grpcJs: undefined };
  const oc = tp.overLimitPerCpu ?? {};
  // Requests per CPU-second of the server: what it did with the share of a core the machine gave it.
  const perCpu = (p: { rps: Summary; serverCpu?: Summary } | { skipped: string } | undefined) =>
    p && 'rps' in p && p.serverCpu?.median ? `${fmt((100 * p.rps.median) / p.serverCpu.median)} (${fmt(p.serverCpu.median)}% CPU)` : '';
  const ortCpu = tp.ceiling.runsPerCpuS ? fmt(tp.ceiling.runsPerCpuS.median) : '';
  const served = (label: string, p: Parameters<typeof cell>[0], l: number | undefined, r: number | undefined, lc: number | undefined, rc: number | undefined) =>
    row([label, cell(p), limit(l), x(r), perCpu(p as never), lc === undefined ? '—' : fmt(lc), x(rc)]);
  return [
    '',
    `Floors and serial limits (same run; HTTP under wrk, 32 connections; gRPC under ${f.h2load ?? 'h2load'}, 8 connections × 4 streams; one row). Serial limit = 1 / (1/floor + 1/onnxruntime), from req/s and from requests per CPU-second of the server${
      tp.pairedRounds ? `. node's floors, onnxruntime and the served one-row figures were measured in ${tp.pairedRounds.length} paired round${tp.pairedRounds.length === 1 ? "" : "s"} (each loads all of them back to back); a ratio is the median of the rounds' ratios, so it need not equal the ratio of the medians shown` : ''
    }:`,
    '',
    row(['Path', 'req/s', 'Serial limit', 'Ratio', 'req per server CPU-s', 'Serial limit per CPU-s', 'Ratio per CPU-s']),
    row(['---', '---', '---', '---', '---', '---', '---']),
    row([`nginx ${f.nginxVersion ?? ''}, one worker, fixed 20-byte JSON (the machine's HTTP limit)`, cell(f.nginx), '', '', perCpu(f.nginx as never), '', '']),
    row(['bare node `http`, reading the body, same 20 bytes (node HTTP floor)', cell(f.nodeHttp), '', '', perCpu(f.nodeHttp as never), '', '']),
    row(['onnxruntime in-process `run`, one row', formatSummary(tp.ceiling.runsPerS), '', '', ortCpu, '', '']),
    row(['bare node `http2`, gRPC framing and trailers, fixed ModelInferResponse (node HTTP/2 floor)', cell(f.nodeHttp2Grpc), '', '', perCpu(f.nodeHttp2Grpc as never), '', '']),
    row(['bare grpc-js, the same fixed answer', cell(f.grpcJs), '', '', perCpu(f.grpcJs as never), '', '']),
    served('served `/invocations`', wrk?.invocations, lim.http, o['wrk.invocations'], limCpu.http, oc['wrk.invocations']),
    served('served v2 JSON', wrk?.v2, lim.http, o['wrk.v2'], limCpu.http, oc['wrk.v2']),
    served('served v2 binary tensors', wrk?.v2Binary, lim.http, o['wrk.v2Binary'], limCpu.http, oc['wrk.v2Binary']),
    served('served gRPC ModelInfer (raw contents)', tp.grpcH2load, lim.http2, o['grpc'], limCpu.http2, oc['grpc']),
    row(['… against grpc-js\'s serial limit', '', limit(lim.grpcJs), x(o['grpc.overGrpcJs']), '', limCpu.grpcJs === undefined ? '—' : fmt(limCpu.grpcJs), x(oc['grpc.overGrpcJs'])]),
    ...batchLimitRows(tp, wrk),
    ...pairedRoundRows(tp),
  ];
}

/** The 256-row points against their own limits (bench/batch-limits.ts). */
function batchLimitRows(tp: ThroughputResult, wrk: Record<string, LoadPoint> | undefined): string[] {
  const b = tp.batchLimits;
  if (!b) return [];
  // Results written before runs were shared measured one run per request.
  const runRows = b.runRows ?? b.rows;
  const spin = spinMicros(b);
  return [
    '',
    `${b.rows} rows per request. A limit is bare node \`http\` reading the request, spinning the CPU for the request's unavoidable work and answering the bytes the served server answered (the two alternated under wrk); binary's work is ${runRows === b.rows ? 'the onnxruntime run of its rows (each request ran alone)' : `its share of an onnxruntime run (${runRows / b.rows} requests per run of ${fmt(runRows)} rows, as the server's batcher stacks them)`}, JSON's adds V8's \`JSON.parse\` of the request and \`JSON.stringify\` of the answer:`,
    '',
    row(['Path', 'req/s', 'Limit', 'Ratio']),
    row(['---', '---', '---', '---']),
    row([`onnxruntime in-process \`run\`, ${fmt(runRows)} rows`, formatSummary(b.ortRunsPerS), '', '']),
    row([`V8 \`JSON.parse\` of the request + \`JSON.stringify\` of the answer`, `${fmt(b.jsonCodecUs.median)} µs per request`, '', '']),
    row([`served v2 JSON, ${b.rows} rows`, formatSummary(wrk?.v2Batch?.rps), `${formatSummary(b.jsonLimit.rps)} (spinning ${fmt(spin.json)} µs)`, x(b.jsonOverLimit)]),
    row([`served v2 binary tensors, ${b.rows} rows`, formatSummary(wrk?.v2BinaryBatch?.rps), `${formatSummary(b.binaryLimit.rps)} (spinning ${fmt(spin.binary)} µs)`, x(b.binaryOverLimit)]),
    row(['binary / JSON (medians of alternated pairs)', x(tp.binaryOverJsonBatch), x(b.binaryOverJsonLimit), '']),
  ];
}

/** One line per paired round: the floors and ceiling it measured and each served figure over that round's limit. */
function pairedRoundRows(tp: ThroughputResult): string[] {
  if (!tp.pairedRounds) return [];
  return [
    '',
    row(['Round', 'onnxruntime runs/s', 'node http floor', 'node http2 floor', ...ROUND_RATIOS.map((k) => `${k} / limit`)]),
    row(['---', '---', '---', '---', ...ROUND_RATIOS.map(() => '---')]),
    ...tp.pairedRounds.map((r, i) =>
      row([String(i + 1), fmt(r.ortRunsPerS), fmt(r.rps.httpFloor ?? 0), r.rps.http2Floor === undefined ? '—' : fmt(r.rps.http2Floor), ...ROUND_RATIOS.map((k) => x(r.overLimit[k]))]),
    ),
  ];
}

/** The short Markdown report printed at the end of a run. */
export function markdownReport(r: BenchResults): string {
  const m = r.machine;
  const out: string[] = [
    `## Bench ${r.date}${r.options.quick ? ' (quick)' : ''}${r.options.peers ? ' with peers' : ''}`,
    '',
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.ramGiB} GiB RAM, Node ${m.node}, ${m.os}; commit ${m.commit}. Figures are medians (min–max) over repeated runs.`,
    '',
  ];
  // Before each section: afterwards the load includes the bench's own servers and load generator.
  const busiest = Math.max(0, ...Object.values(r.loadAverage).map((l) => l.before));
  if (busiest > m.cores * 0.75) {
    out.push(`**Warning:** the machine was busy (1-minute load average up to ${busiest} on ${m.cores} cores); figures are pessimistic and noisy.`, '');
  }
  const cli = ok(r.cliStart);
  const deploy = ok(r.deploy);
  const tp = ok(r.throughput);
  const scale = ok(r.scale);
  out.push(row(['Figure', 'Ours', 'Baseline / peer', 'Ratio']), row(['---', '---', '---', '---']));
  if (cli) {
    const peers = cli.peers && 'help' in cli.peers ? cli.peers : undefined;
    out.push(row([`CLI start: bare \`node -e 0\` (${cli.runs} runs)`, formatSummary(cli.nodeBare), '', '']));
    out.push(row(['CLI start: `zenml --help`', formatSummary(cli.help), 'node -e 0', x(cli.helpOverNode)]));
    out.push(row(['CLI start: `zenml model-deployer flavor list`', formatSummary(cli.flavorList), 'node -e 0', x(cli.flavorListOverNode)]));
    if (cli.completion) {
      out.push(row([`shell completion: \`stop <Tab>\` among ${cli.completionServices} services`, formatSummary(cli.completion), '`zenml --help`', x(cli.completionOverHelp)]));
    }
    if (peers) {
      out.push(row([`Python ZenML ${peers.zenmlVersion} \`zenml --help\``, '', formatSummary(peers.help), `${x(peers.helpPeerOverOurs)} ours`]));
      out.push(row(['Python ZenML `model-deployer flavor list`', '', formatSummary(peers.flavorList), `${x(peers.flavorListPeerOverOurs)} ours`]));
    } else if (cli.peers) out.push(row(['Python ZenML CLI', '', skipped(cli.peers), '']));
  } else if (r.cliStart) out.push(row(['CLI start', `error: ${(r.cliStart as { error: string }).error}`, '', '']));
  if (deploy) {
    out.push(row([`Deploy → first prediction, \`local\` (${deploy.runs} runs)`, formatSummary(deploy.local.total), deploy.local.cli ? `deploy command alone ${formatSummary(deploy.local.cli)}` : '', '']));
    const p = deploy.peers;
    if (p) {
      out.push(row(['… `mlflow models serve` (sklearn)', '', 'total' in p.mlflowServe ? formatSummary(p.mlflowServe.total) : skipped(p.mlflowServe), `${x(p.mlflowServeOverLocal)} ours`]));
      out.push(row(['… our `mlflow` flavor (sklearn)', '', 'total' in p.mlflowFlavor ? formatSummary(p.mlflowFlavor.total) : skipped(p.mlflowFlavor), `${x(p.mlflowFlavorOverLocal)} ours`]));
    }
  } else if (r.deploy) out.push(row(['Deploy → first prediction', `error: ${(r.deploy as { error: string }).error}`, '', '']));
  if (tp) {
    const top = tp.local.batching.invocations[tp.local.batching.invocations.length - 1];
    out.push(row(['In-process onnxruntime (1 session, sequential)', formatSummary(tp.ceiling.runsPerS), '', '']));
    out.push(row([`Served /invocations, batching on, @${top?.connections}`, formatSummary(top?.rps), 'in-process', x(tp.overCeiling['batching.invocations'])]));
    const wrk = tp.wrk && 'points' in tp.wrk ? tp.wrk : undefined;
    if (wrk) {
      for (const [name, point] of Object.entries(wrk.points)) {
        out.push(row([`… wrk, ${name}, @${point.connections}`, formatSummary(point.rps), 'in-process', x(tp.overCeiling[`wrk.${name}`])]));
      }
    } else if (tp.wrk) out.push(row(['… wrk', skipped(tp.wrk), '', '']));
    const grpcTop = Array.isArray(tp.grpc) ? tp.grpc[tp.grpc.length - 1] : undefined;
    if (grpcTop) out.push(row([`… gRPC ModelInfer, @${grpcTop.connections} concurrent calls (${tp.grpcClient ?? 'grpc-js'})`, formatSummary(grpcTop.rps), 'in-process', x(tp.overCeiling['grpc'])]));
    else if (tp.grpc) out.push(row(['… gRPC ModelInfer', skipped(tp.grpc), '', '']));
    if (tp.peers) {
      out.push(row(['… vs `mlflow models serve` /invocations', '', Array.isArray(tp.peers.mlflowServe) ? formatSummary(tp.peers.mlflowServe.at(-1)?.rps) : skipped(tp.peers.mlflowServe), x(tp.peers.localOverMlflowServe)]));
      out.push(row(['… v2 vs MLServer v2', '', Array.isArray(tp.peers.mlserver) ? formatSummary(tp.peers.mlserver.at(-1)?.rps) : skipped(tp.peers.mlserver), x(tp.peers.localOverMlserver)]));
      out.push(...kservePeerRows(tp.peers));
    }
  } else if (r.throughput) out.push(row(['Throughput', `error: ${(r.throughput as { error: string }).error}`, '', '']));
  if (scale) {
    for (const p of scale.find) {
      const floor = p.floor ? `bare node reading the index, printing every record: ${formatSummary(p.floor)}` : '';
      out.push(row([`\`find --json\` over ${p.services.toLocaleString('en-US')} services (all printed)`, formatSummary(p.find), floor, p.floor ? x(p.findOverFloor) : '']));
      if (p.lookup) out.push(row([`… lookup among them (\`${LOOKUP_ARGS.join(' ')}\`: ${p.lookupMatches} printed)`, formatSummary(p.lookup), '', '']));
    }
    out.push(row([`${scale.deployInARow.count} deploys in a row (each / total)`, `${formatSummary(scale.deployInARow.each)} / ${fmt(scale.deployInARow.totalMs)} ms`, '', '']));
    out.push(row([`Idle model server RSS (${scale.processesPerServer} process(es))`, formatSummary(scale.idleServerRss), scale.idleRssFloor ? `bare node + one onnxruntime session: ${formatSummary(scale.idleRssFloor)}` : '', x(scale.idleRssOverFloor)]));
  } else if (r.scale) out.push(row(['Scale', `error: ${(r.scale as { error: string }).error}`, '', '']));
  const seldon = ok(r.seldonFind && !('skipped' in r.seldonFind) ? r.seldonFind : undefined);
  if (r.seldonFind && 'skipped' in r.seldonFind) out.push(row(['Seldon find', skipped(r.seldonFind), '', '']));
  else if (seldon) {
    const n = seldon.deployments.toLocaleString('en-US');
    out.push(row([`\`find --json\`, seldon, over ${n} SeldonDeployments in kube-apiserver (all printed)`, formatSummary(seldon.find), `setup: API server ${fmt(seldon.clusterStartMs)} ms, creating them ${fmt(seldon.seedMs)} ms`, '']));
    out.push(row([`… lookup among them (\`${LOOKUP_ARGS.join(' ')}\`: ${seldon.lookupMatches} printed)`, formatSummary(seldon.lookup), '', '']));
  } else if (r.seldonFind) out.push(row(['Seldon find', `error: ${(r.seldonFind as { error: string }).error}`, '', '']));
  if (r.clusterDeploy && 'skipped' in r.clusterDeploy) out.push(row(['Cluster deploy', skipped(r.clusterDeploy as { skipped: string }), '', '']));
  else if (r.clusterDeploy && 'error' in r.clusterDeploy) out.push(row(['Cluster deploy', `error: ${(r.clusterDeploy as { error: string }).error}`, '', '']));
  else if (r.clusterDeploy) {
    for (const [flavor, figure] of Object.entries(r.clusterDeploy as ClusterDeployResult)) {
      const label = `\`deploy\` → active, ${flavor}, real ${flavor === 'seldon' ? 'Seldon Core 1.17.1 operator' : 'KServe 0.20.0 manager (Standard)'} on a kwok Node`;
      if (figure && 'deploy' in figure) out.push(row([label, formatSummary((figure as ClusterDeployFigure).deploy), `setup: cluster and controller ${fmt((figure as ClusterDeployFigure).clusterStartMs)} ms`, '']));
      else if (figure) out.push(row([label, `error: ${(figure as { error: string }).error}`, '', '']));
    }
  }

  if (tp) out.push(...limitsTable(tp));
  if (tp) {
    out.push('', `Throughput (${tp.repeats} × ${tp.durationS} s per point; requests/s count 2xx answers only):`, '');
    out.push(
      row(['Server / endpoint @connections', 'req/s', 'p50', 'p99', 'CPU % server / load generator', 'problems']),
      row(['---', '---', '---', '---', '---', '---']),
    );
    out.push(...loadRows('local, batching on, /invocations', tp.local.batching.invocations));
    out.push(...loadRows('local, batching on, v2', tp.local.batching.v2));
    if (tp.wrk && 'points' in tp.wrk) {
      for (const [name, point] of Object.entries(tp.wrk.points)) out.push(...loadRows(`wrk (${tp.wrk.threads} thread), batching on, ${name}`, [point]));
    }
    out.push(...loadRows(`gRPC ModelInfer (concurrent calls, ${tp.grpcClient ?? 'grpc-js'}), batching on`, tp.grpc));
    out.push(...loadRows('local, batching off, /invocations', tp.local.noBatching.invocations));
    out.push(...loadRows('local, batching off, v2', tp.local.noBatching.v2));
    out.push(...loadRows('mlflow models serve, /invocations', tp.peers?.mlflowServe));
    out.push(...loadRows('MLServer, v2', tp.peers?.mlserver));
    out.push(...loadRows('KServe, v2 REST', tp.peers?.kserveRest));
    if (tp.peers?.kserveRestWrk) out.push(...loadRows('wrk (1 thread), KServe, v2 REST', 'connections' in tp.peers.kserveRestWrk ? [tp.peers.kserveRestWrk] : tp.peers.kserveRestWrk));
    out.push(...h2Rows('h2load, KServe, gRPC ModelInfer', tp.peers?.kserveGrpc));
  }
  out.push('', 'Targets (reported, not asserted):', '', row(['Target', 'Measured', 'Goal', 'Result']), row(['---', '---', '---', '---']));
  for (const t of r.targets) out.push(row([t.name, t.value, t.target, t.info ? '' : t.pass === undefined ? 'not measured' : t.pass ? 'pass' : 'FAIL']));
  out.push('', `Total bench time: ${Math.round(r.durationS)} s.`);
  return out.join('\n');
}

