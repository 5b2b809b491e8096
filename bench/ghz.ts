/**
 * gRPC load with ghz (https://ghz.sh, a Go load generator: `go install github.com/bojand/ghz/cmd/ghz@v0.120.0`), when
 * installed: far cheaper per call than a grpc-js client, so the figure is the server's, not the client's.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { treeCpuSeconds } from './proc-stats.js';
import { runChild } from './processes.js';
import { REPO_ROOT } from './project.js';

const PROTO = path.join(REPO_ROOT, 'src/server/proto/grpc_predict_v2.proto');

/** The ghz executable: on PATH, or in Go's bin folder; undefined when not installed. */
export function findGhz(): string | undefined {
  const candidates = ['ghz'];
  try {
    const gopath = execFileSync('go', ['env', 'GOPATH'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    if (gopath) candidates.push(path.join(gopath, 'bin', 'ghz'));
  } catch {
    // no Go: only PATH
  }
  for (const c of candidates) {
    try {
      execFileSync(c, ['--version'], { stdio: 'ignore' });
      return c;
    } catch {
      if (c !== 'ghz' && existsSync(c)) return c;
    }
  }
  return undefined;
}

/** One ghz run: `concurrency` calls in flight on one connection for `seconds`; the same row as raw FP32 bytes. */
export async function runGhz(ghz: string, target: string, row: number[], concurrency: number, seconds: number, pid: number) {
  const raw = Buffer.from(new Float32Array(row).buffer).toString('base64');
  const data = JSON.stringify({ model_name: 'iris', inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 4] }], raw_input_contents: [raw] });
  const server0 = treeCpuSeconds(pid);
  const t0 = performance.now();
  const r = await runChild(
    ghz,
    ['--insecure', '--proto', PROTO, '--call', 'inference.GRPCInferenceService/ModelInfer', '-d', data, '-c', String(concurrency), '--connections', '1', '-z', `${seconds}s`, '-O', 'json', target],
    { timeoutMs: (seconds + 60) * 1000 },
  );
  const wallS = (performance.now() - t0) / 1000;
  if (r.code !== 0 && !r.stdout.trim().startsWith('{')) throw new Error(`ghz exited ${r.code}: ${r.stderr.slice(-500)}`);
  // count: calls made; total: the run's duration in ns; rps: count over total.
  const j = JSON.parse(r.stdout) as {
    count: number;
    rps: number;
    statusCodeDistribution?: Record<string, number>;
    latencyDistribution?: Array<{ percentage: number; latency: number }> | null;
  };
  const codes = j.statusCodeDistribution ?? {};
  const okCalls = codes.OK ?? 0;
  // ghz's rps counts every call; keep OK answers only. Calls cut by the end of the run come back as Unavailable.
  const failed = Object.entries(codes).filter(([code]) => code !== 'OK' && code !== 'Unavailable').reduce((a, [, n]) => a + n, 0);
  const lat = (p: number) => (j.latencyDistribution?.find((l) => l.percentage === p)?.latency ?? 0) / 1e6;
  return {
    rps: j.count > 0 ? (j.rps * okCalls) / j.count : 0,
    p50Ms: lat(50),
    p99Ms: lat(99),
    failed,
    // ghz is not our child for long enough to read; its CPU comes from the reaped-children times.
    clientCpuPct: undefined as number | undefined,
    serverCpuPct: (100 * (treeCpuSeconds(pid) - server0)) / wallS,
  };
}
