/**
 * Every process the bench starts, and the one place that ends them: on normal completion, on an
 * error, and on SIGINT/SIGTERM. Children are spawned detached (each leads its own process group),
 * so one signal to `-pid` reaches the workers a server forks; model servers started by the CLI are
 * detached daemons and are registered by the pid the CLI reports.
 */
import { spawn, type SpawnOptions } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** A process group the bench must end, with a check that the pid still is ours. */
interface Tracked {
  pid: number;
  label: string;
  /** /proc/<pid>/stat start time when registered: a recycled pid never matches it. */
  startTime: string | undefined;
}

const tracked = new Map<number, Tracked>();
let handlersInstalled = false;

/** Start time of `pid` (clock ticks since boot), undefined when it is gone or a zombie. */
export function procStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces and parentheses) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z' || fields[0] === 'X') return undefined;
    return fields[19];
  } catch {
    return undefined;
  }
}

/** True when the tracked process still runs (same pid, same start time). */
function alive(t: Tracked): boolean {
  const now = procStartTime(t.pid);
  return now !== undefined && (t.startTime === undefined || now === t.startTime);
}

/** Remember a process (group leader) to end at cleanup. */
export function trackProcess(pid: number, label: string): void {
  tracked.set(pid, { pid, label, startTime: procStartTime(pid) });
}

/** Forget a process that the bench has ended itself. */
export function untrackProcess(pid: number): void {
  tracked.delete(pid);
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, signal);
      return;
    } catch {
      // ESRCH on the group: not a group leader, try the pid alone.
    }
  }
}

/** SIGTERM the group, wait up to `graceMs`, then SIGKILL it. */
export async function stopGroup(pid: number, graceMs = 5000): Promise<void> {
  const t = tracked.get(pid) ?? { pid, label: '', startTime: procStartTime(pid) };
  if (alive(t)) {
    signalGroup(pid, 'SIGTERM');
    const deadline = Date.now() + graceMs;
    while (alive(t) && Date.now() < deadline) await sleep(25);
    if (alive(t)) signalGroup(pid, 'SIGKILL');
  }
  // The group may hold workers that outlive their leader.
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // group already empty
  }
  tracked.delete(pid);
}

/** End every tracked process (SIGTERM, then SIGKILL after the grace period). */
export async function stopAll(graceMs = 5000): Promise<void> {
  await Promise.all([...tracked.keys()].map((pid) => stopGroup(pid, graceMs)));
}

/** Last resort, synchronous (for the 'exit' event): SIGKILL whatever is left. */
function killAllNow(): void {
  for (const t of tracked.values()) if (alive(t)) signalGroup(t.pid, 'SIGKILL');
  tracked.clear();
}

/**
 * Install SIGINT/SIGTERM handlers that run `cleanup` (which should end processes and remove temp
 * files) and exit with 128 + signal number. `lastResort` runs synchronously on any exit (after
 * everything tracked got SIGKILL): it must not throw and must not wait.
 */
export function installCleanupHandlers(cleanup: () => Promise<void>, lastResort: () => void = () => {}): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  let firstSignalAt = 0;
  const finish = (code: number) => {
    killAllNow();
    process.exit(code);
  };
  const onSignal = (signal: NodeJS.Signals, code: number) => {
    if (firstSignalAt > 0) {
      // One Ctrl-C can arrive twice (from the terminal and relayed by npm/tsx): only a later one means "now".
      if (Date.now() - firstSignalAt > 1000) finish(code);
      return;
    }
    firstSignalAt = Date.now();
    process.stderr.write(`\n[bench] ${signal}: stopping ${tracked.size} process group(s) and cleaning up…\n`);
    // Bounded: a cleanup that hangs must not keep the bench alive.
    const timer = setTimeout(() => finish(code), 15_000);
    cleanup()
      .catch((error: unknown) => process.stderr.write(`[bench] cleanup failed: ${String(error)}\n`))
      .finally(() => {
        clearTimeout(timer);
        finish(code);
      });
  };
  process.on('SIGINT', () => onSignal('SIGINT', 130));
  process.on('SIGTERM', () => onSignal('SIGTERM', 143));
  process.on('exit', () => {
    killAllNow();
    try {
      lastResort();
    } catch {
      // exiting anyway
    }
  });
}

/** How a child ended. */
export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Wall time from spawn to exit, in ms. */
  ms: number;
}

/**
 * Run a command to completion in its own process group (tracked while it runs), with a hard
 * time limit after which the group is killed and the promise rejects.
 */
export function runChild(command: string, args: string[], options: SpawnOptions & { timeoutMs: number }): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(command, args, { ...options, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const pid = child.pid;
    if (pid !== undefined) trackProcess(pid, `${command} ${args.join(' ')}`);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      if (pid !== undefined) signalGroup(pid, 'SIGKILL');
    }, options.timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      if (pid !== undefined) tracked.delete(pid);
      reject(error);
    });
    child.once('close', (code, signal) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      clearTimeout(timer);
      if (pid !== undefined) tracked.delete(pid);
      if (timedOut) reject(new Error(`${command} ${args.join(' ')}: no exit within ${options.timeoutMs} ms (killed)\n${stderr.slice(-2000)}`));
      else resolve({ code, signal, stdout, stderr, ms });
    });
  });
}

/** Start a long-running command (a server) detached in its own group, tracked, output to `logFd`. */
export function startDaemonChild(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; logFd: number; label: string },
): number {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env,
    detached: true,
    stdio: ['ignore', options.logFd, options.logFd],
  });
  if (child.pid === undefined) throw new Error(`cannot start ${command}`);
  child.on('error', () => undefined);
  trackProcess(child.pid, options.label);
  return child.pid;
}
