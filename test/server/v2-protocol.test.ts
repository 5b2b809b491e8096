// Open Inference Protocol v2 against the real daemon: metadata, health, readiness, and infer compared with
// onnxruntime-node on the same rows.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { IRIS_V1, ROOT, postJson, startServer, stopAllServers, tempDir, type ServerProcess } from '../helpers/server-harness.js';
import { expectIrisClose, irisReference, irisRows, type IrisAnswer } from '../helpers/server-reference.js';
import { writeTestModels } from '../helpers/server-models.js';

const PACKAGE_VERSION: string = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;

let server: ServerProcess;
const rows = irisRows(9);
let expected: IrisAnswer[];

beforeAll(async () => {
  const dir = tempDir();
  const models = writeTestModels(dir);
  server = await startServer(
    {
      models: [
        { name: 'iris', version: 'v1', uri: IRIS_V1 },
        { name: 'typed', version: '3', uri: models.typed },
        { name: 'fixed', version: '1', uri: models.fixed },
      ],
    },
    dir,
  );
  expected = await irisReference(IRIS_V1, rows);
});

afterAll(stopAllServers);

const get = async (path: string) => {
  const r = await fetch(server.url + path);
  return { status: r.status, body: (await r.json()) as any, instance: r.headers.get('x-zenml-instance') };
};

type V2Output = { name: string; shape: number[]; datatype: string; data: unknown[] };
function toAnswers(outputs: V2Output[]): IrisAnswer[] {
  const probs = outputs.find((o) => o.name === 'probabilities')!;
  const label = outputs.find((o) => o.name === 'label')!;
  return (label.data as number[]).map((l, i) => ({ label: l, probabilities: (probs.data as number[]).slice(i * 3, i * 3 + 3) }));
}

describe('metadata and health', () => {
  it('GET /v2 describes the server', async () => {
    const r = await get('/v2');
    expect(r.status).toBe(200);
    expect(PACKAGE_VERSION).not.toBe('0.0.0');
    expect(r.body).toEqual({ name: 'zenml-model-server', version: PACKAGE_VERSION, extensions: ['binary_tensor_data'] });
    expect(r.instance).toBe(server.runtime.instanceId);
  });

  it.each([
    ['/v2/health/live', { live: true }],
    ['/v2/health/ready', { ready: true }],
    ['/v2/models/iris/ready', { name: 'iris', ready: true }],
    ['/v2/models/iris/versions/v1/ready', { name: 'iris', ready: true }],
  ])('GET %s is 200', async (path, body) => {
    const r = await get(path);
    expect(r.status).toBe(200);
    expect(r.body).toEqual(body);
  });

  it('model metadata comes from the session: names, datatypes, -1 for dynamic dims', async () => {
    const expectedMeta = {
      name: 'iris',
      versions: ['v1'],
      platform: 'onnxruntime_onnx',
      inputs: [{ name: 'input', datatype: 'FP32', shape: [-1, 4] }],
      outputs: [
        { name: 'probabilities', datatype: 'FP32', shape: [-1, 3] },
        { name: 'label', datatype: 'INT64', shape: [-1] },
      ],
    };
    expect((await get('/v2/models/iris')).body).toEqual(expectedMeta);
    expect((await get('/v2/models/iris/versions/v1')).body).toEqual(expectedMeta);
    const typed = (await get('/v2/models/typed')).body;
    expect(typed.inputs.map((i: { datatype: string }) => i.datatype)).toEqual(['FP64', 'INT32', 'INT64', 'BOOL']);
    expect((await get('/v2/models/fixed')).body.inputs).toEqual([{ name: 'x', datatype: 'FP32', shape: [1, 4] }]);
  });

  it('unknown models and versions are 404s', async () => {
    for (const path of ['/v2/models/nope', '/v2/models/iris/versions/v9', '/v2/models/nope/ready', '/v2/models/iris/versions/v9/ready']) {
      const r = await get(path);
      expect(r.status).toBe(404);
      expect(r.body.error).toMatch(/unknown model 'nope'|no version 'v9'; serving version 'v1'/);
    }
  });
});

describe('infer', () => {
  const input = (data: unknown, shape = [rows.length, 4]) => ({ name: 'input', shape, datatype: 'FP32', data });

  it('flat row-major data; the answer echoes the id and flattens outputs', async () => {
    const r = await postJson(`${server.url}/v2/models/iris/infer`, { id: 'req-1', inputs: [input(rows.flat())] });
    expect(r.status).toBe(200);
    const body = r.json();
    expect(body).toMatchObject({ model_name: 'iris', model_version: 'v1', id: 'req-1' });
    expect(body.outputs.map((o: V2Output) => [o.name, o.shape, o.datatype])).toEqual([
      ['probabilities', [rows.length, 3], 'FP32'],
      ['label', [rows.length], 'INT64'],
    ]);
    expectIrisClose(toAnswers(body.outputs), expected);
  });

  it('nested data and a versioned path', async () => {
    const r = await postJson(`${server.url}/v2/models/iris/versions/v1/infer`, { inputs: [input(rows)] });
    expect(r.status).toBe(200);
    expect(typeof r.json().id).toBe('string');
    expectIrisClose(toAnswers(r.json().outputs), expected);
  });

  it('the outputs list selects outputs', async () => {
    const r = await postJson(`${server.url}/v2/models/iris/infer`, { inputs: [input(rows)], outputs: [{ name: 'label' }] });
    expect(r.status).toBe(200);
    expect(r.json().outputs).toEqual([{ name: 'label', shape: [rows.length], datatype: 'INT64', data: expected.map((e) => e.label) }]);
  });

  it('every element type round-trips', async () => {
    const r = await postJson(`${server.url}/v2/models/typed/infer`, {
      inputs: [
        { name: 'f64', shape: [2, 2], datatype: 'FP64', data: [0.1, 0.2, 1e300, -7.5] },
        { name: 'i32', shape: [2], datatype: 'INT32', data: [2147483647 >> 1, -3] },
        { name: 'i64', shape: [2], datatype: 'INT64', data: [4503599627370495, -1] },
        { name: 'flag', shape: [2], datatype: 'BOOL', data: [true, false] },
      ],
    });
    expect(r.status).toBe(200);
    expect(r.json().outputs).toEqual([
      { name: 'f64_double', shape: [2, 2], datatype: 'FP64', data: [0.2, 0.4, 2e300, -15] },
      { name: 'i32_double', shape: [2], datatype: 'INT32', data: [2147483646, -6] },
      { name: 'i64_double', shape: [2], datatype: 'INT64', data: [9007199254740990, -2] },
      { name: 'flag_not', shape: [2], datatype: 'BOOL', data: [false, true] },
    ]);
  });

  it('a model with a fixed batch dimension is served as declared', async () => {
    const r = await postJson(`${server.url}/v2/models/fixed/infer`, { inputs: [{ name: 'x', shape: [1, 4], datatype: 'FP32', data: [1, 2, 3, 4] }] });
    expect(r.status).toBe(200);
    expect(r.json().outputs).toEqual([{ name: 'y', shape: [1, 4], datatype: 'FP32', data: [2, 4, 6, 8] }]);
    const bad = await postJson(`${server.url}/v2/models/fixed/infer`, { inputs: [{ name: 'x', shape: [2, 4], datatype: 'FP32', data: [1, 2, 3, 4, 5, 6, 7, 8] }] });
    expect(bad.status).toBe(400);
    expect(bad.json().error).toBe("input 'x' expects shape [1,4] (FP32), got [2,4] (FP32)");
  });
});
