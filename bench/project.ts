/**
 * The bench's own throwaway project: a temp folder with its dotfile, the deployers the figures
 * need, and a runner for the built `zenml` binary pointed at that dotfile (never the developer's).
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runChild, stopGroup, trackProcess, type ChildResult } from './processes.js';

/** The repository root (the folder above bench/). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** The `zenml` executable as npm installs it. */
export const ZENML_BIN = path.join(REPO_ROOT, 'bin', 'zenml.js');
/** The model every figure serves. */
export const IRIS_ONNX = path.join(REPO_ROOT, 'examples', 'iris', 'model.onnx');
/** Its training data (the Python peers train on it). */
export const IRIS_CSV = path.join(REPO_ROOT, 'examples', 'iris', 'iris.csv');

/** A model server started through the CLI. */
export interface Deployed {
  uuid: string;
  pid: number;
  predictionUrl: string;
  v2InferUrl: string;
  /** host:port of the gRPC listener ('' when off). */
  grpcTarget: string;
  healthUrl: string;
  /** Wall time of the `deploy` command, ms. */
  cliMs: number;
}

/** The temp project and its CLI. */
export interface BenchProject {
  dir: string;
  /** The dotfile every command gets with --config. */
  configPath: string;
  /** Run `zenml --config <dotfile> …args`; rejects on a non-zero exit. */
  zenml(args: string[], timeoutMs?: number): Promise<ChildResult>;
  /** Deploy the iris model (or `modelUri`) with `deployer`, wait for it, and track its pid. */
  deploy(deployer: string, modelName: string, modelUri?: string): Promise<Deployed>;
  /** Delete a server through the CLI (kill it if it does not stop in time). */
  remove(deployer: string, uuid: string, pid?: number): Promise<void>;
  /** The state dir of deployer `name` (its default: `<dotfile dir>/.zenml/deployers/<name>`). */
  stateDir(name: string): string;
  /** Stop every model server left in the project and delete the folder (unless keep). */
  dispose(keep: boolean): Promise<void>;
  /** The same, synchronously and with SIGKILL: for an exit that cannot wait. */
  disposeNow(keep: boolean): void;
}

/** Environment of every CLI run: no colours, no inherited dotfile. */
export function cliEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' };
  delete env.ZENML_CONFIG;
  delete env.NODE_OPTIONS;
  return env;
}

/** Create the temp project (`zenml init`) under the system temp dir. */
export async function createProject(): Promise<BenchProject> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'zenml-bench-'));
  const configPath = path.join(dir, '.zenmlrc.json');
  const env = cliEnv();

  const zenml = async (args: string[], timeoutMs = 120_000): Promise<ChildResult> => {
    const result = await runChild(process.execPath, [ZENML_BIN, '--config', configPath, ...args], { cwd: dir, env, timeoutMs });
    if (result.code !== 0) {
      throw new Error(`zenml ${args.join(' ')} exited ${result.code}:\n${result.stderr.slice(-2000)}${result.stdout.slice(-2000)}`);
    }
    return result;
  };

  const project: BenchProject = {
    dir,
    configPath,
    zenml,
    async deploy(deployer, modelName, modelUri = IRIS_ONNX) {
      const args = ['model-deployer', 'deploy', '--model-uri', modelUri, '--model-name', modelName, '--deployer', deployer, '--timeout', '60', '--json'];
      const result = await zenml(args, 90_000);
      const json = JSON.parse(result.stdout) as { uuid: string; info: Record<string, string> };
      const pid = Number(json.info.DAEMON_PID);
      if (Number.isInteger(pid) && pid > 0) trackProcess(pid, `model server ${json.uuid}`);
      return {
        uuid: json.uuid,
        pid,
        predictionUrl: json.info.PREDICTION_URL,
        v2InferUrl: json.info.V2_INFER_URL,
        grpcTarget: json.info.GRPC_URL ?? '',
        healthUrl: json.info.HEALTH_CHECK_URL,
        cliMs: result.ms,
      };
    },
    async remove(deployer, uuid, pid) {
      await zenml(['model-deployer', 'delete', uuid, '--deployer', deployer, '--yes', '--timeout', '10']);
      if (pid) await stopGroup(pid, 1000);
    },
    stateDir(name) {
      return path.join(dir, '.zenml', 'deployers', name);
    },
    async dispose(keep) {
      await stopProjectServers(dir);
      if (!keep) await rm(dir, { recursive: true, force: true });
    },
    disposeNow(keep) {
      for (const pid of projectPids(dir)) {
        for (const target of [-pid, pid]) {
          try {
            process.kill(target, 'SIGKILL');
            break;
          } catch {
            // not a group leader, or gone
          }
        }
      }
      if (!keep) rmSync(dir, { recursive: true, force: true });
    },
  };
  await zenml(['init']);
  return project;
}

/**
 * Stop every process whose command line names the project folder: the model servers the CLI
 * started (their config lives there), including ones whose deploy was interrupted before the CLI
 * reported them, and whatever another flavor spawned with a path inside the project.
 */
export async function stopProjectServers(dir: string): Promise<void> {
  await Promise.all(projectPids(dir).map((pid) => stopGroup(pid, 3000)));
}

/** Processes (other than this one) whose command line names `dir`. */
function projectPids(dir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    if (commandLine(pid).includes(dir)) pids.push(pid);
  }
  return pids;
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}
