// The mlflow flavor's pure parts, in-process and without Python: MLmodel reading, model URIs, finding the
// mlflow executable, the settings schema, and the info keys. Real servers are in the other mlflow tests.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EnvironmentError, UsageError } from '../../src/errors.js';
import { resolveMlflow } from '../../src/integrations/mlflow/mlflow-command.js';
import { mlflowServerInfo } from '../../src/integrations/mlflow/mlflow-info.js';
import { MlflowModelService } from '../../src/integrations/mlflow/mlflow-service.js';
import { mlflowSettingsSchema } from '../../src/integrations/mlflow/mlflow-settings.js';
import { readMlModel } from '../../src/integrations/mlflow/mlmodel.js';
import { checkTrackingUri, isRemoteUri, normalizeModelUri, ownedDownloadRoot } from '../../src/integrations/mlflow/model-source.js';
import { serviceFromJSON } from '../../src/services/service-registry.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'zenml-mlflow-unit-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function modelDir(name: string, mlmodel?: string, files: Record<string, string> = {}): string {
  const d = path.join(dir, name);
  mkdirSync(d, { recursive: true });
  if (mlmodel !== undefined) writeFileSync(path.join(d, 'MLmodel'), mlmodel);
  for (const [file, text] of Object.entries(files)) writeFileSync(path.join(d, file), text);
  return d;
}

const SKLEARN = `flavors:
  python_function:
    loader_module: mlflow.sklearn
    model_path: model.pkl
  sklearn:
    pickled_model: model.pkl
mlflow_version: 3.17.2
signature:
  inputs: '[{"type": "double", "name": "a", "required": true}, {"type": "long", "name": "b", "required": true}]'
`;

describe('readMlModel', () => {
  test('a python_function model is served by MLflow, with its loader and signature', () => {
    const d = modelDir('sk', SKLEARN);
    expect(readMlModel(d)).toEqual({
      dir: d,
      file: path.join(d, 'MLmodel'),
      flavors: ['python_function', 'sklearn'],
      serving: 'python_function',
      pyfuncLoader: 'mlflow.sklearn',
      inputs: 'a: double, b: long',
      mlflowVersion: '3.17.2',
    });
    // The MLmodel file itself names its directory.
    expect(readMlModel(path.join(d, 'MLmodel')).dir).toBe(d);
  });

  test('an onnx model is served natively from <dir>/<flavors.onnx.data>, even beside python_function', () => {
    const d = modelDir('onnx', 'flavors:\n  onnx:\n    data: model.onnx\n  python_function:\n    loader_module: mlflow.onnx\n', { 'model.onnx': 'x' });
    expect(readMlModel(d)).toMatchObject({ serving: 'onnx', onnxPath: path.join(d, 'model.onnx'), pyfuncLoader: 'mlflow.onnx' });
  });

  test.each([
    ['no MLmodel', () => modelDir('empty'), /empty\/MLmodel does not exist: .* is not an MLflow model directory/],
    ['a file', () => modelDir('file', undefined, { 'model.onnx': 'x' }) + '/model.onnx', /takes an MLflow model directory .* not a file/],
    ['bad YAML', () => modelDir('yaml', 'flavors: [\n'), /yaml\/MLmodel: not valid YAML/],
    ['no flavors', () => modelDir('noflavors', 'mlflow_version: 3\n'), /noflavors\/MLmodel: no flavors listed/],
    ['keras only', () => modelDir('keras', 'flavors:\n  keras: {}\n'), /keras\/MLmodel: flavor keras cannot be served/],
    ['onnx data missing', () => modelDir('gone', 'flavors:\n  onnx:\n    data: model.onnx\n'), /gone\/MLmodel: flavors.onnx.data names .*gone\/model.onnx, which does not exist/],
  ])('%s is a UsageError naming the file', (_what, make, message) => {
    const target = make();
    expect(() => readMlModel(target)).toThrow(UsageError);
    expect(() => readMlModel(target)).toThrow(message);
  });
});

describe('model URIs', () => {
  test.each([
    ['runs:/abc/model', true],
    ['models:/iris/1', true],
    ['s3://bucket/model', true],
    ['file:///tmp/model', false],
    ['/tmp/model', false],
    ['relative/model', false],
    ['C:\\models\\iris', false],
  ])('%s remote: %s', (uri, remote) => expect(isRemoteUri(uri)).toBe(remote));

  test('local paths and file: URIs are stored absolute; remote URIs unchanged', () => {
    expect(normalizeModelUri('models/iris', '/work')).toBe('/work/models/iris');
    expect(normalizeModelUri('file:///tmp/m', '/work')).toBe('/tmp/m');
    expect(normalizeModelUri('runs:/abc/model', '/work')).toBe('runs:/abc/model');
  });

  test('runs:/ and models:/ need MLFLOW_TRACKING_URI; other schemes do not', () => {
    expect(() => checkTrackingUri('runs:/abc/model', {})).toThrow(EnvironmentError);
    expect(() => checkTrackingUri('models:/iris/1', {})).toThrow(/MLFLOW_TRACKING_URI is not set/);
    expect(() => checkTrackingUri('runs:/abc/model', { MLFLOW_TRACKING_URI: 'http://x' })).not.toThrow();
    expect(() => checkTrackingUri('s3://bucket/model', {})).not.toThrow();
  });

  test('only model-* downloads inside the service dir are ours to remove', () => {
    expect(ownedDownloadRoot('/s/svc', '/s/svc/model-1a2b/model')).toBe('/s/svc/model-1a2b');
    expect(ownedDownloadRoot('/s/svc', '/s/svc/model-1a2b')).toBe('/s/svc/model-1a2b');
    expect(ownedDownloadRoot('/s/svc', '/s/svc/server.log')).toBeUndefined();
    expect(ownedDownloadRoot('/s/svc', '/home/me/model')).toBeUndefined();
    expect(ownedDownloadRoot('/s/svc', '/s/svc')).toBeUndefined();
  });
});

