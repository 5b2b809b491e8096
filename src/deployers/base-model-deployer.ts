import * as z from 'zod';
import { NotFoundError, ServerError, UsageError } from '../errors.js';
import type { Prediction, PredictRequest } from '../predict/prediction.js';
import type { BaseService } from '../services/base-service.js';
import {
  parseServiceConfig,
  sameDeploymentTarget,
  sameServiceConfig,
  type ServiceConfig,
  type ServiceConfigInput,
} from '../services/service-config.js';
import { ServiceState } from '../services/service-status.js';
import { matchesFilter, type ServiceFilter } from './service-filter.js';
import { waitForServiceState } from './wait-for-state.js';
import { MODEL_DEPLOYER_BRAND } from './brand.js';
import { resolveSecret } from '../config/secret-setting.js';
import { withProgress, type ProgressReporter } from './progress.js';
import { withCarriedCreatedAt } from '../services/carried-created-at.js';
import { withServiceDefaults } from '../services/service-defaults.js';

export { MODEL_DEPLOYER_BRAND, REQUIRED_DEPLOYER_METHODS, isModelDeployerClass } from './brand.js';

/** Default timeout in seconds for starting and stopping model servers, as in ZenML. */
export const DEFAULT_DEPLOYMENT_START_STOP_TIMEOUT = 300;

/** What every deployer gets from the CLI besides its own settings. */
export interface DeployerContext {
  /** The component name (e.g. "default"). */
  name: string;
  /** The folder of the dotfile: relative settings paths resolve against it. */
  configDir: string;
  /** The dotfile itself, when there is one: named in errors about the component's settings. */
  configFile?: string;
  /** The folder this deployer may keep its state in: `<configDir>/.zenml/deployers/<name>` for a project dotfile, `$XDG_STATE_HOME/zenml/deployers/<name>` for the user-level config. */
  stateDir: string;
  /**
   * Progress and warnings for humans; the CLI sends them to stderr. A line starting with `warning: ` is a
   * warning: printed with --json too (silent only with -q); any other is progress, left out with --json.
   */
  log: (message: string) => void;
  /**
   * Shows a long wait (a server getting ready, a download, a cluster rollout) while it runs: the
   * CLI draws a spinner on a terminal. Absent for library callers; call it through withProgress.
   */
  progress?: ProgressReporter;
}

/** Options of deployModel. */
export interface DeployOptions {
  /** Update the server already serving this pipeline step's model instead of starting another. */
  replace?: boolean;
  /** Seconds to wait for the server to be ready; 0 returns right after asking. */
  timeout?: number;
}

/** Options of stop and delete. */
export interface StopOptions {
  timeout?: number;
  /** Kill when a graceful stop does not finish in time. */
  force?: boolean;
}

/** Options of start. */
export interface StartOptions {
  timeout?: number;
}

/** Options of getModelServerLogs. */
export interface LogOptions {
  follow?: boolean;
  /** Only the last N lines (all when undefined). */
  tail?: number;
  /** Stops a follow. */
  signal?: AbortSignal;
}

/** Static side of a deployer class: what the registry and loader read. */
export interface ModelDeployerClass {
  readonly FLAVOR: string;
  readonly DESCRIPTION?: string;
  readonly INTEGRATION?: string;
  readonly configSchema: z.ZodType;
  readonly serviceSettingsSchema?: z.ZodType;
  new (settings: any, context: DeployerContext): BaseModelDeployer;
}

/**
 * A stack component that serves models and keeps track of every model server it started.
 * The public methods hold the rules every flavor shares (continuous deployment, uuid prefixes,
 * waiting with timeouts); flavors implement the `perform*` hooks and the service registry.
 */
export abstract class BaseModelDeployer<Settings = Record<string, unknown>> {
  static readonly [MODEL_DEPLOYER_BRAND] = true;
  /** The flavor name users select with `--flavor`. */
  static readonly FLAVOR: string = '';
  /** One line for `flavor list`. */
  static readonly DESCRIPTION: string = '';
  /** Integration that provides the flavor ("built-in", "mlflow", … or "custom"). */
  static readonly INTEGRATION: string = 'custom';
  /** zod schema of the component settings. */
  static readonly configSchema: z.ZodType = z.object({});
  /**
   * zod object schema of the service settings `deploy -c key=value` may set (stored in the service
   * config next to modelUri & co.). Unknown keys are refused with a did-you-mean. Undefined: any
   * key is accepted and stored as given.
   */
  static readonly serviceSettingsSchema?: z.ZodType = undefined;

  constructor(
    readonly settings: Settings,
    readonly context: DeployerContext,
  ) {}

  /** The flavor of this instance's class. */
  get flavor(): string {
    return (this.constructor as unknown as ModelDeployerClass).FLAVOR;
  }

