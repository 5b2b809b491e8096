// `zenml model-deployer predict` through the built binary against the `mlflow` flavor: a scikit-learn model on the
// real `mlflow models serve`, and an ONNX model on our own server. Every input form, MLflow's own 4xx (exit 2),
// v2 refused where MLflow does not speak it, a stopped server (exit 1).
import { writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { jest } from '@jest/globals';
import { killRunningZenml, parseJson, runZenml, type RunResult } from '../helpers/cli.js';
import { CliSandbox } from '../helpers/mlflow-cli.js';
import { findMlflowTestEnv, makeModels, type ExpectedAnswers } from '../helpers/mlflow-env.js';

// `mlflow models serve` takes seconds to start on 2 cores; make_models.py imports mlflow, sklearn and onnx.
jest.setTimeout(180_000);

const sandbox = new CliSandbox();
const DEPLOYER = 'mlflow-local';
let expected: ExpectedAnswers;
let sklearn: string;
let onnx: string;

const zenml = (args: string[], input?: string): Promise<RunResult> =>
  runZenml(['--config', sandbox.configPath, ...args], { cwd: sandbox.dir, input, timeoutMs: 240_000 });
const predict = (uuid: string, ...more: string[]) => zenml(['model-deployer', 'predict', uuid, '--deployer', DEPLOYER, ...more]);

async function predictJson(uuid: string, ...more: string[]): Promise<any> {
  const result = await predict(uuid, ...more);
  if (result.code !== 0) throw new Error(`predict ${more.join(' ')} exited ${result.code}\n${result.stdout}${result.stderr}`);
  return parseJson(result);
}

async function deploy(model: string, name: string): Promise<string> {
  const result = await zenml(['model-deployer', 'deploy', '--deployer', DEPLOYER, '--model-uri', path.join(sandbox.dir, 'models', model), '--model-name', name, '-q']);
  if (result.code !== 0) throw new Error(`deploy ${model} exited ${result.code}\n${result.stderr}`);
  return result.stdout.trim();
}

beforeAll(async () => {
  const env = findMlflowTestEnv();
  const models = path.join(sandbox.dir, 'models');
  await mkdir(models);
  expected = await makeModels(env, models);
  expect((await zenml(['model-deployer', 'register', DEPLOYER, '--flavor', 'mlflow', '--python-env', env.venv])).code).toBe(0);
  [sklearn, onnx] = await Promise.all([deploy('sklearn-v1', 'iris'), deploy('onnx-v1', 'iris-onnx')]);
  const columns = expected.columns;
  writeFileSync(path.join(sandbox.dir, 'rows.csv'), `${columns.join(',')}\n${expected.rows.map((r) => r.join(',')).join('\n')}\n`);
  writeFileSync(path.join(sandbox.dir, 'request.json'), JSON.stringify({ dataframe_split: { columns, data: expected.rows } }));
});

afterAll(async () => {
  killRunningZenml();
  await sandbox.cleanup();
});

describe('a Python model on mlflow models serve', () => {
  it('answers --data, --file csv, --file json and stdin with the model\'s own predictions', async () => {
    const { columns, rows } = expected;
    const labels = { predictions: expected.sklearn_v1 };
    expect(await predictJson(sklearn, '--data', JSON.stringify({ dataframe_split: { columns, data: rows } }))).toEqual(labels);
    expect(await predictJson(sklearn, '--file', 'rows.csv')).toEqual(labels);
    expect(await predictJson(sklearn, '--file', 'request.json', '--json')).toEqual(labels);
    const records = rows.map((r) => Object.fromEntries(columns.map((c, i) => [c, r[i]])));
    const stdin = await zenml(['model-deployer', 'predict', sklearn.slice(0, 8), '--deployer', DEPLOYER, '--file', '-'], JSON.stringify({ dataframe_records: records }));
    expect(stdin.code).toBe(0);
    expect(parseJson(stdin)).toEqual(labels);
  });

  it("MLflow's 400 is exit 2 with MLflow's message", async () => {
    const result = await predict(sklearn, '--data', '{"not_a_format": 1}');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/rejected the request \(400\): \S/);
    const json = await predict(sklearn, '--data', '{"not_a_format": 1}', '--json');
    expect(parseJson(json).error).toMatchObject({ code: 'PREDICTION_REJECTED', exitCode: 2, details: { status: 400, answer: { error_code: 'BAD_REQUEST' } } });
  });

  it('--protocol v2 is refused before sending: MLflow does not speak it', async () => {
    const result = await predict(sklearn, '--data', '{"inputs": []}', '--protocol', 'v2');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('does not serve the Open Inference Protocol v2');
  });
});

describe('an ONNX model under mlflow (our server)', () => {
  it('answers the MLflow protocol by default and v2 on request, the same predictions', async () => {
    const records = await predictJson(onnx, '--file', 'rows.csv');
    expect(records.predictions.map((p: any) => p.label)).toEqual(expected.onnx_v1.label);
    const v2 = await predictJson(onnx, '--protocol', 'v2', '--model', 'iris-onnx', '--data', JSON.stringify({
      inputs: [{ name: 'input', shape: [expected.rows.length, 4], datatype: 'FP32', data: expected.rows.flat() }],
    }));
    expect(v2.model_name).toBe('iris-onnx');
    expect(v2.outputs.find((o: any) => o.name === 'label').data).toEqual(expected.onnx_v1.label);
  });
});

test('a stopped mlflow server is exit 1, saying so', async () => {
  expect((await zenml(['model-deployer', 'stop', sklearn, '--deployer', DEPLOYER, '-q'])).code).toBe(0);
  const result = await predict(sklearn, '--file', 'rows.csv');
  expect(result.code).toBe(1);
  expect(result.stderr).toContain(`model server ${sklearn} is not running (state: inactive)`);
});
