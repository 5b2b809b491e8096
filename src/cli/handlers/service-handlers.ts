import path from 'node:path';
import type { BaseModelDeployer, ModelDeployerClass } from '../../deployers/base-model-deployer.js';
import { chosenDeployerName, resolveDeployer } from '../../deployers/resolve-deployer.js';
import { serviceFacts, serviceView, type ServiceView } from '../../deployers/service-view.js';
import type { CommandContext } from '../context.js';
import { parseServiceSettings } from '../settings-args.js';
import { describeComponentHandler } from './component-handlers.js';
import type { ResolvedConfig } from '../../config/resolve-config.js';
import { deleteDeployerComponent } from '../../deployers/delete-deployer-component.js';
import { NotFoundError, ServerError, UsageError } from '../../errors.js';
import { DeployOptionsSchema, FindOptionsSchema, LifecycleOptionsSchema, LogsOptionsSchema, parseOptions } from './service-options.js';

async function deployerFor(ctx: CommandContext, name?: string): Promise<BaseModelDeployer> {
  const { resolved } = await ctx.config();
  return resolveDeployer(resolved, { deployer: name, log: (m) => ctx.output.deployerLog(m), progress: ctx.progress });
}

/** Human table of model servers; `owners` adds an OWNER column (find --all). */
export function renderServices(ctx: CommandContext, views: ServiceView[], owners?: string[]): string {
  if (views.length === 0) return '';
  const head = ['STATUS', 'UUID', 'MODEL', 'PIPELINE', 'STEP', 'URL'];
  const rows = views.map((v) => [ctx.output.state(v.state), v.uuid, v.modelName, v.pipelineName, v.pipelineStepName, v.predictionUrl ?? '']);
  if (!owners) return ctx.output.table(head, rows);
  return ctx.output.table([...head, 'OWNER'], rows.map((row, i) => [...row, owners[i]]));
}

/** Human detail of one model server: the facts `describe` shows (serviceFacts), the status coloured. */
export function renderService(ctx: CommandContext, v: ServiceView): string {
  return ctx.output.keyValues(serviceFacts(v).map(([label, value]) => [label, label === 'status' ? ctx.output.state(value) : value]));
}

/** `deploy`. */
export async function deployHandler(ctx: CommandContext, raw: unknown): Promise<void> {
  const opts = parseOptions(DeployOptionsSchema, raw);
  const deployer = await deployerFor(ctx, opts.deployer);
  const cls = deployer.constructor as ModelDeployerClass;
  const extra = parseServiceSettings(opts.setting, cls.FLAVOR, cls.serviceSettingsSchema);
  const modelName = opts.modelName ?? path.basename(opts.modelUri).replace(/\.[^.]+$/, '');
  const config = {
    ...extra,
    name: opts.name ?? modelName,
    description: opts.description ?? '',
    modelName,
    modelUri: opts.modelUri,
    modelVersion: opts.modelVersion ?? '',
    modelType: opts.modelType ?? '',
    pipelineName: opts.pipelineName ?? '',
    pipelineRunId: opts.pipelineRunId ?? '',
    pipelineStepName: opts.pipelineStepName ?? '',
  };
  const service = await deployer.deployModel(config, { replace: Boolean(opts.replace), timeout: opts.timeout });
  const view = serviceView(deployer, service);
  ctx.output.result(view, () => renderService(ctx, view));
}

/** `find` / `models list`; with `--all`, every view also says which component owns the server (`owner`, null for none). */
export async function findHandler(ctx: CommandContext, raw: unknown): Promise<void> {
  const { uuid, deployer: name, ...filter } = parseOptions(FindOptionsSchema, raw);
  const deployer = await deployerFor(ctx, name);
  const services = await deployer.checkResponding(await deployer.findModelServer({ ...filter, serviceUuid: uuid }));
  if (filter.all) {
    const views = services.map((s) => ({ ...serviceView(deployer, s), owner: deployer.ownerOf(s) }));
    const owners = views.map((v) => v.owner ?? '(none)');
    return ctx.output.listing(views, views.map((v) => v.uuid), () => renderServices(ctx, views, owners) || 'no model servers found');
  }
  const views = services.map((s) => serviceView(deployer, s));
  ctx.output.listing(views, views.map((v) => v.uuid), () => renderServices(ctx, views) || 'no model servers found');
}