  // ---- hooks a flavor implements -------------------------------------------------------

  /** Start a new model server with this uuid; wait up to `timeout` s for it (0: don't wait). */
  protected abstract performDeployModel(uuid: string, config: ServiceConfig, timeout: number): Promise<BaseService>;
  /** Stop a model server; keep its record so it can be started again. */
  protected abstract performStopModel(service: BaseService, timeout: number, force: boolean): Promise<BaseService>;
  /** Start a stopped model server again, with the same uuid. */
  protected abstract performStartModel(service: BaseService, timeout: number): Promise<BaseService>;
  /** Stop a model server and remove every trace of it. */
  protected abstract performDeleteModel(service: BaseService, timeout: number, force: boolean): Promise<void>;
  /**
   * Every model server this deployer started, rebuilt from persisted state, status refreshed.
   * A flavor may use `filter` to skip records early (see matchesRecordFilter); callers filter again.
   */
  abstract listModelServers(filter?: ServiceFilter): Promise<BaseService[]>;
  /** Display facts about a server: at least PREDICTION_URL and HEALTH_CHECK_URL. */
  abstract getModelServerInfo(service: BaseService): Record<string, string>;
  /** The server's log lines: the last `tail`, then new ones while `follow`. */
  abstract getModelServerLogs(uuid: string, options?: LogOptions): AsyncIterable<string>;

  /**
   * Serve a new model in the running server (continuous deployment). The default stops the old
   * server and starts the new model under the same uuid; flavors that can swap in place override it.
   */
  protected async performUpdateModel(service: BaseService, config: ServiceConfig, timeout: number): Promise<BaseService> {
    await this.performStopModel(service, timeout || DEFAULT_DEPLOYMENT_START_STOP_TIMEOUT, true);
    // Same uuid, same server to the user: it keeps the createdAt it had.
    return withCarriedCreatedAt(service.uuid, service.createdAt, () => this.performDeployModel(service.uuid, config, timeout));
  }

  /**
   * Put a config in canonical form before it is compared or stored: e.g. a relative model path
   * made absolute, so "the same model" means the same file whatever directory the CLI ran in.
   */
  protected normalizeServiceConfig(config: ServiceConfig): ServiceConfig {
    return config;
  }

  /**
   * Send one prediction to a running server. The default POSTs the body to the URLs of
   * `getModelServerInfo` (PREDICTION_URL for MLflow's protocol, V2_INFER_URL for v2) with the
   * `authToken` setting as bearer token, when the settings have one; flavors whose servers speak
   * something else override it and return the answer (or throw UsageError for a rejected request).
   */
  protected async performPredict(service: BaseService, request: PredictRequest): Promise<Prediction> {
    // Imported here: only `predict` needs the HTTP client.
    const { predictOverHttp } = await import('../predict/http-predict.js');
    const info = this.getModelServerInfo(service);
    return predictOverHttp({ uuid: service.uuid, info, authToken: this.bearerToken() }, request);
  }

  /**
   * A running server's Prometheus text from its info key METRICS_URL, asked with the bearer token `predict`
   * sends; undefined for a server without one, or one that does not answer 200 within `timeoutMs`.
   */
  async readModelServerMetrics(service: BaseService, timeoutMs = 2_000): Promise<string | undefined> {
    const url = this.getModelServerInfo(service).METRICS_URL;
    if (!url) return undefined;
    try {
      // The CLI's own small client (not fetch: undici alone would add megabytes to a dashboard's memory).
      const { httpRequest } = await import('../services/http-request.js');
      const token = this.bearerToken();
      const res = await httpRequest(url, { headers: token ? { authorization: `Bearer ${token}` } : {}, timeoutMs });
      return res.status === 200 ? res.body : undefined;
    } catch {
      return undefined; // not answering is shown as no metrics; its state comes from checkResponding
    }
  }

  /**
   * The `authToken` setting's value, when the settings have one: a literal as written, an
   * `{"env": "NAME"}` reference read from the environment now (ConfigError, exit 2, when unset).
   */
  protected bearerToken(): string | undefined {
    const value = (this.settings as { authToken?: unknown } | undefined)?.authToken;
    const key = `modelDeployers.${this.context.name}.settings.authToken`;
    return resolveSecret(value, this.context.configFile ? `${this.context.configFile}: ${key}` : key);
  }

  /**
   * Canary rollouts: send all traffic to the newest revision (promote) or back to the previous ready
   * one (rollback). Only flavors that run revisions implement these; `supportsTrafficControl` says so.
   */
  protected performPromote?(service: BaseService, timeout: number): Promise<BaseService>;
  /** See performPromote. */
  protected performRollback?(service: BaseService, timeout: number): Promise<BaseService>;

