// inference.GRPCInferenceService against the real daemon with an @grpc/grpc-js client built from the shipped proto:
// health and metadata, ModelInfer with raw and typed contents (the same values as JSON over HTTP), errors as gRPC
// status codes, the auth token, metrics with protocol="grpc", hot swap, cluster workers, and grpcPort false.
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { status } from '@grpc/grpc-js';
import { readFileSync } from 'node:fs';
import { ADMIN_TOKEN, bearer, IRIS_V1, IRIS_V2, postJson, rawRequest, startServer, stopAllServers, tempDir, type ServerProcess } from '../helpers/server-harness.js';
import { irisRows } from '../helpers/server-reference.js';
import { writeTestModels } from '../helpers/server-models.js';
import { grpcClient, ok, type V2GrpcClient } from '../helpers/grpc-client.js';
import { fromBytes, toBytes } from '../helpers/v2-binary-client.js';

const rows = irisRows(5);
const flat = rows.flat();
const irisInput = { name: 'input', datatype: 'FP32', shape: [rows.length, 4] };
const clients: V2GrpcClient[] = [];
const connect = (server: ServerProcess) => {
  const c = grpcClient(server.runtime.grpcPort);
  clients.push(c);
  return c;
};

afterEach(() => clients.splice(0).forEach((c) => c.close()));

async function httpAnswer(server: ServerProcess, headers: Record<string, string> = {}) {
  const r = await postJson(`${server.url}/v2/models/iris/infer`, { inputs: [{ ...irisInput, data: flat }] }, headers);
  expect(r.status).toBe(200);
  return Object.fromEntries((r.json().outputs as Array<{ name: string; data: unknown[] }>).map((o) => [o.name, o.data]));
}

// Raw output contents decoded per the spec, keyed by output name.
function rawOutputs(reply: any): Record<string, unknown[]> {
  return Object.fromEntries(reply.outputs.map((o: any, i: number) => [o.name, fromBytes(o.datatype, reply.raw_output_contents[i])]));
}

