// The daemon's life: config errors (exit 2), start failures (exit 1), the runtime file, lifecycle log lines,
// graceful SIGTERM/SIGINT drain (exit 0, port freed), a second signal exiting at once, and startModelServer.
import { afterEach, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { request, type ClientRequest } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  ADMIN_TOKEN,
  baseConfig,
  bearer,
  IRIS_V1,
  MAIN_JS,
  rawRequest,
  ROOT,
  spawnServer,
  startServer,
  stopAllServers,
  tempDir,
  type ServerProcess,
} from '../helpers/server-harness.js';

afterEach(stopAllServers);

/** Runs the daemon to completion with a config and returns exit code and output (for configs that must fail). */
async function runToExit(config: unknown) {
  const dir = tempDir();
  const { proc, configPath, out, err } = spawnServer(dir, config);
  const code = await new Promise<number | null>((res) => proc.once('exit', (c) => res(c)));
  return { code, stdout: out.join(''), stderr: err.join(''), configPath, dir };
}

/** Starts a prediction whose body is only half sent, so it stays in flight until `finish()` is called. */
function halfSentRequest(server: ServerProcess) {
  const body = JSON.stringify({ inputs: [[6.7, 3.0, 5.2, 2.3]] });
  let req!: ClientRequest;
  const response = new Promise<{ status: number; body: string }>((res, rej) => {
    req = request(`${server.url}/invocations`, {
      method: 'POST',
      agent: false,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    }, (r) => {
      let text = '';
      r.on('data', (c) => (text += c));
      r.on('end', () => res({ status: r.statusCode ?? 0, body: text }));
    });
    req.on('error', rej);
    req.write(body.slice(0, 10));
  });
  response.catch(() => undefined);
  return { response, finish: () => req.end(body.slice(10)) };
}

async function waitInflight(server: ServerProcess): Promise<void> {
  for (let i = 0; i < 500; i += 1) {
    const s = (await rawRequest(`${server.url}/_zenml/status`, { headers: bearer(ADMIN_TOKEN) })).json();
    if (s.worker.inflightRequests >= 1) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('the half-sent request never reached the server');
}

describe('config and start errors', () => {
  it('a missing key fails with exit 2 and one line naming file, key and expectation', async () => {
    const dir = tempDir();
    const config = baseConfig(dir);
    delete (config.models as Record<string, unknown>[])[0]!.uri;
    const r = await runToExit(config);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(`${r.configPath}: models.0.uri: expected string, received undefined`);
  });

  it('each bad key gets its own line', async () => {
    const r = await runToExit({ ...baseConfig(tempDir()), port: 70000, grpcPort: 'x', workers: 0, batching: { enabled: 'yes' }, timeouts: { keepAliveMs: 0 } });
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toEqual([
      expect.stringMatching(/server-config\.json: port: Too big: expected number to be <=65535$/),
      expect.stringMatching(/server-config\.json: grpcPort: expected a port number \(0 picks a free one\) or false$/),
      expect.stringMatching(/server-config\.json: workers: Too small: expected number to be >=1$/),
      expect.stringMatching(/server-config\.json: batching\.enabled: expected boolean, received string$/),
      expect.stringMatching(/server-config\.json: timeouts\.keepAliveMs: Too small: expected number to be >=1$/),
    ]);
    const crossed = await runToExit({ ...baseConfig(tempDir()), timeouts: { headersMs: 5_000, requestMs: 1_000 } });
    expect(crossed.code).toBe(2);
    expect(crossed.stderr.trim()).toMatch(/server-config\.json: timeouts\.headersMs: expected headersMs <= requestMs$/);
  });

  it('malformed JSON, a missing --config and duplicate model names also exit 2', async () => {
    const bad = await runToExit('{"instanceId": ');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/server-config\.json: \(root\): expected JSON: /);
    const { stderr, code } = await promisify(execFile)(process.execPath, [MAIN_JS]).catch((e) => e);
    expect(code).toBe(2);
    expect(stderr).toMatch(/usage: node dist\/server\/main\.js --config <server-config\.json>/);
    const m = { name: 'iris', version: 'v1', uri: IRIS_V1 };
    const dup = await runToExit({ ...baseConfig(tempDir()), models: [m, m] });
    expect(dup.code).toBe(2);
    expect(dup.stderr).toMatch(/models\.1\.name: duplicate model name 'iris'/);
  });

  it('unknown keys warn and the server still starts', async () => {
    const server = await startServer({ colour: 'blue' });
    expect(server.stderr()).toMatch(/warning: .*server-config\.json: colour: unknown key ignored/);
  });

  it('a model that cannot load exits 1 with onnxruntime\'s error', async () => {
    const r = await runToExit({ ...baseConfig(tempDir()), models: [{ name: 'iris', version: 'v1', uri: join(ROOT, 'package.json') }] });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot start the model server: cannot load model 'iris' version 'v1' from .*package\.json: /);
  });

  it('a port (HTTP or gRPC) already taken exits 1', async () => {
    const blocker = createServer();
    await new Promise<void>((res) => blocker.listen(0, '127.0.0.1', res));
    const port = (blocker.address() as { port: number }).port;
    try {
      const r = await runToExit({ ...baseConfig(tempDir()), port });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/EADDRINUSE/);
      const g = await runToExit({ ...baseConfig(tempDir()), grpcPort: port });
      expect(g.code).toBe(1);
      expect(g.stderr).toMatch(new RegExp(`cannot listen for gRPC on 127\\.0\\.0\\.1:${port}: .*EADDRINUSE`));
    } finally {
      blocker.close();
    }
  });
});

