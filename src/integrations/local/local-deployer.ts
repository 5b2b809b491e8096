/** The built-in `local` flavor: ONNX models served by our own model server in background processes. */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { recordQuery, type ServiceFilter } from '../../deployers/service-filter.js';
import {
  BaseModelDeployer,
  DEFAULT_DEPLOYMENT_START_STOP_TIMEOUT,
  type DeployerContext,
  type LogOptions,
} from '../../deployers/base-model-deployer.js';
import { withFileLock } from '../../fs/file-lock.js';
import { ServerError, ZenmlError } from '../../errors.js';
import type { BaseService } from '../../services/base-service.js';
import { findFreePort, isAlive, isPortFree, stopProcess } from '../../services/daemon.js';
import { fileSize, followLines, tailLines } from '../../services/log-tail.js';
import { mapConcurrent } from '../../services/map-concurrent.js';
import { pollUntil } from '../../services/poll.js';
import { probeHealth } from '../../services/health-probe.js';
import type { ServiceConfig } from '../../services/service-config.js';
import { stopLeftovers } from '../../services/marked-processes.js';
import { deleteServiceDir, listServices, removeAbandonedServiceDirs, saveService, serviceDirPath } from '../../services/service-store.js';
import { ServiceState } from '../../services/service-status.js';
import { swapModel } from './hot-swap.js';
import { localServiceSettingsSchema, localSettingsSchema, type LocalSettings } from './local-settings.js';
import { LocalModelService, type LocalServiceExtra } from './local-service.js';
import { checkModelFile, nextServedVersion, resolveModelSpec, servedModelName, type ModelSpec } from './model-spec.js';
import { reconcileService } from './reconcile.js';
import { builtinDescription } from '../../flavors/builtin-flavors.js';
import { serverEntryPath } from './server-entry.js';
import { localServerInfo } from './server-info.js';
import { launchServer, waitUntilReady } from './server-process.js';

/** Deploys ONNX models to local model server processes that outlive the CLI. */
export class LocalModelDeployer extends BaseModelDeployer<LocalSettings> {
  static override readonly FLAVOR = 'local';
  static override readonly DESCRIPTION = builtinDescription('local');
  static override readonly INTEGRATION = 'built-in';
  static override readonly configSchema = localSettingsSchema;
  /** `deploy -c key=value` has nothing to set for this flavor: every key is refused. */
  static override readonly serviceSettingsSchema = localServiceSettingsSchema;

  /** Where this deployer keeps its services. */
  readonly stateDir: string;

  constructor(settings: LocalSettings, context: DeployerContext) {
    super(settings, context);
    this.stateDir = settings.stateDir ? path.resolve(context.configDir, settings.stateDir) : context.stateDir;
  }

  /** Model paths are stored absolute: the same relative path from another directory is another model. */
  protected override normalizeServiceConfig(config: ServiceConfig): ServiceConfig {
    return config.modelUri ? { ...config, modelUri: path.resolve(config.modelUri) } : config;
  }

  protected async performDeployModel(uuid: string, config: ServiceConfig, timeout: number): Promise<BaseService> {
    const spec = resolveModelSpec(config);
    const entry = serverEntryPath();
    const port = await this.pickDeployPort();
    const service = new LocalModelService({ uuid, config, flavor: this.flavor, extra: this.newServiceExtra(uuid, port, spec.uri) });
    try {
      return await launchServer(service, spec, this.launchOptions(entry, timeout));
    } catch (error) {
      // A deploy that never came up leaves nothing behind.
      await deleteServiceDir(this.stateDir, uuid);
      throw error;
    }
  }

  protected async performStopModel(service: BaseService, timeout: number, force: boolean): Promise<BaseService> {
    const local = asLocal(service);
    const identity = local.identity;
    if (identity && (await isAlive(identity))) {
      // Recorded first, so a concurrent `find` that sees the process gone knows we stopped it.
      local.setState(ServiceState.PENDING_SHUTDOWN);
      await saveService(this.stateDir, local);
      if ((await stopProcess(identity, timeout, force)) === 'signalled') return local;
    }
    await rm(local.runtimePath, { force: true });
    local.setState(ServiceState.INACTIVE);
    await saveService(this.stateDir, local);
    return local;
  }

