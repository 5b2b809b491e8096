/**
 * The environment variables whose values the CLI parses, checked once before a command runs: a typo such as
 * `ZENML_KUBERNETES_REQUEST_TIMEOUT=abc` is exit 2 naming the variable, never silently the default. The full list
 * of variables the CLI reads is the table in docs/commands.md.
 */
import { UsageError } from '../errors.js';

/** A variable that must hold a positive number when it is set (and not empty). */
const POSITIVE_NUMBERS: Array<[name: string, meaning: string]> = [
  ['ZENML_KUBERNETES_REQUEST_TIMEOUT', 'seconds'],
  ['ZENML_LOCK_STALE_MS', 'milliseconds'],
  ['COLUMNS', 'columns'],
];

/** Throw a UsageError (exit 2) listing every set variable whose value cannot be used. */
export function checkEnvironment(env: NodeJS.ProcessEnv = process.env): void {
  const problems: string[] = [];
  for (const [name, meaning] of POSITIVE_NUMBERS) {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') continue;
    const value = Number(raw);
    if (!Number.isFinite(value) || value <= 0 || (name === 'COLUMNS' && !Number.isInteger(value))) {
      problems.push(`${name}: expected a positive number of ${meaning} (got "${raw}")`);
    }
  }
  if (problems.length > 0) {
    throw new UsageError(problems.join('\n'), { code: 'ENVIRONMENT_VARIABLE', suggestion: 'fix or unset it', details: { problems } });
  }
}
