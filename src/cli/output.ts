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

// A deployer's log line that is a warning starts with this (see Output.deployerLog).
const WARNING_PREFIX = 'warning: ';

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

  /**
   * Print a result: its JSON with --json; with --quiet, the ids of what it lists, created, changed or
   * deleted (one a line: see idsOf); else the human rendering. Every command prints through here, so
   * the quiet contract holds for commands added later too.
   */
  result(value: unknown, human: () => string): void {
    if (this.options.json) this.json(value);
    else if (this.options.quiet) this.line(idsOf(value).join('\n'));
    else this.line(human());
  }

  /** Print a result whose quiet form is the given ids (one per line). */
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

  /**
   * A deployer's log line (DeployerContext.log): one that starts with `warning: ` is a warning, printed
   * with --json too (a script must learn that a record was skipped); any other is progress, as info.
   */
  deployerLog(message: string): void {
    if (message.startsWith(WARNING_PREFIX)) this.warn(message.slice(WARNING_PREFIX.length));
    else this.info(message);
  }

  /** Warnings on stderr (silent with --quiet: a script asked for ids only; errors still print). */
  warn(message: string): void {
    if (this.options.quiet) return;
    this.stderr.write(`${this.chalk.yellow('warning:')} ${message}\n`);
  }

  /** The terminal's width: its columns on a TTY, else `COLUMNS` when set, else 80. */
  get width(): number {
    const stream = this.stdout as NodeJS.WriteStream;
    if (stream.isTTY && stream.columns) return stream.columns;
    const env = Number(process.env.COLUMNS);
    return Number.isInteger(env) && env > 0 ? env : 80;
  }

  /** A borderless table, like kubectl's; with `fit`, long cells wrap so lines stay within the terminal width. */
  table(head: string[], rows: string[][], options: { fit?: boolean } = {}): string {
    if (rows.length === 0) return '';
    if (options.fit) rows = fitColumns(head, rows, this.width);
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

  /** `key: value` lines, aligned; with `fit`, long values wrap (indented) within the terminal width. */
  keyValues(entries: Array<[string, unknown]>, options: { fit?: boolean } = {}): string {
    const width = Math.max(0, ...entries.map(([k]) => k.length));
    const room = Math.max(MIN_COLUMN, this.width - width - 2);
    return entries
      .map(([k, v]) => {
        const text = typeof v === 'string' ? v : JSON.stringify(v);
        const value = options.fit ? wrapText(text, room).split('\n').join(`\n${' '.repeat(width + 2)}`) : text;
        return `${this.chalk.bold(`${k}:`.padEnd(width + 1))} ${value}`;
      })
      .join('\n');
  }

  /** A service state, coloured by health. */
  state(state: string): string {
    const paint = state === 'active' ? this.chalk.green : state === 'error' ? this.chalk.red : state.startsWith('pending') ? this.chalk.yellow : this.chalk.dim;
    return paint(state);
  }
}

/**
 * The ids a result stands for, as `-q` prints them: a model server's uuid, a component's, stack's or
 * flavor's name, a written file's path; an array gives one per element.
 */
export function idsOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(idsOf);
  if (value === null || typeof value !== 'object') return [];
  const record = value as Record<string, unknown>;
  for (const key of ['uuid', 'name', 'path'] as const) {
    if (typeof record[key] === 'string') return [record[key] as string];
  }
  return [];
}

const GAP = 2;
const MIN_COLUMN = 10;

/**
 * Wrap cells so that the columns plus their gaps fit in `width`: the widest column gives up a
 * character until the row fits (no column below MIN_COLUMN or its header).
 */
export function fitColumns(head: string[], rows: string[][], width: number): string[][] {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => longestLine(r[i] ?? ''))));
  const floor = head.map((h) => Math.max(h.length, MIN_COLUMN));
  const budget = width - GAP * (head.length - 1);
  for (let total = widths.reduce((a, b) => a + b, 0); total > budget; total -= 1) {
    let widest = -1;
    for (let i = 0; i < widths.length; i += 1) if (widths[i] > floor[i] && (widest < 0 || widths[i] > widths[widest])) widest = i;
    if (widest < 0) break;
    widths[widest] -= 1;
  }
  return rows.map((row) => row.map((cell, i) => wrapText(cell, widths[i])));
}

function longestLine(text: string): number {
  return Math.max(0, ...text.split('\n').map((l) => l.length));
}

/** Word-wrap `text` to `width` columns; words longer than a line are cut. */
export function wrapText(text: string, width: number): string {
  const out: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    for (const word of paragraph.split(/\s+/).filter(Boolean)) {
      let rest = word;
      while (rest.length > 0) {
        const room = line ? width - line.length - 1 : width;
        if (rest.length <= room) {
          line = line ? `${line} ${rest}` : rest;
          rest = '';
        } else if (line && (rest.length <= width || room <= 0)) {
          out.push(line);
          line = '';
        } else {
          const cut = Math.max(room, 1);
          out.push(line ? `${line} ${rest.slice(0, cut)}` : rest.slice(0, cut));
          line = '';
          rest = rest.slice(cut);
        }
      }
    }
    out.push(line);
  }
  return out.join('\n');
}
