/**
 * Whether a process group still has live members. A server that forks workers (uvicorn under
 * `mlflow models serve`, our own cluster) keeps its port until the last of them exits, not the leader.
 */
import { readdir, readFile } from 'node:fs/promises';

/**
 * True when some live (non-zombie) process belongs to group `pgid`. While one does, the kernel does not
 * hand `pgid` out as a new pid, so signalling the group still reaches only the processes we started.
 */
export async function groupHasMembers(pgid: number): Promise<boolean> {
  if (!Number.isInteger(pgid) || pgid <= 0) return false;
  if (process.platform !== 'linux') return signalZeroGroup(pgid);
  let entries: string[];
  try {
    entries = await readdir('/proc');
  } catch {
    return signalZeroGroup(pgid);
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let text: string;
    try {
      text = await readFile(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited while we looked
    }
    // After the last ')' (comm may contain spaces): state, ppid, pgrp, …
    const [state, , pgrp] = text.slice(text.lastIndexOf(')') + 2).split(' ');
    if (Number(pgrp) === pgid && state !== 'Z' && state !== 'X') return true;
  }
  return false;
}

function signalZeroGroup(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
