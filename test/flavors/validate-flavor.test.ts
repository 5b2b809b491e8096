// Layer 1: the flavor contract checks and helpers (src/flavors/*), on classes built in-process.
import { z } from 'zod';
import { BaseModelDeployer } from '../../src/deployers/base-model-deployer.js';
import { FlavorContractError } from '../../src/errors.js';
import { schemaFields } from '../../src/flavors/flavor-actions.js';
import { parseFlavorSource } from '../../src/flavors/flavor-registry.js';
import { pickFlavorExport, validateFlavorClass } from '../../src/flavors/validate-flavor.js';

const FILE = '/flavors/my-flavor.ts';

/** A complete deployer class with the given FLAVOR, minus the named methods. */
function deployerClass(flavor: string, without: string[] = []): unknown {
  class Complete extends (BaseModelDeployer as unknown as new (...a: unknown[]) => object) {
    static FLAVOR = flavor;
    static configSchema = z.object({});
  }
  const methods = ['performDeployModel', 'performStopModel', 'performStartModel', 'performDeleteModel', 'listModelServers', 'getModelServerInfo', 'getModelServerLogs'];
  for (const m of methods) if (!without.includes(m)) (Complete.prototype as Record<string, unknown>)[m] = () => undefined;
  return Complete;
}

describe('validateFlavorClass', () => {
  it('accepts a complete subclass', () => {
    const cls = deployerClass('mine');
    expect(validateFlavorClass(cls, FILE)).toBe(cls);
  });

  it.each<[string, unknown, RegExp]>([
    ['not a function', { FLAVOR: 'x' }, /the export is object, expected a class extending BaseModelDeployer/],
    ['null', null, /the export is null/],
    ['a class that does not extend BaseModelDeployer', class Plain { static FLAVOR = 'plain'; }, /Plain does not extend BaseModelDeployer/],
    ['no FLAVOR', deployerClass(''), /has no static FLAVOR name/],
    ['a FLAVOR shadowing a built-in', deployerClass('local'), /FLAVOR 'local' shadows the built-in flavor/],
    ['missing methods', deployerClass('mine', ['performStopModel', 'getModelServerLogs']), /does not implement performStopModel, getModelServerLogs$/],
  ])('rejects %s, naming the file', (_label, value, message) => {
    let error: unknown;
    try {
      validateFlavorClass(value, FILE);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FlavorContractError);
    expect((error as FlavorContractError).exitCode).toBe(2);
    expect((error as Error).message.startsWith(`${FILE}: `)).toBe(true);
    expect((error as Error).message).toMatch(message);
  });

  it('lists the missing methods in details', () => {
    expect(() => validateFlavorClass(deployerClass('mine', ['listModelServers']), FILE)).toThrow(
      expect.objectContaining({ details: { missing: ['listModelServers'] } }),
    );
  });

  it('rejects a configSchema that is not a zod schema', () => {
    const cls = deployerClass('mine') as { configSchema: unknown };
    cls.configSchema = { type: 'object' };
    expect(() => validateFlavorClass(cls, FILE)).toThrow(/configSchema must be a zod schema/);
  });
});

describe('pickFlavorExport', () => {
  const A = deployerClass('a');
  const B = deployerClass('b');
  it.each<[string, Record<string, unknown>, string | undefined, unknown]>([
    ['the default export', { default: A, B }, undefined, A],
    ['a doubly wrapped default (CommonJS through ESM)', { default: { default: A } }, undefined, A],
    ['the named export', { default: A, B }, 'B', B],
    ['the only branded export', { helper: () => 1, A }, undefined, A],
    // What tsx gives for `export class A` in a package without "type": "module".
    ['the only class of a CommonJS module (module.exports as default)', { default: { A, helper: 1 }, A, helper: 1 }, undefined, A],
    ['a named export found only inside module.exports', { default: { B } }, 'B', B],
  ])('picks %s', (_label, mod, name, expected) => {
    expect(pickFlavorExport(mod, FILE, name)).toBe(expected);
  });

  it.each<[string, Record<string, unknown>, string | undefined, RegExp]>([
    ['an unknown export name', { default: A }, 'Nope', /has no export named 'Nope' \(exports: default\)/],
    ['several branded exports', { A, B }, undefined, /exports several model deployer classes; pick one with '\/flavors\/my-flavor\.ts#ExportName'/],
    ['nothing usable', { helper: 1 }, undefined, /has no default export and none of its exports \(helper\) is a class extending BaseModelDeployer/],
    ['a CommonJS object of helpers', { default: { helper: 1 }, helper: 1 }, undefined, /has no default export and none of its exports \(helper\) is a class/],
  ])('rejects %s', (_label, mod, name, message) => {
    expect(() => pickFlavorExport(mod, FILE, name)).toThrow(FlavorContractError);
    expect(() => pickFlavorExport(mod, FILE, name)).toThrow(message);
  });
});

describe('parseFlavorSource', () => {
  it.each<[string, { source: string; exportName?: string }]>([
    ['./f.ts', { source: './f.ts' }],
    ['./f.ts#MyDeployer', { source: './f.ts', exportName: 'MyDeployer' }],
    ['./f.ts#', { source: './f.ts', exportName: undefined }],
    ['/a#b/f.mjs#X', { source: '/a#b/f.mjs', exportName: 'X' }],
    ['#X', { source: '#X' }],
  ])('%s', (spec, expected) => {
    expect(parseFlavorSource(spec)).toEqual(expected);
  });
});

describe('schemaFields', () => {
  it('lists keys, types, defaults, requiredness and descriptions', () => {
    const schema = z.object({
      baseUrl: z.string().default('http://x').describe('the URL'),
      replicas: z.number().int().min(1).default(1),
      mode: z.enum(['a', 'b']),
      tags: z.array(z.string()).optional(),
      port: z.union([z.number(), z.literal('auto')]).optional(),
    });
    expect(schemaFields(schema)).toEqual([
      { key: 'baseUrl', type: 'string', required: false, default: 'http://x', defaultText: null, description: 'the URL' },
      { key: 'replicas', type: 'integer', required: false, default: 1, defaultText: null },
      { key: 'mode', type: '"a" | "b"', required: true, default: null, defaultText: null },
      { key: 'tags', type: 'string[]', required: false, default: null, defaultText: null },
      { key: 'port', type: 'number | "auto"', required: false, default: null, defaultText: null },
    ]);
  });

  it('is empty for a schema without fields', () => {
    expect(schemaFields(z.object({}))).toEqual([]);
  });
});
