import { describeStack, listStacks, registerStack, setActiveStack, updateStack, deleteStack, type StackView } from '../../config/stacks.js';
import type { CommandContext } from '../context.js';

function render(ctx: CommandContext, stacks: StackView[]): string {
  return ctx.output.table(
    ['ACTIVE', 'STACK', 'MODEL DEPLOYER'],
    stacks.map((s) => [s.active ? '*' : '', s.name, s.modelDeployer]),
  );
}

/** `stack register`. */
export async function registerStackHandler(ctx: CommandContext, name: string, opts: { modelDeployer: string; set?: boolean }): Promise<void> {
  const { resolved } = await ctx.config();
  await registerStack(resolved.filepath, name, opts.modelDeployer, Boolean(opts.set));
  const view = { name, modelDeployer: opts.modelDeployer, active: Boolean(opts.set) };
  ctx.output.result(view, () => `registered stack '${name}' (model deployer '${opts.modelDeployer}')${opts.set ? ', now active' : ''}`);
}

/** `stack list`. */
export async function listStacksHandler(ctx: CommandContext): Promise<void> {
  const stacks = listStacks((await ctx.config()).resolved);
  ctx.output.listing(stacks, stacks.map((s) => s.name), () => render(ctx, stacks));
}

/** `stack set`. */
export async function setStackHandler(ctx: CommandContext, name: string): Promise<void> {
  const { resolved } = await ctx.config();
  await setActiveStack(resolved.filepath, name);
  ctx.output.result({ ...describeStack(resolved, name), active: true }, () => `active stack: ${name}`);
}

/** `stack describe`. */
export async function describeStackHandler(ctx: CommandContext, name?: string): Promise<void> {
  const view = describeStack((await ctx.config()).resolved, name);
  ctx.output.result(view, () => ctx.output.keyValues([['stack', view.name], ['active', String(view.active)], ['model deployer', view.modelDeployer]]));
}

/** `stack update`. */
export async function updateStackHandler(ctx: CommandContext, name: string, opts: { modelDeployer: string }): Promise<void> {
  const { resolved } = await ctx.config();
  await updateStack(resolved.filepath, name, opts.modelDeployer);
  const view = { name, modelDeployer: opts.modelDeployer, active: resolved.activeStack === name };
  ctx.output.result(view, () => `stack '${name}' now uses model deployer '${opts.modelDeployer}'`);
}

/** `stack delete`. */
export async function deleteStackHandler(ctx: CommandContext, name: string): Promise<void> {
  const { resolved } = await ctx.config();
  await deleteStack(resolved.filepath, name);
  ctx.output.result({ name, deleted: true }, () => `deleted stack '${name}'`);
}
