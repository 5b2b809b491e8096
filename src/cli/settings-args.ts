import type { z } from 'zod';
import { UsageError } from '../errors.js';

/** One `key=value` (or `--key value`) from the command line, key as a dotted camelCase path. */
export interface SettingArg {
  path: string[];
  raw: string;
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
    return { path: toPath(pair.slice(0, eq)), raw: pair.slice(eq + 1) };
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
      result.push({ path: toPath(body.slice(0, eq)), raw: body.slice(eq + 1) });
    } else if (body.startsWith('no-')) {
      result.push({ path: toPath(body.slice(3)), raw: 'false' });
    } else if (i + 1 < args.length && !args[i + 1].startsWith('--')) {
      result.push({ path: toPath(body), raw: args[i + 1] });
      i += 1;
    } else {
      result.push({ path: toPath(body), raw: 'true' });
    }
  }
  return result;
}

/** The sub-schema at `path` inside (possibly wrapped) zod objects, if it can be found. */
export function fieldSchema(schema: z.ZodType | undefined, path: string[]): z.ZodType | undefined {
  let current = schema;
  for (const key of path) {
    current = unwrap(current);
    const shape = (current as unknown as { shape?: Record<string, z.ZodType> })?.shape;
    current = shape?.[key];
    if (!current) return undefined;
  }
  return current;
}

function unwrap(schema: z.ZodType | undefined): z.ZodType | undefined {
  let current = schema as unknown as { _zod?: { def?: { innerType?: unknown; in?: unknown } } } | undefined;
  while (current?._zod?.def?.innerType || (current?._zod?.def as { type?: string })?.type === 'pipe') {
    const def = current!._zod!.def!;
    current = (def.innerType ?? def.in) as typeof current;
  }
  return current as unknown as z.ZodType | undefined;
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
  for (const { path, raw } of args) {
    if (path.length === 0) throw new UsageError(`empty setting name in '${raw}'`);
    let target = result;
    for (const key of path.slice(0, -1)) {
      if (typeof target[key] !== 'object' || target[key] === null) target[key] = {};
      target = target[key] as Record<string, unknown>;
    }
    target[path[path.length - 1]] = coerceValue(raw, fieldSchema(schema, path));
  }
  return result;
}
