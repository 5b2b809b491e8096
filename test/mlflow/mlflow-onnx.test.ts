// The mlflow flavor with ONNX MLflow models, served natively by our own model server (no MLflow process):
// every MLflow input format, hot-swap replace, a runs:/ URI resolved through a real tracking store, and the
// errors that must exit 2 (no mlflow, no tracking URI, no MLmodel, a flavor nobody serves).
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { jest } from '@jest/globals';
import { isPortFree } from '../../src/services/daemon.js';
import { CliSandbox, groupPids, invoke } from '../helpers/mlflow-cli.js';
import { grpcClient, ok } from '../helpers/grpc-client.js';
import { findMlflowTestEnv, makeModels, type ExpectedAnswers, type MlflowTestEnv } from '../helpers/mlflow-env.js';
import { assertCliBuilt } from '../helpers/cli.js';

// MLflow servers take seconds to start on 2 cores; make_models.py imports mlflow, sklearn and onnx.
jest.setTimeout(180_000);

const sandbox = new CliSandbox();
const DEPLOYER = 'mlflow-onnx';
let env: MlflowTestEnv;
let models: string;
let trackingUri: string;
let expected: ExpectedAnswers;

interface View {
  uuid: string;
  state: string;
  predictionUrl: string | null;
  info: Record<string, string>;
}

const find = async (): Promise<View[]> => sandbox.json(['model-deployer', 'find', '--deployer', DEPLOYER]);
const deploy = (uri: string, name: string, ...more: string[]) =>
  sandbox.run(['model-deployer', 'deploy', '--deployer', DEPLOYER, '--model-uri', uri, '--model-name', name, ...more]);

/** The answers of onnxruntime (in Python) for the same rows, in both shapes MLflow's onnx pyfunc returns. */
async function expectOnnxAnswers(url: string, answers: ExpectedAnswers['onnx_v1']): Promise<void> {
  const { columns, rows } = expected;
  const records = rows.map((r) => Object.fromEntries(columns.map((c, i) => [c, r[i]])));
  const csv = `${columns.join(',')}\n${rows.map((r) => r.join(',')).join('\n')}\n`;
  // A DataFrame (split, records, CSV) is scored row by row and answered as records; a tensor as a dict of outputs.
  const asRecords = answers.label.map((label, i) => ({ probabilities: answers.probabilities[i], label }));
  const cases: Array<[string, unknown, string, unknown]> = [
    ['dataframe_split', { dataframe_split: { columns, data: rows } }, 'application/json', asRecords],
    ['dataframe_records', { dataframe_records: records }, 'application/json', asRecords],
    ['text/csv', csv, 'text/csv', asRecords],
    ['instances', { instances: rows }, 'application/json', answers],
    ['inputs', { inputs: rows }, 'application/json', answers],
    ['inputs by name', { inputs: { input: rows } }, 'application/json', answers],
  ];
  for (const [format, body, contentType, want] of cases) {
    const answer = await invoke(url, body, contentType);
    expect({ format, status: answer.status }).toEqual({ format, status: 200 });
    expectClose(answer.body.predictions, want, format);
  }
}

/** Deep equality with float32 tolerance (the server computes in float32, as onnxruntime in Python did). */
function expectClose(actual: unknown, want: unknown, where: string): void {
  if (typeof want === 'number') {
    expect(typeof actual).toBe('number');
    if (Math.abs((actual as number) - want) > 1e-6) throw new Error(`${where}: ${String(actual)} != ${want}`);
    return;
  }
  if (Array.isArray(want)) {
    expect(Array.isArray(actual) && actual.length === want.length ? where : `${where}: ${JSON.stringify(actual)}`).toBe(where);
    want.forEach((w, i) => expectClose((actual as unknown[])[i], w, `${where}[${i}]`));
    return;
  }
  const keys = Object.keys(want as object).sort();
  expect({ where, keys: Object.keys((actual ?? {}) as object).sort() }).toEqual({ where, keys });
  for (const key of keys) expectClose((actual as Record<string, unknown>)[key], (want as Record<string, unknown>)[key], `${where}.${key}`);
}