describe('resolveMlflow', () => {
  const fakeMlflow = (folder: string): string => {
    mkdirSync(folder, { recursive: true });
    const file = path.join(folder, 'mlflow');
    writeFileSync(file, '#!/bin/sh\n');
    chmodSync(file, 0o755);
    return file;
  };

  test('pythonEnv uses <venv>/bin/mlflow and puts that bin first on PATH (mlflow runs uvicorn from PATH)', () => {
    const exe = fakeMlflow(path.join(dir, 'venv/bin'));
    const runtime = resolveMlflow({ pythonEnv: 'venv', env: { EXTRA: '1' } }, dir, { PATH: '/usr/bin' });
    expect(runtime.command).toBe(exe);
    expect(runtime.env.PATH).toBe(`${path.join(dir, 'venv/bin')}:/usr/bin`);
    expect(runtime.env.EXTRA).toBe('1');
  });

  test('mlflowCommand as a path, relative to the dotfile folder; a symlink adds its target folder too', () => {
    const exe = fakeMlflow(path.join(dir, 'real/bin'));
    mkdirSync(path.join(dir, 'links'));
    symlinkSync(exe, path.join(dir, 'links/mlflow'));
    const runtime = resolveMlflow({ mlflowCommand: './links/mlflow', env: {} }, dir, { PATH: '' });
    expect(runtime.command).toBe(path.join(dir, 'links/mlflow'));
    expect(runtime.env.PATH).toBe(`${path.join(dir, 'links')}:${path.join(dir, 'real/bin')}`);
  });

  test('the default is mlflow on PATH (the env setting may change PATH)', () => {
    const exe = fakeMlflow(path.join(dir, 'onpath'));
    expect(resolveMlflow({ env: {} }, dir, { PATH: `/nonexistent:${path.join(dir, 'onpath')}` }).command).toBe(exe);
    expect(resolveMlflow({ env: { PATH: path.join(dir, 'onpath') } }, dir, { PATH: '' }).command).toBe(exe);
  });

  test('missing mlflow: EnvironmentError (exit 2), one line with what to install and which setting to use', () => {
    const error = (() => {
      try {
        resolveMlflow({ env: {} }, dir, { PATH: path.join(dir, 'nothing-here') });
      } catch (e) {
        return e as EnvironmentError;
      }
      throw new Error('no error');
    })();
    expect(error).toBeInstanceOf(EnvironmentError);
    expect(error.exitCode).toBe(2);
    expect(error.message).not.toContain('\n');
    expect(error.message).toMatch(/pip install mlflow.*mlflowCommand.*pythonEnv/);
    expect(() => resolveMlflow({ pythonEnv: '/no/venv', env: {} }, dir, {})).toThrow(
      '/no/venv/bin/mlflow does not exist (setting pythonEnv)',
    );
    expect(() => resolveMlflow({ mlflowCommand: '/no/mlflow', env: {} }, dir, {})).toThrow(
      '/no/mlflow is not an executable (setting mlflowCommand)',
    );
  });
});

describe('settings', () => {
  test('defaults, and no authToken (MLflow cannot enforce it)', () => {
    const parsed = mlflowSettingsSchema.parse({});
    expect(parsed).toMatchObject({ host: '127.0.0.1', port: 0, workers: 1, env: {}, startTimeout: 120 });
    expect(mlflowSettingsSchema.safeParse({ authToken: 'x' }).data).not.toHaveProperty('authToken');
  });

  test('mlflowCommand and pythonEnv exclude each other', () => {
    const result = mlflowSettingsSchema.safeParse({ mlflowCommand: 'a', pythonEnv: 'b' });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]).toMatchObject({ path: ['pythonEnv'], message: 'set mlflowCommand or pythonEnv, not both' });
  });
});

test('a persisted mlflow service comes back as an MlflowModelService with MLflow info keys', () => {
  const service = serviceFromJSON({
    type: 'mlflow-model-server',
    flavor: 'mlflow',
    uuid: 'u1',
    config: { modelUri: 'runs:/r/model', modelName: 'iris' },
    status: { state: 'active', lastError: '', lastStateChange: 'now' },
    endpoint: null,
    createdAt: 'now',
    updatedAt: 'now',
    extra: {
      pid: 42, host: '127.0.0.1', port: 5001, servicePath: '/s/u1', logPath: '/s/u1/server.log',
      servingFlavor: 'python_function', modelDir: '/s/u1/model-1/model', mlflowFlavors: 'python_function, sklearn', pyfuncLoader: 'mlflow.sklearn',
    },
  });
  expect(service).toBeInstanceOf(MlflowModelService);
  expect(mlflowServerInfo(service as MlflowModelService)).toEqual({
    PREDICTION_URL: 'http://127.0.0.1:5001/invocations',
    HEALTH_CHECK_URL: 'http://127.0.0.1:5001/ping',
    MODEL_URI: 'runs:/r/model',
    MODEL_DIR: '/s/u1/model-1/model',
    MODEL_NAME: 'iris',
    MLFLOW_FLAVOR: 'python_function',
    SERVED_BY: 'mlflow models serve',
    MLMODEL_FLAVORS: 'python_function, sklearn',
    PYFUNC_LOADER: 'mlflow.sklearn',
    SERVICE_PATH: '/s/u1',
    LOG_FILE: '/s/u1/server.log',
    DAEMON_PID: '42',
  });
});
