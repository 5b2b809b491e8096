// Hot swap: clients hammer the daemon while the admin endpoint swaps iris v1 → v2 → v1. No request may fail,
// and every request started after a swap answered must get the new model's answers.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ADMIN_TOKEN, bearer, IRIS_V1, IRIS_V2, postJson, rawRequest, startServer, stopAllServers, tempDir, type ServerProcess } from '../helpers/server-harness.js';
import { irisClose, irisReference, irisRows, type IrisAnswer } from '../helpers/server-reference.js';
import { writeTestModels } from '../helpers/server-models.js';

const rows = irisRows(6);
let v1: IrisAnswer[];
let v2: IrisAnswer[];
let server: ServerProcess;
let corrupt: string;

beforeAll(async () => {
  const dir = tempDir();
  corrupt = writeTestModels(dir).corrupt;
  server = await startServer({}, dir);
  [v1, v2] = await Promise.all([irisReference(IRIS_V1, rows), irisReference(IRIS_V2, rows)]);
});

afterAll(stopAllServers);

const swap = (name: string, version: string, uri: string) =>
  rawRequest(`${server.url}/_zenml/models/${name}`, { method: 'PUT', headers: bearer(ADMIN_TOKEN), body: JSON.stringify({ version, uri }) });

/** Which model answered: 'v1', 'v2', or 'other' (a wrong answer). */
function classify(answer: IrisAnswer[]): 'v1' | 'v2' | 'other' {
  if (answer.every((a, i) => irisClose(a, v1[i]!))) return 'v1';
  if (answer.every((a, i) => irisClose(a, v2[i]!))) return 'v2';
  return 'other';
}

interface Sample {
  status: number;
  model: string;
  startedAfter: number;
  /** Order of events (a counter, not a clock): when the request was sent and when it answered. */
  sentAt: number;
  answeredAt: number;
}

/** Event order shared by requests and swaps: a request overlapped a swap when it was in flight while the swap was. */
let clock = 0;
const tick = () => ++clock;
const overlapping = (samples: Sample[], swap: { sentAt: number; answeredAt: number }) =>
  samples.filter((s) => s.sentAt < swap.answeredAt && s.answeredAt > swap.sentAt).length;

async function ask(loop: number): Promise<{ status: number; answer?: IrisAnswer[] }> {
  // Half the loops speak MLflow, half v2, so both paths see the swap.
  if (loop % 2 === 0) {
    const r = await postJson(`${server.url}/invocations`, { dataframe_split: { columns: ['a', 'b', 'c', 'd'], data: rows } });
    return { status: r.status, answer: r.status === 200 ? r.json().predictions : undefined };
  }
  const r = await postJson(`${server.url}/v2/models/iris/infer`, { inputs: [{ name: 'input', shape: [rows.length, 4], datatype: 'FP32', data: rows.flat() }] });
  if (r.status !== 200) return { status: r.status };
  const out = r.json().outputs as { name: string; data: number[] }[];
  const probs = out.find((o) => o.name === 'probabilities')!.data;
  const labels = out.find((o) => o.name === 'label')!.data;
  return { status: 200, answer: labels.map((label, i) => ({ label, probabilities: probs.slice(i * 3, i * 3 + 3) })) };
}

describe('hot swap under load', () => {
  it('serves every request with 200 while swapping v1 → v2 → v1, and switches answers at each swap', async () => {
    const samples: Sample[] = [];
    let swapsDone = 0;
    let stop = false;
    const loops = [0, 1, 2, 3].map(async (loop) => {
      // Bounded: a loop ends when told to, or after this many requests whatever happens.
      for (let i = 0; i < 5000 && !stop; i += 1) {
        const startedAfter = swapsDone;
        const sentAt = tick();
        const { status, answer } = await ask(loop).catch(() => ({ status: 0, answer: undefined }));
        samples.push({ status, model: answer ? classify(answer) : 'none', startedAfter, sentAt, answeredAt: tick() });
      }
    });
    const waitFor = async (n: number) => {
      const target = samples.length + n;
      while (samples.length < target && !stop) await new Promise((r) => setTimeout(r, 5));
    };

    const swaps: Array<{ sentAt: number; answeredAt: number }> = [];
    try {
      await waitFor(60);
      // Phases: 0 before a swap is sent, x.5 while it is in flight (either answer is right), 1 and 2 after.
      swapsDone = 0.5;
      let sentAt = tick();
      const first = await swap('iris', 'v2', IRIS_V2);
      swaps.push({ sentAt, answeredAt: tick() });
      expect(first.status).toBe(200);
      expect(first.json()).toEqual({ name: 'iris', version: 'v2', loadMs: expect.any(Number) });
      swapsDone = 1;
      await waitFor(60);
      swapsDone = 1.5;
      sentAt = tick();
      const second = await swap('iris', 'v1', IRIS_V1);
      swaps.push({ sentAt, answeredAt: tick() });
      expect(second.status).toBe(200);
      swapsDone = 2;
      await waitFor(60);
    } finally {
      stop = true;
      await Promise.all(loops);
    }

    // The swaps happened under load: requests were in flight during each one (else "no request failed" proves nothing).
    expect(swaps.map((sw) => overlapping(samples, sw) > 0)).toEqual([true, true]);
    expect(samples.filter((s) => s.status !== 200)).toEqual([]);
    expect(samples.filter((s) => s.model === 'other' || s.model === 'none')).toEqual([]);
    const phase = (n: number) => new Set(samples.filter((s) => s.startedAfter === n).map((s) => s.model));
    expect(phase(0)).toEqual(new Set(['v1']));
    expect(phase(1)).toEqual(new Set(['v2']));
    expect(phase(2)).toEqual(new Set(['v1']));
    await server.waitForLine(/swapped model iris v1 -> v2 in \d+ ms/);
    await server.waitForLine(/swapped model iris v2 -> v1 in \d+ ms/);
  });
});

describe('swap failures and additions', () => {
  it('a model that fails to load answers 422 with onnxruntime\'s error and the old model keeps serving', async () => {
    const r = await swap('iris', 'broken', corrupt);
    expect(r.status).toBe(422);
    expect(r.json().error).toMatch(/cannot load model 'iris' version 'broken' from .*corrupt\.onnx: .*(protobuf|Protobuf)/);
    const missing = await swap('iris', 'missing', '/nonexistent/model.onnx');
    expect(missing.status).toBe(422);
    expect(missing.json().error).toMatch(/File doesn't exist|No such file|failed/);
    const status = await rawRequest(`${server.url}/_zenml/status`, { headers: bearer(ADMIN_TOKEN) });
    expect(status.json().models.map((m: { version: string }) => m.version)).toEqual(['v1']);
    const r2 = await postJson(`${server.url}/invocations`, { inputs: rows });
    expect(r2.status).toBe(200);
    expect(r2.json().predictions.label).toEqual(v1.map((a) => a.label));
  });

  it('PUT of a new name adds a model, served by name beside the default', async () => {
    const r = await swap('iris-next', '2', IRIS_V2);
    expect(r.status).toBe(200);
    const next = await postJson(`${server.url}/invocations?model=iris-next`, { inputs: rows });
    expect(classify(next.json().predictions.label.map((label: number, i: number) => ({ label, probabilities: next.json().predictions.probabilities[i] })))).toBe('v2');
    const meta = await fetch(`${server.url}/v2/models/iris-next`);
    expect(((await meta.json()) as { versions: string[] }).versions).toEqual(['2']);
    // The first configured model stays the default.
    expect((await postJson(`${server.url}/invocations`, { inputs: rows })).json().predictions.label).toEqual(v1.map((a) => a.label));
  });
});
