/**
 * TEST-ONLY pauses: with the named environment variable set to a number of milliseconds, the caller sleeps
 * there, so that torture tests can kill a `zenml` at a chosen point (inside a write, just before or after a
 * spawn). Ignored unless set; never set them in normal use.
 */
import { setTimeout as sleep } from 'node:timers/promises';

export async function pauseForTest(variable: string): Promise<void> {
  const ms = Number(process.env[variable]);
  if (Number.isFinite(ms) && ms > 0) await sleep(ms);
}
