import type { z } from 'zod';
import { didYouMean } from '../config/did-you-mean.js';
import { fieldSchema, unknownKeyInPath } from '../config/schema-shape.js';
import { isSecretKey } from '../config/secret-setting.js';
import { describeIssue } from '../config/validate-config.js';
import { UsageError } from '../errors.js';

export { fieldSchema } from '../config/schema-shape.js';

/** One `key=value` (or `--key value`) from the command line, key as a dotted camelCase path. */
export interface SettingArg {
  path: string[];
  raw: string;
  /** How the user typed it (`--port`, `-c port=abc`): errors name it. */
  label: string;
  /** The value itself, when it is not read from `raw` (an `{"env": …}` reference). */
  value?: unknown;
}

/**
 * `--auth-token-env MY_TOKEN` (or `-c authTokenEnv=MY_TOKEN`) for a secret setting the schema declares
 * (`authToken`) and no `authTokenEnv` of its own: the setting becomes `{"env": "MY_TOKEN"}`, so the
 * dotfile holds the variable's name, never the token.
 */
export function secretEnvArgs(args: SettingArg[], schema: z.ZodType | undefined): SettingArg[] {
  return args.map((arg) => {
    const [key, ...rest] = arg.path;
    if (rest.length > 0 || !key?.endsWith('Env') || fieldSchema(schema, [key])) return arg;
    const base = key.slice(0, -'Env'.length);
    if (!isSecretKey(base) || !fieldSchema(schema, [base])) return arg;
    return { path: [base], raw: arg.raw, label: arg.label, value: { env: arg.raw } };
  });
}

/** `max-body-bytes` → `maxBodyBytes`. */
export function camelCase(key: string): string {
  return key.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

function toPath(key: string): string[] {
  return key.split('.').filter(Boolean).map(camelCase);
}

/** Parse `-c key=value` occurrences. */
export function parseKeyValues(pairs: string[]): SettingArg[] {
  return pairs.map((pair) => {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`expected key=value, got '${pair}'`);
    return { path: toPath(pair.slice(0, eq)), raw: pair.slice(eq + 1), label: `-c ${pair}` };
  });
}

/**
 * Parse the flavor settings given as free options: `--port 8000`, `--port=8000`,
 * `--enabled` (true), `--no-enabled` (false). Anything that is not an option is an error.
 */
export function parseFreeOptions(args: string[]): SettingArg[] {
  const result: SettingArg[] = [];
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i];
    if (!arg.startsWith('--') || arg === '--') throw new UsageError(`unexpected argument '${arg}'`);
    const body = arg.slice(2);
    const eq = body.indexOf('=');
    if (eq > 0) {
      result.push({ path: toPath(body.slice(0, eq)), raw: body.slice(eq + 1), label: `--${body.slice(0, eq)}` });
    } else if (body.startsWith('no-')) {
      result.push({ path: toPath(body.slice(3)), raw: 'false', label: arg });
    } else if (i + 1 < args.length && !args[i + 1].startsWith('--')) {
      result.push({ path: toPath(body), raw: args[i + 1], label: arg });
      i += 1;
    } else {
      result.push({ path: toPath(body), raw: 'true', label: arg });
    }
  }
  return result;
}

/**
 * Turn a raw string into the value its field accepts: the string itself, or its JSON reading
 * (numbers, booleans, objects). Without a known field, JSON scalars win over strings.
 */
export function coerceValue(raw: string, field?: z.ZodType): unknown {
  let parsed: unknown = raw;
  let parsedOk = false;
  try {
    parsed = JSON.parse(raw);
    parsedOk = true;
  } catch {
    /* not JSON: keep the string */
  }
  if (!field) return parsedOk && typeof parsed !== 'string' ? parsed : raw;
  if (field.safeParse(raw).success) return raw;
  return parsedOk ? parsed : raw;
}

/** Apply the arguments onto a copy of `base`, coercing each value by the schema. */
export function applySettings(base: Record<string, unknown>, args: SettingArg[], schema?: z.ZodType): Record<string, unknown> {
  const result = structuredClone(base);
  for (const { path, raw, value } of args) {
    if (path.length === 0) throw new UsageError(`empty setting name in '${raw}'`);
    let target = result;
    for (const key of path.slice(0, -1)) {
      if (typeof target[key] !== 'object' || target[key] === null) target[key] = {};
      target = target[key] as Record<string, unknown>;
    }
    target[path[path.length - 1]] = value !== undefined ? structuredClone(value) : coerceValue(raw, fieldSchema(schema, path));
  }
  return result;
}

/**
 * Refuse settings the schema does not declare, one line per key with the closest known name:
 * `--wrokers: flavor 'local' has no setting 'wrokers'; did you mean workers?`.
 */
export function rejectUnknownSettings(args: SettingArg[], schema: z.ZodType, flavor: string, kind = 'setting'): void {
  const lines = args.flatMap((arg) => {
    const unknown = unknownKeyInPath(schema, arg.path);
    if (!unknown) return [];
    const key = unknown.path[unknown.path.length - 1];
    const known = unknown.known.length ? ` (known: ${unknown.known.join(', ')})` : ` (it takes none${unknown.path.length > 1 ? ' there' : ''})`;
    return [`${arg.label}: flavor '${flavor}' has no ${kind} '${unknown.path.join('.')}'${didYouMean(key, unknown.known) || known}`];
  });
  if (lines.length > 0) throw new UsageError(lines.join('\n'), { details: { problems: lines } });
}

/**
 * Validate settings built from command-line arguments. Problems in a value that came from the
 * command line name the option (`--port: expected a number (got "abc")`); others name `fallback`
 * (the dotfile key path of the stored settings).
 */
export function validateSettingArgs(schema: z.ZodType, settings: Record<string, unknown>, args: SettingArg[], fallback: string): Record<string, unknown> {
  const parsed = schema.safeParse(settings, { reportInput: true });
  if (parsed.success) return parsed.data as Record<string, unknown>;
  const lines = parsed.error.issues.map((issue) => {
    const issuePath = issue.path.map(String);
    const arg = [...args].reverse().find((a) => a.path.every((key, i) => issuePath[i] === key) || issuePath.every((key, i) => a.path[i] === key) && issuePath.length > 0);
    const where = arg ? arg.label : `${fallback}${issuePath.length ? `.${issuePath.join('.')}` : ''}`;
    return `${where}: ${describeIssue(issue)}`;
  });
  throw new UsageError(lines.join('\n'), { details: { problems: lines } });
}

/**
 * The service settings of `deploy -c key=value`: coerced, checked and validated by the flavor's
 * `serviceSettingsSchema` when it declares one (unknown keys exit 2 with a did-you-mean), taken
 * as given otherwise. What is returned is what the service config stores: only what was typed.
 */
export function parseServiceSettings(pairs: string[], flavor: string, schema: z.ZodType | undefined): Record<string, unknown> {
  const args = parseKeyValues(pairs);
  if (!schema) return applySettings({}, args);
  rejectUnknownSettings(args, schema, flavor, 'service setting');
  const settings = applySettings({}, args, schema);
  validateSettingArgs(schema, settings, args, 'service settings');
  return settings;
}
