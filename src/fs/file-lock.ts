// A cross-process lock of one file: `<file>.lock`, created exclusively, holding its owner's
// identity (pid + process start time + host). A waiter that finds the owner gone reclaims the
// lock at once; the mtime-based stale timeout is only the fallback for a lock whose owner cannot
// be read or lives on another host.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { mkdir, open, readdir, readFile, rm, stat, unlink, utimes } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '../errors.js';
import { pauseForTest } from '../test-hooks.js';
import { readProcessStartTime } from '../services/process-identity.js';

/** How long writers wait for each other: 50 concurrent CLI processes must all get their turn (~100 s in all). */
const RETRIES = { retries: 400, factor: 1.2, minTimeout: 5, maxTimeout: 250 };

/**
 * Fallback only: a lock whose owner cannot be read (or runs on another host) counts as stale once
 * its mtime is this old. Holders touch the lock at a third of it. ZENML_LOCK_STALE_MS overrides it
 * (tests set it long to show that a dead owner is reclaimed without waiting for it).
 */
function staleMs(): number {
  const fromEnv = Number(process.env.ZENML_LOCK_STALE_MS);
  return Number.isFinite(fromEnv) && fromEnv > 0 ? fromEnv : 15_000;
}

interface Owner {
  pid: number;
  startTime: string;
  host: string;
  nonce: string;
}

/** What a waiter saw of a lock it judged stale: it removes the lock only if it is still that one. */
interface Seen {
  /** The owner's pid when it was read and found dead: its half-written temp files are removed with the lock. */
  deadPid?: number;
  text: string;
  ino: number;
  mtimeMs: number;
}

let held = 0;

/** True while this process holds a lock taken by withFileLock / tryWithFileLock. */
export function holdsAnyLock(): boolean {
  return held > 0;
}

/**
 * TEST-ONLY hook: with ZENML_TEST_HOLD_LOCK_MS set, a writer sleeps that long while it holds a
 * lock, half-way through writing its file, so that torture tests can kill it inside the write
 * window. Ignored unless set; never set it in normal use.
 */
export function holdForTest(): Promise<void> {
  return pauseForTest('ZENML_TEST_HOLD_LOCK_MS');
}

/** The lock file withFileLock creates for `filepath`: it exists exactly while someone holds the lock (or crashed holding it). */
export function lockPathOf(filepath: string): string {
  return `${filepath}.lock`;
}

/** Run `fn` while holding the cross-process lock of `filepath` (the file itself need not exist yet). */
export async function withFileLock<T>(filepath: string, fn: () => Promise<T>): Promise<T> {
  const release = await acquire(filepath, true);
  return runAndRelease(release!, fn);
}

/**
 * Like withFileLock, but gives up at once when another live process holds the lock: resolves with
 * undefined without running `fn`. For chores that the next run can do as well (index upkeep).
 */
export async function tryWithFileLock<T>(filepath: string, fn: () => Promise<T>): Promise<T | undefined> {
  let release: (() => Promise<void>) | undefined;
  try {
    release = await acquire(filepath, false);
  } catch {
    return undefined;
  }
  return release ? runAndRelease(release, fn) : undefined;
}

async function runAndRelease<T>(release: () => Promise<void>, fn: () => Promise<T>): Promise<T> {
  held += 1;
  try {
    return await fn();
  } finally {
    held -= 1;
    await release().catch(() => undefined);
  }
}

/** Take the lock; undefined when `wait` is false and a live owner holds it. Only a held lock is waited for. */
async function acquire(filepath: string, wait: boolean): Promise<(() => Promise<void>) | undefined> {
  const lockPath = lockPathOf(filepath);
  const fail = (error: unknown): never => {
    throw new ConfigError(`${filepath}: cannot take the lock ${lockPath}: ${(error as Error).message}`, {
      cause: error,
      suggestion: 'check that the directory is writable and has free space',
    });
  };
  await mkdir(path.dirname(filepath), { recursive: true }).catch(fail);
  const owner: Owner = {
    pid: process.pid,
    startTime: (await readProcessStartTime(process.pid)) ?? '',
    host: hostname(),
    nonce: randomBytes(8).toString('hex'),
  };
  const text = `${JSON.stringify(owner)}\n`;
  let delay = RETRIES.minTimeout;
  for (let attempt = 0; ; attempt += 1) {
    try {
      await createExclusive(lockPath, text);
      return holdUntilReleased(lockPath, text);
    } catch (error) {
      // A read-only or full state dir (EROFS, ENOSPC, EACCES) fails at once: only a held lock is worth waiting for.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') fail(error);
    }
    const seen = await staleLock(lockPath);
    if (seen === 'gone') continue;
    if (seen) {
      if (await reclaim(lockPath, seen)) await removeTempFilesOf(filepath, seen.deadPid);
      // Another waiter is reclaiming it (or its guard is stale): let it finish instead of spinning on the files.
      else await new Promise((r) => setTimeout(r, RETRIES.minTimeout));
      continue;
    }
    if (!wait) return undefined;
    if (attempt >= RETRIES.retries) {
      throw new ConfigError(`${filepath}: cannot take the lock ${lockPath}: another zenml process holds it`, {
        suggestion: 'another zenml process may be stuck; remove the .lock file if none is running',
      });
    }
    await new Promise((r) => setTimeout(r, delay * (1 + Math.random())));
    delay = Math.min(delay * RETRIES.factor, RETRIES.maxTimeout);
  }
}

