// workers = 2: node:cluster workers share the port; a model swap answers only after both workers switched; metrics
// are summed over workers; a dead worker is replaced with the current models; SIGTERM stops them all.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync } from 'node:fs';
import { ADMIN_TOKEN, bearer, IRIS_V1, IRIS_V2, rawRequest, startServer, stopAllServers, tempDir, type ServerProcess } from '../helpers/server-harness.js';
import { irisClose, irisReference, irisRows, type IrisAnswer } from '../helpers/server-reference.js';
import { writeTestModels } from '../helpers/server-models.js';

const rows = irisRows(5);
let v1: IrisAnswer[];
let v2: IrisAnswer[];
let server: ServerProcess;
let corrupt: string;

beforeAll(async () => {
  const dir = tempDir();
  corrupt = writeTestModels(dir).corrupt;
  server = await startServer({ workers: 2 }, dir);
  [v1, v2] = await Promise.all([irisReference(IRIS_V1, rows), irisReference(IRIS_V2, rows)]);
});

afterAll(stopAllServers);

const status = async () => (await rawRequest(`${server.url}/_zenml/status`, { headers: bearer(ADMIN_TOKEN) })).json();

/** One prediction on a fresh connection: which worker answered and which model's answers it gave. */
async function predictFresh(): Promise<{ worker: string; model: string; status: number }> {
  const r = await rawRequest(`${server.url}/invocations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ dataframe_split: { columns: ['a', 'b', 'c', 'd'], data: rows } }),
  });
  const answer = r.status === 200 ? (r.json().predictions as IrisAnswer[]) : [];
  const model = answer.every((a, i) => irisClose(a, v1[i]!)) ? 'v1' : answer.every((a, i) => irisClose(a, v2[i]!)) ? 'v2' : 'other';
  return { worker: String(r.headers['x-zenml-worker']), model, status: r.status };
}

/** Predictions on fresh connections until both workers have answered (round-robin gets there in a few). */
async function fromBothWorkers(): Promise<Array<{ worker: string; model: string; status: number }>> {
  const seen: Array<{ worker: string; model: string; status: number }> = [];
  for (let i = 0; i < 40 && new Set(seen.map((s) => s.worker)).size < 2; i += 1) seen.push(await predictFresh());
  return seen;
}

const swap = (version: string, uri: string) =>
  rawRequest(`${server.url}/_zenml/models/iris`, { method: 'PUT', headers: bearer(ADMIN_TOKEN), body: JSON.stringify({ version, uri }) });

describe('a cluster of two workers', () => {
  it('both workers serve on the one port, with the primary\'s pid in the runtime file', async () => {
    const answers = await fromBothWorkers();
    expect(new Set(answers.map((a) => a.worker))).toEqual(new Set(['1', '2']));
    expect(answers.every((a) => a.model === 'v1' && a.status === 200)).toBe(true);
    const s = await status();
    expect(s).toMatchObject({ pid: server.runtime.pid, workers: 2, instanceId: server.runtime.instanceId });
    expect(s.worker.pid).not.toBe(server.runtime.pid);
  });

  it('a swap answers after both workers switched: every request after it gets v2, from either worker', async () => {
    let stop = false;
    const during: number[] = [];
    const load = [0, 1].map(async () => {
      for (let i = 0; i < 2000 && !stop; i += 1) during.push((await predictFresh()).status);
    });
    try {
      const r = await swap('v2', IRIS_V2);
      expect(r.status).toBe(200);
      expect(r.json()).toMatchObject({ name: 'iris', version: 'v2' });
    } finally {
      stop = true;
      await Promise.all(load);
    }
    expect(during.filter((s) => s !== 200)).toEqual([]);
    const after = await fromBothWorkers();
    expect(new Set(after.map((a) => a.worker))).toEqual(new Set(['1', '2']));
    expect(after.map((a) => a.model).every((m) => m === 'v2')).toBe(true);
    await server.waitForLine(/\[worker 1\] swapped model iris to v2/);
    await server.waitForLine(/\[worker 2\] swapped model iris to v2/);
    await server.waitForLine(/swapped model iris v1 -> v2 in 2 workers/);
  });

  it('a failed load answers 422 and leaves both workers on the old version', async () => {
    const r = await swap('broken', corrupt);
    expect(r.status).toBe(422);
    expect(r.json().error).toMatch(/corrupt\.onnx/);
    const after = await fromBothWorkers();
    expect(after.every((a) => a.model === 'v2')).toBe(true);
  });

  it('metrics are summed over the workers', async () => {
    const before = await metricValue('zenml_server_requests_total{model="iris",endpoint="invocations",code="200",protocol="http"}');
    await fromBothWorkers();
    const sent = 6;
    for (let i = 0; i < sent; i += 1) await predictFresh();
    const after = await metricValue('zenml_server_requests_total{model="iris",endpoint="invocations",code="200",protocol="http"}');
    expect(after - before).toBeGreaterThanOrEqual(sent + 2);
  });

  it('a worker that dies is replaced, serving the current version', async () => {
    const victim = (await status()).worker;
    process.kill(victim.pid, 'SIGKILL');
    await server.waitForLine(new RegExp(`worker ${victim.index} exited .*starting a replacement`));
    let replaced = false;
    for (let i = 0; i < 200 && !replaced; i += 1) {
      const s = await status();
      replaced = s.worker.index === victim.index && s.worker.pid !== victim.pid;
      if (replaced) expect(s.models[0].version).toBe('v2');
      else await new Promise((r) => setTimeout(r, 25));
    }
    expect(replaced).toBe(true);
    expect((await fromBothWorkers()).every((a) => a.model === 'v2' && a.status === 200)).toBe(true);
  });

  it('SIGTERM stops the workers and the primary with exit code 0 and frees the port', async () => {
    const pids = new Set<number>();
    for (let i = 0; i < 10 && pids.size < 2; i += 1) pids.add((await status()).worker.pid);
    server.proc.kill('SIGTERM');
    expect(await server.exited).toEqual({ code: 0, signal: null });
    for (const pid of pids) expect(alive(pid)).toBe(false);
    expect(existsSync(server.runtimeFile)).toBe(false);
    await expect(rawRequest(`${server.url}/ping`)).rejects.toThrow(/ECONNREFUSED/);
  });
});

async function metricValue(series: string): Promise<number> {
  const text = (await rawRequest(`${server.url}/metrics`)).text;
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.split(' ').at(-1));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
