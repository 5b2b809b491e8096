/**
 * What to offer at the cursor, read from the commander program itself: commands, subcommands and
 * options complete from the tree (a new command completes with no change here); names and uuids
 * come from `CompletionSources`, asked only when the cursor is where one belongs.
 */
import type { Command, Option } from 'commander';

/** One candidate: the word to insert and, where the shell shows one, a description. */
export interface Candidate {
  value: string;
  description?: string;
}

/** The answer: candidates, or "complete file names here" (the shell does that best). */
export interface Completion {
  candidates: Candidate[];
  files: boolean;
}

/** What the words before the cursor chose, as far as the dynamic sources care. */
export interface LineContext {
  /** `--config <path>` on the line. */
  config?: string;
  /** `--deployer <name>` on the line. */
  deployer?: string;
}

/** The dynamic names; each is asked only when needed, and may be slow-ish (it reads the dotfile). */
export interface CompletionSources {
  flavors(line: LineContext): Promise<Candidate[]>;
  deployers(line: LineContext): Promise<Candidate[]>;
  stacks(line: LineContext): Promise<Candidate[]>;
  /** Model servers of the chosen deployer: uuid, model name as the description. */
  services(line: LineContext): Promise<Candidate[]>;
}

type Kind = keyof CompletionSources | 'files' | 'shells' | 'none';

/** Option values by long name: the same option means the same thing on every command. */
const OPTION_VALUES: Record<string, Kind> = {
  '--flavor': 'flavors',
  '--deployer': 'deployers',
  '--model-deployer': 'deployers',
  '--uuid': 'services',
  '--config': 'files',
  '--model-uri': 'files',
};

/** Positional arguments by their declared name (`<uuid>` anywhere, e.g. a later `predict <uuid>`). */
const ARGUMENT_VALUES: Record<string, Kind[]> = {
  uuid: ['services'],
  'name-or-uuid': ['deployers', 'services'],
  'source-path': ['files'],
  shell: ['shells'],
};

/** The first argument of these commands is a model server whatever it is called (`predict` comes from another module). */
const FIRST_ARGUMENT_VALUES: Record<string, Kind[]> = {
  'model-deployer predict': ['services'],
  // Only flavors with revisions (kserve) implement these, and their services live in the cluster, where completion
  // does not look; the uuids it can list (local, mlflow) would only get exit 2 NOT_SUPPORTED, so it offers none.
  'model-deployer promote': ['none'],
  'model-deployer rollback': ['none'],
};

/** `<name>` means different things under different groups (`register <name>` names a new one: nothing to offer). */
const NAME_VALUES: Record<string, Kind> = {
  'stack set': 'stacks',
  'stack describe': 'stacks',
  'stack update': 'stacks',
  'stack delete': 'stacks',
  'model-deployer update': 'deployers',
  'model-deployer flavor describe': 'flavors',
  'model-deployer flavor delete': 'flavors',
};

/** The shells `zenml completion` writes scripts for. */
export const SHELLS = ['bash', 'zsh', 'fish'] as const;

/**
 * Complete the last of `words` (the words after the program name; the last one is the word at
 * the cursor, possibly empty).
 */
