/**
 * Figure 2, deploy → first successful prediction: from the moment the deploy starts until a
 * one-row POST /invocations answers 200. `local`: `zenml model-deployer deploy` of the iris ONNX
 * model, then predictions; the server is deleted after each run. Peers: the same model trained with
 * scikit-learn, served by `mlflow models serve` directly and through our `mlflow` flavor.
 */
import path from 'node:path';
import { irisRows, mlflowBodies } from './iris-requests.js';
import { firstSuccess } from './load.js';
import type { BenchOptions } from './options.js';
import { stopGroup, trackProcess } from './processes.js';
import type { BenchProject } from './project.js';
import type { PythonEnvs } from './python-envs.js';
import { startMlflowServe, trainMlflowModel } from './python-servers.js';
import { ratio, summarize, type Summary } from './stats.js';

/** One server kind's runs. */
export interface DeployFigure {
  /** Deploy start → first 200 from /invocations. */
  total: Summary;
  /** Of which: the `deploy` command alone (it returns once the server is ready). */
  cli?: Summary;
}

/** What figure 2 measured. */
export interface DeployResult {
  runs: number;
  local: DeployFigure;
  peers?: {
    mlflowServe: DeployFigure | { skipped: string };
    mlflowFlavor: DeployFigure | { skipped: string };
    /** Peer median over ours. */
    mlflowServeOverLocal?: number;
    mlflowFlavorOverLocal?: number;
  };
}

const BODIES = mlflowBodies(irisRows(1));

/** Measure figure 2. */
export async function measureDeploy(
  project: BenchProject,
  options: BenchOptions,
  python: PythonEnvs | undefined,
  log: (m: string) => void,
): Promise<DeployResult> {
  await project.zenml(['model-deployer', 'register', 'bench-deploy', '--flavor', 'local']);
  const totals: number[] = [];
  const clis: number[] = [];
  for (let i = 0; i < options.deployRuns; i++) {
    const start = performance.now();
    const d = await project.deploy('bench-deploy', 'iris');
    await firstSuccess({ url: d.predictionUrl, bodies: BODIES }, 30_000);
    totals.push(performance.now() - start);
    clis.push(d.cliMs);
    await project.remove('bench-deploy', d.uuid, d.pid);
  }
  const local: DeployFigure = { total: summarize(totals, 'ms'), cli: summarize(clis, 'ms') };
  log(`deploy → first prediction (local): ${local.total.median} ms`);
  if (!options.peers) return { runs: options.deployRuns, local };

  let modelDir: string | undefined;
  let problem: string | undefined;
  if (!python?.mlflow) problem = python?.problems.mlflow ?? 'no mlflow environment';
  else {
    try {
      modelDir = await trainMlflowModel(python, project.dir);
    } catch (error) {
      problem = (error as Error).message;
    }
  }
  const mlflowServe = modelDir && python ? await measureMlflowServe(project, options, python, modelDir) : { skipped: problem ?? '' };
  const mlflowFlavor = modelDir && python ? await measureMlflowFlavor(project, options, python, modelDir) : { skipped: problem ?? '' };
  const total = (f: DeployFigure | { skipped: string }) => ('total' in f ? f.total : undefined);
  return {
    runs: options.deployRuns,
    local,
    peers: {
      mlflowServe,
      mlflowFlavor,
      mlflowServeOverLocal: ratio(total(mlflowServe), local.total),
      mlflowFlavorOverLocal: ratio(total(mlflowFlavor), local.total),
    },
  };
}

async function measureMlflowServe(project: BenchProject, options: BenchOptions, python: PythonEnvs, modelDir: string): Promise<DeployFigure | { skipped: string }> {
  const totals: number[] = [];
  for (let i = 0; i < options.deployRuns; i++) {
    const start = performance.now();
    const server = await startMlflowServe(python, modelDir, project.dir);
    try {
      await firstSuccess({ url: `${server.baseUrl}/invocations`, bodies: BODIES }, 180_000, 50);
      totals.push(performance.now() - start);
    } catch (error) {
      return { skipped: `mlflow models serve did not answer: ${(error as Error).message} (log: ${server.logPath})` };
    } finally {
      await stopGroup(server.pid, 5000);
    }
  }
  return { total: summarize(totals, 'ms') };
}

/** Through our `mlflow` flavor, when the CLI has one. Its settings are found by name in `flavor describe`. */
async function measureMlflowFlavor(project: BenchProject, options: BenchOptions, python: PythonEnvs, modelDir: string): Promise<DeployFigure | { skipped: string }> {
  const flavors = JSON.parse((await project.zenml(['model-deployer', 'flavor', 'list', '--json'])).stdout) as { name: string }[];
  if (!flavors.some((f) => f.name === 'mlflow')) return { skipped: 'the CLI has no mlflow flavor yet (src/integrations/mlflow)' };
  const described = JSON.parse((await project.zenml(['model-deployer', 'flavor', 'describe', 'mlflow', '--json'])).stdout) as {
    fields?: { key: string; description?: string }[];
  };
  // Point it at the peer's mlflow: its executable setting if it has one, else a virtualenv setting.
  const fields = described.fields ?? [];
  const command = fields.find((f) => /mlflow/i.test(f.key) && /(path|bin|command|executable)/i.test(`${f.key} ${f.description ?? ''}`));
  const venv = fields.find((f) => /python|venv/i.test(f.key));
  const settings = command
    ? ['-c', `${command.key}=${python.mlflow!.bin}`]
    : venv
      ? ['-c', `${venv.key}=${path.dirname(path.dirname(python.mlflow!.python))}`]
      : [];
  try {
    await project.zenml(['model-deployer', 'register', 'bench-mlflow', '--flavor', 'mlflow', ...settings]);
  } catch (error) {
    return { skipped: `registering an mlflow deployer failed: ${(error as Error).message.slice(0, 500)}` };
  }
  const totals: number[] = [];
  const clis: number[] = [];
  for (let i = 0; i < options.deployRuns; i++) {
    const start = performance.now();
    let uuid: string | undefined;
    try {
      const r = await project.zenml(
        ['model-deployer', 'deploy', '--model-uri', modelDir, '--model-name', 'iris', '--deployer', 'bench-mlflow', '--timeout', '180', '--json'],
        240_000,
      );
      const json = JSON.parse(r.stdout) as { uuid: string; predictionUrl?: string; info: Record<string, string> };
      uuid = json.uuid;
      const pid = Number(json.info.DAEMON_PID ?? json.info.PID);
      if (Number.isInteger(pid) && pid > 0) trackProcess(pid, `mlflow flavor server ${uuid}`);
      const url = json.info.PREDICTION_URL ?? json.predictionUrl;
      await firstSuccess({ url, bodies: BODIES }, 60_000);
      totals.push(performance.now() - start);
      clis.push(r.ms);
    } catch (error) {
      return { skipped: `deploy through the mlflow flavor failed: ${(error as Error).message.slice(0, 800)}` };
    } finally {
      if (uuid) await project.zenml(['model-deployer', 'delete', uuid, '--deployer', 'bench-mlflow', '--yes', '--timeout', '20']).catch(() => undefined);
    }
  }
  return { total: summarize(totals, 'ms'), cli: summarize(clis, 'ms') };
}