async function createExclusive(lockPath: string, text: string): Promise<void> {
  const handle = await open(lockPath, 'wx');
  try {
    await handle.writeFile(text);
  } catch (error) {
    await handle.close().catch(() => undefined);
    await unlink(lockPath).catch(() => undefined);
    throw error;
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/** Keep the lock's mtime fresh for the fallback, and remove it on release only if it is still ours. */
function holdUntilReleased(lockPath: string, text: string): () => Promise<void> {
  const touch = setInterval(() => {
    const now = new Date();
    utimes(lockPath, now, now).catch(() => undefined);
  }, staleMs() / 3);
  touch.unref();
  return async () => {
    clearInterval(touch);
    const current = await readFile(lockPath, 'utf8').catch(() => undefined);
    if (current === text) await unlink(lockPath);
  };
}

/** 'gone' when the lock vanished; what was seen when its owner is dead (or, fallback, its mtime is stale); else undefined. */
async function staleLock(lockPath: string): Promise<Seen | 'gone' | undefined> {
  let seen: Seen;
  try {
    const st = await stat(lockPath);
    const text = st.isFile() ? await readFile(lockPath, 'utf8') : '';
    seen = { text, ino: st.ino, mtimeMs: st.mtimeMs };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    return undefined;
  }
  const owner = parseOwner(seen.text);
  if (owner && owner.host === hostname()) {
    const startTime = await readProcessStartTime(owner.pid);
    // Pid gone, or reused by another process: the owner is dead whatever the mtime says.
    if (startTime === undefined || (owner.startTime !== '' && startTime !== owner.startTime)) return { ...seen, deadPid: owner.pid };
    return undefined;
  }
  return Date.now() - seen.mtimeMs > staleMs() ? seen : undefined;
}

function parseOwner(text: string): Owner | undefined {
  try {
    const value = JSON.parse(text) as Partial<Owner>;
    if (typeof value.pid === 'number' && typeof value.startTime === 'string' && typeof value.host === 'string') {
      return value as Owner;
    }
  } catch {
    // An empty or torn lock file: its owner died between create and write; the mtime fallback decides.
  }
  return undefined;
}

/** A reclaim guard older than this was left by a reclaimer killed inside its few-microsecond window. */
const RECLAIM_GUARD_STALE_MS = 5_000;

/**
 * Remove a stale lock race-safely. Reclaimers take a guard (`<lock>.reclaim`, created exclusively)
 * and, holding it, remove the lock only if it is still the very one judged stale (same inode and
 * contents, which hold a nonce). Under the guard nobody else can remove that lock: its owner is dead
 * and other reclaimers wait for the guard. Never moving a lock aside matters: a lock path left empty
 * for an instant let a third writer in beside a live holder (a lost update among 50 concurrent
 * writers, under CI load).
 */
async function reclaim(lockPath: string, seen: Seen): Promise<boolean> {
  const guard = `${lockPath}.reclaim`;
  try {
    await (await open(guard, 'wx')).close();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      const st = await stat(guard).catch(() => undefined);
      if (st && Date.now() - st.mtimeMs > RECLAIM_GUARD_STALE_MS) await unlink(guard).catch(() => undefined);
    }
    return false;
  }
  try {
    const st = await stat(lockPath);
    const text = st.isFile() ? await readFile(lockPath, 'utf8') : '';
    if (st.ino !== seen.ino || text !== seen.text) return false;
    await rm(lockPath, { recursive: true, force: true });
    return true;
  } catch {
    return false;
  } finally {
    await unlink(guard).catch(() => undefined);
  }
}

/**
 * A writer killed mid-write leaves its temp file (`<file>.<pid>.<random>.tmp`, see writeAtomic) beside the file.
 * Its owner is dead and the lock is ours, so nobody else can be writing it: remove it.
 */
async function removeTempFilesOf(filepath: string, pid: number | undefined): Promise<void> {
  if (pid === undefined) return;
  const prefix = `${path.basename(filepath)}.${pid}.`;
  const names = await readdir(path.dirname(filepath)).catch(() => [] as string[]);
  for (const name of names) {
    if (name.startsWith(prefix) && name.endsWith('.tmp')) await unlink(path.join(path.dirname(filepath), name)).catch(() => undefined);
  }
}
