// The official Triton/KServe v2 Python clients (tritonclient[http,grpc] from the pinned test venv) against the real
// daemon, with their defaults: binary tensors over HTTP, raw contents over gRPC. Their predictions must equal the
// server's JSON answers value for value, and bad input must come back as the right 4xx / gRPC status.
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { findMlflowTestEnv } from '../helpers/mlflow-env.js';
import { IRIS_V1, postJson, ROOT, startServer, stopAllServers, tempDir, type ServerProcess } from '../helpers/server-harness.js';
import { irisRows } from '../helpers/server-reference.js';
import { writeTestModels } from '../helpers/server-models.js';

const SCRIPT = join(ROOT, 'test/server/clients/triton_clients.py');
const TOKEN = 'client-secret';
const rows = irisRows(7);
let server: ServerProcess;
let got: any;
let json: Record<string, unknown[]>;

beforeAll(async () => {
  const { python } = findMlflowTestEnv();
  const dir = tempDir();
  const models = writeTestModels(dir);
  server = await startServer(
    {
      authToken: TOKEN,
      models: [
        { name: 'iris', version: 'v1', uri: IRIS_V1 },
        { name: 'typed', version: '3', uri: models.typed },
        { name: 'strings', version: '1', uri: models.strings },
      ],
    },
    dir,
  );
  const r = await postJson(
    `${server.url}/v2/models/iris/infer`,
    { inputs: [{ name: 'input', shape: [rows.length, 4], datatype: 'FP32', data: rows }] },
    { authorization: `Bearer ${TOKEN}` },
  );
  expect(r.status).toBe(200);
  json = Object.fromEntries((r.json().outputs as Array<{ name: string; data: unknown[] }>).map((o) => [o.name, o.data]));
  const args = [SCRIPT, `127.0.0.1:${server.runtime.port}`, `127.0.0.1:${server.runtime.grpcPort}`, TOKEN, JSON.stringify(rows)];
  try {
    const { stdout } = await promisify(execFile)(python, args, { timeout: 120_000, maxBuffer: 16 * 1024 * 1024 });
    got = JSON.parse(stdout);
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`triton_clients.py failed: ${e.message}\n${e.stderr ?? ''}\nserver log:\n${server.stdout()}${server.stderr()}`);
  }
}, 180_000);

afterAll(stopAllServers);

it('tritonclient.http with its defaults sends and receives binary tensors: the same predictions as JSON', () => {
  expect(got.http_live).toBe(true);
  expect(got.http_ready).toBe(true);
  expect(got.http_extensions).toContain('binary_tensor_data');
  expect(got.http_binary_sizes).toEqual({ probabilities: rows.length * 3 * 4, label: rows.length * 8 });
  expect(got.http_binary_id).toBe('py-http');
  expect(got.http_binary).toEqual(json);
  expect(got.http_json).toEqual(json);
});

it('tritonclient.grpc with its defaults (raw contents): the same predictions as JSON', () => {
  expect(got.grpc_live).toBe(true);
  expect(got.grpc_ready).toBe(true);
  expect(got.grpc_extensions).toEqual(['binary_tensor_data']);
  expect(got.grpc_model_inputs).toEqual([{ name: 'input', datatype: 'FP32', shape: [-1, 4] }]);
  expect(got.grpc_id).toBe('py-grpc');
  expect(got.grpc).toEqual(json);
});

it('BOOL, INT32, INT64, FP64 and BYTES tensors round-trip through both clients', () => {
  const typed = { f64_double: [1, -2.5], i32_double: [42], i64_double: [2 ** 41], flag_not: [false] };
  expect(got.http_typed).toEqual(typed);
  expect(got.grpc_typed).toEqual(typed);
  expect(got.http_bytes).toEqual(['a', 'ü']);
  expect(got.grpc_bytes).toEqual(['a', 'ü']);
});

it('bad input is a 400 over HTTP and INVALID_ARGUMENT / NOT_FOUND over gRPC; no token is 401 / UNAUTHENTICATED', () => {
  expect(got.http_bad_shape).toEqual({ status: '400', message: expect.stringMatching(/input 'input' expects shape \[-1,4\] \(FP32\), got \[2,2\]/) });
  expect(got.http_no_token).toEqual({ status: '401', message: expect.stringMatching(/missing bearer token/) });
  expect(got.grpc_bad_shape).toEqual({ status: 'StatusCode.INVALID_ARGUMENT', message: expect.stringMatching(/expects shape \[-1,4\]/) });
  expect(got.grpc_unknown_model).toEqual({ status: 'StatusCode.NOT_FOUND', message: expect.stringMatching(/unknown model 'nope'/) });
  expect(got.grpc_no_token).toEqual({ status: 'StatusCode.UNAUTHENTICATED', message: expect.stringMatching(/missing bearer token/) });
});
