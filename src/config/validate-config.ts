import type { z } from 'zod';
import { ConfigError } from '../errors.js';
import { DotfileSchema, StrictDotfileSchema, type Dotfile } from './schema.js';

/** A validated dotfile and the warnings (unknown keys) found on the way. */
export interface ValidatedDotfile {
  data: Dotfile;
  warnings: string[];
}

/** `a.b.c` for a zod issue path; the root is `(root)`. */
export function dottedPath(issuePath: ReadonlyArray<PropertyKey>): string {
  return issuePath.length === 0 ? '(root)' : issuePath.map(String).join('.');
}

/** One line per zod issue: `file: key.path: what was expected`. */
export function formatIssues(filepath: string, issues: z.core.$ZodIssue[], prefix: PropertyKey[] = []): string[] {
  return issues.map((issue) => `${filepath}: ${dottedPath([...prefix, ...issue.path])}: ${describeIssue(issue)}`);
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_union') {
    const forms = issue.errors.map((branch) => branch.map((i) => i.message).join(', '));
    return `expected one of: ${forms.join(' | ')}`;
  }
  if (issue.code === 'unrecognized_keys') return `unknown key(s) ${issue.keys.join(', ')}`;
  if (issue.code === 'invalid_key') return `invalid key: ${issue.issues.map((i) => i.message).join(', ')} (got ${JSON.stringify((issue as { input?: unknown }).input)})`;
  const input = (issue as { input?: unknown }).input;
  return input === undefined || typeof input === 'object' ? issue.message : `${issue.message} (got ${JSON.stringify(input)})`;
}

/**
 * Validate a parsed dotfile. Problems fail with one line each; unknown keys only warn,
 * so a newer tool's keys never break an older one.
 */
export function validateDotfile(filepath: string, raw: unknown): ValidatedDotfile {
  const parsed = DotfileSchema.safeParse(raw ?? {}, { reportInput: true });
  if (!parsed.success) {
    const lines = formatIssues(filepath, parsed.error.issues);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`, {
      suggestion: `fix ${filepath} by hand; it was left unchanged`,
      details: { file: filepath, problems: lines },
    });
  }
  const strict = StrictDotfileSchema.safeParse(raw ?? {});
  const warnings = strict.success
    ? []
    : formatIssues(filepath, strict.error.issues.filter((i) => i.code === 'unrecognized_keys'));
  return { data: parsed.data, warnings };
}
