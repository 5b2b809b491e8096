/**
 * The Python peers of figures 2 and 3: the iris model trained with scikit-learn (bench/train_iris_sklearn.py)
 * and served by `mlflow models serve`, MLServer or KServe's model server, each in its own process group under the
 * bench's control.
 */
import { closeSync, existsSync, openSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { findFreePort } from 'zenml-model-deployer';
import { IRIS_CSV, REPO_ROOT } from './project.js';
import { runChild, startDaemonChild } from './processes.js';
import type { PythonEnvs } from './python-envs.js';

/** A peer server the bench started. */
export interface PeerServer {
  pid: number;
  baseUrl: string;
  logPath: string;
}

/** A peer that serves gRPC too: its port on 127.0.0.1. */
export interface GrpcPeerServer extends PeerServer {
  grpcPort: number;
}

const TRAIN = path.join(REPO_ROOT, 'bench', 'train_iris_sklearn.py');
const KSERVE_SERVER = path.join(REPO_ROOT, 'bench', 'kserve_iris_server.py');

/** Environment of a venv's tools: its bin first on PATH (mlflow execs `uvicorn` by name). */
function venvEnv(binDir: string): NodeJS.ProcessEnv {
  return { ...process.env, PATH: `${binDir}${path.delimiter}${process.env.PATH ?? ''}`, PYTHONUNBUFFERED: '1', MLFLOW_TRACKING_URI: '' };
}

/** Train and save the MLflow model under `workDir`; resolves with its directory. */
export async function trainMlflowModel(envs: PythonEnvs, workDir: string): Promise<string> {
  if (!envs.mlflow) throw new Error('no mlflow environment');
  const out = path.join(workDir, 'mlflow-iris');
  if (existsSync(path.join(out, 'MLmodel'))) return out; // trained by an earlier figure of this run
  const r = await runChild(envs.mlflow.python, [TRAIN, '--csv', IRIS_CSV, '--mlflow-out', out], {
    cwd: workDir,
    env: venvEnv(path.dirname(envs.mlflow.bin)),
    timeoutMs: 300_000,
  });
  if (r.code !== 0) throw new Error(`training the mlflow model failed: ${r.stderr.slice(-1500)}`);
  return out;
}

/** Train and save the MLServer model repository (model.joblib + model-settings.json) under `workDir`. */
export async function trainMlserverModel(envs: PythonEnvs, workDir: string): Promise<string> {
  if (!envs.mlserver) throw new Error('no mlserver environment');
  const repo = path.join(workDir, 'mlserver-models');
  if (existsSync(path.join(repo, 'iris', 'model-settings.json'))) return repo;
  const r = await runChild(path.join(envs.mlserver, 'bin', 'python'), [TRAIN, '--csv', IRIS_CSV, '--mlserver-out', path.join(repo, 'iris')], {
    cwd: workDir,
    env: venvEnv(path.join(envs.mlserver, 'bin')),
    timeoutMs: 300_000,
  });
  if (r.code !== 0) throw new Error(`training the mlserver model failed: ${r.stderr.slice(-1500)}`);
  return repo;
}

/** Train and save model.joblib for the KServe peer under `workDir` (with the kserve environment's scikit-learn); resolves with its folder. */
export async function trainKserveModel(envs: PythonEnvs, workDir: string): Promise<string> {
  if (!envs.kserve) throw new Error('no kserve environment');
  const out = path.join(workDir, 'kserve-iris');
  if (existsSync(path.join(out, 'model.joblib'))) return out;
  const bin = path.join(envs.kserve, 'bin');
  const r = await runChild(path.join(bin, 'python'), [TRAIN, '--csv', IRIS_CSV, '--joblib-out', out], { cwd: workDir, env: venvEnv(bin), timeoutMs: 300_000 });
  if (r.code !== 0) throw new Error(`training the kserve model failed: ${r.stderr.slice(-1500)}`);
  return out;
}

function startLogged(command: string, args: string[], env: NodeJS.ProcessEnv, cwd: string, logPath: string, label: string): number {
  const fd = openSync(logPath, 'a');
  try {
    return startDaemonChild(command, args, { cwd, env, logFd: fd, label });
  } finally {
    closeSync(fd);
  }
}

/** `mlflow models serve -m <model> --env-manager local` on a free loopback port (its defaults otherwise: 1 uvicorn worker). */
export async function startMlflowServe(envs: PythonEnvs, modelDir: string, workDir: string): Promise<PeerServer> {
  if (!envs.mlflow) throw new Error('no mlflow environment');
  const port = await findFreePort('127.0.0.1');
  const logPath = path.join(workDir, `mlflow-serve-${port}.log`);
  const pid = startLogged(
    envs.mlflow.bin,
    ['models', 'serve', '-m', modelDir, '--env-manager', 'local', '-h', '127.0.0.1', '-p', String(port)],
    venvEnv(path.dirname(envs.mlflow.bin)),
    workDir,
    logPath,
    'mlflow models serve',
  );
  return { pid, baseUrl: `http://127.0.0.1:${port}`, logPath };
}

/** `mlserver start <repo>` with its HTTP, gRPC and metrics ports on loopback (its defaults otherwise). */
export async function startMlserver(envs: PythonEnvs, repo: string, workDir: string): Promise<PeerServer> {
  if (!envs.mlserver) throw new Error('no mlserver environment');
  const [http, grpc, metrics] = [await findFreePort('127.0.0.1'), await findFreePort('127.0.0.1'), await findFreePort('127.0.0.1')];
  await mkdir(repo, { recursive: true });
  await writeFile(path.join(repo, 'settings.json'), JSON.stringify({ host: '127.0.0.1', http_port: http, grpc_port: grpc, metrics_port: metrics }));
  const logPath = path.join(workDir, `mlserver-${http}.log`);
  const bin = path.join(envs.mlserver, 'bin');
  const pid = startLogged(path.join(bin, 'mlserver'), ['start', repo], venvEnv(bin), workDir, logPath, 'mlserver start');
  return { pid, baseUrl: `http://127.0.0.1:${http}`, logPath };
}

/**
 * KServe's Python model server (bench/kserve_iris_server.py: a kserve.Model over model.joblib in `modelDir`, as
 * `iris`) with its REST and gRPC ports on loopback, its defaults otherwise (one uvicorn worker).
 */
export async function startKserve(envs: PythonEnvs, modelDir: string, workDir: string): Promise<GrpcPeerServer> {
  if (!envs.kserve) throw new Error('no kserve environment');
  const [http, grpc] = [await findFreePort('127.0.0.1'), await findFreePort('127.0.0.1')];
  const logPath = path.join(workDir, `kserve-${http}.log`);
  const bin = path.join(envs.kserve, 'bin');
  const args = [KSERVE_SERVER, '--model_dir', modelDir, '--http_port', String(http), '--grpc_port', String(grpc)];
  const pid = startLogged(path.join(bin, 'python'), args, venvEnv(bin), workDir, logPath, 'kserve model server');
  return { pid, baseUrl: `http://127.0.0.1:${http}`, grpcPort: grpc, logPath };
}
