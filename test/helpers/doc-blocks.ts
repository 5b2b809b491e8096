// The fenced shell blocks of README.md and docs/*.md, as test/docs/doc-blocks.test.ts runs them. A block is
// either a script (its commands must all exit 0) or a transcript (`$ command` lines followed by the output
// shown; a command that must fail ends in `# exit N`). `<!-- not run: reason -->` before a block skips it;
// `<!-- file: path -->` before a block of any language makes it a file the later blocks use (written, not run).
import { readFileSync } from 'node:fs';

/** One `$ command` of a transcript and what the page shows it printing. */
export interface TranscriptStep {
  command: string;
  exitCode: number;
  output: string[];
}

/** A fenced ```sh / ```bash block. */
export interface DocBlock {
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  body: string;
  /** The reason of a `<!-- not run: … -->` just before the fence. */
  notRun?: string;
  /** For a `<!-- file: path -->` block: where its text is written (relative to the project). */
  writeTo?: string;
  /** Set when the block is a transcript (its lines start with `$ `). */
  steps?: TranscriptStep[];
}

const FENCE = /^```(sh|bash)\s*$/;
const NOT_RUN = /^<!--\s*not run:\s*(.+?)\s*-->$/;
const FILE = /^<!--\s*file:\s*(\S+)\s*-->$/;
const EXIT = /\s+#\s*exit\s+(\d+)\b.*$/;

/** Every shell block of a markdown file, in order. */
export function shellBlocks(file: string, text = readFileSync(file, 'utf8')): DocBlock[] {
  const lines = text.split('\n');
  const blocks: DocBlock[] = [];
  for (let i = 0; i < lines.length; i += 1) {
    if (!lines[i]!.startsWith('```')) continue;
    const start = i;
    const shell = FENCE.test(lines[i]!);
    const body: string[] = [];
    for (i += 1; i < lines.length && !lines[i]!.startsWith('```'); i += 1) body.push(lines[i]!);
    let before = start - 1;
    while (before >= 0 && lines[before]!.trim() === '') before -= 1;
    const annotation = before >= 0 ? lines[before]!.trim() : '';
    const writeTo = FILE.exec(annotation)?.[1];
    if (!shell && !writeTo) continue;
    const notRun = NOT_RUN.exec(annotation)?.[1];
    const block: DocBlock = { file, line: start + 1, body: body.join('\n'), ...(notRun ? { notRun } : {}), ...(writeTo ? { writeTo } : {}) };
    if (writeTo) {
      blocks.push(block);
      continue;
    }
    if (body.some((l) => l.startsWith('$ '))) block.steps = transcript(body);
    blocks.push(block);
  }
  return blocks;
}

/** `$ command` lines (continued by a trailing `\`) and the output lines after each. */
function transcript(body: string[]): TranscriptStep[] {
  const steps: TranscriptStep[] = [];
  for (let i = 0; i < body.length; i += 1) {
    const line = body[i]!;
    if (!line.startsWith('$ ')) {
      if (steps.length === 0) throw new Error(`output before the first command: ${line}`);
      steps[steps.length - 1]!.output.push(line);
      continue;
    }
    let command = line.slice(2);
    while (command.endsWith('\\') && i + 1 < body.length) command = `${command}\n${body[(i += 1)]}`;
    const exit = EXIT.exec(command);
    steps.push({ command: exit ? command.replace(EXIT, '') : command, exitCode: exit ? Number(exit[1]) : 0, output: [] });
  }
  return steps;
}

/** Whether an output line the page shows matches the real one: `…` stands for any text. */
export function lineMatches(shown: string, actual: string): boolean {
  const pattern = shown.trimEnd().split('…').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*?');
  return new RegExp(`^${pattern}$`).test(actual.trimEnd());
}

/** The bash script of a transcript: each command's stdout and stderr, then `[exit N]` when it did not exit 0. */
export function transcriptScript(steps: TranscriptStep[]): string {
  // Output that does not end in a newline (curl's) still ends its line, as a terminal prompt would start anew.
  return [
    '__out=$(mktemp)',
    ...steps.map(
      (s) => `{\n${s.command}\n} > "$__out" 2>&1; __rc=$?; cat "$__out"; if [ -s "$__out" ] && [ -n "$(tail -c1 "$__out")" ]; then echo; fi\n` +
        'if [ "$__rc" -ne 0 ]; then echo "[exit $__rc]"; fi',
    ),
    'rm -f "$__out"',
  ].join('\n');
}

/** The output a transcript must print, in the form transcriptScript prints it. */
export function transcriptExpected(steps: TranscriptStep[]): string[] {
  return steps.flatMap((s) => [...s.output, ...(s.exitCode !== 0 ? [`[exit ${s.exitCode}]`] : [])]);
}
