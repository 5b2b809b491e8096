/** Resident memory and CPU time of a process and all its descendants, from /proc (Linux). */
import { readdirSync, readFileSync } from 'node:fs';

/** VmRSS of one process in KiB (0 when it is gone). */
export function processRssKiB(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

/** The pids of `pid`'s children (every thread's children list). */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const text = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim();
      if (text) out.push(...text.split(/\s+/).map(Number));
    }
  } catch {
    // gone meanwhile
  }
  return out;
}

/** `pid` and every descendant. */
function processTree(pid: number): number[] {
  const queue = [pid];
  const seen = new Set<number>();
  while (queue.length > 0 && seen.size < 10_000) {
    const p = queue.shift() as number;
    if (seen.has(p)) continue;
    seen.add(p);
    queue.push(...childrenOf(p));
  }
  return [...seen];
}

/** Summed VmRSS of `pid` and every descendant, in MiB, with the number of processes counted. */
export function treeRssMiB(pid: number): { mib: number; processes: number } {
  let kib = 0;
  let processes = 0;
  for (const p of processTree(pid)) {
    const rss = processRssKiB(p);
    if (rss > 0) {
      kib += rss;
      processes++;
    }
  }
  return { mib: kib / 1024, processes };
}

// Linux's USER_HZ: /proc times are in 1/100 s on every common configuration.
const TICKS_PER_SECOND = 100;

/** User + system CPU seconds used so far by `pid` and its live descendants. */
export function treeCpuSeconds(pid: number): number {
  let ticks = 0;
  for (const p of processTree(pid)) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15)
    } catch {
      // exited meanwhile
    }
  }
  return ticks / TICKS_PER_SECOND;
}
