/**
 * The CLI's ProgressReporter: a spinner on stderr (yocto-spinner, imported on the first wait only)
 * showing what is being waited for and for how long, replaced by one final line, `✔ label (1.2s)`
 * or `✖ label (1.2s)`. Only on a terminal: never when stderr is not a TTY, with --json or -q, with
 * CI set or TERM=dumb; so pipes and logs never get a control character. NO_COLOR or --no-color
 * only drop the colour. A wait inside another (a download inside a deploy) takes over the line
 * until it ends; only the outermost prints a final line.
 */
import type { ProgressReporter } from '../deployers/progress.js';

/** What decides whether and how progress is drawn. */
export interface ProgressOptions {
  json: boolean;
  quiet: boolean;
  /** false with --no-color. */
  color: boolean;
  stream?: NodeJS.WriteStream;
  env?: NodeJS.ProcessEnv;
}

/** Whether a spinner may be drawn at all. */
export function progressEnabled(options: ProgressOptions): boolean {
  const stream = options.stream ?? process.stderr;
  const env = options.env ?? process.env;
  return Boolean(stream.isTTY) && !options.json && !options.quiet && !('CI' in env) && env.TERM !== 'dumb';
}

/** A reporter for the CLI, or undefined when nothing may be drawn (the work then runs bare). */
export function createProgress(options: ProgressOptions): ProgressReporter | undefined {
  if (!progressEnabled(options)) return undefined;
  const stream = options.stream ?? process.stderr;
  const env = options.env ?? process.env;
  const labels: string[] = [];
  let spinner: { text: string; stop(finalText?: string): unknown } | undefined;
  let started = 0;
  let ticker: NodeJS.Timeout | undefined;
  const elapsed = () => seconds(performance.now() - started);
  const render = () => {
    if (spinner) spinner.text = `${labels[labels.length - 1]} (${elapsed()})`;
  };

  return async <T>(label: string, work: () => Promise<T>): Promise<T> => {
    labels.push(label);
    const outermost = labels.length === 1;
    if (outermost) {
      started = performance.now();
      spinner = await startSpinner(stream, env, options.color, `${label} (0s)`);
      // The elapsed time moves even while the label does not.
      ticker = setInterval(render, 100);
      ticker.unref();
    } else {
      render();
    }
    let failed = false;
    try {
      return await work();
    } catch (error) {
      failed = true;
      throw error;
    } finally {
      labels.pop();
      if (outermost) {
        clearInterval(ticker);
        const mark = failed ? paint(options.color, env, 31, '✖') : paint(options.color, env, 32, '✔');
        spinner?.stop(`${mark} ${label} (${elapsed()})`);
        spinner = undefined;
      } else {
        render();
      }
    }
  };
}

async function startSpinner(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv, color: boolean, text: string) {
  // yocto-spinner's colours (yoctocolors) decide once, when they load, from NO_COLOR in the
  // environment; --no-color sets it for that moment only, so the frame is plain too.
  const hide = !colorAllowed(color, env) && !('NO_COLOR' in process.env);
  if (hide) process.env.NO_COLOR = '1';
  try {
    const { default: yoctoSpinner } = await import('yocto-spinner');
    return yoctoSpinner({ text, stream }).start();
  } finally {
    if (hide) delete process.env.NO_COLOR;
  }
}

function colorAllowed(flag: boolean, env: NodeJS.ProcessEnv): boolean {
  return flag && !('NO_COLOR' in env) && env.FORCE_COLOR !== '0';
}

function paint(flag: boolean, env: NodeJS.ProcessEnv, code: number, text: string): string {
  return colorAllowed(flag, env) ? `\u001B[${code}m${text}\u001B[39m` : text;
}

/** `0.4s`, `12s`, `2m05s`. */
export function seconds(ms: number): string {
  const s = ms / 1000;
  if (s < 10) return `${s.toFixed(1)}s`;
  if (s < 60) return `${Math.floor(s)}s`;
  return `${Math.floor(s / 60)}m${String(Math.floor(s % 60)).padStart(2, '0')}s`;
}
