// Atomic file writes: readers see the old contents or the new, never a torn file.
import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { holdForTest, holdsAnyLock } from './file-lock.js';

/** Options of writeAtomic. */
export interface WriteAtomicOptions {
  /** Mode of the file; default: the mode of the file it replaces, else 0o666 minus the umask. */
  mode?: number;
}

/**
 * Write `contents` to `filepath` atomically: a temp file in the same dir, fsync, rename over the
 * target. The temp file is removed when anything fails. A number as third argument is the mode.
 */
export async function writeAtomic(
  filepath: string,
  contents: string | Buffer,
  options?: number | WriteAtomicOptions,
): Promise<void> {
  const wanted = typeof options === 'number' ? options : options?.mode;
  await mkdir(path.dirname(filepath), { recursive: true });
  const mode = wanted ?? (await existingMode(filepath));
  const tmp = `${filepath}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    const handle = await open(tmp, 'wx', mode ?? 0o666);
    try {
      const buffer = typeof contents === 'string' ? Buffer.from(contents) : contents;
      const half = buffer.length >> 1;
      await handle.write(buffer, 0, half);
      // Test-only: a writer told to hold its lock sleeps here, half-way through, so that a kill lands inside the window.
      if (holdsAnyLock()) await holdForTest();
      await handle.write(buffer, half, buffer.length - half);
      // The umask narrowed the mode at creation; chmod sets exactly the mode asked for or kept.
      if (mode !== undefined) await handle.chmod(mode);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, filepath);
  } catch (error) {
    await unlink(tmp).catch(() => undefined);
    throw error;
  }
}

async function existingMode(filepath: string): Promise<number | undefined> {
  try {
    return (await stat(filepath)).mode & 0o7777;
  } catch {
    return undefined;
  }
}
