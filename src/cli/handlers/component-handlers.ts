import { describeComponent, listComponents, registerComponent, updateComponent, type ComponentView } from '../../config/components.js';
import { maskSecrets } from '../../config/secret-setting.js';
import { UsageError } from '../../errors.js';
import { loadFlavor } from '../../flavors/flavor-registry.js';
import type { CommandContext } from '../context.js';
import { applySettings, camelCase, parseFreeOptions, parseKeyValues, rejectUnknownSettings, secretEnvArgs, validateSettingArgs } from '../settings-args.js';

/** The view with literal secrets (authToken …) masked: what every output of a component shows. */
function masked(view: ComponentView): ComponentView {
  return { ...view, settings: maskSecrets(view.settings) };
}

/** Render one component for humans. */
export function renderComponent(ctx: CommandContext, view: ComponentView): string {
  return ctx.output.keyValues([
    ['model deployer', view.name],
    ['flavor', view.flavor],
    ['active', String(view.active)],
    ['stacks', view.stacks.join(', ') || '(none)'],
    // Settings one per line (`settings.port: 8080`), or '(none)' rather than an empty `{}`.
    ...(Object.keys(view.settings).length === 0
      ? [['settings', '(none)'] as [string, unknown]]
      : Object.entries(view.settings).map(([key, value]) => [`settings.${key}`, value] as [string, unknown])),
  ]);
}

/** `model-deployer register <name> --flavor f [--key value | -c key=value]`. */
export async function registerComponentHandler(ctx: CommandContext, name: string, opts: { flavor: string; setting: string[] }): Promise<void> {
  const { resolved } = await ctx.config();
  const cls = await loadFlavor(resolved, opts.flavor);
  const args = secretEnvArgs([...parseFreeOptions(ctx.excessArgs), ...parseKeyValues(opts.setting)], cls.configSchema);
  rejectUnknownSettings(args, cls.configSchema, opts.flavor);
  const written = applySettings({}, args, cls.configSchema);
  validateSettingArgs(cls.configSchema, written, args, `${resolved.filepath}: modelDeployers.${name}.settings`);
  await registerComponent(resolved.filepath, name, opts.flavor, written);
  const view: ComponentView = { name, flavor: opts.flavor, settings: maskSecrets(written), stacks: [], active: false };
  ctx.output.result(view, () => `registered model deployer '${name}' (flavor '${opts.flavor}')`);
}

/** `model-deployer list`. */
export async function listComponentsHandler(ctx: CommandContext): Promise<void> {
  const views = listComponents((await ctx.config()).resolved).map(masked);
  ctx.output.listing(views, views.map((v) => v.name), () =>
    ctx.output.table(
      ['ACTIVE', 'NAME', 'FLAVOR', 'STACKS', 'SETTINGS'],
      views.map((v) => [v.active ? '*' : '', v.name, v.flavor, v.stacks.join(', '), Object.keys(v.settings).length ? JSON.stringify(v.settings) : '']),
    ),
  );
}

/** `model-deployer describe <name>` for a component. */
export async function describeComponentHandler(ctx: CommandContext, name: string): Promise<void> {
  const view = masked(describeComponent((await ctx.config()).resolved, name));
  ctx.output.result(view, () => renderComponent(ctx, view));
}

/** `model-deployer update <name> [--key value | -c key=value | --unset key]`. */
export async function updateComponentHandler(ctx: CommandContext, name: string, opts: { setting: string[]; unset: string[] }): Promise<void> {
  const { resolved } = await ctx.config();
  const current = describeComponent(resolved, name);
  const cls = await loadFlavor(resolved, current.flavor);
  if (ctx.excessArgs.some((arg) => arg === '--flavor' || arg.startsWith('--flavor='))) {
    throw new UsageError(`--flavor: update cannot change a component's flavor ('${name}' is '${current.flavor}')`, {
      suggestion: `delete it (zenml model-deployer delete ${name}) and register it again with the new flavor, or register another name`,
    });
  }
  const args = secretEnvArgs([...parseFreeOptions(ctx.excessArgs), ...parseKeyValues(opts.setting)], cls.configSchema);
  if (args.length === 0 && opts.unset.length === 0) throw new UsageError('nothing to update: give settings as --<key> value, -c key=value or --unset key');
  rejectUnknownSettings(args, cls.configSchema, current.flavor);
  const unsets = opts.unset.map((key) => ({ path: [camelCase(key)], raw: '', label: `--unset ${key}` }));
  rejectUnknownSettings(unsets, cls.configSchema, current.flavor);
  const notSet = opts.unset.filter((key) => !(camelCase(key) in current.settings));
  if (notSet.length > 0) {
    throw new UsageError(notSet.map((key) => `--unset ${key}: '${camelCase(key)}' is not set on model deployer '${name}'`).join('\n'), {
      suggestion: `its settings: ${Object.keys(current.settings).join(', ') || '(none)'}`,
    });
  }
  let settings: Record<string, unknown> = {};
  await updateComponent(resolved.filepath, name, (entry) => {
    settings = applySettings(entry.settings, args, cls.configSchema);
    for (const key of opts.unset) delete settings[camelCase(key)];
    validateSettingArgs(cls.configSchema, settings, args, `${resolved.filepath}: modelDeployers.${name}.settings`);
    return settings;
  });
  const view = { ...current, settings: maskSecrets(settings) };
  ctx.output.result(view, () => `updated model deployer '${name}'`);
}
