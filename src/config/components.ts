import { ConfigError, NotFoundError, UsageError } from '../errors.js';
import type { ZodType } from 'zod';
import { editConfig } from './config-store.js';
import type { ResolvedConfig } from './resolve-config.js';
import { DEFAULT_NAME, NAME_PATTERN } from './schema.js';
import { formatIssues } from './validate-config.js';

/** A model deployer component as commands show it. */
export interface ComponentView {
  name: string;
  flavor: string;
  settings: Record<string, unknown>;
  /** Stacks that use it. */
  stacks: string[];
  /** Whether the active stack uses it. */
  active: boolean;
}

/** Every deployer component, the built-in default included. */
export function listComponents(config: ResolvedConfig): ComponentView[] {
  return Object.keys(config.modelDeployers).sort().map((name) => describeComponent(config, name));
}

/** One component, or NotFoundError. */
export function describeComponent(config: ResolvedConfig, name: string): ComponentView {
  const entry = config.modelDeployers[name];
  if (!entry) {
    throw new NotFoundError(`no model deployer named '${name}'`, {
      suggestion: `registered: ${Object.keys(config.modelDeployers).join(', ')}`,
    });
  }
  const stacks = Object.entries(config.stacks).filter(([, s]) => s.modelDeployer === name).map(([n]) => n);
  const activeDeployer = config.stacks[config.activeStack]?.modelDeployer;
  return { name, flavor: entry.flavor, settings: entry.settings, stacks, active: activeDeployer === name };
}

/** Validate settings against a flavor's schema; problems name the file and key path. */
export function validateSettings(filepath: string, componentName: string, schema: ZodType, settings: unknown): Record<string, unknown> {
  const parsed = schema.safeParse(settings ?? {}, { reportInput: true });
  if (!parsed.success) {
    const lines = formatIssues(filepath, parsed.error.issues, ['modelDeployers', componentName, 'settings']);
    throw new ConfigError(`invalid settings for model deployer '${componentName}':\n${lines.join('\n')}`, {
      details: { problems: lines },
    });
  }
  return parsed.data as Record<string, unknown>;
}

/** Register a new component; its settings must already be validated by the flavor's schema. */
export async function registerComponent(filepath: string, name: string, flavor: string, settings: Record<string, unknown>): Promise<void> {
  if (!NAME_PATTERN.test(name)) throw new UsageError(`invalid name '${name}': use letters, digits, "_", "-" or "." (at most 63)`);
  await editConfig(filepath, ({ section, before }) => {
    if (before.modelDeployers[name]) {
      throw new UsageError(`a model deployer named '${name}' already exists`, { suggestion: `change it with \`zenml model-deployer update ${name}\`` });
    }
    section('modelDeployers')[name] = { flavor, settings };
  });
}

/** Merge new settings into a component (the built-in default is materialised on first update). */
export async function updateComponent(
  filepath: string,
  name: string,
  merge: (current: { flavor: string; settings: Record<string, unknown> }) => Record<string, unknown>,
): Promise<void> {
  await editConfig(filepath, ({ section, before }) => {
    const current = before.modelDeployers[name];
    if (!current) throw new NotFoundError(`no model deployer named '${name}'`);
    section('modelDeployers')[name] = { flavor: current.flavor, settings: merge(current) };
  });
}

/** Delete a component that no stack uses. */
export async function deleteComponent(filepath: string, name: string): Promise<void> {
  await editConfig(filepath, ({ section, before }) => {
    if (!before.modelDeployers[name]) throw new NotFoundError(`no model deployer named '${name}'`);
    if (name === DEFAULT_NAME) throw new UsageError(`the '${DEFAULT_NAME}' model deployer is built in and cannot be deleted`);
    const users = Object.entries(before.stacks).filter(([, s]) => s.modelDeployer === name).map(([n]) => n);
    if (users.length > 0) {
      throw new UsageError(`model deployer '${name}' is used by stack(s) ${users.join(', ')}`, {
        suggestion: 'delete those stacks or point them at another deployer first',
      });
    }
    delete section('modelDeployers')[name];
  });
}
