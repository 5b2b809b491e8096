/** Starting one local model server process for a service: its config file, the spawn, the wait. */
import { randomBytes, randomUUID } from 'node:crypto';
import { appendFile, readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { writeAtomic } from '../../fs/atomic-write.js';
import { withProgress, type ProgressReporter } from '../../deployers/progress.js';
import { ServerError, TimeoutError } from '../../errors.js';
import { findFreePort, isPortFree, spawnDaemon, stopProcess, type SpawnDaemonOptions } from '../../services/daemon.js';
import { logExcerpt, waitForHealthy } from '../../services/health-probe.js';
import { ensurePrivateDirs, PRIVATE_FILE_MODE } from '../../services/private-dir.js';
import { getProcessIdentity, isAlive } from '../../services/process-identity.js';
import { SERVICE_MARK } from '../../services/marked-processes.js';
import { saveService } from '../../services/service-store.js';
import { pauseForTest } from '../../test-hooks.js';
import { ServiceState } from '../../services/service-status.js';
import type { LocalSettings } from './local-settings.js';
import type { LocalModelService } from './local-service.js';
import type { ModelSpec } from './model-spec.js';
import { runtimeMatches } from './reconcile.js';

/** What launchServer needs besides the service. */
export interface LaunchOptions {
  settings: LocalSettings;
  stateDir: string;
  /** The built server script. */
  entry: string;
  /** Seconds to wait for readiness; 0 returns in pending_startup right after the spawn. */
  timeout: number;
  /** Shows the wait for the model to load (the deployer context's reporter). */
  progress?: ProgressReporter;
  /** The bearer token prediction clients must send (the resolved `authToken` setting); none when absent. */
  authToken?: string;
}

/** The admin token of a service's server config, if one was written before. */
export async function readAdminToken(serverConfigPath: string): Promise<string | undefined> {
  try {
    const token = (JSON.parse(await readFile(serverConfigPath, 'utf8')) as { adminToken?: unknown }).adminToken;
    return typeof token === 'string' && token ? token : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The gRPC port of a spawn (undefined when off): the configured one, else the previous one while it is still free,
 * else any free port. A configured port that is taken fails the start, as for the HTTP port.
 */
export async function pickGrpcPort(service: LocalModelService, settings: LocalSettings): Promise<number | undefined> {
  const { host, port, grpcPort: previous } = service.local;
  if (settings.grpcPort === false) return undefined;
  if (settings.grpcPort !== 0) {
    if (await isPortFree(host, settings.grpcPort)) return settings.grpcPort;
    throw new ServerError(`gRPC port ${settings.grpcPort} on ${host} is already in use`, { suggestion: 'set grpcPort to 0 to pick a free one' });
  }
  if (previous !== undefined && previous !== port && (await isPortFree(host, previous))) return previous;
  let free = await findFreePort(host);
  // The kernel may hand back the HTTP port chosen a moment ago (nothing listens on it yet).
  while (free === port) free = await findFreePort(host);
  return free;
}

/** Write the server's config file (0600: it holds the admin token). */
export async function writeServerConfig(
  service: LocalModelService,
  settings: LocalSettings,
  spec: ModelSpec,
  adminToken: string,
  authToken?: string,
): Promise<void> {
  const { host, port, grpcPort, instanceId, serverConfigPath } = service.local;
  const config = {
    instanceId,
    host,
    port,
    grpcPort: grpcPort ?? false,
    runtimeFile: service.runtimePath,
    ...(authToken ? { authToken } : {}),
    adminToken,
    maxBodyBytes: settings.maxBodyBytes,
    workers: settings.workers,
    batching: settings.batching,
    models: [{ name: spec.name, version: spec.version, uri: spec.uri }],
  };
  // The mode is set on the temp file before the rename, so an existing looser file is tightened too.
  await writeAtomic(serverConfigPath, `${JSON.stringify(config, null, 2)}\n`, PRIVATE_FILE_MODE);
}

/**
 * Spawn the server for `service` on the port already recorded in it, persist it as pending_startup,
 * then wait until it answers ready with this spawn's instance id and persist it as active.
 * When the wait fails the process is killed and the error rethrown; the caller decides what
 * becomes of the record.
 */
export async function launchServer(service: LocalModelService, spec: ModelSpec, options: LaunchOptions): Promise<LocalModelService> {
  const { settings, stateDir, entry, timeout } = options;
  const { serverConfigPath, logPath, host, port, servicePath } = service.local;
  await ensurePrivateDirs(stateDir, servicePath);
  const adminToken = (await readAdminToken(serverConfigPath)) ?? randomBytes(24).toString('hex');
  // A fresh id per spawn: a health answer from an older or foreign process on this port never counts.
  service.setLocal({ instanceId: randomUUID(), modelPath: spec.uri, modelVersion: spec.version, grpcPort: await pickGrpcPort(service, settings) });
  await writeServerConfig(service, settings, spec, adminToken, options.authToken);
  await appendFile(
    logPath,
    `${new Date().toISOString()} [zenml] starting model server ${service.uuid} on ${host}:${port}: ` +
      `${spec.name} version ${spec.version} from ${spec.uri}\n`,
  );
  return launchDaemon(
    service,
    { command: settings.nodePath ?? process.execPath, args: [entry, '--config', serverConfigPath] },
    {
      stateDir,
      timeout,
      waitReady: () =>
        withProgress(options, `loading model ${spec.name} (server ${service.uuid.slice(0, 8)}, port ${port})`, () => waitUntilReady(service, timeout)),
    },
  );
}

/** How launchDaemon waits for the process it spawned. */
export interface DaemonLaunchOptions {
  stateDir: string;
  /** Seconds to wait for readiness; 0 returns in pending_startup right after the spawn. */
  timeout: number;
  /** Resolves once this spawn is ready; rejects when it exits or does not get ready in time. */
  waitReady: () => Promise<void>;
  /** The error to throw instead of the wait's, asked once the process is stopped (mlflow names the cause its log shows). */
  explainFailure?: (error: unknown) => Promise<unknown>;
}

/**
 * The lifecycle every server process of a service shares, whatever the server: record it as
 * pending_startup with its endpoint, spawn it in the service dir (appending to its log, pid in
 * server.pid, marked with the service's uuid in its environment), record the process, then wait until
 * it is ready and record it active. When the wait fails the process group is killed and the error
 * rethrown; the caller decides what becomes of the record.
 */
export async function launchDaemon<S extends LocalModelService>(
  service: S,
  spawn: Pick<SpawnDaemonOptions, 'command' | 'args' | 'env'>,
  options: DaemonLaunchOptions,
): Promise<S> {
  const { stateDir, timeout, waitReady, explainFailure } = options;
  const { servicePath, logPath } = service.local;
  // Recorded before the spawn, with who launches it: a zenml killed between the spawn and the next save
  // leaves a record whose server is found by its mark and adopted (reconcile.ts), never an unrecorded server.
  service.setLocal({ pid: undefined, processStartTime: undefined, launcher: await getProcessIdentity(process.pid) });
  service.endpoint = service.endpointUrls();
  service.setState(ServiceState.PENDING_STARTUP);
  await saveService(stateDir, service);
  await pauseForTest('ZENML_TEST_PAUSE_BEFORE_SPAWN_MS');
  const env = { ...(spawn.env ?? process.env), [SERVICE_MARK]: service.uuid };
  const identity = await spawnDaemon({ ...spawn, env, cwd: servicePath, logPath, pidPath: service.pidPath });
  await pauseForTest('ZENML_TEST_PAUSE_AFTER_SPAWN_MS');
  service.setLocal({ pid: identity.pid, processStartTime: identity.startTime, launcher: undefined });
  await saveService(stateDir, service);
  if (timeout === 0) return service;
  try {
    await waitReady();
  } catch (error) {
    await stopProcess(identity, 5, true).catch(() => undefined);
    throw explainFailure ? await explainFailure(error) : error;
  }
  service.setState(ServiceState.ACTIVE);
  await saveService(stateDir, service);
  return service;
}

/**
 * Wait until this spawn of the server is ready: its health check answers with our instance id, and
 * it has published runtime.json (with workers, the primary writes it once *every* worker listens,
 * while the first worker may already answer the health check). Same errors as waitForHealthy.
 */
export async function waitUntilReady(service: LocalModelService, timeoutS: number): Promise<void> {
  const deadline = Date.now() + timeoutS * 1000;
  const identity = service.identity;
  const { logPath, instanceId } = service.local;
  await waitForHealthy(service.endpointUrls().healthCheckUrl, {
    expectHeader: { name: 'X-Zenml-Instance', value: instanceId },
    timeoutS,
    processIdentity: identity,
    logPath,
  });
  while (!(await runtimeMatches(service))) {
    if (!(await isAlive(identity))) {
      throw new ServerError(`the server process ${identity?.pid} exited while starting${await logExcerpt(logPath)}`);
    }
    if (Date.now() >= deadline) {
      throw new TimeoutError(`${service.runtimePath} was not written within ${timeoutS}s${await logExcerpt(logPath)}`);
    }
    await sleep(50);
  }
}
