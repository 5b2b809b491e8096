/**
 * Who a process is: its pid plus its start time. Pids are recycled, so a pid alone may name an
 * unrelated process by the time we look again; the pair never does.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** A process as recorded when it was started. */
export interface ProcessIdentity {
  pid: number;
  /** /proc/<pid>/stat field 22 (clock ticks since boot) on Linux, `ps -o lstart=` elsewhere; '' if unknown. */
  startTime: string;
}

interface ProcessFacts {
  startTime: string;
  /** A zombie has exited and only waits to be reaped: it counts as dead. */
  zombie: boolean;
}

/** The start time of the live process `pid`, or undefined when there is none (or it is a zombie). */
export async function readProcessStartTime(pid: number): Promise<string | undefined> {
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  const facts = process.platform === 'linux' ? await readProcStat(pid) : await readPs(pid);
  return facts && !facts.zombie ? facts.startTime : undefined;
}

/** The identity of the live process `pid` (startTime '' when it already exited). */
export async function getProcessIdentity(pid: number): Promise<ProcessIdentity> {
  return { pid, startTime: (await readProcessStartTime(pid)) ?? '' };
}

/** True when the process recorded in `identity` still runs: same pid *and* same start time. */
export async function isAlive(identity: ProcessIdentity | undefined | null): Promise<boolean> {
  if (!identity || !identity.startTime) return false;
  const current = await readProcessStartTime(identity.pid);
  return current !== undefined && current === identity.startTime;
}

async function readProcStat(pid: number): Promise<ProcessFacts | undefined> {
  let text: string;
  try {
    text = await readFile(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // Field 2 (comm) is in parentheses and may itself contain spaces or ')': split after the last ')'.
  // What follows starts at field 3 (state), so field 22 (starttime) is index 19.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const state = rest[0];
  const startTime = rest[19];
  if (!startTime) return undefined;
  return { startTime, zombie: state === 'Z' || state === 'X' };
}

async function readPs(pid: number): Promise<ProcessFacts | undefined> {
  try {
    const { stdout } = await execFileAsync('ps', ['-o', 'stat=', '-o', 'lstart=', '-p', String(pid)]);
    const line = stdout.trim();
    if (!line) return undefined;
    const [stat, ...start] = line.split(/\s+/);
    return { startTime: start.join(' '), zombie: stat.startsWith('Z') };
  } catch {
    // ps exits 1 when no such process exists.
    return undefined;
  }
}
