import type { z } from 'zod';
import { ConfigError } from '../errors.js';
import { BUILTIN_FLAVORS } from '../flavors/builtin-flavors.js';
import { didYouMean } from './did-you-mean.js';
import { DEFAULT_NAME, DotfileSchema, StrictDotfileSchema, type Dotfile } from './schema.js';
import { unknownKeys } from './schema-shape.js';

/** A validated dotfile and the warnings (unknown keys) found on the way. */
export interface ValidatedDotfile {
  data: Dotfile;
  warnings: string[];
}

/** What validation may check beyond the file's own shape. */
export interface ValidateOptions {
  /** Settings schemas of the built-in flavors the file uses (see loadBuiltinSettingsSchemas). */
  settingsSchemas?: Record<string, z.ZodType>;
}

/** `a.b.c` for a zod issue path; the root is `(root)`. */
export function dottedPath(issuePath: ReadonlyArray<PropertyKey>): string {
  return issuePath.length === 0 ? '(root)' : issuePath.map(String).join('.');
}

/** One line per zod issue: `file: key.path: what was expected`. */
export function formatIssues(filepath: string, issues: z.core.$ZodIssue[], prefix: PropertyKey[] = []): string[] {
  return issues.map((issue) => `${filepath}: ${dottedPath([...prefix, ...issue.path])}: ${describeIssue(issue)}`);
}

/** What a zod issue expected, and the value it got when that fits on a line. */
export function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_union') {
    const forms = issue.errors.map((branch) => branch.map((i) => i.message).join(', '));
    return `expected one of: ${forms.join(' | ')}`;
  }
  if (issue.code === 'unrecognized_keys') return `unknown key(s) ${issue.keys.join(', ')}`;
  if (issue.code === 'invalid_key') return `invalid key: ${issue.issues.map((i) => i.message).join(', ')} (got ${JSON.stringify((issue as { input?: unknown }).input)})`;
  const input = (issue as { input?: unknown }).input;
  if (issue.code === 'invalid_type' && !issue.message.startsWith('Invalid input')) return withInput(issue.message, input);
  if (issue.code === 'invalid_type') return `expected ${article(issue.expected)} (${gotText(input)})`;
  return withInput(issue.message, input);
}

function withInput(message: string, input: unknown): string {
  return input === undefined || typeof input === 'object' ? message : `${message} (got ${JSON.stringify(input)})`;
}

function gotText(input: unknown): string {
  if (input === undefined) return 'missing';
  if (Array.isArray(input)) return 'got an array';
  if (input === null) return 'got null';
  if (typeof input === 'object') return 'got an object';
  return `got ${JSON.stringify(input)}`;
}

const TYPE_NAMES: Record<string, string> = { record: 'object', int: 'integer', nan: 'number' };

function article(expected: string): string {
  const name = TYPE_NAMES[expected] ?? expected;
  return /^[aeiou]/.test(name) ? `an ${name}` : `a ${name}`;
}

/**
 * Validate a parsed dotfile. Problems fail with one line each, all of them at once: the file's
 * shape, references between its sections (stacks → deployers → flavors, activeStack → stacks),
 * and the settings of components whose built-in flavor's schema is given. Unknown keys only
 * warn, so a newer tool's keys never break an older one.
 */
export function validateDotfile(filepath: string, raw: unknown, options: ValidateOptions = {}): ValidatedDotfile {
  const parsed = DotfileSchema.safeParse(raw ?? {}, { reportInput: true });
  const problems = parsed.success ? [] : formatIssues(filepath, parsed.error.issues);
  const warnings: string[] = [];
  if (parsed.success) {
    problems.push(...referenceProblems(parsed.data).map((line) => `${filepath}: ${line}`));
    const settings = checkBuiltinSettings(filepath, parsed.data, options.settingsSchemas ?? {});
    problems.push(...settings.problems);
    warnings.push(...settings.warnings);
  }
  if (problems.length > 0) {
    throw new ConfigError(`invalid configuration:\n${problems.join('\n')}`, {
      suggestion: `fix ${filepath} by hand; it was left unchanged`,
      details: { file: filepath, problems },
    });
  }
  const strict = StrictDotfileSchema.safeParse(raw ?? {});
  if (!strict.success) warnings.unshift(...formatIssues(filepath, strict.error.issues.filter((i) => i.code === 'unrecognized_keys')));
  return { data: parsed.data!, warnings };
}

/** Names that point nowhere: a stack's deployer, the active stack, a component's flavor. */
function referenceProblems(data: Dotfile): string[] {
  const deployers = [DEFAULT_NAME, ...Object.keys(data.modelDeployers ?? {}).filter((n) => n !== DEFAULT_NAME)];
  const stacks = [DEFAULT_NAME, ...Object.keys(data.stacks ?? {}).filter((n) => n !== DEFAULT_NAME)];
  const flavors = [...BUILTIN_FLAVORS.map((f) => f.name), ...Object.keys(data.flavors ?? {})];
  const problems: string[] = [];
  const missing = (key: string, what: string, known: string[], value: string) =>
    problems.push(`${key}: expected ${what} (one of: ${known.join(', ')}) (got ${JSON.stringify(value)})${didYouMean(value, known)}`);
  for (const [name, stack] of Object.entries(data.stacks ?? {})) {
    if (!deployers.includes(stack.modelDeployer)) missing(`stacks.${name}.modelDeployer`, 'a model deployer of this file', deployers, stack.modelDeployer);
  }
  if (data.activeStack !== undefined && !stacks.includes(data.activeStack)) missing('activeStack', 'a stack of this file', stacks, data.activeStack);
  for (const [name, component] of Object.entries(data.modelDeployers ?? {})) {
    if (!flavors.includes(component.flavor)) missing(`modelDeployers.${name}.flavor`, 'a built-in or registered flavor', flavors, component.flavor);
  }
  return problems;
}

/** Built-in components' settings against their flavor's schema: invalid values fail, unknown keys warn. */
function checkBuiltinSettings(filepath: string, data: Dotfile, schemas: Record<string, z.ZodType>): { problems: string[]; warnings: string[] } {
  const problems: string[] = [];
  const warnings: string[] = [];
  for (const [name, component] of Object.entries(data.modelDeployers ?? {})) {
    const schema = schemas[component.flavor];
    if (!schema) continue;
    const prefix = ['modelDeployers', name, 'settings'];
    const parsed = schema.safeParse(component.settings ?? {}, { reportInput: true });
    if (!parsed.success) problems.push(...formatIssues(filepath, parsed.error.issues, prefix));
    for (const unknown of unknownKeys(schema, component.settings ?? {})) {
      const key = unknown.path[unknown.path.length - 1];
      warnings.push(`${filepath}: ${dottedPath([...prefix, ...unknown.path])}: unknown setting of flavor '${component.flavor}'${didYouMean(key, unknown.known)}`);
    }
  }
  return { problems, warnings };
}
