import { CommanderError } from 'commander';
import { ExitCode } from '../errors.js';
import type { OutputOptions } from './output.js';

interface ErrorLike {
  code: string;
  message: string;
  exitCode: number;
  suggestion?: string;
  details?: Record<string, unknown>;
  stack?: string;
}

/**
 * Normalise anything thrown into the error shape we print. Duck-typed, because a custom
 * flavor may throw errors from its own copy of this package.
 */
export function toErrorLike(error: unknown): ErrorLike {
  if (error instanceof CommanderError) {
    return { code: 'USAGE', message: error.message.replace(/^error: /, ''), exitCode: ExitCode.USAGE };
  }
  const e = error as Partial<ErrorLike> & { name?: string };
  if (e && typeof e === 'object' && typeof e.exitCode === 'number' && typeof e.code === 'string') {
    return { code: e.code, message: e.message ?? String(error), exitCode: e.exitCode, suggestion: e.suggestion, details: e.details, stack: e.stack };
  }
  if (e?.name === 'ZodError') return { code: 'USAGE', message: e.message ?? 'invalid input', exitCode: ExitCode.USAGE, stack: e.stack };
  return { code: 'ERROR', message: e?.message ?? String(error), exitCode: ExitCode.FAILURE, stack: e?.stack };
}

/** Print one error the way the options ask (JSON on stdout, or one line on stderr) and return its exit code. */
export function reportError(error: unknown, options: Pick<OutputOptions, 'json' | 'verbose'>): number {
  const err = toErrorLike(error);
  if (options.json) {
    const { stack: _stack, ...body } = err;
    process.stdout.write(`${JSON.stringify({ error: body }, null, process.stdout.isTTY ? 2 : undefined)}\n`);
  } else {
    process.stderr.write(`zenml: error: ${err.message}\n`);
    if (err.suggestion) process.stderr.write(`hint: ${err.suggestion}\n`);
    if (options.verbose && err.stack) process.stderr.write(`${err.stack}\n`);
  }
  return err.exitCode;
}
