import { Command } from 'commander';
import { lazyAction } from './context.js';
import { addFindOptions, deployerOption, timeoutOption } from './shared-options.js';

const services = () => import('./handlers/service-handlers.js');

/** `zenml model-deployer models …`: ZenML's own command names, mapped onto the same handlers. */
export function buildModelsCommand(): Command {
  const models = new Command('models').description("ZenML-compatible model server commands (same as find/describe/stop/…)");
  addFindOptions(models.command('list').description('list model servers'))
    .action(lazyAction(services, (m, ctx, opts) => m.findHandler(ctx, opts as never)));
  models
    .command('describe <uuid>')
    .description('show a model server')
    .addOption(deployerOption())
    .action(lazyAction(services, (m, ctx, uuid, opts) => m.describeServiceHandler(ctx, uuid as string, opts as never)));
  models
    .command('get-url <uuid>')
    .description("print a model server's prediction URL")
    .addOption(deployerOption())
    .action(lazyAction(services, (m, ctx, uuid, opts) => m.getUrlHandler(ctx, uuid as string, opts as never)));
  for (const action of ['start', 'stop', 'delete'] as const) {
    const cmd = models
      .command(`${action} <uuid>`)
      .description(`${action} a model server`)
      .addOption(timeoutOption())
      .addOption(deployerOption());
    if (action !== 'start') cmd.option('-y, --yes', 'force: kill it if it does not stop in time').option('--force', 'same as --yes');
    const handler = action === 'start' ? 'startHandler' : action === 'stop' ? 'stopHandler' : 'deleteServiceHandler';
    cmd.action(lazyAction(services, (m, ctx, uuid, opts) => m[handler](ctx, uuid as string, opts as never)));
  }
  models
    .command('logs <uuid>')
    .description("print a model server's logs")
    .option('-f, --follow', 'keep printing new lines')
    .option('-n, --tail <lines>', 'only the last N lines (-t is --timeout everywhere)')
    .addOption(deployerOption())
    .action(lazyAction(services, (m, ctx, uuid, opts) => m.logsHandler(ctx, uuid as string, opts as never)));
  return models;
}
