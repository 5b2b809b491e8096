import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { importModule } from '../config/import-module.js';
import { FlavorLoadError } from '../errors.js';
import { resolveOwnPackageForUserCode } from './own-package-resolve.js';

const SUPPORTED_EXTENSIONS = ['.js', '.mjs', '.cjs', '.ts', '.mts', '.cts'];

/**
 * Import a user's flavor source file: JavaScript natively, TypeScript through tsx (no build
 * step). Load failures — missing file, syntax errors, throwing top-level code — name the file.
 */
export async function importFlavorModule(sourcePath: string): Promise<Record<string, unknown>> {
  const ext = path.extname(sourcePath).toLowerCase();
  if (!existsSync(sourcePath) || !statSync(sourcePath).isFile()) {
    throw new FlavorLoadError(`flavor source ${sourcePath} does not exist`, {
      suggestion: 'check the path (registered paths are stored relative to the dotfile)',
      details: { file: sourcePath },
    });
  }
  if (!SUPPORTED_EXTENSIONS.includes(ext)) {
    throw new FlavorLoadError(`flavor source ${sourcePath} has extension '${ext}'; expected one of ${SUPPORTED_EXTENSIONS.join(', ')}`);
  }
  resolveOwnPackageForUserCode();
  try {
    return await importModule(sourcePath);
  } catch (error) {
    throw new FlavorLoadError(`cannot load flavor source ${sourcePath}: ${describeLoadError(error, sourcePath)}`, {
      cause: error,
      details: { file: sourcePath },
    });
  }
}

/** The error's message, with `file:line:column` when the parser tells us. */
function describeLoadError(error: unknown, sourcePath: string): string {
  const err = error as Error;
  const message = err?.message ?? String(error);
  // esbuild (through tsx): "Transform failed with 1 error:\n<file>:<line>:<col>: ERROR: <text>".
  const esbuild = /^(.*?):(\d+):(\d+): ERROR: (.*)$/m.exec(message);
  if (esbuild) return `syntax error at ${sourcePath}:${esbuild[2]}:${Number(esbuild[3]) + 1}: ${esbuild[4]}`;
  if (err?.name === 'SyntaxError') {
    // Node's ESM loader leaves the position out of the error; `node --check` reports it.
    return `syntax error at ${checkSyntaxLocation(sourcePath) ?? sourcePath}: ${firstLine(message)}`;
  }
  return `${err?.name ?? 'error'}: ${firstLine(message)}`;
}

function checkSyntaxLocation(sourcePath: string): string | undefined {
  const result = spawnSync(process.execPath, ['--check', sourcePath], { encoding: 'utf8', timeout: 10_000 });
  const match = /^(.*):(\d+)\s*$/m.exec(result.stderr ?? '');
  return match ? `${sourcePath}:${match[2]}` : undefined;
}

function firstLine(text: string): string {
  return text.split('\n').find((line) => line.trim() !== '')?.trim() ?? text;
}
