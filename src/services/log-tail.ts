/** Reading a growing log file: its last lines, and new lines as they are appended. */
import { open, stat } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import { setTimeout as sleep } from 'node:timers/promises';

const CHUNK = 64 * 1024;

/** Size of `file` in bytes, 0 when it does not exist. */
export async function fileSize(file: string): Promise<number> {
  try {
    return (await stat(file)).size;
  } catch {
    return 0;
  }
}

/**
 * The last `n` lines of `file` (all of them for Infinity) up to byte `end` (default: its size).
 * Reads backwards in chunks, so a huge log costs only the bytes of those lines. [] when missing.
 */
export async function tailLines(file: string, n: number, end?: number): Promise<string[]> {
  if (n <= 0) return [];
  let handle;
  try {
    handle = await open(file, 'r');
  } catch {
    return [];
  }
  try {
    let position = end ?? (await handle.stat()).size;
    const chunks: Buffer[] = [];
    let newlines = 0;
    // One more newline than lines wanted: the line before the first one we keep must end too.
    while (position > 0 && newlines <= n) {
      const length = Math.min(CHUNK, position);
      position -= length;
      const buffer = Buffer.alloc(length);
      await handle.read(buffer, 0, length, position);
      chunks.unshift(buffer);
      for (const byte of buffer) if (byte === 0x0a) newlines += 1;
    }
    const lines = Buffer.concat(chunks).toString('utf8').split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    // When we stopped mid-file the first piece is a partial line.
    if (position > 0) lines.shift();
    return Number.isFinite(n) ? lines.slice(-n) : lines;
  } finally {
    await handle.close();
  }
}

/** Options of followLines. */
export interface FollowOptions {
  /** Ends the generator. */
  signal?: AbortSignal;
  /** Byte offset to start at (default: the current end of the file). */
  from?: number;
  /** Poll interval; polling works on every file system, fs.watch does not. */
  intervalMs?: number;
  /** Checked after each read: once true, the lines written so far are read and the generator ends (the writer is gone). */
  ended?: () => Promise<boolean>;
}

/**
 * Yield each complete line appended to `file` until `signal` aborts or `ended` says the writer is gone (then
 * a last partial line is yielded too). A file that shrinks (truncated or replaced) is read again from its start.
 */
export async function* followLines(file: string, options: FollowOptions = {}): AsyncGenerator<string> {
  const { signal, intervalMs = 200, ended } = options;
  let last = false;
  let position = options.from ?? (await fileSize(file));
  let pending = '';
  // The decoder holds back a multi-byte character split across two reads.
  let decoder = new StringDecoder('utf8');
  while (!signal?.aborted) {
    // Decided before the read: a line the writer wrote just before it ended is still read below.
    last = ended !== undefined && (await ended());
    const size = await fileSize(file);
    if (size < position) {
      position = 0;
      pending = '';
      decoder = new StringDecoder('utf8');
    }
    if (size > position) {
      const handle = await open(file, 'r');
      try {
        const buffer = Buffer.alloc(size - position);
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
        position += bytesRead;
        pending += decoder.write(buffer.subarray(0, bytesRead));
      } finally {
        await handle.close();
      }
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        if (signal?.aborted) return;
        yield line;
      }
    }
    if (last) {
      const rest = pending + decoder.end();
      if (rest !== '') yield rest;
      return;
    }
    try {
      await sleep(intervalMs, undefined, { signal });
    } catch {
      return; // aborted while waiting
    }
  }
}
