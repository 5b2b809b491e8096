// The mlflow flavor with a scikit-learn model, end to end through the `zenml` binary and the real
// `mlflow models serve`: deploy, every MLflow input format, stop / start, replace (and a replace that fails),
// a deploy that fails, delete. The steps share one service: run in order, each finds it as the step
// before left it, so MLflow starts stay few (each costs seconds on 2 cores); run alone or in another
// order, a step first brings the service to the state it needs (see `serving`).
import { existsSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { jest } from '@jest/globals';
import { isPortFree, readProcessStartTime } from '../../src/services/daemon.js';
import { CliSandbox, groupPids, invoke, mlflowPayloads } from '../helpers/mlflow-cli.js';
import { findMlflowTestEnv, makeModels, type ExpectedAnswers } from '../helpers/mlflow-env.js';
import { assertCliBuilt } from '../helpers/cli.js';

// MLflow servers take seconds to start on 2 cores; make_models.py imports mlflow, sklearn and onnx.
jest.setTimeout(180_000);

const sandbox = new CliSandbox();
const DEPLOYER = 'mlflow-local';
let models: string;
let expected: ExpectedAnswers;
let uuid: string;
let url: string;
let port: number;
let pid: number;

interface View {
  uuid: string;
  state: string;
  predictionUrl: string | null;
  info: Record<string, string>;
}

const deploy = (model: string, ...more: string[]) =>
  sandbox.run(['model-deployer', 'deploy', '--deployer', DEPLOYER, '--model-uri', path.join(models, model), '--model-name', 'iris', ...more]);
const find = async (): Promise<View[]> => sandbox.json(['model-deployer', 'find', '--deployer', DEPLOYER]);

/** Every format answers `labels`, exactly (the scikit-learn model's predict for the same rows). */
async function expectAnswers(labels: number[]): Promise<void> {
  for (const { format, body, contentType } of mlflowPayloads(expected.columns, expected.rows)) {
    const answer = await invoke(url, body, contentType);
    expect({ format, status: answer.status, body: answer.body }).toEqual({ format, status: 200, body: { predictions: labels } });
  }
}

/**
 * Make the one service run `model` (any model when undefined), deploying, starting or replacing only
 * when it does not already, and point uuid/url/port/pid at it.
 */
async function serving(model?: 'sklearn-v1' | 'sklearn-v2'): Promise<void> {
  let [view] = await find();
  if (!view) expect((await deploy(model ?? 'sklearn-v1')).code).toBe(0);
  else if (view.state !== 'active') expect((await sandbox.run(['model-deployer', 'start', view.uuid, '--deployer', DEPLOYER])).code).toBe(0);
  [view] = await find();
  if (model && view.info.MODEL_URI !== path.join(models, model)) {
    expect((await deploy(model, '--replace')).code).toBe(0);
    [view] = await find();
  }
  uuid = view.uuid;
  url = view.info.PREDICTION_URL;
  port = Number(new URL(url).port);
  pid = Number(view.info.DAEMON_PID);
  sandbox.track(pid, (await readProcessStartTime(pid)) ?? '');
}

beforeAll(async () => {
  assertCliBuilt(); // the bundle bin/zenml.js runs, newer than every source
  const env = findMlflowTestEnv();
  models = path.join(sandbox.dir, 'models');
  await mkdir(models);
  expected = await makeModels(env, models);
  // mlflowCommand, not PATH: the flavor must put the venv's bin first itself (mlflow runs `uvicorn` from PATH).
  const registered = await sandbox.run(['model-deployer', 'register', DEPLOYER, '--flavor', 'mlflow', '--mlflow-command', env.mlflow]);
  expect(registered.code).toBe(0);
});
afterAll(() => sandbox.cleanup());

test('deploy serves the scikit-learn model with mlflow models serve; describe shows where everything is', async () => {
  for (const left of await find()) expect((await sandbox.run(['model-deployer', 'delete', left.uuid, '--deployer', DEPLOYER])).code).toBe(0);
  const result = await deploy('sklearn-v1');
  expect(result.code).toBe(0);
  const [view] = (await find()) as View[];
  uuid = view.uuid;
  const info = view.info;
  pid = Number(info.DAEMON_PID);
  sandbox.track(pid, (await readProcessStartTime(pid)) ?? '');
  url = info.PREDICTION_URL;
  port = Number(new URL(url).port);
  const servicePath = path.join(sandbox.dir, '.zenml/deployers', DEPLOYER, 'services', uuid);
  expect(view.state).toBe('active');
  expect(info).toMatchObject({
    PREDICTION_URL: `http://127.0.0.1:${port}/invocations`,
    HEALTH_CHECK_URL: `http://127.0.0.1:${port}/ping`,
    MODEL_URI: path.join(models, 'sklearn-v1'),
    MLFLOW_FLAVOR: 'python_function',
    PYFUNC_LOADER: 'mlflow.sklearn',
    SERVICE_PATH: servicePath,
    LOG_FILE: path.join(servicePath, 'server.log'),
  });
  for (const file of ['service.json', 'server.pid', 'server.log', 'runtime.json']) expect(existsSync(path.join(servicePath, file))).toBe(true);
  expect(readFileSync(path.join(servicePath, 'server.pid'), 'utf8').trim()).toBe(String(pid));
  // mlflow runs uvicorn as a child in the same process group.
  expect((await groupPids(pid)).length).toBeGreaterThanOrEqual(2);
});

test('/invocations answers what scikit-learn predicts, in every input format MLflow accepts', async () => {
  await serving('sklearn-v1');
  await expectAnswers(expected.sklearn_v1);
});

test('stop ends mlflow and its uvicorn children and frees the port; start brings the same uuid back on the same URL', async () => {
  await serving('sklearn-v1');
  const members = await groupPids(pid);
  const stopped = await sandbox.run(['model-deployer', 'stop', uuid, '--deployer', DEPLOYER]);
  expect(stopped.code).toBe(0);
  expect(await groupPids(pid)).toEqual([]);
  for (const member of members) expect(await readProcessStartTime(member)).toBeUndefined();
  expect(await isPortFree('127.0.0.1', port)).toBe(true);
  expect((await find())[0]).toMatchObject({ uuid, state: 'inactive', predictionUrl: null });

  const started = await sandbox.run(['model-deployer', 'start', uuid, '--deployer', DEPLOYER]);
  expect(started.code).toBe(0);
  const [view] = await find();
  expect(view).toMatchObject({ uuid, state: 'active', predictionUrl: url });
  expect(Number(view.info.DAEMON_PID)).not.toBe(pid);
  pid = Number(view.info.DAEMON_PID);
  await expectAnswers(expected.sklearn_v1);
});

test('replace restarts MLflow with the new model under the same uuid and URL', async () => {
  await serving('sklearn-v1');
  const oldPid = pid;
  const result = await deploy('sklearn-v2', '--replace');
  expect(result.code).toBe(0);
  const views = await find();
  expect(views).toHaveLength(1);
  expect(views[0]).toMatchObject({ uuid, state: 'active', predictionUrl: url });
  expect(views[0].info.MODEL_URI).toBe(path.join(models, 'sklearn-v2'));
  pid = Number(views[0].info.DAEMON_PID);
  expect(await groupPids(oldPid)).toEqual([]);
  await expectAnswers(expected.sklearn_v2);
});

test('a replace whose model makes mlflow exit fails, and the previous model serves again at the same URL', async () => {
  await serving('sklearn-v2');
  const result = await deploy('broken', '--replace');
  expect(result.code).toBe(1);
  expect(result.stderr).toContain('the new model did not start');
  expect(result.stderr).toContain('mlflow models serve failed');
  const [view] = await find();
  expect(view).toMatchObject({ uuid, state: 'active', predictionUrl: url });
  expect(view.info.MODEL_URI).toBe(path.join(models, 'sklearn-v2'));
  pid = Number(view.info.DAEMON_PID);
  await expectAnswers(expected.sklearn_v2);
});

test('a deploy that fails (mlflow serve exits) leaves no process and no service dir', async () => {
  const before = sandbox.serviceDirs(DEPLOYER);
  const result = await sandbox.run([
    'model-deployer', 'deploy', '--deployer', DEPLOYER, '--model-uri', path.join(models, 'broken'), '--model-name', 'broken',
  ]);
  expect(result.code).toBe(1);
  expect(result.stderr).toMatch(/mlflow models serve failed: .*BadZipFile/);
  const pidLine = /server process (\d+) exited/.exec(result.stderr);
  expect(pidLine).not.toBeNull();
  expect(await groupPids(Number(pidLine![1]))).toEqual([]);
  expect(sandbox.serviceDirs(DEPLOYER)).toEqual(before);
});

test('logs show the MLflow server output', async () => {
  await serving();
  const result = await sandbox.run(['model-deployer', 'logs', uuid, '--deployer', DEPLOYER]);
  expect(result.code).toBe(0);
  expect(result.stdout).toContain('Uvicorn running on');
  expect(result.stdout).toContain('[zenml]');
});

test('delete stops everything and removes the service dir', async () => {
  await serving();
  const servicePath = sandbox.serviceDirs(DEPLOYER)[0];
  const result = await sandbox.run(['model-deployer', 'delete', uuid, '--deployer', DEPLOYER]);
  expect(result.code).toBe(0);
  expect(await groupPids(pid)).toEqual([]);
  expect(await readProcessStartTime(pid)).toBeUndefined();
  expect(await isPortFree('127.0.0.1', port)).toBe(true);
  expect(existsSync(servicePath)).toBe(false);
  expect(await find()).toEqual([]);
});
