import * as z from 'zod';

/** Names of components, stacks and flavors: safe in paths, URLs and shells. */
export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;
const name = () => z.string().regex(NAME_PATTERN, 'a name of letters, digits, "_", "-" or "." (at most 63)');

/** Builds the dotfile schema; `strict` reports unknown keys (as warnings: see read-config.ts). */
function makeDotfileSchema(strict: boolean) {
  const obj = strict ? z.strictObject : z.looseObject;
  const ModelDeployer = obj({
    flavor: z.string().min(1),
    settings: z.record(z.string(), z.unknown()).optional(),
  });
  const Stack = obj({ modelDeployer: z.string().min(1) });
  const Flavor = obj({
    source: z.string().min(1),
    export: z.string().min(1).optional(),
    // Recorded by `flavor register` from the class's DESCRIPTION, so `flavor list` shows it without loading code.
    description: z.string().optional(),
  });
  return obj({
    $schema: z.string().optional(),
    version: z.literal(1).optional(),
    activeStack: z.string().min(1).optional(),
    modelDeployers: z.record(name(), ModelDeployer).optional(),
    stacks: z.record(name(), Stack).optional(),
    flavors: z.record(name(), Flavor).optional(),
  });
}

/** The dotfile as written; unknown keys are kept (and warned about). */
export const DotfileSchema = makeDotfileSchema(false);

/** The same schema, failing on unknown keys: used only to find them. */
export const StrictDotfileSchema = makeDotfileSchema(true);

/** The dotfile as written (only this shape is ever saved). */
export type Dotfile = z.infer<typeof DotfileSchema>;

/** A model deployer component as written. */
export type ModelDeployerEntry = NonNullable<Dotfile['modelDeployers']>[string];

/** A stack as written. */
export type StackEntry = NonNullable<Dotfile['stacks']>[string];

/** A registered custom flavor as written. */
export type FlavorEntry = NonNullable<Dotfile['flavors']>[string];

/** The name of the stack and deployer a fresh project gets. */
export const DEFAULT_NAME = 'default';

/** The flavor of the default deployer. */
export const DEFAULT_FLAVOR = 'local';
