/**
 * Where the Python peers live. The mlflow environment is the one the mlflow flavor's tests use
 * (.ci/python-env.sh exports ZENML_TEST_MLFLOW / ZENML_TEST_PYTHON); the Python ZenML CLI, MLServer
 * and KServe get the bench's own environments (bench/python-env.sh), since their pins clash.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './project.js';
import { runChild } from './processes.js';

/** Paths of the peers that are ready; `problems` says why a missing one is missing. */
export interface PythonEnvs {
  /** venv folder with the Python ZenML CLI. */
  zenml?: string;
  /** The `mlflow` executable and the python of its venv (with scikit-learn). */
  mlflow?: { bin: string; python: string };
  /** venv folder with mlserver + mlserver-sklearn. */
  mlserver?: string;
  /** venv folder with kserve (its Python model server) + scikit-learn + joblib. */
  kserve?: string;
  problems: Record<string, string>;
}

/** Build (first time) or find every peer environment. Progress goes to stderr. */
export async function preparePythonEnvs(): Promise<PythonEnvs> {
  const envs: PythonEnvs = { problems: {} };
  const root = process.env.ZENML_BENCH_VENV ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(process.env.HOME ?? '/tmp', '.cache'), 'zenml-model-deployer', 'bench-venv');

  const mlflow = await ciMlflowEnv();
  if (mlflow.env) envs.mlflow = mlflow.env;

  const wanted = ['zenml', 'mlserver', 'kserve', ...(envs.mlflow ? [] : ['mlflow'])];
  process.stderr.write(`[bench] python peers: preparing ${wanted.join(', ')} under ${root} (minutes on the first run)\n`);
  for (const name of wanted) {
    const r = await runChild('bash', [path.join(REPO_ROOT, 'bench', 'python-env.sh'), name], {
      env: { ...process.env, ZENML_BENCH_VENV: root },
      timeoutMs: 40 * 60_000,
    }).catch((error: Error) => ({ code: 1, stdout: '', stderr: error.message }));
    const dir = path.join(root, name);
    if (r.code !== 0) {
      envs.problems[name] = `bench/python-env.sh ${name} failed: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`;
      continue;
    }
    if (name === 'zenml') envs.zenml = dir;
    if (name === 'mlserver') envs.mlserver = dir;
    if (name === 'kserve') envs.kserve = dir;
    if (name === 'mlflow') envs.mlflow = { bin: path.join(dir, 'bin', 'mlflow'), python: path.join(dir, 'bin', 'python') };
  }
  if (!envs.mlflow) envs.problems.mlflow = `${mlflow.problem ?? ''} ${envs.problems.mlflow ?? ''}`.trim();
  return envs;
}

/** The mlflow venv of .ci/python-env.sh (or of ZENML_TEST_MLFLOW already in the environment). */
async function ciMlflowEnv(): Promise<{ env?: { bin: string; python: string }; problem?: string }> {
  const fromEnv = (bin?: string, python?: string) => (bin && python && existsSync(bin) && existsSync(python) ? { bin, python } : undefined);
  const given = fromEnv(process.env.ZENML_TEST_MLFLOW, process.env.ZENML_TEST_PYTHON);
  if (given) return { env: given };
  const script = path.join(REPO_ROOT, '.ci', 'python-env.sh');
  if (!existsSync(script)) return { problem: '.ci/python-env.sh does not exist' };
  process.stderr.write('[bench] python peers: sourcing .ci/python-env.sh for mlflow\n');
  const r = await runChild('bash', ['-c', 'source "$1" >&2 && printf "%s\\n%s\\n" "$ZENML_TEST_MLFLOW" "$ZENML_TEST_PYTHON"', 'bash', script], {
    cwd: REPO_ROOT,
    env: process.env,
    timeoutMs: 40 * 60_000,
  }).catch((error: Error) => ({ code: 1, stdout: '', stderr: error.message }));
  const [bin, python] = r.stdout.trim().split('\n');
  const env = r.code === 0 ? fromEnv(bin, python) : undefined;
  return env ? { env } : { problem: `.ci/python-env.sh failed: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}` };
}