beforeAll(async () => {
  assertCliBuilt(); // the bundle bin/zenml.js runs, newer than every source
  env = findMlflowTestEnv();
  models = path.join(sandbox.dir, 'models');
  await mkdir(models);
  trackingUri = `sqlite:///${path.join(models, 'mlflow.db')}`;
  expected = await makeModels(env, models, trackingUri);
  // pythonEnv this time: the other way to point at an mlflow installation.
  const registered = await sandbox.run(['model-deployer', 'register', DEPLOYER, '--flavor', 'mlflow', '--python-env', env.venv]);
  expect(registered.code).toBe(0);
});
afterAll(() => sandbox.cleanup());

describe('an onnx MLflow model', () => {
  let view: View;

  test('is served natively by the zenml model server, with MLflow scoring answers equal to onnxruntime', async () => {
    const result = await deploy(path.join(models, 'onnx-v1'), 'iris-onnx');
    expect(result.code).toBe(0);
    [view] = await find();
    expect(view.state).toBe('active');
    expect(view.info).toMatchObject({
      MLFLOW_FLAVOR: 'onnx',
      SERVED_BY: 'zenml model server (onnxruntime)',
      MODEL_URI: path.join(models, 'onnx-v1'),
      HEALTH_CHECK_URL: view.info.PREDICTION_URL.replace(/invocations$/, 'ping'),
    });
    expect(view.info.METRICS_URL).toMatch(/\/metrics$/);
    // gRPC is on by default for ONNX models: the listed target answers.
    expect(view.info.GRPC_URL).toMatch(/^127\.0\.0\.1:\d+$/);
    const grpc = grpcClient(Number(view.info.GRPC_URL.split(':')[1]));
    try {
      expect(await ok(grpc.call('ServerReady', {}))).toEqual({ ready: true });
    } finally {
      grpc.close();
    }
    // Our node server, not a Python one: a single process in its group.
    expect(await groupPids(Number(view.info.DAEMON_PID))).toEqual([Number(view.info.DAEMON_PID)]);
    await expectOnnxAnswers(view.info.PREDICTION_URL, expected.onnx_v1);
    // Owner-only state: the state dir, services/ and the service dir 0700; the server config (admin token) 0600.
    const serviceDir = path.dirname(view.info.LOG_FILE);
    const modes = [path.dirname(path.dirname(serviceDir)), path.dirname(serviceDir), serviceDir, path.join(serviceDir, 'server-config.json'), path.join(serviceDir, 'service.json')]
      .map((p) => (statSync(p).mode & 0o777).toString(8));
    expect(modes).toEqual(['700', '700', '700', '600', '600']);
  });

  test('replace swaps the model in place: same uuid, URL and process, new answers', async () => {
    const result = await deploy(path.join(models, 'onnx-v2'), 'iris-onnx', '--replace');
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('swapped in place');
    const views = await find();
    expect(views).toHaveLength(1);
    expect(views[0]).toMatchObject({ uuid: view.uuid, state: 'active', predictionUrl: view.predictionUrl });
    expect(views[0].info.DAEMON_PID).toBe(view.info.DAEMON_PID);
    await expectOnnxAnswers(view.info.PREDICTION_URL, expected.onnx_v2);
    // The swap served a new version (the log never says "1 -> 1").
    const log = readFileSync(views[0].info.LOG_FILE, 'utf8');
    expect(log).toMatch(/swapped model iris-onnx 1 -> 2 in/);
  });

  test('stop, start and delete behave as for local', async () => {
    const port = Number(new URL(view.info.PREDICTION_URL).port);
    expect((await sandbox.run(['model-deployer', 'stop', view.uuid, '--deployer', DEPLOYER])).code).toBe(0);
    expect(await isPortFree('127.0.0.1', port)).toBe(true);
    expect((await sandbox.run(['model-deployer', 'start', view.uuid, '--deployer', DEPLOYER])).code).toBe(0);
    const [started] = await find();
    expect(started).toMatchObject({ uuid: view.uuid, state: 'active', predictionUrl: view.predictionUrl });
    await expectOnnxAnswers(started.info.PREDICTION_URL, expected.onnx_v2);
    expect((await sandbox.run(['model-deployer', 'delete', view.uuid, '--deployer', DEPLOYER])).code).toBe(0);
    expect(await groupPids(Number(started.info.DAEMON_PID))).toEqual([]);
    expect(existsSync(started.info.SERVICE_PATH)).toBe(false);
  });
});

