/**
 * Server processes found by their mark rather than by a recorded pid. Every process we spawn for a
 * service carries ZENML_SERVICE_UUID=<uuid> in its environment (children inherit it), so it can be
 * found when no record names it: the uvicorn child of an `mlflow models serve` whose parent is gone,
 * or a server spawned by a deploy that was killed before it recorded the pid. Never found by name.
 */
import { readdir, readFile } from 'node:fs/promises';
import { pollUntil } from './poll.js';
import { TimeoutError } from '../errors.js';

/** The environment variable that marks every process of a service. */
export const SERVICE_MARK = 'ZENML_SERVICE_UUID';

/** Live pids (ours to signal: same user) whose environment carries the service's mark. Linux only; [] elsewhere. */
export async function markedProcesses(uuid: string): Promise<number[]> {
  return (await markedProcessStats(uuid)).map((p) => p.pid);
}

/**
 * The marked process that leads its own process group (the one we spawned detached; its children share
 * its group), if one runs.
 */
export async function markedGroupLeader(uuid: string): Promise<number | undefined> {
  return (await markedProcessStats(uuid)).find((p) => p.pgrp === p.pid)?.pid;
}

async function markedProcessStats(uuid: string): Promise<Array<{ pid: number; pgrp: number }>> {
  if (process.platform !== 'linux') return [];
  const mark = Buffer.from(`${SERVICE_MARK}=${uuid}\0`);
  const found: Array<{ pid: number; pgrp: number }> = [];
  for (const entry of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      // environ is NUL-separated; prefixing a NUL makes the match start at a variable's name.
      const environ = Buffer.concat([Buffer.from('\0'), await readFile(`/proc/${entry}/environ`)]);
      if (!environ.includes(Buffer.concat([Buffer.from('\0'), mark]))) continue;
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      // After the comm field: state, ppid, pgrp.
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (state !== 'Z') found.push({ pid: Number(entry), pgrp: Number(pgrp) });
    } catch {
      // another user's process (EACCES), or gone meanwhile
    }
  }
  return found;
}

/**
 * SIGTERM every process marked with `uuid`, wait up to `timeoutS` for them to exit, then SIGKILL the rest
 * with `force`, else TimeoutError. Resolves at once when there are none (the usual case).
 */
export async function stopLeftovers(uuid: string, timeoutS: number, force: boolean): Promise<void> {
  let pids = await markedProcesses(uuid);
  if (pids.length === 0) return;
  signal(pids, 'SIGTERM');
  const gone = await pollUntil(async () => (pids = await markedProcesses(uuid)).length === 0, timeoutS * 1000);
  if (gone) return;
  if (!force) {
    throw new TimeoutError(`processes ${pids.join(', ')} of model server ${uuid} did not exit within ${timeoutS}s of SIGTERM`, {
      suggestion: 'retry with --force to kill them',
      details: { pids },
    });
  }
  signal(pids, 'SIGKILL');
  await pollUntil(async () => (await markedProcesses(uuid)).length === 0, 10_000);
}

function signal(pids: number[], name: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, name);
    } catch {
      // exited meanwhile
    }
  }
}