describe('one server', () => {
  let server: ServerProcess;
  let client: V2GrpcClient;

  beforeAll(async () => {
    const dir = tempDir();
    const models = writeTestModels(dir);
    server = await startServer(
      {
        models: [
          { name: 'iris', version: 'v1', uri: IRIS_V1 },
          { name: 'typed', version: '3', uri: models.typed },
          { name: 'strings', version: '1', uri: models.strings },
        ],
      },
      dir,
    );
  });
  afterAll(stopAllServers);
  beforeAll(() => void (client = grpcClient(server.runtime.grpcPort)));
  afterAll(() => client.close());

  it('publishes its gRPC port in the runtime file and the log', async () => {
    expect(server.runtime.grpcPort).toEqual(expect.any(Number));
    expect(server.runtime.grpcPort).not.toBe(server.runtime.port);
    await server.waitForLine(new RegExp(`gRPC on 127\\.0\\.0\\.1:${server.runtime.grpcPort}`));
  });

  it('answers health and metadata', async () => {
    expect(await ok(client.call('ServerLive', {}))).toEqual({ live: true });
    expect(await ok(client.call('ServerReady', {}))).toEqual({ ready: true });
    expect(await ok(client.call('ModelReady', { name: 'iris', version: '' }))).toEqual({ ready: true });
    expect(await ok(client.call('ModelReady', { name: 'iris', version: 'v1' }))).toEqual({ ready: true });
    const meta = await ok(client.call('ServerMetadata', {}));
    expect(meta).toEqual({ name: 'zenml-model-server', version: expect.stringMatching(/^\d+\.\d+\.\d+/), extensions: ['binary_tensor_data'] });
    const model = await ok(client.call('ModelMetadata', { name: 'iris' }));
    const http = (await rawRequest(`${server.url}/v2/models/iris`)).json();
    expect(model).toEqual(http);
  });

  it('ModelInfer with raw_input_contents answers raw_output_contents with the same values as JSON over HTTP', async () => {
    const reply = await ok(client.call('ModelInfer', { model_name: 'iris', id: 'r1', inputs: [irisInput], raw_input_contents: [toBytes('FP32', flat)] }));
    expect(reply.model_name).toBe('iris');
    expect(reply.model_version).toBe('v1');
    expect(reply.id).toBe('r1');
    expect(Object.fromEntries(reply.outputs.map((o: any) => [o.name, [o.datatype, o.shape]]))).toEqual({
      label: ['INT64', [rows.length]],
      probabilities: ['FP32', [rows.length, 3]],
    });
    expect(rawOutputs(reply)).toEqual(await httpAnswer(server));
  });

  it('ModelInfer with typed contents answers typed contents with the same values', async () => {
    const reply = await ok(
      client.call('ModelInfer', { model_name: 'iris', inputs: [{ ...irisInput, contents: { fp32_contents: flat } }], outputs: [{ name: 'probabilities' }, { name: 'label' }] }),
    );
    expect(reply.raw_output_contents).toEqual([]);
    expect(reply.outputs.map((o: any) => o.name)).toEqual(['probabilities', 'label']);
    const typed = { probabilities: reply.outputs[0].contents.fp32_contents, label: reply.outputs[1].contents.int64_contents };
    expect(typed).toEqual(await httpAnswer(server));
  });

  it('raw BOOL, INT64 and FP64 inputs, and typed BYTES', async () => {
    const reply = await ok(
      client.call('ModelInfer', {
        model_name: 'typed',
        inputs: [
          { name: 'f64', datatype: 'FP64', shape: [1, 2] },
          { name: 'i32', datatype: 'INT32', shape: [1] },
          { name: 'i64', datatype: 'INT64', shape: [1] },
          { name: 'flag', datatype: 'BOOL', shape: [1] },
        ],
        raw_input_contents: [toBytes('FP64', [0.25, -1]), toBytes('INT32', [21]), toBytes('INT64', [2 ** 40]), toBytes('BOOL', [false])],
      }),
    );
    expect(rawOutputs(reply)).toEqual({ f64_double: [0.5, -2], i32_double: [42], i64_double: [2 ** 41], flag_not: [true] });
    const strings = await ok(
      client.call('ModelInfer', { model_name: 'strings', inputs: [{ name: 'text', datatype: 'BYTES', shape: [2], contents: { bytes_contents: [Buffer.from('a'), Buffer.from('ü')] } }] }),
    );
    expect(strings.outputs[0].contents.bytes_contents.map((b: Buffer) => b.toString('utf8'))).toEqual(['a', 'ü']);
  });

  it.each([
    ['an unknown model', { model_name: 'nope', inputs: [irisInput], raw_input_contents: [toBytes('FP32', flat)] }, status.NOT_FOUND, /unknown model 'nope'/],
    ['an unknown version', { model_name: 'iris', model_version: '9', inputs: [irisInput], raw_input_contents: [toBytes('FP32', flat)] }, status.NOT_FOUND, /has no version '9'/],
    ['raw bytes that do not match shape × datatype', { model_name: 'iris', inputs: [irisInput], raw_input_contents: [toBytes('FP32', flat).subarray(4)] }, status.INVALID_ARGUMENT, /needs 80 \(20 × 4\)/],
    ['fewer raw contents than inputs', { model_name: 'typed', inputs: [irisInput, { ...irisInput, name: 'x' }], raw_input_contents: [toBytes('FP32', flat)] }, status.INVALID_ARGUMENT, /raw_input_contents has 1 entries, but there are 2 inputs/],
    ['a wrong shape', { model_name: 'iris', inputs: [{ ...irisInput, shape: [4, 5] }], raw_input_contents: [toBytes('FP32', flat)] }, status.INVALID_ARGUMENT, /input 'input' expects shape \[-1,4\] \(FP32\), got \[4,5\]/],
    ['a wrong datatype', { model_name: 'iris', inputs: [{ ...irisInput, datatype: 'INT32' }], raw_input_contents: [toBytes('INT32', flat)] }, status.INVALID_ARGUMENT, /expects datatype FP32, got INT32/],
    ['contents in the wrong field', { model_name: 'iris', inputs: [{ ...irisInput, contents: { fp64_contents: flat } }] }, status.INVALID_ARGUMENT, /contents.fp32_contents, but contents.fp64_contents is set/],
    ['an unknown output', { model_name: 'iris', inputs: [irisInput], outputs: [{ name: 'nope' }], raw_input_contents: [toBytes('FP32', flat)] }, status.INVALID_ARGUMENT, /has no output 'nope'/],
    ['no model name', { inputs: [irisInput] }, status.INVALID_ARGUMENT, /names no model/],
    ['both raw and typed contents', { model_name: 'iris', inputs: [{ ...irisInput, contents: { fp32_contents: flat } }], raw_input_contents: [toBytes('FP32', flat)] }, status.INVALID_ARGUMENT, /input 'input' has contents, but the request sends raw_input_contents/],
  ])('ModelInfer with %s fails with the right status code', async (_name, request, code, details) => {
    const r = await client.call('ModelInfer', request);
    expect(r).toEqual({ ok: false, code, details: expect.stringMatching(details) });
    expect((await client.call('ServerLive', {})).ok).toBe(true);
  });

  it('ModelReady and ModelMetadata of an unknown model are NOT_FOUND', async () => {
    expect(await client.call('ModelReady', { name: 'nope' })).toEqual({ ok: false, code: status.NOT_FOUND, details: expect.stringMatching(/unknown model 'nope'/) });
    expect((await client.call('ModelMetadata', { name: 'nope' })) as any).toMatchObject({ ok: false, code: status.NOT_FOUND });
  });

  it('counts gRPC calls in the metrics with protocol="grpc" and the status name', async () => {
    await ok(client.call('ModelInfer', { model_name: 'iris', inputs: [irisInput], raw_input_contents: [toBytes('FP32', flat)] }));
    await client.call('ModelInfer', { model_name: 'iris', inputs: [{ ...irisInput, shape: [4, 5] }], raw_input_contents: [toBytes('FP32', flat)] });
    const text = (await rawRequest(`${server.url}/metrics`)).text;
    const value = (series: string) => Number(text.split('\n').find((l) => l.startsWith(`${series} `))?.split(' ')[1]);
    expect(value('zenml_server_requests_total{model="iris",endpoint="v2_infer",code="OK",protocol="grpc"}')).toBeGreaterThanOrEqual(1);
    expect(value('zenml_server_requests_total{model="iris",endpoint="v2_infer",code="INVALID_ARGUMENT",protocol="grpc"}')).toBeGreaterThanOrEqual(1);
    expect(value('zenml_server_request_duration_seconds_count{model="iris",endpoint="v2_infer",protocol="grpc"}')).toBeGreaterThanOrEqual(2);
  });
});

