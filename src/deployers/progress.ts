/**
 * How a deployer tells the user what it is waiting for. The CLI passes a reporter in the
 * DeployerContext that draws a spinner on a terminal (and nothing in a pipe, with --json or -q, or
 * in CI); library callers pass none and the work simply runs. Flavors wrap each long wait — a
 * server getting ready, a download, a cluster rolling out — so the user sees which one it is.
 */

/** Shows `label` (and the elapsed time) while `work` runs, then one final ✔ or ✖ line; returns what `work` returns. */
export type ProgressReporter = <T>(label: string, work: () => Promise<T>) => Promise<T>;

/** Run `work` under the context's reporter, or bare when there is none. */
export function withProgress<T>(context: { progress?: ProgressReporter }, label: string, work: () => Promise<T>): Promise<T> {
  return context.progress ? context.progress(label, work) : work();
}
