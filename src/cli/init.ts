import { Command } from 'commander';
import { lazyAction } from './context.js';

/** `zenml init`: create a project-local dotfile. */
export function buildInitCommand(): Command {
  return new Command('init')
    .description('create a project-local .zenmlrc.json in the current directory (or the file --config / ZENML_CONFIG names)')
    .option('--force', 'overwrite an existing dotfile (or create one beside another this folder has)')
    .action(lazyAction(() => import('./handlers/init-handler.js'), (m, ctx, opts) => m.initHandler(ctx, opts as { force?: boolean })));
}
