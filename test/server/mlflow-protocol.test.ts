// MLflow scoring protocol against the real daemon: every request format, real inference compared with
// onnxruntime-node run in this process on the same rows.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { IRIS_V1, IRIS_V2, ROOT, postJson, startServer, stopAllServers, tempDir, type ServerProcess } from '../helpers/server-harness.js';
import { expectIrisClose, irisReference, irisRows, type IrisAnswer } from '../helpers/server-reference.js';
import { writeTestModels } from '../helpers/server-models.js';

const PACKAGE_VERSION: string = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;

const COLUMNS = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'];

let server: ServerProcess;
let typedPath: string;
const rows = irisRows(12);
let expected: IrisAnswer[];

beforeAll(async () => {
  const dir = tempDir();
  typedPath = writeTestModels(dir).typed;
  server = await startServer(
    {
      models: [
        { name: 'iris', version: 'v1', uri: IRIS_V1 },
        { name: 'iris-v2', version: '2', uri: IRIS_V2 },
        { name: 'typed', version: '1', uri: typedPath },
      ],
    },
    dir,
  );
  expected = await irisReference(IRIS_V1, rows);
});

afterAll(async () => {
  await stopAllServers();
});

const invoke = (body: unknown, query = '', headers: Record<string, string> = {}) => postJson(`${server.url}/invocations${query}`, body, headers);

describe('health and version', () => {
  it.each(['/ping', '/health'])('GET %s answers 200 with a newline, like MLflow', async (path) => {
    const r = await fetch(server.url + path);
    expect(r.status).toBe(200);
    expect(await r.text()).toBe('\n');
    expect(r.headers.get('x-zenml-instance')).toBe(server.runtime.instanceId);
  });

  it('GET /version answers the package version string (package.json\'s, not the 0.0.0 fallback)', async () => {
    const r = await fetch(`${server.url}/version`);
    expect(r.status).toBe(200);
    expect(PACKAGE_VERSION).not.toBe('0.0.0');
    expect(await r.text()).toBe(PACKAGE_VERSION);
  });
});

describe('POST /invocations, DataFrame inputs → records', () => {
  it('dataframe_split', async () => {
    const r = await invoke({ dataframe_split: { columns: COLUMNS, data: rows } });
    expect(r.status).toBe(200);
    expect(r.headers.get('x-zenml-instance')).toBe(server.runtime.instanceId);
    const { predictions } = r.json();
    expect(Object.keys(predictions[0])).toEqual(['probabilities', 'label']);
    expectIrisClose(predictions, expected);
  });

  it('dataframe_split with an index and without columns', async () => {
    const r = await invoke({ dataframe_split: { index: rows.map((_, i) => i), data: rows } });
    expect(r.status).toBe(200);
    expectIrisClose(r.json().predictions, expected);
  });

  it('dataframe_records', async () => {
    const records = rows.map((row) => Object.fromEntries(COLUMNS.map((c, i) => [c, row[i]])));
    const r = await invoke({ dataframe_records: records });
    expect(r.status).toBe(200);
    expectIrisClose(r.json().predictions, expected);
  });

  it('text/csv with a header row', async () => {
    const csv = [COLUMNS.join(','), ...rows.map((row) => row.join(','))].join('\n') + '\n';
    const r = await fetch(`${server.url}/invocations`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: csv });
    expect(r.status).toBe(200);
    expectIrisClose(((await r.json()) as { predictions: IrisAnswer[] }).predictions, expected);
  });

  it('params beside the data are accepted', async () => {
    const r = await invoke({ dataframe_split: { columns: COLUMNS, data: rows.slice(0, 1) }, params: { anything: 1 } });
    expect(r.status).toBe(200);
  });
});

describe('POST /invocations, tensor inputs → dict of outputs', () => {
  const asRows = (p: { probabilities: number[][]; label: number[] }): IrisAnswer[] =>
    p.label.map((label, i) => ({ label, probabilities: p.probabilities[i]! }));

  it('inputs as a list of rows', async () => {
    const r = await invoke({ inputs: rows });
    expect(r.status).toBe(200);
    const { predictions } = r.json();
    expect(Object.keys(predictions)).toEqual(['probabilities', 'label']);
    expectIrisClose(asRows(predictions), expected);
  });

  it('inputs as a dict of named inputs', async () => {
    const r = await invoke({ inputs: { input: rows } });
    expect(r.status).toBe(200);
    expectIrisClose(asRows(r.json().predictions), expected);
  });

  it('instances as a list of rows and as records of named inputs', async () => {
    const a = await invoke({ instances: rows });
    expect(a.status).toBe(200);
    expectIrisClose(asRows(a.json().predictions), expected);
    const b = await invoke({ instances: rows.map((row) => ({ input: row })) });
    expect(b.status).toBe(200);
    expectIrisClose(asRows(b.json().predictions), expected);
  });
});

describe('choosing the model', () => {
  it('serves the first model by default and others by ?model= or X-Zenml-Model', async () => {
    const v2 = await irisReference(IRIS_V2, rows);
    const body = { dataframe_split: { columns: COLUMNS, data: rows } };
    expectIrisClose((await invoke(body, '?model=iris-v2')).json().predictions, v2);
    expectIrisClose((await invoke(body, '', { 'x-zenml-model': 'iris-v2' })).json().predictions, v2);
    expectIrisClose((await invoke(body, '?model=iris')).json().predictions, expected);
  });

  it('an unknown model is a 404 naming the served ones', async () => {
    const r = await invoke({ inputs: rows }, '?model=nope');
    expect(r.status).toBe(404);
    expect(r.json().error).toMatch(/unknown model 'nope'.*iris, iris-v2, typed/);
    expect(r.json().error_code).toBe('RESOURCE_DOES_NOT_EXIST');
  });
});

describe('a multi-input model with every element type', () => {
  it('DataFrame columns feed inputs by name; int64 and bool come back as JSON numbers and booleans', async () => {
    const r = await invoke(
      { dataframe_records: [{ f64: [0.5, 1.25], i32: 7, i64: 9007199254740, flag: true }, { f64: [2, -3], i32: -4, i64: -5, flag: false }] },
      '?model=typed',
    );
    expect(r.status).toBe(200);
    expect(r.json().predictions).toEqual([
      { f64_double: [1, 2.5], i32_double: 14, i64_double: 18014398509480, flag_not: false },
      { f64_double: [4, -6], i32_double: -8, i64_double: -10, flag_not: true },
    ]);
  });

  it('a dict of named tensors', async () => {
    const r = await invoke({ inputs: { f64: [[1, 2]], i32: [3], i64: [4], flag: [false] } }, '?model=typed');
    expect(r.status).toBe(200);
    expect(r.json().predictions).toEqual({ f64_double: [[2, 4]], i32_double: [6], i64_double: [8], flag_not: [true] });
  });

  it('a bare list is refused for a model with several inputs', async () => {
    const r = await invoke({ inputs: [[1, 2]] }, '?model=typed');
    expect(r.status).toBe(400);
    expect(r.json().error).toMatch(/has 4 inputs .*object of named tensors/);
  });
});
