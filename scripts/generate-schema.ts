// Regenerates schema/zenml.schema.json from the zod schema (test/schema.test.ts fails when it drifts).
import { writeFileSync } from 'node:fs';
import { dotfileJsonSchemaText } from '../src/config/json-schema.js';

const target = new URL('../schema/zenml.schema.json', import.meta.url);
writeFileSync(target, dotfileJsonSchemaText());
console.log(`wrote ${target.pathname}`);
