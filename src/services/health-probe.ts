/** Waiting for a freshly started server to answer its health check, or to die trying. */
import { setTimeout as sleep } from 'node:timers/promises';
import { ServerError, TimeoutError } from '../errors.js';
import { httpRequest } from './http-request.js';
import { tailLines } from './log-tail.js';
import { isAlive, type ProcessIdentity } from './process-identity.js';

/** A header the answer must carry, e.g. the server's instance id, so another server on a reused port never counts. */
export interface ExpectedHeader {
  name: string;
  value: string;
}

/** Options of waitForHealthy. */
export interface WaitForHealthyOptions {
  expectHeader?: ExpectedHeader;
  /** Seconds to wait in all. */
  timeoutS: number;
  /** The server process: when it exits we stop waiting at once. */
  processIdentity?: ProcessIdentity;
  /** Its log: the last lines go into the error. */
  logPath?: string;
  intervalMs?: number;
  /** Lines of log quoted in errors. */
  logLines?: number;
}

/** True when `url` answers 200 (with the expected header, if any) within `timeoutMs`. */
export async function probeHealth(url: string, expectHeader?: ExpectedHeader, timeoutMs = 2000): Promise<boolean> {
  try {
    const res = await httpRequest(url, { timeoutMs });
    if (res.status !== 200) return false;
    return !expectHeader || res.headers[expectHeader.name.toLowerCase()] === expectHeader.value;
  } catch {
    return false;
  }
}

/**
 * Poll `url` every ~50ms until it is healthy. Throws ServerError (with the last log lines) as soon
 * as the process exits, and TimeoutError (with them too) when `timeoutS` runs out.
 */
export async function waitForHealthy(url: string, options: WaitForHealthyOptions): Promise<void> {
  const { expectHeader, timeoutS, processIdentity, logPath, intervalMs = 50, logLines = 20 } = options;
  const deadline = Date.now() + timeoutS * 1000;
  for (;;) {
    const left = deadline - Date.now();
    if (await probeHealth(url, expectHeader, Math.max(100, Math.min(2000, left)))) return;
    // The log's lines go into the error itself (message and details.logTail), not its path: a failed
    // deploy removes its service directory, log included, before the error is printed.
    if (processIdentity && !(await isAlive(processIdentity))) {
      const tail = await logTail(logPath, logLines);
      throw new ServerError(`the server process ${processIdentity.pid} exited before ${url} was ready${excerptText(tail)}`, {
        details: { pid: processIdentity.pid, url, ...(tail ? { logTail: tail } : {}) },
      });
    }
    if (Date.now() >= deadline) {
      const tail = await logTail(logPath, logLines);
      throw new TimeoutError(`${url} was not ready within ${timeoutS}s${excerptText(tail)}`, {
        details: { url, ...(tail ? { logTail: tail } : {}) },
      });
    }
    await sleep(intervalMs);
  }
}

/** The last `n` lines of a log, or undefined when there is no log to quote. */
async function logTail(logPath: string | undefined, n: number): Promise<string[] | undefined> {
  return logPath ? tailLines(logPath, n) : undefined;
}

function excerptText(lines: string[] | undefined): string {
  if (lines === undefined) return '';
  if (lines.length === 0) return ' (the server log is empty)';
  return `; the server log's last ${lines.length} lines:\n${lines.join('\n')}`;
}

/** "; the server log's last N lines:\n…" or '' when there is no log to quote. */
export async function logExcerpt(logPath: string | undefined, n = 20): Promise<string> {
  return excerptText(await logTail(logPath, n));
}