  /** Serialize deploys of this deployer across processes; flavors with shared state override it. */
  protected async withDeploymentLock<T>(fn: () => Promise<T>): Promise<T> {
    return fn();
  }

  // ---- the shared rules ----------------------------------------------------------------

  /**
   * Deploy a model. With `replace`, a server of the same pipeline, step and model name is
   * updated in place (same uuid); without it, an identical running server is returned as is.
   */
  async deployModel(config: ServiceConfigInput, options: DeployOptions = {}): Promise<BaseService> {
    const parsed = this.normalizeServiceConfig(parseServiceConfig(config));
    // A new server gets the flavor's service-setting defaults; a replace gets what was typed (the flavor keeps the
    // rest of the config it replaces), and the identical check compares both sides with the defaults filled in, so a
    // server stored before defaults were written still counts as identical.
    const schema = (this.constructor as { serviceSettingsSchema?: z.ZodType }).serviceSettingsSchema;
    const complete = withServiceDefaults(schema, parsed);
    const timeout = options.timeout ?? DEFAULT_DEPLOYMENT_START_STOP_TIMEOUT;
    return this.withDeploymentLock(async () => {
      // uuid is imported here, not at the top: `flavor list` and `--help` never deploy.
      const { v4: uuidv4 } = await import('uuid');
      const existing = (await this.listModelServers()).filter((s) => sameDeploymentTarget(s.config, parsed));
      if (!options.replace) {
        const identical = existing.find((s) => s.isRunning && sameServiceConfig(withServiceDefaults(schema, s.config), complete));
        if (identical) {
          this.context.log(`an identical model server is already running: ${identical.uuid}`);
          return identical;
        }
        return this.waiting(timeout, `deploying model ${parsed.modelName}`, () => this.performDeployModel(uuidv4(), complete, timeout));
      }
      if (existing.length === 0) {
        return this.waiting(timeout, `deploying model ${parsed.modelName}`, () => this.performDeployModel(uuidv4(), complete, timeout));
      }
      const target = existing.find((s) => s.isRunning) ?? newest(existing);
      if (existing.length > 1) {
        this.context.log(`${existing.length} model servers serve this model; updating ${target.uuid}`);
      }
      return this.waiting(timeout, `updating model server ${target.uuid} to ${parsed.modelName}`, () => this.performUpdateModel(target, parsed, timeout));
    });
  }

  /** The servers matching every given filter (stopped ones included unless `running`). */
  async findModelServer(filter: ServiceFilter = {}): Promise<BaseService[]> {
    const modelUri = filter.modelUri && this.normalizeServiceConfig(parseServiceConfig({ modelUri: filter.modelUri })).modelUri;
    const normalized = { ...filter, modelUri };
    const services = await this.listModelServers(normalized);
    return services.filter((s) => matchesFilter(s, normalized));
  }

  /**
   * The component that made a service: this one for flavors whose servers only their component can see
   * (the default); flavors that list shared state (a cluster namespace) say whose it is, null for none.
   * `find --all` shows it.
   */
  ownerOf(_service: BaseService): string | null {
    return this.context.name;
  }

  /**
   * For `find` and `describe`: the services as they should be shown, after a liveness check a flavor
   * may add (the local flavors report a running server that does not answer its health check as
   * `error`, without recording it). Lifecycle commands never go through it. By default: unchanged.
   */
  async checkResponding(services: BaseService[]): Promise<BaseService[]> {
    return services;
  }

  /** The one server whose uuid is `idOrPrefix` or starts with it; ambiguous prefixes list the candidates. */
  async getModelServer(idOrPrefix: string): Promise<BaseService> {
    const id = idOrPrefix.trim().toLowerCase();
    if (!id) throw new UsageError('a service uuid (or a unique prefix of one) is required');
    const services = await this.listModelServers();
    const exact = services.find((s) => s.uuid === id);
    if (exact) return exact;
    const matches = services.filter((s) => s.uuid.startsWith(id));
    if (matches.length === 1) return matches[0];
    if (matches.length === 0) {
      throw new NotFoundError(`no model server with uuid ${idOrPrefix} in deployer '${this.context.name}'`, {
        suggestion: 'list them with `zenml model-deployer find`',
        details: { uuid: idOrPrefix, deployer: this.context.name },
      });
    }
    throw new UsageError(`uuid prefix '${idOrPrefix}' is ambiguous: ${matches.map((s) => s.uuid).join(', ')}`, {
      details: { candidates: matches.map((s) => s.uuid) },
    });
  }

