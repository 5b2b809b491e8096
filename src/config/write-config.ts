import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '../errors.js';
import { readDotfile, type RawDotfile } from './read-config.js';
import { loadYaml, syncYamlDocument } from './yaml-document.js';

/** How long writers wait for each other: 50 concurrent CLI processes must all get their turn. */
const LOCK_OPTIONS = {
  realpath: false,
  stale: 15_000,
  retries: { retries: 400, factor: 1.2, minTimeout: 5, maxTimeout: 250, randomize: true },
};

/**
 * Run `fn` while holding the cross-process lock of `filepath` (a `<file>.lock` directory,
 * so the file need not exist yet).
 */
export async function withFileLock<T>(filepath: string, fn: () => Promise<T>): Promise<T> {
  await mkdir(path.dirname(filepath), { recursive: true });
  let release: () => Promise<void>;
  try {
    release = await acquireLock(filepath, LOCK_OPTIONS.retries);
  } catch (error) {
    throw new ConfigError(`${filepath}: cannot take the lock ${filepath}.lock: ${(error as Error).message}`, {
      cause: error,
      suggestion: 'another zenml process may be stuck; remove the .lock directory if none is running',
    });
  }
  return runAndRelease(release, fn);
}

/**
 * Like withFileLock, but gives up at once when another process holds the lock: resolves with
 * undefined without running `fn`. For chores that the next run can do as well (index upkeep).
 */
export async function tryWithFileLock<T>(filepath: string, fn: () => Promise<T>): Promise<T | undefined> {
  await mkdir(path.dirname(filepath), { recursive: true });
  let release: () => Promise<void>;
  try {
    release = await acquireLock(filepath, 0);
  } catch {
    return undefined;
  }
  return runAndRelease(release, fn);
}

async function acquireLock(filepath: string, retries: typeof LOCK_OPTIONS.retries | 0): Promise<() => Promise<void>> {
  // The lock and write libraries load on the first write: reading commands never pay for them.
  const { default: lockfile } = await import('proper-lockfile');
  const options = { ...LOCK_OPTIONS, retries: 0, lockfilePath: lockPathOf(filepath) };
  if (retries === 0) return lockfile.lock(filepath, options);
  // proper-lockfile retries every error; only a lock held by another process is worth waiting for. A read-only
  // or full state dir (EROFS, ENOSPC, EACCES) fails at once instead of after 400 retries (~100 s).
  let delay = retries.minTimeout;
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await lockfile.lock(filepath, options);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ELOCKED' || attempt >= retries.retries) throw error;
      await new Promise((r) => setTimeout(r, delay * (retries.randomize ? 1 + Math.random() : 1)));
      delay = Math.min(delay * retries.factor, retries.maxTimeout);
    }
  }
}

async function runAndRelease<T>(release: () => Promise<void>, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } finally {
    await release().catch(() => undefined);
  }
}

/** The lock directory withFileLock creates for `filepath`: it exists exactly while someone holds the lock (or crashed holding it). */
export function lockPathOf(filepath: string): string {
  return `${filepath}.lock`;
}

/** Write `contents` to `filepath` atomically (temp file, fsync, rename). */
export async function writeAtomic(filepath: string, contents: string | Buffer, mode?: number): Promise<void> {
  await mkdir(path.dirname(filepath), { recursive: true });
  const { default: writeFileAtomic } = await import('write-file-atomic');
  await writeFileAtomic(filepath, contents, mode === undefined ? {} : { mode });
}

/**
 * Re-read the dotfile under the lock, let `mutate` change the raw object in place, and write it
 * back atomically in its own format. Nothing is written when `mutate` throws.
 */
export async function updateDotfile<T>(filepath: string, mutate: (file: RawDotfile) => T | Promise<T>): Promise<T> {
  return withFileLock(filepath, async () => {
    const file = await readDotfile(filepath);
    if (file.format === 'module') {
      throw new ConfigError(`${filepath}: cannot write to a JavaScript config file`, {
        suggestion: 'edit it by hand, or point --config / ZENML_CONFIG at a .json or .yaml file',
      });
    }
    const result = await mutate(file);
    await writeAtomic(filepath, await serialize(file));
    return result;
  });
}

async function serialize(file: RawDotfile): Promise<string> {
  if (file.format === 'package-json') {
    return `${JSON.stringify({ ...file.document, zenml: file.raw }, null, 2)}\n`;
  }
  if (file.format === 'yaml') {
    const yaml = await loadYaml();
    const doc = file.yaml ?? new yaml.Document({});
    syncYamlDocument(yaml, doc, file.raw);
    const text = doc.toString({ lineWidth: 120 });
    return text.endsWith('\n') ? text : `${text}\n`;
  }
  return `${JSON.stringify(file.raw, null, 2)}\n`;
}
