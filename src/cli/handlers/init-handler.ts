import { existsSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../../errors.js';
import { writeAtomic } from '../../fs/atomic-write.js';
import { withFileLock } from '../../fs/file-lock.js';
import type { CommandContext } from '../context.js';

/** The JSON Schema editors use to complete the dotfile (shipped in the package). */
export const DOTFILE_SCHEMA_URL = './node_modules/zenml-model-deployer/schema/zenml.schema.json';

/** `zenml init`: write a minimal `.zenmlrc.json` here. */
export async function initHandler(ctx: CommandContext, opts: { force?: boolean }): Promise<void> {
  const filepath = path.join(ctx.cwd, '.zenmlrc.json');
  await withFileLock(filepath, async () => {
    if (existsSync(filepath) && !opts.force) {
      throw new UsageError(`${filepath} already exists`, { suggestion: 'use --force to overwrite it' });
    }
    const body = { $schema: DOTFILE_SCHEMA_URL, version: 1, activeStack: 'default', modelDeployers: {}, stacks: {}, flavors: {} };
    await writeAtomic(filepath, `${JSON.stringify(body, null, 2)}\n`);
  });
  ctx.output.result({ path: filepath, created: true }, () => `created ${filepath}`);
}
