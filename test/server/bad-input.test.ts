// Bad input never crashes the server: each case gets a 4xx JSON error saying what was expected, and a good request
// right after it is still answered.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ADMIN_TOKEN, bearer, IRIS_V1, rawRequest, startServer, stopAllServers, tempDir, type ServerProcess } from '../helpers/server-harness.js';
import { writeTestModels } from '../helpers/server-models.js';

const LIMIT = 64 * 1024;
let server: ServerProcess;

beforeAll(async () => {
  const dir = tempDir();
  const models = writeTestModels(dir);
  server = await startServer(
    {
      maxBodyBytes: LIMIT,
      models: [
        { name: 'iris', version: 'v1', uri: IRIS_V1 },
        { name: 'typed', version: '1', uri: models.typed },
      ],
    },
    dir,
  );
});

afterAll(stopAllServers);

interface Case {
  name: string;
  method?: string;
  path: string;
  body?: string | Buffer;
  type?: string | null;
  headers?: Record<string, string>;
  status: number;
  error: RegExp;
}

const json = (v: unknown) => JSON.stringify(v);
const v2 = (inputs: unknown, extra: Record<string, unknown> = {}) => json({ inputs, ...extra });
const irisInput = (over: Record<string, unknown>) => ({ name: 'input', shape: [1, 4], datatype: 'FP32', data: [1, 2, 3, 4], ...over });