  /** `movePort`: a replace may move a stopped server whose port was taken; a plain `start` refuses. */
  protected async performStartModel(service: BaseService, timeout: number, movePort = false): Promise<BaseService> {
    const local = asLocal(service);
    if (await isAlive(local.identity)) {
      if (local.status.state !== ServiceState.PENDING_STARTUP) {
        throw new ServerError(`model server ${local.uuid} is still ${local.status.state}; stop it first`);
      }
      if (timeout === 0) return local;
      await waitUntilReady(local, timeout);
      local.setState(ServiceState.ACTIVE);
      await saveService(this.stateDir, local);
      return local;
    }
    const spec: ModelSpec = {
      name: servedModelName(local.config),
      version: local.local.modelVersion || local.config.modelVersion || '1',
      uri: checkModelFile(local.local.modelPath),
    };
    const entry = serverEntryPath();
    local.setLocal({ port: await this.pickRestartPort(local, movePort) });
    try {
      return await launchServer(local, spec, this.launchOptions(entry, timeout));
    } catch (error) {
      local.setState(ServiceState.ERROR, (error as Error).message);
      await saveService(this.stateDir, local);
      throw error;
    }
  }

  protected async performDeleteModel(service: BaseService, timeout: number, force: boolean): Promise<void> {
    const identity = asLocal(service).identity;
    // Throws (and keeps the record) when the server outlives the timeout without force.
    if (identity) await stopProcess(identity, timeout, force);
    // No pid recorded (a launch was interrupted): a server it spawned carries the service's mark.
    else await stopLeftovers(service.uuid, timeout, force);
    await deleteServiceDir(this.stateDir, service.uuid);
  }

  protected override async performUpdateModel(service: BaseService, config: ServiceConfig, timeout: number): Promise<BaseService> {
    const local = asLocal(service);
    const before = { uri: local.local.modelPath || local.config.modelUri, version: local.local.modelVersion || local.config.modelVersion || '1' };
    // Every replace is a new version of the model, unless --model-version names one.
    const spec = { ...resolveModelSpec(config), name: servedModelName(local.config), version: nextServedVersion(before.version, config.modelVersion) };
    const running = local.status.state === ServiceState.ACTIVE || local.status.state === ServiceState.PENDING_STARTUP;
    const changed = `${spec.name} version ${before.version} -> ${spec.version}` + (before.uri === spec.uri ? ` (${spec.uri})` : `, ${before.uri} -> ${spec.uri}`);
    if (running && (await isAlive(local.identity))) {
      await swapModel(local, spec, timeout || DEFAULT_DEPLOYMENT_START_STOP_TIMEOUT);
      local.config = config;
      local.setLocal({ modelPath: spec.uri, modelVersion: spec.version });
      local.setState(local.status.state);
      await saveService(this.stateDir, local);
      this.context.log(`model server ${local.uuid} swapped ${changed}`);
      return local;
    }
    local.config = config;
    local.setLocal({ modelPath: spec.uri, modelVersion: spec.version });
    await saveService(this.stateDir, local);
    this.context.log(`model server ${local.uuid} was not running; starting it with ${changed}`);
    return this.performStartModel(local, timeout, true);
  }

  protected override async withDeploymentLock<T>(fn: () => Promise<T>): Promise<T> {
    return withFileLock(path.join(this.stateDir, 'deploy.lock'), async () => {
      try {
        return await fn();
      } finally {
        // Only deploys create service dirs, and we hold their lock: one without a record was left by a killed deploy.
        const removed = await removeAbandonedServiceDirs(this.stateDir).catch(() => []);
        if (removed.length > 0) this.context.log(`removed ${removed.length} service dir(s) a killed deploy left without a record`);
      }
    });
  }

  async listModelServers(filter?: ServiceFilter): Promise<BaseService[]> {
    const services = await listServices(this.stateDir, {
      warn: (m) => this.context.log(`warning: ${m}`),
      ...recordQuery(filter),
    });
    const reconciled = await mapConcurrent(services, 32, (s) => this.reconcile(s));
    return reconciled.filter((s): s is BaseService => s !== undefined);
  }

