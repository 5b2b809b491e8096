import { NotFoundError, UsageError } from '../errors.js';
import { editConfig } from './config-store.js';
import type { ResolvedConfig } from './resolve-config.js';
import { DEFAULT_NAME, NAME_PATTERN } from './schema.js';

/** A stack as commands show it. */
export interface StackView {
  name: string;
  modelDeployer: string;
  active: boolean;
}

/** Every stack, the built-in default included. */
export function listStacks(config: ResolvedConfig): StackView[] {
  return Object.keys(config.stacks).sort().map((name) => describeStack(config, name));
}

/** One stack (the active one when `name` is undefined), or NotFoundError. */
export function describeStack(config: ResolvedConfig, name = config.activeStack): StackView {
  const stack = config.stacks[name];
  if (!stack) throw new NotFoundError(`no stack named '${name}'`, { suggestion: `stacks: ${Object.keys(config.stacks).join(', ')}` });
  return { name, modelDeployer: stack.modelDeployer, active: name === config.activeStack };
}

function requireDeployer(config: ResolvedConfig, deployer: string): void {
  if (!config.modelDeployers[deployer]) {
    throw new NotFoundError(`no model deployer named '${deployer}'`, {
      suggestion: `register it first: zenml model-deployer register ${deployer} --flavor <flavor>`,
    });
  }
}

/** Register a stack around an existing deployer component; `activate` also makes it active. */
export async function registerStack(filepath: string, name: string, modelDeployer: string, activate = false): Promise<void> {
  if (!NAME_PATTERN.test(name)) throw new UsageError(`invalid name '${name}': use letters, digits, "_", "-" or "." (at most 63)`);
  await editConfig(filepath, ({ raw, section, before }) => {
    if (before.stacks[name]) throw new UsageError(`a stack named '${name}' already exists`);
    requireDeployer(before, modelDeployer);
    section('stacks')[name] = { modelDeployer };
    if (activate) raw.activeStack = name;
  });
}

/** Point a stack at another deployer component. */
export async function updateStack(filepath: string, name: string, modelDeployer: string): Promise<void> {
  await editConfig(filepath, ({ section, before }) => {
    if (!before.stacks[name]) throw new NotFoundError(`no stack named '${name}'`);
    requireDeployer(before, modelDeployer);
    section('stacks')[name] = { modelDeployer };
  });
}

/** Make a stack the active one. */
export async function setActiveStack(filepath: string, name: string): Promise<void> {
  await editConfig(filepath, ({ raw, before }) => {
    if (!before.stacks[name]) throw new NotFoundError(`no stack named '${name}'`, { suggestion: `stacks: ${Object.keys(before.stacks).join(', ')}` });
    raw.activeStack = name;
  });
}

/** Delete a stack that is not active (the built-in default stays). */
export async function deleteStack(filepath: string, name: string): Promise<void> {
  await editConfig(filepath, ({ section, before }) => {
    if (!before.stacks[name]) throw new NotFoundError(`no stack named '${name}'`);
    if (name === DEFAULT_NAME) throw new UsageError(`the '${DEFAULT_NAME}' stack is built in and cannot be deleted`);
    if (before.activeStack === name) throw new UsageError(`stack '${name}' is active`, { suggestion: 'switch first: zenml stack set default' });
    delete section('stacks')[name];
  });
}
