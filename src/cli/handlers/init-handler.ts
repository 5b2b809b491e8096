import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, UsageError } from '../../errors.js';
import { writeAtomic } from '../../fs/atomic-write.js';
import { withFileLock } from '../../fs/file-lock.js';
import { configFormat, SUPPORTED_DOTFILE_FORMS, supportedDotfileName } from '../../config/format.js';
import { dotfileInFolder } from '../../config/locate-config.js';
import { loadYaml } from '../../config/yaml-document.js';
import type { CommandContext } from '../context.js';

/** The JSON Schema editors use to complete the dotfile (shipped in the package). */
export const DOTFILE_SCHEMA_URL = './node_modules/zenml-model-deployer/schema/zenml.schema.json';

/**
 * `zenml init`: write a minimal dotfile at `--config`/`ZENML_CONFIG` when one is named, else `./.zenmlrc.json`.
 * Without a named path it refuses when this folder already has any dotfile the search would find: a new
 * `.zenmlrc.json` would shadow a `.zenmlrc.yaml` (or `.zenmlrc`, `package.json#zenml`, …) and hide its components.
 */
export async function initHandler(ctx: CommandContext, opts: { force?: boolean }): Promise<void> {
  const named = ctx.configPath ?? (ctx.env.ZENML_CONFIG || undefined);
  const filepath = path.resolve(ctx.cwd, named ?? '.zenmlrc.json');
  const format = configFormat(filepath);
  if (!supportedDotfileName(filepath) || format === 'module' || format === 'package-json') {
    throw new UsageError(`${filepath}: init writes JSON or YAML dotfiles only`, { suggestion: `name it .json, .yaml or .yml (readable forms: ${SUPPORTED_DOTFILE_FORMS})` });
  }
  if (!named) {
    const existing = await dotfileInFolder(ctx.cwd);
    if (existing && existing !== filepath && !opts.force) {
      throw new UsageError(`${existing} is already this folder's dotfile: a new ${path.basename(filepath)} would shadow it`, {
        suggestion: 'edit or remove it, or name another file with --config',
      });
    }
  }
  mkdirSync(path.dirname(filepath), { recursive: true });
  await withFileLock(filepath, async () => {
    if (existsSync(filepath) && !opts.force) {
      throw new UsageError(`${filepath} already exists`, { suggestion: 'use --force to overwrite it' });
    }
    const body = { $schema: DOTFILE_SCHEMA_URL, version: 1, activeStack: 'default', modelDeployers: {}, stacks: {}, flavors: {} };
    await writeAtomic(filepath, format === 'yaml' ? await yamlText(body) : `${JSON.stringify(body, null, 2)}\n`);
  }).catch((error: unknown) => {
    if (error instanceof UsageError) throw error;
    throw new ConfigError(`${filepath}: cannot write: ${(error as Error).message}`, { cause: error });
  });
  ctx.output.result({ path: filepath, created: true }, () => `created ${filepath}`);
}

async function yamlText(body: Record<string, unknown>): Promise<string> {
  const { $schema: _schema, ...rest } = body;
  return (await loadYaml()).stringify(rest);
}
