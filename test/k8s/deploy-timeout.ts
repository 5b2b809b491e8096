// The `--timeout` contract of a Kubernetes flavor whose resource never becomes ready, checked alike for seldon
// and kserve: exit 4 with the state it is in, and TIMEOUT in --json.
import { expect } from '@jest/globals';
import { parseJson, type RunResult } from '../helpers/cli.js';

/**
 * Deploys `never-ready` (timeout 5 s) and `never-ready-2` (timeout 1 s, --json) through `run`, with `neverReady`
 * (settings that keep its pods from ever running, e.g. a CPU request no Node has) or a controller that leaves models
 * so named unready; the timeout names the state and, when given, what it waits for (`reason`).
 */
export async function expectDeployTimesOut(
  run: (...args: string[]) => Promise<RunResult>,
  deployArgs: (model: string, ...more: string[]) => string[],
  neverReady: string[] = [],
  reason?: RegExp,
): Promise<void> {
  const r = await run(...deployArgs('never-ready', '--timeout', '5', ...neverReady));
  expect(r.code).toBe(4);
  expect(r.stderr).toMatch(/did not reach state active within 5s \(it is pending_startup/);
  if (reason) expect(r.stderr).toMatch(reason);
  const json = await run(...deployArgs('never-ready-2', '--timeout', '1', '--json', ...neverReady));
  expect(json.code).toBe(4);
  expect(parseJson(json).error).toMatchObject({ code: 'TIMEOUT', exitCode: 4 });
}
