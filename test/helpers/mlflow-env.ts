// The Python environment of the mlflow tests (real MLflow, scikit-learn, onnx), and the models built with it.
// Found through ZENML_TEST_PYTHON / ZENML_TEST_MLFLOW (exported by `source .ci/python-env.sh`), else at the cache
// path that script builds. Never skipped: without it the tests fail and say how to create it.
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const REQUIREMENTS = path.join(repoRoot, '.ci/requirements-mlflow.txt');
const MAKE_MODELS = path.join(repoRoot, 'test/fixtures/mlflow/make_models.py');

/** The interpreter and mlflow executable of the test venv. */
export interface MlflowTestEnv {
  python: string;
  mlflow: string;
  /** The venv folder (what the pythonEnv setting takes). */
  venv: string;
}

/** What make_models.py writes to expected.json. */
export interface ExpectedAnswers {
  columns: string[];
  rows: number[][];
  sklearn_v1: number[];
  sklearn_v2: number[];
  onnx_v1: { probabilities: number[][]; label: number[] };
  onnx_v2: { probabilities: number[][]; label: number[] };
  onnx_run_id?: string;
}

/** `${XDG_CACHE_HOME:-$HOME/.cache}/zenml-model-deployer/venv-<key>`, the key computed as .ci/python-env.sh does. */
export function cachedVenvPath(): string {
  const python = process.env.ZENML_PYTHON ?? 'python3';
  let version: string;
  try {
    version = execFileSync(python, ['-c', 'import sys; print(sys.version)'], { encoding: 'utf8' });
  } catch {
    return `(no ${python} to compute the cache key)`;
  }
  const key = createHash('sha256').update(readFileSync(REQUIREMENTS)).update(version).digest('hex').slice(0, 16);
  const cache = process.env.XDG_CACHE_HOME || path.join(process.env.HOME || homedir(), '.cache');
  return path.join(cache, 'zenml-model-deployer', `venv-${key}`);
}

/** The test venv; throws, saying how to create it, when there is none that runs. */
export function findMlflowTestEnv(): MlflowTestEnv {
  const { ZENML_TEST_PYTHON: python, ZENML_TEST_MLFLOW: mlflow } = process.env;
  if (python || mlflow) {
    if (!python || !mlflow || !isExecutable(python) || !isExecutable(mlflow)) {
      throw new Error(
        `ZENML_TEST_PYTHON=${python ?? ''} and ZENML_TEST_MLFLOW=${mlflow ?? ''} must both name executables; ` +
          'recreate the environment with `source .ci/python-env.sh`',
      );
    }
    return { python, mlflow, venv: path.dirname(path.dirname(mlflow)) };
  }
  const venv = cachedVenvPath();
  const env = { python: path.join(venv, 'bin/python'), mlflow: path.join(venv, 'bin/mlflow'), venv };
  if (existsSync(path.join(venv, '.complete')) && isExecutable(env.python) && isExecutable(env.mlflow)) return env;
  throw new Error(
    'The mlflow tests need a Python environment with mlflow, scikit-learn and onnx, and found none: ' +
      `ZENML_TEST_PYTHON and ZENML_TEST_MLFLOW are not set and ${venv} is missing or incomplete. ` +
      'Create it with `bash .ci/python-env.sh` (a few minutes once; cached afterwards), or `source .ci/python-env.sh` ' +
      'to also export the variables.',
  );
}

/** Run make_models.py into `outDir` (with a run logged to `trackingUri` when given) and read expected.json. */
export async function makeModels(env: MlflowTestEnv, outDir: string, trackingUri?: string): Promise<ExpectedAnswers> {
  const args = [MAKE_MODELS, outDir, ...(trackingUri ? [trackingUri] : [])];
  const output: Buffer[] = [];
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(env.python, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, MLFLOW_TRACKING_URI: '' } });
    child.stdout.on('data', (c: Buffer) => output.push(c));
    child.stderr.on('data', (c: Buffer) => output.push(c));
    child.on('error', reject);
    child.on('close', resolve);
  });
  if (code !== 0) throw new Error(`make_models.py failed (exit ${code}):\n${Buffer.concat(output).toString('utf8').slice(-4000)}`);
  return JSON.parse(readFileSync(path.join(outDir, 'expected.json'), 'utf8')) as ExpectedAnswers;
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
