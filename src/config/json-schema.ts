import * as z from 'zod';
import { DotfileSchema } from './schema.js';

/** The dotfile's JSON Schema, generated from the zod schema, for editor completion. */
export function dotfileJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(DotfileSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return {
    ...schema,
    $id: 'https://zenml-model-deployer/schema/zenml.schema.json',
    title: 'zenml model deployer configuration (.zenmlrc)',
  };
}

/** The schema as it is stored in schema/zenml.schema.json. */
export function dotfileJsonSchemaText(): string {
  return `${JSON.stringify(dotfileJsonSchema(), null, 2)}\n`;
}
