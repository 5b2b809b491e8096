import { realpathSync } from 'node:fs';
import path from 'node:path';
import * as z from 'zod';
import { editConfig } from '../config/config-store.js';
import type { ResolvedConfig } from '../config/resolve-config.js';
import { NotFoundError, UsageError } from '../errors.js';
import { findBuiltinFlavor, type FlavorSummary } from './builtin-flavors.js';
import { listFlavors, loadFlavor, loadFlavorFromSource, parseFlavorSource } from './flavor-registry.js';

/** One setting of a flavor's config schema, for `flavor describe`. */
export interface FlavorField {
  key: string;
  type: string;
  required: boolean;
  /** The schema's default; null when it has none. */
  default: unknown;
  /** The default in words when it is not a literal value (e.g. a path derived from the component name); else null. */
  defaultText: string | null;
  description?: string;
}

/** A flavor with its settings. */
export interface FlavorDescription extends FlavorSummary {
  fields: FlavorField[];
  /** What `deploy -c key=value` takes (the class's serviceSettingsSchema); null when it declares none (any key is stored as given). */
  serviceSettings: FlavorField[] | null;
}

/** Load a custom flavor file, check the contract, and record it in the dotfile (path relative to it). */
export async function registerFlavor(config: ResolvedConfig, spec: string, cwd: string, options: RegisterFlavorOptions = {}): Promise<FlavorSummary> {
  const { source, exportName } = parseFlavorSource(spec);
  const absolute = path.resolve(cwd, source);
  // Checked before the file is imported: importing it runs its code.
  if (!options.allowOutside && isOutside(config.configDir, absolute)) {
    throw new UsageError(`${absolute} is outside the dotfile's folder ${config.configDir}: a flavor runs its code in every zenml command that uses it`, {
      suggestion: `move it into ${config.configDir}, or pass --allow-outside if you trust it`,
      details: { source: absolute, configDir: config.configDir },
    });
  }
  const cls = await loadFlavorFromSource(absolute, exportName);
  const name = cls.FLAVOR;
  let stored = path.relative(config.configDir, absolute).split(path.sep).join('/');
  if (!stored.startsWith('.')) stored = `./${stored}`;
  await editConfig(config.filepath, ({ section, before }) => {
    const existing = before.flavors[name];
    if (existing && existing.sourcePath !== absolute) {
      throw new UsageError(`a flavor named '${name}' is already registered from ${existing.source}; ${absolute} declares the same FLAVOR`, {
        suggestion: `delete it first: zenml model-deployer flavor delete ${name}`,
      });
    }
    const description = cls.DESCRIPTION ?? '';
    section('flavors')[name] = { source: stored, ...(exportName ? { export: exportName } : {}), ...(description ? { description } : {}) };
  });
  return {
    name,
    type: 'model_deployer',
    integration: 'custom',
    source: exportName ? `${stored}#${exportName}` : stored,
    description: cls.DESCRIPTION ?? '',
  };
}

/** Options of registerFlavor. */
export interface RegisterFlavorOptions {
  /** Accept a file outside the dotfile's folder (`--allow-outside`). */
  allowOutside?: boolean;
}

/** Whether `file` lies outside `dir` once symlinks are followed (a missing path is compared as written). */
export function isOutside(dir: string, file: string): boolean {
  const real = (p: string) => {
    try {
      return realpathSync(p);
    } catch {
      return path.resolve(p);
    }
  };
  const relative = path.relative(real(dir), real(file));
  return relative === '' || relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative);
}

/**
 * A flavor's summary (the same `flavor list` shows: a custom flavor's description is the one recorded
 * when it was registered) and the settings its schema accepts.
 */
export async function describeFlavor(config: ResolvedConfig, name: string): Promise<FlavorDescription> {
  const summary = listFlavors(config).find((f) => f.name === name);
  if (!summary) throw new NotFoundError(`no flavor named '${name}'`);
  const cls = await loadFlavor(config, name);
  const serviceSchema = cls.serviceSettingsSchema;
  return { ...summary, fields: schemaFields(cls.configSchema), serviceSettings: serviceSchema ? schemaFields(serviceSchema) : null };
}

/** Remove a custom flavor that no component uses. */
export async function deleteFlavor(config: ResolvedConfig, name: string): Promise<void> {
  if (findBuiltinFlavor(name)) throw new UsageError(`'${name}' is a built-in flavor and cannot be deleted`);
  await editConfig(config.filepath, ({ section, before }) => {
    if (!before.flavors[name]) throw new NotFoundError(`no custom flavor named '${name}'`);
    const users = Object.entries(before.modelDeployers).filter(([, c]) => c.flavor === name).map(([n]) => n);
    if (users.length > 0) {
      throw new UsageError(`flavor '${name}' is used by model deployer(s) ${users.join(', ')}`, { suggestion: 'delete those components first' });
    }
    delete section('flavors')[name];
  });
}

/** The top-level fields of a zod object schema, read through its JSON Schema. */
export function schemaFields(schema: z.ZodType): FlavorField[] {
  let json: Record<string, any>;
  try {
    json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, any>;
  } catch {
    return [];
  }
  const required = new Set<string>(json.required ?? []);
  return Object.entries<Record<string, any>>(json.properties ?? {}).map(([key, prop]) => ({
    key,
    type: typeName(prop),
    required: required.has(key) && prop.default === undefined,
    default: prop.default ?? null,
    defaultText: typeof prop.defaultText === 'string' ? prop.defaultText : null,
    ...(prop.description ? { description: prop.description } : {}),
  }));
}

function typeName(prop: Record<string, any>): string {
  if (prop.enum) return prop.enum.map((v: unknown) => JSON.stringify(v)).join(' | ');
  if (prop.const !== undefined) return JSON.stringify(prop.const);
  if (prop.anyOf) return prop.anyOf.map(typeName).join(' | ');
  if (Array.isArray(prop.type)) return prop.type.join(' | ');
  if (prop.type === 'array') return `${prop.items ? typeName(prop.items) : 'unknown'}[]`;
  return prop.type ?? 'unknown';
}