export async function complete(program: Command, words: string[], sources: CompletionSources): Promise<Completion> {
  const done = words.slice(0, -1);
  const current = words.length > 0 ? words[words.length - 1] : '';
  const line: LineContext = {};
  let command = program;
  let pending: Option | undefined;
  let positional = 0;
  let operandsOnly = false;
  for (const word of done) {
    if (pending) {
      remember(line, pending, word);
      pending = undefined;
    } else if (word === '--') {
      operandsOnly = true;
    } else if (!operandsOnly && word.startsWith('-') && word !== '-') {
      const [flag, inline] = splitInline(word);
      const option = findOption(command, flag);
      if (option && inline !== undefined) remember(line, option, inline);
      else if (option && (option.required || option.optional)) pending = option;
    } else {
      const sub = positional === 0 ? findSubcommand(command, word) : undefined;
      if (sub) command = sub;
      else positional += 1;
    }
  }

  if (pending) return values(kindOfOption(pending), current, line, sources);
  if (current.startsWith('-') && !operandsOnly) {
    const [flag, inline] = splitInline(current);
    const option = inline === undefined ? undefined : findOption(command, flag);
    if (option) {
      const answer = await values(kindOfOption(option), inline!, line, sources);
      return { ...answer, candidates: answer.candidates.map((c) => ({ ...c, value: `${flag}=${c.value}` })) };
    }
    return { candidates: filter(optionCandidates(command), current), files: false };
  }
  const subs = visibleSubcommands(command);
  if (subs.length > 0 && positional === 0) {
    return { candidates: filter(subs.map((c) => ({ value: c.name(), description: c.description() })), current), files: false };
  }
  const args = command.registeredArguments;
  const arg = args[Math.min(positional, args.length - 1)];
  if (!arg || (positional >= args.length && !arg.variadic)) return { candidates: [], files: false };
  const where = commandPath(command);
  const kinds =
    (positional === 0 ? FIRST_ARGUMENT_VALUES[where] : undefined) ??
    (arg.name() === 'name' ? [NAME_VALUES[where] ?? 'none'] : (ARGUMENT_VALUES[arg.name()] ?? ['none']));
  const answers = await Promise.all(kinds.map((kind) => values(kind, current, line, sources)));
  return { candidates: answers.flatMap((a) => a.candidates), files: answers.some((a) => a.files) };
}

async function values(kind: Kind, current: string, line: LineContext, sources: CompletionSources): Promise<Completion> {
  if (kind === 'files') return { candidates: [], files: true };
  if (kind === 'none') return { candidates: [], files: false };
  if (kind === 'shells') return { candidates: filter(SHELLS.map((value) => ({ value })), current), files: false };
  // A broken dotfile or an unreadable state dir just offers nothing: completion never prints errors.
  const found = await sources[kind](line).catch(() => [] as Candidate[]);
  return { candidates: filter(found, current), files: false };
}

function kindOfOption(option: Option): Kind {
  return (option.long && OPTION_VALUES[option.long]) || 'none';
}

function remember(line: LineContext, option: Option, value: string): void {
  if (option.long === '--config') line.config = value;
  if (option.long === '--deployer') line.deployer = value;
}

function splitInline(word: string): [string, string | undefined] {
  const eq = word.indexOf('=');
  return word.startsWith('--') && eq > 0 ? [word.slice(0, eq), word.slice(eq + 1)] : [word, undefined];
}

/** The command and its ancestors, innermost first: global options are the root's. */
function lineage(command: Command): Command[] {
  const chain: Command[] = [];
  for (let c: Command | null = command; c; c = c.parent) chain.push(c);
  return chain;
}

function findOption(command: Command, flag: string): Option | undefined {
  for (const c of lineage(command)) {
    const option = c.options.find((o) => o.long === flag || o.short === flag);
    if (option) return option;
  }
  return undefined;
}

function findSubcommand(command: Command, word: string): Command | undefined {
  return command.commands.find((c) => c.name() === word || c.aliases().includes(word));
}

function visibleSubcommands(command: Command): Command[] {
  return command.commands.filter((c) => !(c as unknown as { _hidden: boolean })._hidden);
}

function optionCandidates(command: Command): Candidate[] {
  const seen = new Set<string>();
  const out: Candidate[] = [];
  const add = (value: string | undefined, description: string) => {
    if (value && !seen.has(value)) {
      seen.add(value);
      out.push({ value, description });
    }
  };
  for (const c of lineage(command)) {
    // `--version` is the root's own: commander reads it nowhere else.
    for (const o of c.options) if (!o.hidden && (c === command || o.long !== '--version')) add(o.long ?? o.short, o.description);
  }
  add('--help', 'display help for command');
  return out;
}

/** `model-deployer flavor describe`: the words that lead to a command, without the program name. */
export function commandPath(command: Command): string {
  return lineage(command).reverse().slice(1).map((c) => c.name()).join(' ');
}

function filter(candidates: Candidate[], prefix: string): Candidate[] {
  return candidates.filter((c) => c.value.startsWith(prefix));
}
