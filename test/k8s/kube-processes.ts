// The child processes of a test cluster (etcd, kube-apiserver, the controllers, kwok): spawned with their output in log files, and
// guarded by a reaper so that nothing outlives the test process, even when a test forgets stop() or jest is killed.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** A spawned server process and the file that holds its stdout and stderr. */
export interface KubeProcess {
  name: string;
  child: ChildProcess;
  pid: number;
  logPath: string;
  /** Set once the process has exited (code or signal). */
  exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  /** Resolves when the process has exited. */
  exited: Promise<void>;
}

/** A free TCP port on 127.0.0.1 (free when asked: callers retry when another process takes it first). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Spawn `command` with stdout and stderr appended to `logPath`; the child holds no handle on our event loop. */
export function spawnLogged(name: string, command: string, args: string[], logPath: string, cwd: string, env?: NodeJS.ProcessEnv): KubeProcess {
  const fd = openSync(logPath, 'a');
  let child: ChildProcess;
  try {
    // Its own process group, so the reaper and stop() can signal the group.
    child = spawn(command, args, { cwd, env: env ?? process.env, stdio: ['ignore', fd, fd], detached: true });
  } finally {
    closeSync(fd);
  }
  if (child.pid === undefined) throw new Error(`${name}: could not start ${command}`);
  const proc: KubeProcess = { name, child, pid: child.pid, logPath, exit: undefined, exited: Promise.resolve() };
  proc.exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      proc.exit = { code, signal };
      resolve();
    });
    child.once('error', () => resolve());
  });
  child.unref();
  return proc;
}

/** The last `lines` lines of a process's log, indented for an error message. */
export function logTail(proc: KubeProcess, lines = 25): string {
  let text: string;
  try {
    text = readFileSync(proc.logPath, 'utf8');
  } catch {
    return `    (no log at ${proc.logPath})`;
  }
  return text
    .trimEnd()
    .split('\n')
    .slice(-lines)
    .map((line) => `    ${line}`)
    .join('\n');
}

/** SIGKILL a process group (and the process itself), ignoring the already-gone. */
export function killGroup(pid: number): void {
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, 'SIGKILL');
    } catch {
      // ESRCH: gone already.
    }
  }
}

/** Whether a pid is alive (a zombie counts as gone: it runs nothing). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\S+ \(.*\) Z/s.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

// The reaper is a tiny detached node process reading a pipe from us. Its stdin reaches EOF when we exit in any way
// (normal exit, process.exit, an uncaught error, SIGKILL of a jest worker); it then kills the process groups it was
// told about and removes the cluster's folder. stop() sends "disarm" first, so it never signals a reused pid.
const REAPER_SOURCE = `
const { rmSync } = require('node:fs');
let input = '';
const pids = new Set();
let dir = '';
let armed = true;
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  input += chunk;
  let nl;
  while ((nl = input.indexOf('\\n')) >= 0) {
    const line = input.slice(0, nl);
    input = input.slice(nl + 1);
    if (line === 'disarm') armed = false;
    else if (line.startsWith('pid ')) pids.add(Number(line.slice(4)));
    else if (line.startsWith('dir ')) dir = line.slice(4);
  }
});
process.stdin.on('close', () => {
  if (armed) {
    for (const pid of pids) for (const t of [-pid, pid]) { try { process.kill(t, 'SIGKILL'); } catch {} }
    if (dir) setTimeout(() => { try { rmSync(dir, { recursive: true, force: true, maxRetries: 3 }); } catch {} process.exit(0); }, 300);
    else process.exit(0);
  } else process.exit(0);
});
`;

/** A reaper bound to this process: everything registered with it dies with us unless disarmed first. */
export interface Reaper {
  /** Kill this process group when we exit without disarming. */
  watch(pid: number): void;
  /** Remove this folder when we exit without disarming. */
  removeOnExit(dir: string): void;
  /** Tell the reaper it has nothing to do, and let it go. */
  disarm(): void;
}

/** Start a reaper (a detached node process that holds no handle on our event loop). */
export function startReaper(): Reaper {
  const child = spawn(process.execPath, ['-e', REAPER_SOURCE], { stdio: ['pipe', 'ignore', 'ignore'], detached: true });
  child.unref();
  const stdin = child.stdin!;
  (stdin as unknown as { unref?: () => void }).unref?.();
  stdin.on('error', () => undefined);
  let done = false;
  const send = (line: string) => {
    if (!done) stdin.write(`${line}\n`);
  };
  return {
    watch: (pid) => send(`pid ${pid}`),
    removeOnExit: (dir) => send(`dir ${dir}`),
    disarm: () => {
      send('disarm');
      done = true;
      stdin.end();
    },
  };
}

/** Poll `probe` every `intervalMs` until it returns true; throws `describe()` after `timeoutMs`. */
export async function waitUntil(
  probe: () => Promise<boolean> | boolean,
  timeoutMs: number,
  describe: (lastError: unknown) => string,
  intervalMs = 100,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      if (await probe()) return;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) throw new Error(describe(lastError));
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
