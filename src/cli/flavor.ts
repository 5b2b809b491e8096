import { Command } from 'commander';
import { lazyAction } from './context.js';

const handlers = () => import('./handlers/flavor-handlers.js');

/** `zenml model-deployer flavor …`: built-in and custom flavors. */
export function buildFlavorCommand(): Command {
  const flavor = new Command('flavor').description('list, register and inspect model deployer flavors');
  flavor
    .command('list')
    .description('list flavors (built-in and registered)')
    .action(lazyAction(handlers, (m, ctx) => m.listFlavorsHandler(ctx)));
  flavor
    .command('register <source-path>')
    .description('register a custom flavor from a .ts/.js/.mjs/.cjs file (path[#ExportName]); it runs as code')
    .option('--allow-outside', "accept a file outside the dotfile's folder (its code runs in every command that uses it)")
    .action(
      lazyAction(handlers, (m, ctx, source, opts) => m.registerFlavorHandler(ctx, source as string, opts as { allowOutside?: boolean })),
    );
  flavor
    .command('describe <name>')
    .description("show a flavor and its settings' types and defaults")
    .action(lazyAction(handlers, (m, ctx, name) => m.describeFlavorHandler(ctx, name as string)));
  flavor
    .command('delete <name>')
    .description('unregister a custom flavor')
    .action(lazyAction(handlers, (m, ctx, name) => m.deleteFlavorHandler(ctx, name as string)));
  return flavor;
}
