import type { Command } from 'commander';
import type { LoadedConfig } from '../config/config-store.js';
import type { ProgressReporter } from '../deployers/progress.js';
import { checkEnvironment } from './env-vars.js';
import { Output, type OutputOptions } from './output.js';
import { createProgress } from './progress.js';

/** What every command handler receives: where it runs, how it prints, and its config on demand. */
export interface CommandContext {
  cwd: string;
  env: NodeJS.ProcessEnv;
  configPath?: string;
  output: Output;
  /** Operands beyond the declared arguments (unknown options such as flavor settings). */
  excessArgs: string[];
  /** Load (once) the dotfile; warnings are printed on stderr. */
  config(): Promise<LoadedConfig>;
  /** Spinner for long waits on a terminal (undefined in a pipe, with --json, -q or CI): pass it to deployers. */
  progress?: ProgressReporter;
}

/** Build the context from a command's global options. */
export function commandContext(command: Command): CommandContext {
  const opts = command.optsWithGlobals() as Partial<OutputOptions> & { config?: string };
  const output = new Output({
    json: Boolean(opts.json),
    quiet: Boolean(opts.quiet),
    verbose: Boolean(opts.verbose),
    color: opts.color !== false,
  });
  let loaded: Promise<LoadedConfig> | undefined;
  const ctx: CommandContext = {
    cwd: process.cwd(),
    env: process.env,
    configPath: opts.config,
    output,
    excessArgs: command.args.slice(command.registeredArguments.length),
    progress: createProgress({ json: Boolean(opts.json), quiet: Boolean(opts.quiet), color: opts.color !== false }),
    config() {
      loaded ??= import('../config/config-store.js').then(async ({ loadConfig }) => {
        // The `register` commands create a missing dotfile; every other command reads one that must exist.
        const creates = command.name() === 'register';
        const config = await loadConfig({ cwd: ctx.cwd, configPath: ctx.configPath, env: ctx.env, creates });
        for (const warning of config.warnings) output.warn(warning);
        return config;
      });
      return loaded;
    },
  };
  return ctx;
}

/**
 * Wrap a handler module so it is imported only when its command runs: `zenml --help` loads
 * no config, zod or flavor code.
 */
export function lazyAction<M, A extends unknown[]>(
  load: () => Promise<M>,
  run: (mod: M, ctx: CommandContext, ...args: A) => Promise<void>,
): (...args: unknown[]) => Promise<void> {
  return async (...args: unknown[]) => {
    const command = args[args.length - 1] as Command;
    checkEnvironment();
    const mod = await load();
    await run(mod, commandContext(command), ...(args.slice(0, -1) as A));
  };
}
