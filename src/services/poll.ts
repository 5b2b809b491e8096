import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Call `done` every `intervalMs` until it answers true (resolves true) or `timeoutMs` has passed
 * (resolves false). `done` runs at least once, also with a timeout of 0.
 */
export async function pollUntil(done: () => Promise<boolean>, timeoutMs: number, intervalMs = 50): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await done()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(intervalMs);
  }
}
