// The `--timeout` contract of a Kubernetes flavor whose resource never becomes ready, checked alike for seldon
// and kserve: exit 4 with the state it is in, and TIMEOUT in --json.
import { expect } from '@jest/globals';
import { parseJson, type RunResult } from '../helpers/cli.js';

/**
 * Deploys `never-ready` (timeout 2 s) and `never-ready-2` (timeout 1 s, --json) through `run`; the cluster's
 * stand-in controller must leave models named so unready.
 */
export async function expectDeployTimesOut(
  run: (...args: string[]) => Promise<RunResult>,
  deployArgs: (model: string, ...more: string[]) => string[],
): Promise<void> {
  const r = await run(...deployArgs('never-ready', '--timeout', '2'));
  expect(r.code).toBe(4);
  expect(r.stderr).toMatch(/did not reach state active within 2s \(it is pending_startup\)/);
  const json = await run(...deployArgs('never-ready-2', '--timeout', '1', '--json'));
  expect(json.code).toBe(4);
  expect(parseJson(json).error).toMatchObject({ code: 'TIMEOUT', exitCode: 4 });
}
