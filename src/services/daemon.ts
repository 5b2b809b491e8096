/**
 * Process supervision for model servers that must outlive the CLI: start a command detached with
 * its output in a log file, and stop it again later (from another CLI run) by its recorded identity.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { writeAtomic } from '../fs/atomic-write.js';
import { EnvironmentError, TimeoutError } from '../errors.js';
import { getProcessIdentity, isAlive, type ProcessIdentity } from './process-identity.js';
import { groupHasMembers } from './process-group.js';
import { pollUntil } from './poll.js';
import { daemonEnv } from '../test-hooks.js';

export { getProcessIdentity, isAlive, readProcessStartTime, type ProcessIdentity } from './process-identity.js';
export { groupHasMembers } from './process-group.js';
export { findFreePort, isPortFree } from './free-port.js';
export { fileSize, followLines, tailLines, type FollowOptions } from './log-tail.js';
export { logExcerpt, probeHealth, waitForHealthy, type WaitForHealthyOptions } from './health-probe.js';

/** What to start and where its traces go. */
export interface SpawnDaemonOptions {
  command: string;
  args: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** stdout and stderr are appended here. */
  logPath: string;
  /** The pid is written here (one line), for humans and other tools. */
  pidPath?: string;
}

/**
 * Start `command` in its own process group (so a stop reaches its children too), detached and
 * unreferenced so the CLI can exit while it runs. Its environment is `env` (default: ours) without the
 * test-only ZENML_TEST_* switches (see daemonEnv). Resolves with its identity once it is spawned;
 * a command that cannot be executed at all (ENOENT, EACCES) rejects with EnvironmentError.
 */
export async function spawnDaemon(options: SpawnDaemonOptions): Promise<ProcessIdentity> {
  await mkdir(path.dirname(options.logPath), { recursive: true, mode: 0o700 });
  const fd = openSync(options.logPath, 'a');
  let child;
  try {
    child = spawn(options.command, options.args, {
      cwd: options.cwd,
      env: daemonEnv(options.env ?? process.env),
      detached: true,
      stdio: ['ignore', fd, fd],
    });
  } finally {
    // The child has its own copy of the descriptor.
    closeSync(fd);
  }
  const started = child;
  const pid = await new Promise<number>((resolve, reject) => {
    started.once('error', (error) =>
      reject(new EnvironmentError(`cannot run ${options.command}: ${error.message}`, { cause: error })),
    );
    started.once('spawn', () => resolve(started.pid as number));
  });
  child.unref();
  const identity = await getProcessIdentity(pid);
  if (options.pidPath) await writeAtomic(options.pidPath, `${pid}\n`);
  return identity;
}

/** How a stop ended. */
export type StopResult = 'not-running' | 'exited' | 'killed' | 'signalled';

/**
 * Stop the process group of `identity`: SIGTERM (servers drain in-flight requests), then wait up
 * to `timeoutS` seconds for the leader *and every process of its group* to exit (children such as
 * uvicorn workers hold the port until they are gone). When they do not, SIGKILL with `force`, else
 * TimeoutError. `timeoutS` 0 only asks ('signalled'), or kills at once with `force`.
 * A pid whose start time differs from the recorded one belongs to someone else and is never signalled.
 */
export async function stopProcess(identity: ProcessIdentity, timeoutS: number, force: boolean): Promise<StopResult> {
  if (!(await isAlive(identity))) return 'not-running';
  signalGroup(identity.pid, 'SIGTERM');
  if (timeoutS <= 0 && !force) return 'signalled';
  if (timeoutS > 0 && (await waitForGroupExit(identity, timeoutS * 1000))) return 'exited';
  if (!force) {
    throw new TimeoutError(`process ${identity.pid} (or a process it started) did not exit within ${timeoutS}s of SIGTERM`, {
      suggestion: 'retry with --force to kill it',
      details: { pid: identity.pid },
    });
  }
  // Re-check right before killing: the pid may have been freed (and reused) while we waited; members
  // still in its group keep the group id ours.
  if (!(await isAlive(identity)) && !(await groupHasMembers(identity.pid))) return 'exited';
  signalGroup(identity.pid, 'SIGKILL');
  await waitForGroupExit(identity, 10_000);
  return 'killed';
}

/** Resolve true once the process and every other member of its group are gone, false after `timeoutMs`. */
export async function waitForGroupExit(identity: ProcessIdentity, timeoutMs: number): Promise<boolean> {
  return pollUntil(async () => !(await isAlive(identity)) && !(await groupHasMembers(identity.pid)), timeoutMs);
}

/** Resolve true once the process is gone (polling every 50ms), false after `timeoutMs`. */
export async function waitForExit(identity: ProcessIdentity, timeoutMs: number): Promise<boolean> {
  return pollUntil(async () => !(await isAlive(identity)), timeoutMs);
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    // Negative pid: the whole group the detached child leads (e.g. worker processes it forked).
    process.kill(-pid, signal);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ESRCH') {
      // Not a group leader after all (started by someone else): signal the process alone.
      try {
        process.kill(pid, signal);
      } catch (inner) {
        if ((inner as NodeJS.ErrnoException).code !== 'ESRCH') throw inner;
      }
    } else {
      throw error;
    }
  }
}