describe('running and stopping', () => {
  it('writes the runtime file and one log line per lifecycle event', async () => {
    const server = await startServer();
    expect(Object.keys(server.runtime).sort()).toEqual(['grpcPort', 'host', 'instanceId', 'pid', 'port', 'startedAt']);
    expect(server.runtime).toMatchObject({ pid: server.proc.pid, host: '127.0.0.1', instanceId: expect.stringMatching(/^test-/) });
    await server.waitForLine(/loaded model iris v1 in \d+ ms$/);
    await server.waitForLine(new RegExp(`listening on http://127\\.0\\.0\\.1:${server.runtime.port}, gRPC on 127\\.0\\.0\\.1:${server.runtime.grpcPort}$`));
  });

  it.each(['SIGTERM', 'SIGINT'] as const)('%s lets an in-flight request finish, then exits 0 and frees the port', async (signal) => {
    const server = await startServer();
    const inflight = halfSentRequest(server);
    await waitInflight(server);
    server.proc.kill(signal);
    await server.waitForLine(/shutting down/);
    // No new connections once stopping (refused, or reset if one slipped into the accept queue)...
    await expect(rawRequest(`${server.url}/ping`)).rejects.toThrow(/ECONNREFUSED|ECONNRESET/);
    // ...but the request already in flight is answered in full.
    inflight.finish();
    const answer = await inflight.response;
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body).predictions.label).toEqual([2]);
    expect(await server.exited).toEqual({ code: 0, signal: null });
    expect(server.stdout()).toMatch(/stopped\n$/);
    expect(existsSync(server.runtimeFile)).toBe(false);
    const reuse = createServer();
    await new Promise<void>((res, rej) => reuse.once('error', rej).listen(server.runtime.port, '127.0.0.1', res));
    reuse.close();
  });

  it('a second signal exits at once without waiting for in-flight requests', async () => {
    const server = await startServer();
    const inflight = halfSentRequest(server);
    await waitInflight(server);
    server.proc.kill('SIGTERM');
    await server.waitForLine(/shutting down/);
    server.proc.kill('SIGTERM');
    expect(await server.exited).toEqual({ code: 143, signal: null });
    await expect(inflight.response).rejects.toThrow();
  });
});

describe('startModelServer (programmatic)', () => {
  it('starts in-process on a free port, serves, and closes', async () => {
    // A separate node process: onnxruntime inside jest's VM cannot read its own outputs (see server-reference.ts).
    const script = `
      import { startModelServer } from './dist/server/index.js';
      const lines = [];
      const s = await startModelServer({ instanceId: 'prog', adminToken: 'a', models: [{ name: 'iris', version: '1', uri: 'examples/iris/model.onnx' }] }, { log: (l) => lines.push(l) });
      const r = await fetch(s.url + '/invocations', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ inputs: [[5.1, 3.5, 1.4, 0.2]] }) });
      const out = { port: s.port, grpcPort: s.grpcPort, url: s.url, status: r.status, instance: r.headers.get('x-zenml-instance'), body: await r.json() };
      await s.close();
      out.closed = await fetch(s.url + '/ping').then(() => 'still open', () => 'refused');
      out.lines = lines;
      process.stdout.write(JSON.stringify(out));
    `;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, timeout: 30_000 });
    const out = JSON.parse(stdout);
    expect(out.port).toBeGreaterThan(0);
    expect(out.url).toBe(`http://127.0.0.1:${out.port}`);
    expect(out).toMatchObject({ status: 200, instance: 'prog', closed: 'refused', body: { predictions: { label: [0] } } });
    expect(out.lines).toEqual([expect.stringMatching(/^loaded model iris 1 in \d+ ms$/), `listening on ${out.url}, gRPC on 127.0.0.1:${out.grpcPort}`]);
  });
});