describe('auth, hot swap, workers, off', () => {
  afterEach(stopAllServers);

  it('needs the bearer token in metadata for metadata and infer; health stays open', async () => {
    const server = await startServer({ authToken: 'user-secret' });
    const client = connect(server);
    const infer = { model_name: 'iris', inputs: [irisInput], raw_input_contents: [toBytes('FP32', flat)] };
    expect(await client.call('ModelInfer', infer)).toEqual({ ok: false, code: status.UNAUTHENTICATED, details: expect.stringMatching(/missing bearer token/) });
    expect(await client.call('ModelInfer', infer, 'wrong')).toEqual({ ok: false, code: status.UNAUTHENTICATED, details: 'invalid bearer token' });
    expect((await client.call('ServerMetadata', {})) as any).toMatchObject({ ok: false, code: status.UNAUTHENTICATED });
    expect((await client.call('ModelInfer', infer, 'user-secret')).ok).toBe(true);
    expect((await client.call('ModelInfer', infer, ADMIN_TOKEN)).ok).toBe(true);
    expect(await ok(client.call('ServerLive', {}))).toEqual({ live: true });
    expect(await ok(client.call('ModelReady', { name: 'iris' }))).toEqual({ ready: true });
  });

  it('a hot swap switches gRPC answers to the new version', async () => {
    const server = await startServer();
    const client = connect(server);
    const infer = { model_name: 'iris', inputs: [irisInput], raw_input_contents: [toBytes('FP32', flat)] };
    const before = await ok(client.call('ModelInfer', infer));
    const swap = await rawRequest(`${server.url}/_zenml/models/iris`, {
      method: 'PUT',
      headers: { ...bearer(ADMIN_TOKEN), 'content-type': 'application/json' },
      body: JSON.stringify({ version: 'v2', uri: IRIS_V2 }),
    });
    expect(swap.status).toBe(200);
    const after = await ok(client.call('ModelInfer', infer));
    expect([before.model_version, after.model_version]).toEqual(['v1', 'v2']);
    expect(rawOutputs(after)).toEqual(await httpAnswer(server));
    expect(rawOutputs(after)).not.toEqual(rawOutputs(before));
  });

  it('with 2 workers, every worker serves gRPC on the shared port', async () => {
    const server = await startServer({ workers: 2 });
    const client = connect(server);
    expect(server.runtime.grpcPort).toEqual(expect.any(Number));
    const infer = { model_name: 'iris', inputs: [irisInput], raw_input_contents: [toBytes('FP32', flat)] };
    const expected = await httpAnswer(server);
    // Separate connections, so the cluster's round robin hands them to both workers.
    const replies = await Promise.all(
      [1, 2, 3, 4].map(async () => {
        const c = connect(server);
        return rawOutputs(await ok(c.call('ModelInfer', infer)));
      }),
    );
    for (const r of replies) expect(r).toEqual(expected);
    expect(await ok(client.call('ServerReady', {}))).toEqual({ ready: true });
    const text = (await rawRequest(`${server.url}/metrics`)).text;
    const line = text.split('\n').find((l) => l.startsWith('zenml_server_requests_total{model="iris",endpoint="v2_infer",code="OK",protocol="grpc"} '));
    expect(Number(line?.split(' ')[1])).toBe(4);
  });

  it('a request message over maxBodyBytes is RESOURCE_EXHAUSTED, and the server keeps serving', async () => {
    const server = await startServer({ maxBodyBytes: 2000 });
    const client = connect(server);
    const big = { name: 'input', datatype: 'FP32', shape: [200, 4] };
    const r = await client.call('ModelInfer', { model_name: 'iris', inputs: [big], raw_input_contents: [Buffer.alloc(3200)] });
    expect(r).toMatchObject({ ok: false, code: status.RESOURCE_EXHAUSTED });
    expect((await client.call('ModelInfer', { model_name: 'iris', inputs: [irisInput], raw_input_contents: [toBytes('FP32', flat)] })).ok).toBe(true);
  });

  it('a stop signal with a gRPC client connected drains and exits 0', async () => {
    const server = await startServer();
    const client = connect(server);
    await ok(client.call('ModelInfer', { model_name: 'iris', inputs: [irisInput], raw_input_contents: [toBytes('FP32', flat)] }));
    server.proc.kill('SIGTERM');
    const exit = await Promise.race([server.exited, new Promise((r) => setTimeout(() => r('still running after 15 s'), 15_000))]);
    expect(exit).toEqual({ code: 0, signal: null });
    await server.waitForLine(/stopped/);
  });

  it('grpcPort false serves no gRPC and publishes no gRPC port', async () => {
    const server = await startServer({ grpcPort: false });
    expect(JSON.parse(readFileSync(server.runtimeFile, 'utf8')).grpcPort).toBeUndefined();
    expect(server.stdout()).not.toMatch(/gRPC/);
  });
});