const CASES: Case[] = [
  { name: 'malformed JSON (MLflow)', path: '/invocations', body: '{"inputs": [[1,2,', status: 400, error: /^malformed JSON: / },
  { name: 'malformed JSON (v2)', path: '/v2/models/iris/infer', body: '{nope', status: 400, error: /^malformed JSON: / },
  { name: 'empty body', path: '/invocations', body: '', status: 400, error: /expected a JSON request body/ },
  { name: 'a JSON list instead of an object', path: '/invocations', body: '[1,2]', status: 400, error: /exactly one of the fields dataframe_split, dataframe_records, instances, inputs, got a list/ },
  { name: 'two input formats at once', path: '/invocations', body: json({ inputs: [[1, 2, 3, 4]], instances: [[1, 2, 3, 4]] }), status: 400, error: /exactly one of the fields .* got fields: inputs, instances/ },
  { name: 'wrong shape (MLflow tensor)', path: '/invocations', body: json({ inputs: [[1, 2, 3], [4, 5, 6]] }), status: 400, error: /^input 'input' expects shape \[-1,4\] \(FP32\), got \[2,3\] \(FP32\)$/ },
  { name: 'wrong column count (DataFrame)', path: '/invocations', body: json({ dataframe_split: { columns: ['a', 'b'], data: [[1, 2]] } }), status: 400, error: /expects shape \[-1,4\] \(FP32\), got \[1,2\]/ },
  { name: 'row longer than the columns', path: '/invocations', body: json({ dataframe_split: { columns: ['a', 'b', 'c', 'd'], data: [[1, 2, 3, 4, 5]] } }), status: 400, error: /data\[0\]' has 5 values, expected 4/ },
  { name: 'ragged nested list', path: '/invocations', body: json({ inputs: [[1, 2, 3, 4], [1, 2]] }), status: 400, error: /input 'input' is not rectangular: expected a list of 4 at \[1\], got a list of 2/ },
  { name: 'absurdly deep nesting', path: '/invocations', body: '{"inputs": ' + '['.repeat(20000) + ']'.repeat(20000) + '}', status: 400, error: /nested more than 32 levels deep/ },
  { name: 'non-numeric value', path: '/invocations', body: json({ dataframe_split: { columns: ['a', 'b', 'c', 'd'], data: [[1, 'abc', 3, 4]] } }), status: 400, error: /^input 'input' expects FP32 numbers, got "abc" at index 1$/ },
  { name: 'null value', path: '/invocations', body: json({ inputs: [[1, null, 3, 4]] }), status: 400, error: /expects FP32 numbers, got null at index 1/ },
  { name: 'record missing a column', path: '/invocations', body: json({ dataframe_records: [{ a: 1, b: 2 }, { a: 1 }] }), status: 400, error: /dataframe_records\[1\]' has no value for column 'b'/ },
  { name: 'non-numeric CSV cell', path: '/invocations', type: 'text/csv', body: 'a,b,c,d\n1,2,x,4\n', status: 400, error: /expects FP32 numbers, got "x" at index 2/ },
  { name: 'CSV row of the wrong width', path: '/invocations', type: 'text/csv', body: 'a,b,c,d\n1,2,3\n', status: 400, error: /row 1 has 3 fields, the header has 4/ },
  { name: 'unsupported content type', path: '/invocations', type: 'text/plain', body: 'hello', status: 415, error: /expected Content-Type application\/json or text\/csv, got 'text\/plain'/ },
  { name: 'missing content type', path: '/invocations', type: null, body: json({ inputs: [[1, 2, 3, 4]] }), status: 415, error: /got 'none'/ },
  { name: 'unknown model (MLflow)', path: '/invocations?model=ghost', body: json({ inputs: [[1, 2, 3, 4]] }), status: 404, error: /unknown model 'ghost'; served models: iris, typed/ },
  { name: 'unknown model (v2)', path: '/v2/models/ghost/infer', body: v2([irisInput({})]), status: 404, error: /unknown model 'ghost'/ },
  { name: 'unknown version (v2)', path: '/v2/models/iris/versions/v7/infer', body: v2([irisInput({})]), status: 404, error: /no version 'v7'; serving version 'v1'/ },
  { name: 'unknown input name (v2)', path: '/v2/models/iris/infer', body: v2([irisInput({ name: 'features' })]), status: 400, error: /model 'iris' has no input 'features'; expected inputs: input/ },
  { name: 'unknown input name (MLflow dict)', path: '/invocations', body: json({ inputs: { features: [[1, 2, 3, 4]] } }), status: 400, error: /has no input 'features'; expected inputs: input/ },
  { name: 'missing input (v2)', path: '/v2/models/typed/infer', body: v2([{ name: 'i32', shape: [1], datatype: 'INT32', data: [1] }]), status: 400, error: /missing input 'f64' \[-1,2\] \(FP64\)/ },
  { name: 'wrong datatype (v2)', path: '/v2/models/iris/infer', body: v2([irisInput({ datatype: 'FP64' })]), status: 400, error: /^input 'input' expects datatype FP32, got FP64$/ },
  { name: 'unknown datatype (v2)', path: '/v2/models/iris/infer', body: v2([irisInput({ datatype: 'FLOAT' })]), status: 400, error: /datatype "FLOAT"; expected one of FP32/ },
  { name: 'wrong shape (v2)', path: '/v2/models/iris/infer', body: v2([irisInput({ shape: [2, 3], data: [1, 2, 3, 4, 5, 6] })]), status: 400, error: /^input 'input' expects shape \[-1,4\] \(FP32\), got \[2,3\] \(FP32\)$/ },
  { name: 'data count not matching the shape (v2)', path: '/v2/models/iris/infer', body: v2([irisInput({ shape: [2, 4] })]), status: 400, error: /has 4 values, but shape \[2,4\] needs 8/ },
  { name: 'negative shape (v2)', path: '/v2/models/iris/infer', body: v2([irisInput({ shape: [-1, 4] })]), status: 400, error: /needs "shape": a list of non-negative integers/ },
  { name: 'integer out of range', path: '/v2/models/typed/infer', body: v2([{ name: 'f64', shape: [1, 2], datatype: 'FP64', data: [1, 2] }, { name: 'i32', shape: [1], datatype: 'INT32', data: [3e10] }, { name: 'i64', shape: [1], datatype: 'INT64', data: [1] }, { name: 'flag', shape: [1], datatype: 'BOOL', data: [true] }]), status: 400, error: /input 'i32' expects INT32 integers in \[-2147483648, 2147483647\], got 30000000000/ },
  { name: 'fraction for an integer input', path: '/v2/models/typed/infer', body: v2([{ name: 'f64', shape: [1, 2], datatype: 'FP64', data: [1, 2] }, { name: 'i32', shape: [1], datatype: 'INT32', data: [1] }, { name: 'i64', shape: [1], datatype: 'INT64', data: [1.5] }, { name: 'flag', shape: [1], datatype: 'BOOL', data: [true] }]), status: 400, error: /input 'i64' expects INT64 integers/ },
  { name: 'non-boolean for BOOL', path: '/v2/models/typed/infer', body: v2([{ name: 'f64', shape: [1, 2], datatype: 'FP64', data: [1, 2] }, { name: 'i32', shape: [1], datatype: 'INT32', data: [1] }, { name: 'i64', shape: [1], datatype: 'INT64', data: [1] }, { name: 'flag', shape: [1], datatype: 'BOOL', data: ['yes'] }]), status: 400, error: /input 'flag' expects BOOL values \(true\/false\), got "yes"/ },
  { name: 'unknown requested output (v2)', path: '/v2/models/iris/infer', body: v2([irisInput({})], { outputs: [{ name: 'logits' }] }), status: 400, error: /has no output 'logits'; expected outputs: probabilities, label/ },
  { name: 'no inputs (v2)', path: '/v2/models/iris/infer', body: json({ inputs: [] }), status: 400, error: /"inputs": a non-empty list/ },
  { name: 'binary header length past the body (v2)', path: '/v2/models/iris/infer', headers: { 'inference-header-content-length': '100000' }, body: v2([irisInput({})]), status: 400, error: /Inference-Header-Content-Length is 100000, but the body has only \d+ bytes/ },
  { name: 'wrong method', method: 'GET', path: '/invocations', status: 405, error: /GET is not allowed on \/invocations; use POST/ },
  { name: 'wrong method (v2 infer)', method: 'DELETE', path: '/v2/models/iris/infer', status: 405, error: /use POST/ },
  { name: 'unknown path', method: 'GET', path: '/predict', status: 404, error: /no endpoint at \/predict/ },
  { name: 'malformed percent-encoding in a model name', method: 'GET', path: '/v2/models/%E0%A4%A/ready', status: 400, error: /malformed percent-encoding/ },
  { name: 'bad swap body', method: 'PUT', path: '/_zenml/models/iris', headers: bearer(ADMIN_TOKEN), body: json({ version: 'v2' }), status: 400, error: /request body: uri: expected string, received undefined/ },
  { name: 'malformed swap JSON', method: 'PUT', path: '/_zenml/models/iris', headers: bearer(ADMIN_TOKEN), body: '{', status: 400, error: /malformed JSON/ },
  { name: 'oversized body', path: '/invocations', body: Buffer.alloc(LIMIT + 1, 32), status: 413, error: new RegExp(`request body exceeds the limit of ${LIMIT} bytes`) },
];

async function stillServes(): Promise<void> {
  const r = await rawRequest(`${server.url}/invocations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: json({ inputs: [[5.1, 3.5, 1.4, 0.2]] }),
  });
  expect(r.status).toBe(200);
  expect(r.json().predictions.label).toEqual([0]);
}

describe('bad requests get a 4xx JSON error and the server keeps serving', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const headers: Record<string, string> = { ...(c.headers ?? {}) };
    if (c.type !== null) headers['content-type'] = c.type ?? 'application/json';
    const r = await rawRequest(server.url + c.path, { method: c.method ?? 'POST', headers, body: c.body });
    expect(r.status).toBe(c.status);
    expect(r.headers['content-type']).toBe('application/json');
    expect(r.headers['x-zenml-instance']).toBe(server.runtime.instanceId);
    expect(r.json().error).toMatch(c.error);
    if (c.status === 405) expect(r.headers.allow).toBe('POST');
    await stillServes();
  });

  it('MLflow errors also carry MLflow\'s error_code and message', async () => {
    const r = await rawRequest(`${server.url}/invocations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' });
    expect(r.json()).toEqual({ error: expect.any(String), error_code: 'BAD_REQUEST', message: r.json().error });
  });

  it('a body far over the limit, streamed without a length, is cut off and the server keeps serving', async () => {
    const big = Buffer.alloc(LIMIT * 8, 32);
    const outcome = await fetch(`${server.url}/invocations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: new Blob([big]).stream(),
      duplex: 'half',
    } as RequestInit).then(
      (r) => r.status,
      () => 'connection closed',
    );
    expect([413, 'connection closed']).toContain(outcome);
    await stillServes();
  });

  it('the process is still the same one', () => {
    expect(server.proc.exitCode).toBeNull();
    expect(server.stderr()).toBe('');
  });
});
