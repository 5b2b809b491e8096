import path from 'node:path';
import type { BaseModelDeployer, ModelDeployerClass } from '../../deployers/base-model-deployer.js';
import { resolveDeployer } from '../../deployers/resolve-deployer.js';
import { serviceView, type ServiceView } from '../../deployers/service-view.js';
import type { CommandContext } from '../context.js';
import { parseServiceSettings } from '../settings-args.js';
import { describeComponentHandler } from './component-handlers.js';
import { deleteComponent } from '../../config/components.js';
import { DeployOptionsSchema, FindOptionsSchema, LifecycleOptionsSchema, LogsOptionsSchema, parseOptions } from './service-options.js';

async function deployerFor(ctx: CommandContext, name?: string): Promise<BaseModelDeployer> {
  const { resolved } = await ctx.config();
  return resolveDeployer(resolved, { deployer: name, log: (m) => ctx.output.info(m) });
}

/** Human table of model servers. */
export function renderServices(ctx: CommandContext, views: ServiceView[]): string {
  if (views.length === 0) return '';
  return ctx.output.table(
    ['STATUS', 'UUID', 'MODEL', 'PIPELINE', 'STEP', 'URL'],
    views.map((v) => [ctx.output.state(v.state), v.uuid, v.modelName, v.pipelineName, v.pipelineStepName, v.predictionUrl ?? '']),
  );
}

/** Human detail of one model server. */
export function renderService(ctx: CommandContext, v: ServiceView): string {
  const rows: Array<[string, unknown]> = [
    ['uuid', v.uuid],
    ['status', ctx.output.state(v.state)],
    ...(v.lastError ? [['last error', v.lastError] as [string, unknown]] : []),
    ['deployer', `${v.deployer} (${v.flavor})`],
    ['model', `${v.modelName}${v.modelVersion ? ` v${v.modelVersion}` : ''}`],
    ['model uri', v.modelUri],
    ['pipeline', [v.pipelineName, v.pipelineRunId, v.pipelineStepName].filter(Boolean).join(' / ')],
    ...Object.entries(v.info).map(([k, val]) => [k, val] as [string, unknown]),
  ];
  return ctx.output.keyValues(rows);
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
  if (ctx.output.options.quiet && !ctx.output.options.json) return ctx.output.line(view.uuid);
  ctx.output.result(view, () => `${renderService(ctx, view)}`);
}

/** `find` / `models list`. */
export async function findHandler(ctx: CommandContext, raw: unknown): Promise<void> {
  const { uuid, deployer: name, ...filter } = parseOptions(FindOptionsSchema, raw);
  const deployer = await deployerFor(ctx, name);
  const services = await deployer.findModelServer({ ...filter, serviceUuid: uuid });
  const views = services.map((s) => serviceView(deployer, s));
  ctx.output.listing(views, views.map((v) => v.uuid), () => renderServices(ctx, views) || 'no model servers found');
}

/** `models describe <uuid>`. */
export async function describeServiceHandler(ctx: CommandContext, uuid: string, raw: unknown): Promise<void> {
  const { deployer: name } = parseOptions(FindOptionsSchema, raw);
  const deployer = await deployerFor(ctx, name);
  const view = serviceView(deployer, await deployer.getModelServer(uuid));
  ctx.output.result(view, () => renderService(ctx, view));
}

/** `describe [name-or-uuid]`: a component when one has that name (or none is given), else a model server. */
export async function describeTargetHandler(ctx: CommandContext, target: string | undefined, raw: unknown): Promise<void> {
  const { resolved } = await ctx.config();
  if (target === undefined) {
    return describeComponentHandler(ctx, resolved.stacks[resolved.activeStack]?.modelDeployer ?? 'default');
  }
  if (resolved.modelDeployers[target]) return describeComponentHandler(ctx, target);
  return describeServiceHandler(ctx, target, raw);
}

/** `models get-url <uuid>`. */
export async function getUrlHandler(ctx: CommandContext, uuid: string, raw: unknown): Promise<void> {
  const { deployer: name } = parseOptions(FindOptionsSchema, raw);
  const deployer = await deployerFor(ctx, name);
  const view = serviceView(deployer, await deployer.getModelServer(uuid));
  const url = view.info.PREDICTION_URL || view.predictionUrl || '';
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

/** `models delete <uuid>`. */
export async function deleteServiceHandler(ctx: CommandContext, uuid: string, raw: unknown): Promise<void> {
  const opts = parseOptions(LifecycleOptionsSchema, raw);
  const deployer = await deployerFor(ctx, opts.deployer);
  const service = await deployer.deleteModelServer(uuid, { timeout: opts.timeout, force: Boolean(opts.yes || opts.force) });
  ctx.output.listing({ uuid: service.uuid, deleted: true }, [service.uuid], () => `deleted model server ${service.uuid}`);
}

/** `delete <name-or-uuid>`: a component when one has that exact name, else a model server. */
export async function deleteTargetHandler(ctx: CommandContext, target: string, raw: unknown): Promise<void> {
  const { resolved } = await ctx.config();
  if (resolved.modelDeployers[target]) {
    await deleteComponent(resolved.filepath, target);
    return ctx.output.result({ name: target, deleted: true }, () => `deleted model deployer '${target}'`);
  }
  return deleteServiceHandler(ctx, target, raw);
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
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