/** `models describe <uuid>`. */
export async function describeServiceHandler(ctx: CommandContext, uuid: string, raw: unknown): Promise<void> {
  const { deployer: name } = parseOptions(FindOptionsSchema, raw);
  const deployer = await deployerFor(ctx, name);
  const [service] = await deployer.checkResponding([await deployer.getModelServer(uuid)]);
  const view = serviceView(deployer, service);
  ctx.output.result(view, () => renderService(ctx, view));
}

/** `describe [name-or-uuid]`: a component when one has that name (or none is given), else a model server. */
export async function describeTargetHandler(ctx: CommandContext, target: string | undefined, raw: unknown): Promise<void> {
  const { resolved } = await ctx.config();
  // The same resolution as find's: an active stack that does not exist is an error here too (exit 3).
  if (target === undefined) return describeComponentHandler(ctx, chosenDeployerName(resolved, {}));
  if (resolved.modelDeployers[target]) return describeComponentHandler(ctx, target);
  return describeServiceHandler(ctx, target, raw).catch((error: unknown) => {
    throw neitherComponentNorServer(error, target, resolved);
  });
}

/** A "no model server with uuid x" that also says no component is named x (a mistyped name lands here). */
function neitherComponentNorServer(error: unknown, target: string, config: ResolvedConfig): unknown {
  if (!(error instanceof NotFoundError) || error.details?.uuid !== target) return error;
  return new NotFoundError(`no model deployer component named '${target}', and ${error.message}`, {
    suggestion: `components: ${Object.keys(config.modelDeployers).join(', ')}; model servers: zenml model-deployer find`,
    details: error.details,
  });
}

/** `models get-url <uuid>`. */
export async function getUrlHandler(ctx: CommandContext, uuid: string, raw: unknown): Promise<void> {
  const { deployer: name } = parseOptions(FindOptionsSchema, raw);
  const deployer = await deployerFor(ctx, name);
  const service = await deployer.getModelServer(uuid);
  const view = serviceView(deployer, service);
  const url = view.info.PREDICTION_URL || view.predictionUrl || null;
  if (!service.isRunning || url === null) {
    // A URL nothing answers on is no answer: say why (exit 1) instead of printing an empty line.
    throw new ServerError(`model server ${view.uuid} is not running (state: ${view.state}): it has no prediction URL`, {
      code: 'NOT_RUNNING',
      suggestion: `start it with \`zenml model-deployer start ${view.uuid}\``,
      details: { uuid: view.uuid, predictionUrl: null, state: view.state },
    });
  }
  ctx.output.result({ uuid: view.uuid, predictionUrl: url, state: view.state }, () => url);
}

/** `stop <uuid>`. */
export async function stopHandler(ctx: CommandContext, uuid: string, raw: unknown): Promise<void> {
  const opts = parseOptions(LifecycleOptionsSchema, raw);
  const deployer = await deployerFor(ctx, opts.deployer);
  const service = await deployer.stopModelServer(uuid, { timeout: opts.timeout, force: Boolean(opts.yes || opts.force) });
  const view = serviceView(deployer, service);
  ctx.output.listing(view, [view.uuid], () => `stopped model server ${view.uuid}`);
}

/** `start <uuid>`. */
export async function startHandler(ctx: CommandContext, uuid: string, raw: unknown): Promise<void> {
  const opts = parseOptions(LifecycleOptionsSchema, raw);
  const deployer = await deployerFor(ctx, opts.deployer);
  const service = await deployer.startModelServer(uuid, { timeout: opts.timeout });
  const view = serviceView(deployer, service);
  ctx.output.listing(view, [view.uuid], () => `started model server ${view.uuid} at ${view.predictionUrl ?? '(pending)'}`);
}

