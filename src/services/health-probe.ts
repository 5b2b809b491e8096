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
    if (processIdentity && !(await isAlive(processIdentity))) {
      throw new ServerError(
        `the server process ${processIdentity.pid} exited before ${url} was ready${await logExcerpt(logPath, logLines)}`,
        { details: { pid: processIdentity.pid, url, ...(logPath ? { logPath } : {}) } },
      );
    }
    if (Date.now() >= deadline) {
      throw new TimeoutError(`${url} was not ready within ${timeoutS}s${await logExcerpt(logPath, logLines)}`, {
        details: { url, ...(logPath ? { logPath } : {}) },
      });
    }
    await sleep(intervalMs);
  }
}

/** "; last N lines of <log>:\n…" or '' when there is no log to quote. */
export async function logExcerpt(logPath: string | undefined, n = 20): Promise<string> {
  if (!logPath) return '';
  const lines = await tailLines(logPath, n);
  if (lines.length === 0) return ` (log ${logPath} is empty)`;
  return `; last ${lines.length} lines of ${logPath}:\n${lines.join('\n')}`;
}
