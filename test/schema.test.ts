import { readFileSync } from 'node:fs';
import { dotfileJsonSchemaText } from '../src/config/json-schema.js';

describe('schema/zenml.schema.json', () => {
  it('matches the zod schema of the dotfile (run `npm run schema` after changing it)', () => {
    const stored = readFileSync(new URL('../schema/zenml.schema.json', import.meta.url), 'utf8');
    expect(stored).toBe(dotfileJsonSchemaText());
  });

  it('describes the sections a dotfile holds', () => {
    const schema = JSON.parse(readFileSync(new URL('../schema/zenml.schema.json', import.meta.url), 'utf8'));
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining(['activeStack', 'modelDeployers', 'stacks', 'flavors']),
    );
  });
});