/** `promote <uuid>`: UsageError (exit 2) for flavors without revisions. */
export async function promoteHandler(ctx: CommandContext, uuid: string, raw: unknown): Promise<void> {
  const opts = parseOptions(LifecycleOptionsSchema, raw);
  const deployer = await deployerFor(ctx, opts.deployer);
  const view = serviceView(deployer, await deployer.promoteModelServer(uuid, { timeout: opts.timeout }));
  ctx.output.listing(view, [view.uuid], () => `promoted model server ${view.uuid}${view.info.TRAFFIC ? `: ${view.info.TRAFFIC}` : ''}`);
}

/** `rollback <uuid>`: UsageError (exit 2) for flavors without revisions, or without a previous revision. */
export async function rollbackHandler(ctx: CommandContext, uuid: string, raw: unknown): Promise<void> {
  const opts = parseOptions(LifecycleOptionsSchema, raw);
  const deployer = await deployerFor(ctx, opts.deployer);
  const view = serviceView(deployer, await deployer.rollbackModelServer(uuid, { timeout: opts.timeout }));
  ctx.output.listing(view, [view.uuid], () => `rolled back model server ${view.uuid}${view.info.TRAFFIC ? `: ${view.info.TRAFFIC}` : ''}`);
}

/** `models delete <uuid>`. */
export async function deleteServiceHandler(ctx: CommandContext, uuid: string, raw: unknown): Promise<void> {
  const opts = parseOptions(LifecycleOptionsSchema, raw);
  const deployer = await deployerFor(ctx, opts.deployer);
  const service = await deployer.deleteModelServer(uuid, { timeout: opts.timeout, force: Boolean(opts.yes || opts.force) });
  ctx.output.listing({ uuid: service.uuid, deleted: true }, [service.uuid], () => `deleted model server ${service.uuid}`);
}

/** `delete <name-or-uuid>`: a component when one has that exact name (with --force, its model servers too), else a model server. */
export async function deleteTargetHandler(ctx: CommandContext, target: string, raw: unknown): Promise<void> {
  const { resolved } = await ctx.config();
  const opts = parseOptions(LifecycleOptionsSchema, raw);
  if (resolved.modelDeployers[target]) {
    const deleted = await deleteDeployerComponent(resolved, target, {
      force: Boolean(opts.force || opts.yes),
      orphan: opts.orphan,
      timeout: opts.timeout,
      log: (m) => ctx.output.deployerLog(m),
    });
    return ctx.output.result(deleted, () => `deleted model deployer '${target}'${deleted.orphaned ? ' (its model servers were not touched)' : ''}`);
  }
  if (opts.orphan) {
    throw new UsageError(`--orphan deletes a deployer component, and there is none named '${target}'`, {
      suggestion: `components: ${Object.keys(resolved.modelDeployers).join(', ')}`,
    });
  }
  return deleteServiceHandler(ctx, target, raw).catch((error: unknown) => {
    throw neitherComponentNorServer(error, target, resolved);
  });
}

/** `logs <uuid>`: stops following on Ctrl-C. */
export async function logsHandler(ctx: CommandContext, uuid: string, raw: unknown): Promise<void> {
  const opts = parseOptions(LogsOptionsSchema, raw);
  const deployer = await deployerFor(ctx, opts.deployer);
  const service = await deployer.getModelServer(uuid);
  const abort = new AbortController();
  const stop = () => abort.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const lines: string[] = [];
    for await (const line of deployer.getModelServerLogs(service.uuid, { follow: opts.follow, tail: opts.tail, signal: abort.signal })) {
      if (ctx.output.options.json && !opts.follow) lines.push(line);
      else if (ctx.output.options.json) ctx.output.line(JSON.stringify({ line }));
      else ctx.output.writeLine(line);
    }
    if (ctx.output.options.json && !opts.follow) ctx.output.json({ uuid: service.uuid, lines });
    // A follow that ended by itself: the server stopped (flavors whose logs can tell).
    if (opts.follow && !abort.signal.aborted) ctx.output.info(`model server ${service.uuid} is not running: no more log lines`);
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
