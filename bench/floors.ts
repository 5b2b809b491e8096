/**
 * The limits of this machine for the throughput figure, measured in the same run with the same load generators as
 * the served figures: nginx (a C HTTP stack, when installed) and a bare node:http server under wrk; a bare
 * node:http2 server with gRPC framing and a bare grpc-js server under h2load; and the serial limit of one event loop
 * that answers with the floor's cost and runs onnxruntime in series, 1 / (1/floor + 1/ort).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import protobuf from 'protobufjs';
import { runH2load, type H2Run, type H2Target } from './h2load.js';
import { stopGroup, trackProcess } from './processes.js';
import { REPO_ROOT } from './project.js';
import { summarize, type Summary } from './stats.js';

type Skipped = { skipped: string };

/** `repeats` h2load runs at one load shape, as one point. */
export interface H2Point {
  clients: number;
  streams: number;
  rps: Summary;
  /** h2load's mean request time (it reports no percentiles). */
  meanMs: Summary;
  /** p99 request time, from h2load's per-request log. */
  p99?: Summary;
  /** Summed over the runs: answers other than 2xx. */
  non2xx: number;
  /** Summed over the runs: h2load's failed calls (each run may cut up to clients × streams in flight at its end). */
  failed: number;
  serverCpu?: Summary;
  clientCpu: Summary;
}

/** The h2load shape of every gRPC point: 8 connections × 4 streams, 32 calls in flight (as wrk's 32 connections). */
export const H2_CLIENTS = 8;
export const H2_STREAMS = 4;

/** The serial limit of one event loop doing `floor`'s work and `ort`'s in series, per second. */
export function serialLimit(floor: number | undefined, ort: number | undefined): number | undefined {
  if (!floor || !ort) return undefined;
  return Math.round(1 / (1 / floor + 1 / ort));
}

/** The fixed answer of the HTTP floor and nginx: 20 bytes of JSON, about what a one-row prediction answers. */
export const FIXED_JSON = '{"predictions":[10]}';

const PROTO = path.join(REPO_ROOT, 'src/server/proto/grpc_predict_v2.proto');
const root = protobuf.parse(readFileSync(PROTO, 'utf8'), { keepCase: true }).root;

function frame(message: Uint8Array): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt32BE(message.length, 1);
  return Buffer.concat([head, message]);
}

/** The framed one-row ModelInferRequest (raw FP32 contents, as tritonclient sends) every gRPC point sends. */
export function grpcInferBody(row: number[]): Buffer {
  const type = root.lookupType('inference.ModelInferRequest');
  const message = { model_name: 'iris', inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 4] }], raw_input_contents: [Buffer.from(new Float32Array(row).buffer)] };
  return frame(type.encode(type.fromObject(message)).finish());
}

/** What the served iris model answers to one row (the id a server-made uuid), for the floors to send back. */
function grpcInferReply(): Buffer {
  const type = root.lookupType('inference.ModelInferResponse');
  const message = {
    model_name: 'iris',
    model_version: '1',
    id: '00000000-0000-4000-8000-000000000000',
    outputs: [
      { name: 'label', datatype: 'INT64', shape: [1] },
      { name: 'probabilities', datatype: 'FP32', shape: [1, 3] },
    ],
    raw_output_contents: [Buffer.alloc(8), Buffer.alloc(12)],
  };
  return Buffer.from(type.encode(type.fromObject(message)).finish());
}

/** A free port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A running floor server. */
export interface FloorServer {
  pid: number;
  port: number;
  stop(): Promise<void>;
}

const accepts = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });

/** Spawns a tracked server in its own group and waits for `ready` on its output, or for its port (at most 30 s). */
function startServer(command: string, args: string[], port: number, ready: RegExp | 'port', label: string): Promise<FloorServer> {
  const child = spawn(command, args, { cwd: REPO_ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const pid = child.pid;
  if (pid === undefined) return Promise.reject(new Error(`cannot start ${label}`));
  trackProcess(pid, label);
  let out = '';
  return new Promise((resolve, reject) => {
    const stop = () => stopGroup(pid, 2000);
    const timer = setTimeout(() => void stop().then(() => reject(new Error(`${label} did not start within 30 s: ${out.slice(-800)}`))), 30_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      if (ready !== 'port' && ready.test(out)) {
        clearTimeout(timer);
        resolve({ pid, port, stop });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    if (ready === 'port') {
      const poll = async () => {
        while (child.exitCode === null && !(await accepts(port))) await new Promise((r) => setTimeout(r, 50));
        clearTimeout(timer);
        if (child.exitCode === null) resolve({ pid, port, stop });
      };
      void poll();
    }
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${label} exited ${code}: ${out.slice(-800)}`));
    });
  });
}

/**
 * One of bench/floor-servers.ts's servers, answering `reply` (by default FIXED_JSON, or a one-row ModelInferResponse);
 * the http one spins `spinUs` µs per request first.
 */
export async function startFloorServer(mode: 'http' | 'h2grpc' | 'grpcjs', reply = mode === 'http' ? Buffer.from(FIXED_JSON) : grpcInferReply(), spinUs = 0): Promise<FloorServer> {
  const port = await freePort();
  const args = ['--import', 'tsx', path.join(REPO_ROOT, 'bench', 'floor-servers.ts'), mode, String(port), reply.toString('hex'), String(spinUs)];
  return startServer(process.execPath, args, port, /^listening$/m, `floor server ${mode}`);
}

/** nginx with one worker answering FIXED_JSON to everything, or undefined when nginx is not installed. */
export async function startNginx(): Promise<(FloorServer & { version: string }) | undefined> {
  // nginx -v prints its version to stderr.
  const probe = spawnSync('nginx', ['-v'], { encoding: 'utf8' });
  if (probe.error) return undefined;
  const version = probe.stderr.replace(/^nginx version:\s*nginx\/?/, '').trim();
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), 'zenml-bench-nginx-'));
  for (const sub of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(path.join(dir, sub));
  writeFileSync(
    path.join(dir, 'nginx.conf'),
    `daemon off;
master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  server {
    listen 127.0.0.1:${port};
    location / { default_type application/json; return 200 '${FIXED_JSON}'; }
  }
}
`,
  );
  try {
    const server = await startServer('nginx', ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-e', path.join(dir, 'error.log')], port, 'port', 'nginx');
    return { ...server, version: version.trim(), stop: () => server.stop().finally(() => rmSync(dir, { recursive: true, force: true })) };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/** `repeats` h2load runs of `seconds` against `target` at the standard shape. */
export async function h2Point(target: H2Target, seconds: number, repeats: number): Promise<H2Point> {
  const runs = [];
  for (let i = 0; i < repeats; i++) runs.push(await runH2load(target, H2_CLIENTS, H2_STREAMS, seconds));
  return h2PointOf(runs, target.pid !== undefined);
}

/** h2load `runs` of one target, summarised as an H2Point (`withServer`: the runs measured its CPU). */
export function h2PointOf(runs: H2Run[], withServer: boolean): H2Point {
  return {
    clients: H2_CLIENTS,
    streams: H2_STREAMS,
    rps: summarize(runs.map((r) => r.rps), 'req/s'),
    meanMs: summarize(runs.map((r) => r.meanMs), 'ms'),
    p99: runs.every((r) => r.p99Ms !== undefined) ? summarize(runs.map((r) => r.p99Ms!), 'ms') : undefined,
    non2xx: runs.reduce((a, r) => a + r.non2xx, 0),
    failed: runs.reduce((a, r) => a + r.failed, 0),
    serverCpu: withServer ? summarize(runs.map((r) => r.serverCpuPct ?? 0), '%') : undefined,
    clientCpu: summarize(runs.map((r) => r.clientCpuPct), '%'),
  };
}

export type { Skipped };

/** One call to check that a gRPC target answers `body` with grpc-status 0 (h2load sees HTTP statuses only). */
export async function checkGrpcOk(url: string, body: Buffer): Promise<void> {
  const { connect } = await import('node:http2');
  const u = new URL(url);
  const session = connect(u.origin);
  try {
    const status = await new Promise<string>((resolve, reject) => {
      session.once('error', reject);
      const stream = session.request({ ':method': 'POST', ':path': u.pathname, 'content-type': 'application/grpc', te: 'trailers' });
      let s = 'none';
      const read = (h: Record<string, unknown>) => h['grpc-status'] !== undefined && (s = `${h['grpc-status']}${h['grpc-message'] ? ` (${h['grpc-message']})` : ''}`);
      stream.on('response', read);
      stream.on('trailers', read);
      stream.on('data', () => undefined);
      stream.on('error', reject);
      stream.on('close', () => resolve(s));
      stream.end(body);
    });
    if (!/^0\b/.test(status)) throw new Error(`${url} answers grpc-status ${status}, not 0: the load would measure errors`);
  } finally {
    session.destroy();
  }
}
