/**
 * Lifecycle log lines: one line per event on stdout, which the supervisor redirects to the server's log file.
 */

/** Writes one log line. */
export type LogLine = (line: string) => void;

/** A logger that prefixes each line with the time (and the worker, in a cluster). */
export function stdoutLogger(prefix = ''): LogLine {
  return (line) => process.stdout.write(`${new Date().toISOString()} ${prefix}${line}\n`);
}
