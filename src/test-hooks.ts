/**
 * TEST-ONLY switches, all named `ZENML_TEST_*`: with one set to a number of milliseconds, the caller pauses
 * there, so that torture tests can kill a `zenml` at a chosen point (inside a write, just before or after a
 * spawn). Ignored unless set; never set them in normal use. None of them reaches a spawned server unless the
 * test names it in ZENML_TEST_DAEMON_ENV (see daemonEnv).
 */
import { setTimeout as sleep } from 'node:timers/promises';

/** Sleep for the milliseconds in `variable` (a ZENML_TEST_* name) when it is set to a positive number. */
export async function pauseForTest(variable: string): Promise<void> {
  const ms = Number(process.env[variable]);
  if (Number.isFinite(ms) && ms > 0) await sleep(ms);
}

const TEST_PREFIX = 'ZENML_TEST_';
/** The comma-separated ZENML_TEST_* names a test passes on to the servers zenml spawns. */
export const DAEMON_ENV_PASS = 'ZENML_TEST_DAEMON_ENV';

/**
 * A server's environment: `env` without every ZENML_TEST_* variable except those ZENML_TEST_DAEMON_ENV names,
 * so that a test switch set for one `zenml` run (or left in a shell) never sticks to a server for its life.
 */
export function daemonEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const passed = new Set((env[DAEMON_ENV_PASS] ?? '').split(',').map((name) => name.trim()));
  return Object.fromEntries(Object.entries(env).filter(([key]) => !key.startsWith(TEST_PREFIX) || (key !== DAEMON_ENV_PASS && passed.has(key))));
}