  /** Ask a running server for a prediction; a server that is not running is an error before anything is sent. */
  async predict(idOrPrefix: string, request: PredictRequest): Promise<Prediction> {
    const service = await this.getModelServer(idOrPrefix);
    if (!service.isRunning) {
      const { state, lastError } = service.status;
      // The first line of the last error, without the "; the server log's last N lines:" that announces the
      // lines this one-line message leaves out: `logs` shows them.
      const why = lastError.split('\n')[0]!.replace(/; the server log's last \d+ lines:$/, '');
      throw new ServerError(`model server ${service.uuid} is not running (state: ${state}${why ? `: ${why}` : ''})`, {
        suggestion: `start it with \`zenml model-deployer start ${service.uuid}\`${why ? `; its log: \`zenml model-deployer logs ${service.uuid}\`` : ''}`,
      });
    }
    return { ...(await this.performPredict(service, request)), uuid: service.uuid };
  }

  /** Stop a server; it stays findable and can be started again. */
  async stopModelServer(uuid: string, options: StopOptions = {}): Promise<BaseService> {
    const service = await this.getModelServer(uuid);
    const timeout = options.timeout ?? DEFAULT_DEPLOYMENT_START_STOP_TIMEOUT;
    if (service.isStopped) return service;
    return this.waiting(timeout, `stopping model server ${service.uuid}`, async () => {
      const stopped = await this.performStopModel(service, timeout, options.force ?? false);
      return waitForServiceState(this, stopped, [ServiceState.INACTIVE], timeout);
    });
  }

  /** Start a stopped server again under its uuid. */
  async startModelServer(uuid: string, options: StartOptions = {}): Promise<BaseService> {
    const service = await this.getModelServer(uuid);
    const timeout = options.timeout ?? DEFAULT_DEPLOYMENT_START_STOP_TIMEOUT;
    if (service.isRunning) return service;
    return this.waiting(timeout, `starting model server ${service.uuid}`, async () => {
      const started = await this.performStartModel(service, timeout);
      return waitForServiceState(this, started, [ServiceState.ACTIVE], timeout);
    });
  }

  /** Stop a server and forget it: it never shows up again. */
  async deleteModelServer(uuid: string, options: StopOptions = {}): Promise<BaseService> {
    const service = await this.getModelServer(uuid);
    const timeout = options.timeout ?? DEFAULT_DEPLOYMENT_START_STOP_TIMEOUT;
    await this.waiting(timeout, `deleting model server ${service.uuid}`, () => this.performDeleteModel(service, timeout, options.force ?? false));
    return service;
  }

  /** Whether this flavor can promote and roll back canary revisions. */
  get supportsTrafficControl(): boolean {
    return typeof this.performPromote === 'function' && typeof this.performRollback === 'function';
  }

  /** Send all traffic to the server's newest revision (ends a canary). UsageError for flavors without revisions. */
  async promoteModelServer(uuid: string, options: StartOptions = {}): Promise<BaseService> {
    return this.trafficStep('promote', uuid, options.timeout, (s, t) => this.performPromote!(s, t));
  }

  /** Send all traffic back to the server's previous ready revision. UsageError for flavors without revisions. */
  async rollbackModelServer(uuid: string, options: StartOptions = {}): Promise<BaseService> {
    return this.trafficStep('rollback', uuid, options.timeout, (s, t) => this.performRollback!(s, t));
  }

  private async trafficStep(verb: string, uuid: string, timeout = DEFAULT_DEPLOYMENT_START_STOP_TIMEOUT, step: (s: BaseService, t: number) => Promise<BaseService>): Promise<BaseService> {
    // The uuid first, whatever the flavor: an unknown uuid is exit 3 everywhere.
    const service = await this.getModelServer(uuid);
    if (!this.supportsTrafficControl) {
      throw new UsageError(`the ${this.flavor} flavor has no revisions to ${verb}: only flavors with canary rollouts (kserve) support \`${verb}\``, {
        code: 'NOT_SUPPORTED',
        suggestion: 'deploy --replace updates a model server of this flavor in place',
      });
    }
    return this.waiting(timeout, `${verb === 'promote' ? 'promoting' : 'rolling back'} model server ${service.uuid}`, () => step(service, timeout));
  }

  /** Run a lifecycle step under the context's progress reporter, unless it does not wait (timeout 0). */
  protected waiting<T>(timeout: number, label: string, work: () => Promise<T>): Promise<T> {
    return timeout === 0 ? work() : withProgress(this.context, label, work);
  }

  /** Re-read one server's persisted state (used while waiting for a state). */
  async refreshModelServer(service: BaseService): Promise<BaseService> {
    const services = await this.listModelServers();
    const fresh = services.find((s) => s.uuid === service.uuid);
    if (!fresh) throw new NotFoundError(`model server ${service.uuid} disappeared`);
    return fresh;
  }
}

function newest(services: BaseService[]): BaseService {
  return [...services].sort((a, b) => b.updatedAt.localeCompare(a.updatedAt))[0];
}
