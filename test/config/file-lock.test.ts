// Layer 2 (real files in temp dirs): the lock and the atomic write of src/fs. A lock whose owner is gone is reclaimed
// at once, by one waiter only; a lock whose owner is alive, or cannot be read, is waited for.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { writeAtomic } from '../../src/fs/atomic-write.js';
import { lockPathOf, tryWithFileLock, withFileLock } from '../../src/fs/file-lock.js';
import { readProcessStartTime } from '../../src/services/process-identity.js';
import { TempDirs } from '../helpers/temp.js';

const temp = new TempDirs();
afterEach(() => {
  delete process.env.ZENML_LOCK_STALE_MS;
  temp.cleanup();
});

/** A pid that no longer runs: a child that has exited and was reaped. */
function deadPid(): number {
  return Number(execFileSync('sh', ['-c', 'sh -c "echo \\$\\$"']).toString().trim());
}

/** The contents of a lock file held by `pid` on this host. */
function owner(pid: number, startTime: string): string {
  return `${JSON.stringify({ pid, startTime, host: hostname(), nonce: 'x' })}\n`;
}

describe('withFileLock', () => {
  it('reclaims at once a lock whose owner pid is gone (the mtime fallback is 10 minutes)', async () => {
    process.env.ZENML_LOCK_STALE_MS = '600000';
    const file = path.join(temp.dir(), 'f.json');
    writeFileSync(lockPathOf(file), owner(deadPid(), '12345'));
    expect(await withFileLock(file, async () => 'ran')).toBe('ran');
    expect(readdirSync(path.dirname(file))).toEqual([]);
  });

  it('reclaims a lock whose pid was reused by a process with another start time', async () => {
    process.env.ZENML_LOCK_STALE_MS = '600000';
    const file = path.join(temp.dir(), 'f.json');
    writeFileSync(lockPathOf(file), owner(process.pid, 'not-our-start-time'));
    expect(await withFileLock(file, async () => 'ran')).toBe('ran');
  });

  it('does not take a lock whose owner is alive', async () => {
    const file = path.join(temp.dir(), 'f.json');
    writeFileSync(lockPathOf(file), owner(process.pid, (await readProcessStartTime(process.pid))!));
    expect(await tryWithFileLock(file, async () => 'ran')).toBeUndefined();
  });

  it('a lock without a readable owner is taken only once its mtime is stale', async () => {
    process.env.ZENML_LOCK_STALE_MS = '600000';
    const file = path.join(temp.dir(), 'f.json');
    mkdirSync(lockPathOf(file));
    expect(await tryWithFileLock(file, async () => 'ran')).toBeUndefined();
    const old = new Date(Date.now() - 700_000);
    utimesSync(lockPathOf(file), old, old);
    expect(await tryWithFileLock(file, async () => 'ran')).toBe('ran');
  });

  it('many waiters on one dead lock: one holder at a time, every one runs', async () => {
    const file = path.join(temp.dir(), 'f.json');
    writeFileSync(lockPathOf(file), owner(deadPid(), '1'));
    let inside = 0;
    let most = 0;
    const runs = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        withFileLock(file, async () => {
          inside += 1;
          most = Math.max(most, inside);
          await new Promise((r) => setTimeout(r, 2));
          inside -= 1;
          return i;
        }),
      ),
    );
    expect(runs).toHaveLength(20);
    expect(most).toBe(1);
  });
});

describe('writeAtomic', () => {
  it('keeps the mode of the file it replaces, sets a given mode, leaves no temp file', async () => {
    const dir = temp.dir();
    const file = path.join(dir, 'a.json');
    writeFileSync(file, 'old');
    chmodSync(file, 0o640);
    await writeAtomic(file, 'new');
    expect(statSync(file).mode & 0o777).toBe(0o640);
    await writeAtomic(path.join(dir, 'b.json'), 'x', { mode: 0o600 });
    expect(statSync(path.join(dir, 'b.json')).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir).sort()).toEqual(['a.json', 'b.json']);
  });
});
