/** Running `mlflow models serve` for a service: the spawn, the wait for /ping, and its readiness marker. */
import { randomUUID } from 'node:crypto';
import { appendFile, readFile } from 'node:fs/promises';
import { writeAtomic } from '../../fs/atomic-write.js';
import { ensurePrivateDirs, PRIVATE_FILE_MODE } from '../../services/private-dir.js';
import { withProgress, type ProgressReporter } from '../../deployers/progress.js';
import { ServerError } from '../../errors.js';
import type { BaseService } from '../../services/base-service.js';
import { probeHealth, waitForHealthy } from '../../services/health-probe.js';
import { fileSize } from '../../services/log-tail.js';
import { isAlive } from '../../services/process-identity.js';
import { ServiceState } from '../../services/service-status.js';
import { reconcileService, runtimeMatches } from '../local/reconcile.js';
import { launchDaemon } from '../local/server-process.js';
import type { MlflowRuntime } from './mlflow-command.js';
import { MlflowModelService } from './mlflow-service.js';
import type { MlflowSettings } from './mlflow-settings.js';

/** What launchMlflowServer needs besides the service. */
export interface MlflowLaunchOptions {
  settings: MlflowSettings;
  stateDir: string;
  mlflow: MlflowRuntime;
  /** Seconds to wait for /ping (capped by settings.startTimeout); 0 returns in pending_startup right after the spawn. */
  timeout: number;
  /** Shows the wait for the server to answer (the deployer context's reporter). */
  progress?: ProgressReporter;
}

/**
 * Spawn `mlflow models serve` for the service's model directory on its recorded host and port (a
 * process group of its own: mlflow starts uvicorn and its workers as children), persist it as
 * pending_startup, wait for GET /ping and persist it as active. When the wait fails the whole group is
 * killed and the error (with the log's last lines) rethrown; the caller decides what becomes of the record.
 */
export async function launchMlflowServer(service: MlflowModelService, options: MlflowLaunchOptions): Promise<MlflowModelService> {
  const { settings, stateDir, mlflow, timeout } = options;
  const { host, port, logPath, servicePath } = service.local;
  const { modelDir } = service.mlflow;
  service.setLocal({ instanceId: randomUUID() });
  await ensurePrivateDirs(stateDir, servicePath);
  await appendFile(
    logPath,
    `${new Date().toISOString()} [zenml] starting mlflow models serve for ${service.uuid} on ${host}:${port}: ${modelDir}\n`,
  );
  const logStart = await fileSize(logPath);
  return launchDaemon(
    service,
    {
      command: mlflow.command,
      args: ['models', 'serve', '-m', modelDir, '-h', host, '-p', String(port), '-w', String(settings.workers), '--env-manager', 'local'],
      // launchDaemon marks every process of this server, children included: stop finds uvicorn even when mlflow is gone.
      env: mlflow.env,
    },
    {
      stateDir,
      timeout,
      waitReady: () =>
        withProgress(options, `waiting for mlflow models serve (${service.config.modelName}, port ${port})`, () =>
          waitForPing(service, Math.min(timeout, settings.startTimeout)),
        ),
      explainFailure: (error) => withCause(error, logPath, logStart),
    },
  );
}

/** Wait until this spawn answers GET /ping, then mark it ready. ServerError when it exits first, TimeoutError after `timeoutS`. */
export async function waitForPing(service: MlflowModelService, timeoutS: number): Promise<void> {
  await waitForHealthy(service.endpointUrls().healthCheckUrl, {
    timeoutS,
    processIdentity: service.identity,
    logPath: service.local.logPath,
  });
  if (!(await isAlive(service.identity))) {
    throw new ServerError(`the mlflow server process ${service.local.pid} exited right after answering /ping`);
  }
  await markReady(service);
}

/**
 * The error with the first exception the server logged put in front: when the model fails to load,
 * uvicorn's traceback names the cause, and the lines quoted at the end are only mlflow's wrapper around it.
 */
async function withCause(error: unknown, logPath: string, from: number): Promise<unknown> {
  if (!(error instanceof ServerError)) return error;
  let text = '';
  try {
    text = (await readFile(logPath)).subarray(from).toString('utf8');
  } catch {
    return error;
  }
  const cause = text
    .split('\n')
    .find((line) => EXCEPTION_LINE.test(line) && !line.includes('returned non zero return code'));
  if (!cause) return error;
  return new ServerError(`mlflow models serve failed: ${cause.trim()}\n${error.message}`, { cause: error, details: error.details });
}

// `zipfile.BadZipFile: …`, `ModuleNotFoundError: …`, `OSError: …`: a Python exception's last line.
const EXCEPTION_LINE = /^[A-Za-z_][\w.]*(Error|Exception|Exit|BadZipFile|Interrupt)\b(:|$)/;

/**
 * Write runtime.json for this spawn, as our own server does once it listens: the local flavor's status
 * reconciliation then reads an MLflow server that answered /ping as up, without any HTTP of its own.
 */
async function markReady(service: MlflowModelService): Promise<void> {
  const { pid, instanceId, host, port } = service.local;
  const runtime = { pid, instanceId, host, port, server: 'mlflow', startedAt: new Date().toISOString() };
  await writeAtomic(service.runtimePath, `${JSON.stringify(runtime, null, 2)}\n`, PRIVATE_FILE_MODE);
}

/**
 * The local reconciliation, plus one cheap probe for an MLflow server deployed without waiting
 * (timeout 0): while it is pending_startup and alive, an answer to /ping marks it ready.
 */
export async function reconcileMlflowService(stateDir: string, service: BaseService): Promise<BaseService | undefined> {
  if (
    service instanceof MlflowModelService &&
    service.mlflow.servingFlavor === 'python_function' &&
    service.status.state === ServiceState.PENDING_STARTUP &&
    (await isAlive(service.identity)) &&
    !(await runtimeMatches(service)) &&
    (await probeHealth(service.endpointUrls().healthCheckUrl, undefined, 1000))
  ) {
    await markReady(service);
  }
  return reconcileService(stateDir, service);
}