  /**
   * Active servers (so alive: reconcile turned dead ones into error) that do not answer their health
   * check within a second, e.g. a SIGSTOPped one, shown as `error`. Only shown: the record is not
   * changed, so the next `find` after it answers again (SIGCONT) says `active`. Stopped and failed
   * servers are never probed, and the probes run in parallel.
   */
  override async checkResponding(services: BaseService[]): Promise<BaseService[]> {
    return mapConcurrent(services, 64, async (service) => {
      if (!(service instanceof LocalModelService) || service.status.state !== ServiceState.ACTIVE) return service;
      if (await probeHealth(service.endpointUrls().healthCheckUrl, undefined, HEALTH_PROBE_MS)) return service;
      const why = `not responding to health checks on port ${service.local.port} (no answer within ${HEALTH_PROBE_MS / 1000} s; its process ${service.local.pid} is alive)`;
      service.setState(ServiceState.ERROR, why);
      return service;
    });
  }

  /** One service's recorded status brought in line with its process (undefined when it was deleted meanwhile). */
  protected reconcile(service: BaseService): Promise<BaseService | undefined> {
    return reconcileService(this.stateDir, service);
  }

  getModelServerInfo(service: BaseService): Record<string, string> {
    return localServerInfo(asLocal(service));
  }

  async *getModelServerLogs(uuid: string, options: LogOptions = {}): AsyncIterable<string> {
    const service = asLocal(await this.getModelServer(uuid));
    const logPath = service.local.logPath;
    // Tail up to a fixed size, then follow from exactly there: no line is lost or repeated.
    const end = await fileSize(logPath);
    for (const line of await tailLines(logPath, options.tail ?? Infinity, end)) yield line;
    // A follow ends with the server process that writes the log (stopped, crashed or deleted).
    const identity = service.isRunning ? service.identity : undefined;
    const ended = async () => identity === undefined || !(await isAlive(identity));
    if (options.follow) yield* followLines(logPath, { signal: options.signal, from: end, ended });
  }

  /** The port of a new deployment: the configured one, which must be free, or any free port when it is 0. */
  protected async pickDeployPort(): Promise<number> {
    const { host, port } = this.settings;
    if (port !== 0 && !(await isPortFree(host, port))) {
      throw new ServerError(`port ${port} on ${host} is already in use`, { suggestion: 'set port to 0 to pick a free one' });
    }
    return port === 0 ? findFreePort(host) : port;
  }

  /** The flavor state of a service not spawned yet: its host and port, and the files in its service dir. */
  protected newServiceExtra(uuid: string, port: number, modelPath: string): Record<string, unknown> {
    const servicePath = serviceDirPath(this.stateDir, uuid);
    return {
      host: this.settings.host,
      port,
      instanceId: '',
      servicePath,
      logPath: path.join(servicePath, 'server.log'),
      serverConfigPath: path.join(servicePath, 'server-config.json'),
      modelPath,
      modelVersion: '',
    } satisfies LocalServiceExtra;
  }

  /**
   * The port to start a stopped service on: its previous one, which must still be free (a `start` never
   * moves a server, so nothing is spawned or written when another process took it). Only a replace
   * (`movePort`) moves it, to the configured port when free, else to any free port.
   */
  protected async pickRestartPort(service: LocalModelService, movePort = false): Promise<number> {
    const { host, port } = service.local;
    if (port && (await isPortFree(host, port))) return port;
    // A server that just crashed (kill -9) may hold its port for a moment longer: give it up to 2 s.
    if (port && !movePort && (await pollUntil(() => isPortFree(host, port), 2_000, 100))) return port;
    if (port && !movePort) {
      throw new ServerError(`port ${port} on ${host} is already in use (by another process); free it, or redeploy with --replace to pick a new port`);
    }
    const configured = this.settings.port;
    const next = configured && configured !== port && (await isPortFree(host, configured)) ? configured : await findFreePort(host);
    this.context.log(`port ${port} of model server ${service.uuid} is in use; starting it on port ${next}`);
    return next;
  }

  private launchOptions(entry: string, timeout: number) {
    return { settings: this.settings, stateDir: this.stateDir, entry, timeout, progress: this.context.progress, authToken: this.bearerToken() };
  }
}

/** How long find/describe wait for a running server's health check. */
const HEALTH_PROBE_MS = 1000;

function asLocal(service: BaseService): LocalModelService {
  if (service instanceof LocalModelService) return service;
  throw new ZenmlError(`service ${service.uuid} is a ${service.type} service, not a local model server`, {
    code: 'WRONG_SERVICE_TYPE',
  });
}
