import { Command } from 'commander';
import { lazyAction } from './context.js';

const handlers = () => import('./handlers/stack-handlers.js');

/** `zenml stack …`: stacks pick the model deployer the service commands use. */
export function buildStackCommand(): Command {
  const stack = new Command('stack').description('manage stacks (which model deployer is active)');
  stack
    .command('register <name>')
    .description('register a stack around a model deployer component')
    .requiredOption('-d, --model-deployer <deployer>', 'the model deployer component')
    .option('--set', 'make it the active stack')
    .action(lazyAction(handlers, (m, ctx, name, opts) => m.registerStackHandler(ctx, name as string, opts as never)));
  stack
    .command('list')
    .description('list stacks')
    .action(lazyAction(handlers, (m, ctx) => m.listStacksHandler(ctx)));
  stack
    .command('set <name>')
    .description('make a stack the active one')
    .action(lazyAction(handlers, (m, ctx, name) => m.setStackHandler(ctx, name as string)));
  stack
    .command('describe [name]')
    .description('show a stack (the active one by default)')
    .action(lazyAction(handlers, (m, ctx, name) => m.describeStackHandler(ctx, name as string | undefined)));
  stack
    .command('update <name>')
    .description('point a stack at another model deployer')
    .requiredOption('-d, --model-deployer <deployer>', 'the model deployer component')
    .action(lazyAction(handlers, (m, ctx, name, opts) => m.updateStackHandler(ctx, name as string, opts as never)));
  stack
    .command('delete <name>')
    .description('delete a stack that is not active')
    .action(lazyAction(handlers, (m, ctx, name) => m.deleteStackHandler(ctx, name as string)));
  return stack;
}
