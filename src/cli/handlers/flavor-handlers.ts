import { describeFlavor, deleteFlavor, registerFlavor } from '../../flavors/flavor-actions.js';
import { listFlavors } from '../../flavors/flavor-registry.js';
import type { FlavorField } from '../../flavors/flavor-actions.js';
import type { CommandContext } from '../context.js';

function defaultCell(field: FlavorField): string {
  if (field.default !== null) return JSON.stringify(field.default);
  return field.defaultText ?? (field.required ? '(required)' : '');
}

/** `flavor list`: loads no flavor code. */
export async function listFlavorsHandler(ctx: CommandContext): Promise<void> {
  const flavors = listFlavors((await ctx.config()).resolved);
  ctx.output.listing(flavors, flavors.map((f) => f.name), () =>
    ctx.output.table(
      ['FLAVOR', 'TYPE', 'INTEGRATION', 'SOURCE', 'DESCRIPTION'],
      flavors.map((f) => [f.name, f.type, f.integration, f.source, f.description]),
      { fit: true },
    ),
  );
}

/** `flavor register <path[#Export]>`. */
export async function registerFlavorHandler(ctx: CommandContext, source: string, opts: { allowOutside?: boolean } = {}): Promise<void> {
  const summary = await registerFlavor((await ctx.config()).resolved, source, ctx.cwd, { allowOutside: opts.allowOutside === true });
  ctx.output.result(summary, () => `registered flavor '${summary.name}' from ${summary.source}`);
}

/** `flavor describe <name>`. */
export async function describeFlavorHandler(ctx: CommandContext, name: string): Promise<void> {
  const flavor = await describeFlavor((await ctx.config()).resolved, name);
  ctx.output.result(flavor, () => {
    const head = ctx.output.keyValues([
      ['flavor', flavor.name],
      ['type', flavor.type],
      ['integration', flavor.integration],
      ['source', flavor.source],
      ['description', flavor.description],
    ], { fit: true });
    const fields = ctx.output.table(
      ['SETTING', 'TYPE', 'DEFAULT', 'DESCRIPTION'],
      flavor.fields.map((f) => [f.key, f.type, defaultCell(f), f.description ?? '']),
      { fit: true },
    );
    const service = flavor.serviceSettings === null
      ? '(deploy -c: any key, stored as given: the flavor declares no serviceSettingsSchema)'
      : ctx.output.table(
          ['SERVICE SETTING (deploy -c)', 'TYPE', 'DEFAULT', 'DESCRIPTION'],
          flavor.serviceSettings.map((f) => [f.key, f.type, defaultCell(f), f.description ?? '']),
          { fit: true },
        ) || '(no service settings: deploy takes no -c)';
    return `${head}\n\n${fields || '(no settings)'}\n\n${service}`;
  });
}

/** `flavor delete <name>`. */
export async function deleteFlavorHandler(ctx: CommandContext, name: string): Promise<void> {
  await deleteFlavor((await ctx.config()).resolved, name);
  ctx.output.result({ name, deleted: true }, () => `deleted flavor '${name}'`);
}
