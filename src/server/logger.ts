/**
 * Lifecycle log lines: one line per event on stdout, which the supervisor redirects to the server's log file.
 */

/** Writes one log line. */
export type LogLine = (line: string) => void;

/**
 * The one prefix of every line zenml writes into a server log: the time, then `[zenml]`, then the
 * worker in a cluster (`[worker 2]`). The CLI's own lines (`starting model server …`) use it too.
 */
export function logPrefix(worker = ''): string {
  return `${new Date().toISOString()} [zenml] ${worker}`;
}

/** A logger that prefixes each line (see logPrefix); `prefix` names the worker, in a cluster. */
export function stdoutLogger(prefix = ''): LogLine {
  return (line) => process.stdout.write(`${logPrefix(prefix)}${line}\n`);
}

/** The same prefix on stderr, for warnings and the reason the server cannot start. */
export function stderrLogger(prefix = ''): LogLine {
  return (line) => process.stderr.write(`${logPrefix(prefix)}${line}\n`);
}