describe('runs:/ and models:/ URIs', () => {
  test('without MLFLOW_TRACKING_URI: exit 2 saying so, nothing created', async () => {
    const result = await deploy(`runs:/${expected.onnx_run_id}/model`, 'from-run');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('MLFLOW_TRACKING_URI is not set');
    expect(sandbox.serviceDirs(DEPLOYER)).toEqual([]);
  });

  test('are downloaded with mlflow into the service dir and served from there', async () => {
    const result = await sandbox.run(
      ['model-deployer', 'deploy', '--deployer', DEPLOYER, '--model-uri', `runs:/${expected.onnx_run_id}/model`, '--model-name', 'from-run'],
      { MLFLOW_TRACKING_URI: trackingUri },
    );
    expect(result.code).toBe(0);
    const [view] = await find();
    expect(view.info).toMatchObject({ MODEL_URI: `runs:/${expected.onnx_run_id}/model`, MLFLOW_FLAVOR: 'onnx' });
    expect(view.info.MODEL_DIR.startsWith(view.info.SERVICE_PATH + path.sep)).toBe(true);
    await expectOnnxAnswers(view.info.PREDICTION_URL, expected.onnx_v1);
    // A registered model version, through the env setting instead of the environment.
    const updated = await sandbox.run(['model-deployer', 'update', DEPLOYER, '-c', `env={"MLFLOW_TRACKING_URI":"${trackingUri}"}`]);
    expect(updated.code).toBe(0);
    const replaced = await deploy('models:/iris-onnx/1', 'from-run', '--replace');
    expect(replaced.code).toBe(0);
    const [after] = await find();
    expect(after.uuid).toBe(view.uuid);
    expect(after.info.MODEL_DIR.startsWith(view.info.SERVICE_PATH + path.sep)).toBe(true);
    // The first download is gone: nothing serves it any more.
    expect(existsSync(view.info.MODEL_DIR)).toBe(false);
    expect((await sandbox.run(['model-deployer', 'delete', view.uuid, '--deployer', DEPLOYER])).code).toBe(0);
  });
});

describe('errors exit 2 with one clear line', () => {
  test('no mlflow on PATH (python_function model, default settings)', async () => {
    expect((await sandbox.run(['model-deployer', 'register', 'bare', '--flavor', 'mlflow'])).code).toBe(0);
    const emptyPath = mkdtempSync(path.join(sandbox.dir, 'empty-path-'));
    const result = await sandbox.run(
      ['model-deployer', 'deploy', '--deployer', 'bare', '--model-uri', path.join(models, 'sklearn-v1')],
      { PATH: emptyPath },
    );
    expect(result.code).toBe(2);
    const line = result.stderr.trim().split('\n')[0];
    expect(line).toContain('pip install mlflow');
    expect(line).toMatch(/mlflowCommand/);
    expect(line).toMatch(/pythonEnv/);
    expect(sandbox.serviceDirs('bare')).toEqual([]);
  });

  test('a pythonEnv without mlflow names the setting', async () => {
    const venv = mkdtempSync(path.join(sandbox.dir, 'venv-without-mlflow-'));
    expect((await sandbox.run(['model-deployer', 'register', 'novenv', '--flavor', 'mlflow', '--python-env', venv])).code).toBe(0);
    const result = await sandbox.run(['model-deployer', 'deploy', '--deployer', 'novenv', '--model-uri', path.join(models, 'sklearn-v1')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${path.join(venv, 'bin/mlflow')} does not exist (setting pythonEnv)`);
  });

  test('a directory without MLmodel names the file', async () => {
    const result = await deploy(path.join(models, 'mlruns'), 'nothing');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${path.join(models, 'mlruns', 'MLmodel')} does not exist`);
  });

  test('a flavor neither MLflow nor zenml serves names the file and the flavor', async () => {
    const result = await deploy(path.join(models, 'no-flavor'), 'keras');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${path.join(models, 'no-flavor', 'MLmodel')}: flavor keras cannot be served`);
    expect(sandbox.serviceDirs(DEPLOYER)).toEqual([]);
  });
});
