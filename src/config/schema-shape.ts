// Reading the shape of a (possibly wrapped) zod object schema: which keys a settings schema knows.
// The settings parser (coercing `--port 8000`) and the unknown-key checks share it.
import type { z } from 'zod';

type ZodInternals = { _zod?: { def?: { type?: string; innerType?: unknown; in?: unknown } } };

/** The schema under `.optional()`, `.default()`, `.describe()`, pipes and the like. */
export function unwrapSchema(schema: z.ZodType | undefined): z.ZodType | undefined {
  let current = schema as unknown as ZodInternals | undefined;
  while (current?._zod?.def?.innerType || current?._zod?.def?.type === 'pipe') {
    const def = current._zod.def;
    current = (def.innerType ?? def.in) as ZodInternals;
  }
  return current as unknown as z.ZodType | undefined;
}

/** The fields of an object schema, or undefined when `schema` is not an object (records, unions, any). */
export function objectShape(schema: z.ZodType | undefined): Record<string, z.ZodType> | undefined {
  const inner = unwrapSchema(schema) as unknown as { shape?: Record<string, z.ZodType>; _zod?: { def?: { type?: string } } } | undefined;
  return inner?._zod?.def?.type === 'object' ? inner.shape : undefined;
}

/** The sub-schema at `path` inside nested object schemas, if it can be found. */
export function fieldSchema(schema: z.ZodType | undefined, path: string[]): z.ZodType | undefined {
  let current = schema;
  for (const key of path) {
    current = objectShape(current)?.[key];
    if (!current) return undefined;
  }
  return current;
}

/** A key an object schema does not declare, where it was found and what the schema knows there. */
export interface UnknownKey {
  /** Path of the unknown key itself. */
  path: string[];
  /** The keys the schema declares at that level. */
  known: string[];
}

/**
 * The first key of `path` that the schema does not declare, or undefined. Levels that are not
 * object schemas (records, unions) accept any key.
 */
export function unknownKeyInPath(schema: z.ZodType | undefined, path: string[]): UnknownKey | undefined {
  let current = schema;
  for (let i = 0; i < path.length; i += 1) {
    const shape = objectShape(current);
    if (!shape) return undefined;
    if (!Object.hasOwn(shape, path[i])) return { path: path.slice(0, i + 1), known: Object.keys(shape) };
    current = shape[path[i]];
  }
  return undefined;
}

/** Every key of `value` (nested objects included) that the schema does not declare. */
export function unknownKeys(schema: z.ZodType | undefined, value: unknown, prefix: string[] = []): UnknownKey[] {
  const shape = objectShape(schema);
  if (!shape || typeof value !== 'object' || value === null || Array.isArray(value)) return [];
  return Object.entries(value as Record<string, unknown>).flatMap(([key, child]) =>
    Object.hasOwn(shape, key) ? unknownKeys(shape[key], child, [...prefix, key]) : [{ path: [...prefix, key], known: Object.keys(shape) }],
  );
}
