// stopProcess waits for a server's whole process group, not only its leader: `mlflow models serve` exits at
// once on SIGTERM while its uvicorn child is still shutting down and holding the port; and what such a child
// left behind is found by its service mark. Real processes, no Python.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { groupHasMembers, isAlive, spawnDaemon, stopProcess, type ProcessIdentity } from '../../src/services/daemon.js';
import { pollUntil } from '../../src/services/poll.js';
import { TimeoutError } from '../../src/errors.js';
import { markedProcesses, SERVICE_MARK, stopLeftovers } from '../../src/services/marked-processes.js';
import { groupPids } from '../helpers/mlflow-cli.js';

let dir: string;
const started: ProcessIdentity[] = [];
// Every process here carries a mark, so cleanup finds children whose leader is already gone.
const marks: string[] = [];
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'zenml-pgroup-'));
});
afterAll(async () => {
  await Promise.all(started.map((id) => stopProcess(id, 1, true).catch(() => undefined)));
  await Promise.all(marks.map((mark) => stopLeftovers(mark, 1, true).catch(() => undefined)));
  rmSync(dir, { recursive: true, force: true });
});

/** A leader that exits on SIGTERM at once, and a child that runs `childOnTerm` on SIGTERM ('' ignores it). */
async function leaderWithChild(childOnTerm: string): Promise<ProcessIdentity> {
  const mark = `pgroup-test-${marks.length}-${process.pid}`;
  // The child touches a file once its trap is set: before that, a SIGTERM would still kill it (seen under load).
  const ready = path.join(dir, `${mark}.ready`);
  const script = `(trap '${childOnTerm}' TERM; touch '${ready}'; while :; do sleep 0.05; done) & trap 'exit 0' TERM; while :; do sleep 0.05; done`;
  marks.push(mark);
  const env = { ...process.env, [SERVICE_MARK]: mark };
  const identity = await spawnDaemon({ command: 'bash', args: ['-c', script], logPath: path.join(dir, 'log'), env });
  started.push(identity);
  // Wait until the child exists and has set its trap.
  for (let i = 0; i < 250 && !existsSync(ready); i += 1) await new Promise((r) => setTimeout(r, 20));
  expect(existsSync(ready)).toBe(true);
  expect((await groupPids(identity.pid)).length).toBeGreaterThanOrEqual(2);
  return identity;
}

test('a stop returns only after the children of the group are gone too', async () => {
  const identity = await leaderWithChild('sleep 0.5; exit 0');
  expect(await stopProcess(identity, 10, false)).toBe('exited');
  expect(await groupHasMembers(identity.pid)).toBe(false);
});

test('a child that ignores SIGTERM times out without force, and is killed with it', async () => {
  const identity = await leaderWithChild('');
  await expect(stopProcess(identity, 0.5, false)).rejects.toThrow(/or a process it started/);
  const again = await leaderWithChild('');
  expect(await stopProcess(again, 0.5, true)).toBe('killed');
  expect(await groupHasMembers(again.pid)).toBe(false);
});

test('a child left behind by its leader is found by the service mark and stopped', async () => {
  const uuid = `pgroup-test-leftover-${process.pid}`;
  marks.push(uuid);
  const ready = path.join(dir, `${uuid}.ready`);
  const script = `(trap '' TERM; touch '${ready}'; while :; do sleep 0.05; done) & trap 'exit 0' TERM; while :; do sleep 0.05; done`;
  const identity = await spawnDaemon({ command: 'bash', args: ['-c', script], logPath: path.join(dir, 'log'), env: { ...process.env, [SERVICE_MARK]: uuid } });
  started.push(identity);
  for (let i = 0; i < 250 && !existsSync(ready); i += 1) await new Promise((r) => setTimeout(r, 20));
  expect((await markedProcesses(uuid)).length).toBeGreaterThanOrEqual(2);
  // The stop times out once the leader has exited: the child ignores SIGTERM, and the record names only the leader.
  await expect(stopProcess(identity, 0.3, false)).rejects.toThrow(TimeoutError);
  // bash runs its TERM trap only after the current `sleep 0.05`; under load that can outlast 0.3 s.
  expect(await pollUntil(async () => !(await isAlive(identity)), 5000)).toBe(true);
  expect(await stopProcess(identity, 0.3, true)).toBe('not-running');
  expect((await markedProcesses(uuid)).length).toBeGreaterThan(0);
  await expect(stopLeftovers(uuid, 0.3, false)).rejects.toThrow(/did not exit within/);
  await stopLeftovers(uuid, 0.3, true);
  expect(await markedProcesses(uuid)).toEqual([]);
  expect(await markedProcesses('another-uuid')).toEqual([]);
});
