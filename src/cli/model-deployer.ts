import { Command } from 'commander';
import { lazyAction } from './context.js';
import { buildFlavorCommand } from './flavor.js';
import { buildModelsCommand } from './models.js';
import { addFindOptions, collect, deployerOption, timeoutOption } from './shared-options.js';

const components = () => import('./handlers/component-handlers.js');
const services = () => import('./handlers/service-handlers.js');
const predict = () => import('./handlers/predict-handler.js');
const dashboard = () => import('./handlers/dashboard-handler.js');

/** `zenml model-deployer …`: deployer components, flavors and the model servers they run. */
export function buildModelDeployerCommand(): Command {
  const md = new Command('model-deployer').description('manage model deployers and the model servers they run');
  md.addCommand(buildFlavorCommand());

  md.command('register <name>')
    .description('register a model deployer component (settings as --<key> value or -c key=value)')
    .requiredOption('-f, --flavor <flavor>', 'flavor (see `zenml model-deployer flavor list`)')
    .option('-c, --setting <key=value>', 'a flavor setting (repeatable)', collect, [])
    .allowUnknownOption()
    .allowExcessArguments()
    .action(lazyAction(components, (m, ctx, name, opts) => m.registerComponentHandler(ctx, name as string, opts as never)));
  md.command('list')
    .description('list model deployer components')
    .action(lazyAction(components, (m, ctx) => m.listComponentsHandler(ctx)));
  md.command('update <name>')
    .description('change settings of a model deployer component')
    .option('-c, --setting <key=value>', 'a flavor setting (repeatable)', collect, [])
    .option('--unset <key>', 'remove a setting (repeatable)', collect, [])
    .allowUnknownOption()
    .allowExcessArguments()
    .action(lazyAction(components, (m, ctx, name, opts) => m.updateComponentHandler(ctx, name as string, opts as never)));
  md.command('describe [name-or-uuid]')
    .description('show a deployer component (the active one by default) or, given a uuid, a model server')
    .addOption(deployerOption())
    .action(lazyAction(services, (m, ctx, target, opts) => m.describeTargetHandler(ctx, target as string | undefined, opts as never)));
  md.command('delete <name-or-uuid>')
    .description('delete a deployer component (refused while it has model servers), or (given a uuid) stop and delete a model server')
    .addOption(deployerOption())
    .addOption(timeoutOption())
    .option('-y, --yes', 'force: kill a server that does not stop in time; for a component, stop and delete its model servers first')
    .option('--force', 'same as --yes')
    .option('--orphan', 'for a component whose platform is gone: delete it alone, without listing, stopping or deleting its model servers')
    .action(lazyAction(services, (m, ctx, target, opts) => m.deleteTargetHandler(ctx, target as string, opts as never)));

  md.command('deploy')
    .description('deploy a model (continuous deployment with --replace)')
    .requiredOption('--model-uri <uri>', 'the model to serve (path or flavor-specific URI)')
    .option('--model-name <name>', 'model name (default: derived from the URI)')
    .option('--model-version <version>', 'model version')
    .option('--model-type <type>', 'model type (e.g. onnx, sklearn)')
    .option('--pipeline-name <name>', 'pipeline that produced the model')
    .option('--pipeline-run-id <id>', 'pipeline run that produced the model')
    .option('--pipeline-step-name <name>', 'pipeline step that produced the model')
    .option('--name <name>', 'service name')
    .option('--description <text>', 'service description')
    .option('--replace', 'update the server already serving this pipeline/step/model instead of starting another')
    .option('-c, --setting <key=value>', 'a flavor-specific service setting (repeatable)', collect, [])
    .addOption(timeoutOption())
    .addOption(deployerOption())
    .action(lazyAction(services, (m, ctx, opts) => m.deployHandler(ctx, opts as never)));
  addFindOptions(md.command('find').description('find model servers (stopped ones included unless --running)'))
    .action(lazyAction(services, (m, ctx, opts) => m.findHandler(ctx, opts as never)));
  md.command('logs <uuid>')
    .description("print a model server's logs")
    .option('-f, --follow', 'keep printing new lines')
    .option('-n, --tail <lines>', 'only the last N lines')
    .addOption(deployerOption())
    .action(lazyAction(services, (m, ctx, uuid, opts) => m.logsHandler(ctx, uuid as string, opts as never)));
  md.command('stop <uuid>')
    .description('stop a model server (it can be started again)')
    .addOption(timeoutOption())
    .option('-y, --yes', 'force: kill it if it does not stop in time')
    .option('--force', 'same as --yes')
    .addOption(deployerOption())
    .action(lazyAction(services, (m, ctx, uuid, opts) => m.stopHandler(ctx, uuid as string, opts as never)));
  md.command('start <uuid>')
    .description('start a stopped model server again (same uuid)')
    .addOption(timeoutOption())
    .addOption(deployerOption())
    .action(lazyAction(services, (m, ctx, uuid, opts) => m.startHandler(ctx, uuid as string, opts as never)));
  md.command('promote <uuid>')
    .description('send all traffic to the newest revision of a model server (ends a canary; kserve)')
    .addOption(timeoutOption())
    .addOption(deployerOption())
    .action(lazyAction(services, (m, ctx, uuid, opts) => m.promoteHandler(ctx, uuid as string, opts as never)));
  md.command('rollback <uuid>')
    .description('send all traffic back to the previous ready revision of a model server (kserve)')
    .addOption(timeoutOption())
    .addOption(deployerOption())
    .action(lazyAction(services, (m, ctx, uuid, opts) => m.rollbackHandler(ctx, uuid as string, opts as never)));
  md.command('predict <uuid>')
    .description("send a prediction request to a model server and print its answer")
    .option('--data <json>', 'the request body as JSON (MLflow scoring or v2 inference request)')
    .option('--file <path>', 'read the request from a file: .csv (MLflow, text/csv), .json, or - for stdin')
    .option('--protocol <protocol>', "mlflow or v2 (default: what the server serves natively; CSV is always mlflow)")
    .option('--model <name>', 'the model to ask, on a server that serves several')
    .option('-t, --timeout <seconds>', 'seconds to wait for the answer', '60')
    .addOption(deployerOption())
    .action(lazyAction(predict, (m, ctx, uuid, opts) => m.predictHandler(ctx, uuid as string, opts as never)));
  md.command('dashboard')
    .description('serve a live web page of every model server (Ctrl-C stops it); -q prints only its URL')
    .option('--port <port>', 'port to listen on (0: any free port)', '0')
    .option('--host <host>', 'address to listen on (other than loopback only with --allow-remote)', '127.0.0.1')
    .option('--allow-remote', 'allow a --host that other machines can reach (anyone with the URL can stop and delete servers)')
    .option('--no-open', 'do not open a browser')
    .action(lazyAction(dashboard, (m, ctx, opts) => m.dashboardHandler(ctx, opts as never)));
  md.addCommand(buildModelsCommand());
  return md;
}
