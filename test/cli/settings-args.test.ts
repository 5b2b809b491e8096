// Layer 1: how flavor settings typed on the command line become values (src/cli/settings-args.ts).
import { z } from 'zod';
import { applySettings, camelCase, coerceValue, fieldSchema, parseFreeOptions, parseKeyValues, type SettingArg } from '../../src/cli/settings-args.js';
import { UsageError } from '../../src/errors.js';

describe('camelCase', () => {
  it.each([
    ['port', 'port'],
    ['base-url', 'baseUrl'],
    ['max-body-bytes', 'maxBodyBytes'],
    ['http2-enabled', 'http2Enabled'],
    ['v-2', 'v2'],
    ['alreadyCamel', 'alreadyCamel'],
  ])('%s → %s', (input, expected) => {
    expect(camelCase(input)).toBe(expected);
  });
});

describe('parseFreeOptions', () => {
  const table: Array<[string, string[], Array<Omit<SettingArg, 'label'>>]> = [
    ['--key value', ['--port', '8000'], [{ path: ['port'], raw: '8000' }]],
    ['--key=value', ['--port=8000'], [{ path: ['port'], raw: '8000' }]],
    ['--key= (empty value)', ['--host='], [{ path: ['host'], raw: '' }]],
    ['value containing =', ['--header=a=b'], [{ path: ['header'], raw: 'a=b' }]],
    ['a bare flag is true', ['--verbose'], [{ path: ['verbose'], raw: 'true' }]],
    ['--no-flag is false', ['--no-verbose'], [{ path: ['verbose'], raw: 'false' }]],
    ['a flag followed by another option', ['--verbose', '--port', '1'], [{ path: ['verbose'], raw: 'true' }, { path: ['port'], raw: '1' }]],
    ['a flag at the end', ['--port', '1', '--verbose'], [{ path: ['port'], raw: '1' }, { path: ['verbose'], raw: 'true' }]],
    ['a negative number is a value', ['--offset', '-1'], [{ path: ['offset'], raw: '-1' }]],
    ['kebab-case becomes camelCase', ['--max-body-bytes', '10'], [{ path: ['maxBodyBytes'], raw: '10' }]],
    ['--no- with kebab-case', ['--no-keep-alive'], [{ path: ['keepAlive'], raw: 'false' }]],
    ['dotted keys make a path', ['--batching.max-wait-ms', '5'], [{ path: ['batching', 'maxWaitMs'], raw: '5' }]],
    ['dotted keys with =', ['--batching.max-wait-ms=5'], [{ path: ['batching', 'maxWaitMs'], raw: '5' }]],
    ['JSON value kept raw', ['--labels', '{"a":1}'], [{ path: ['labels'], raw: '{"a":1}' }]],
    ['nothing', [], []],
  ];
  it.each(table)('%s', (_name, args, expected) => {
    expect(parseFreeOptions(args).map(({ label: _label, ...arg }) => arg)).toEqual(expected);
  });

  it('labels each setting the way it was typed, so errors can name the option', () => {
    expect(parseFreeOptions(['--port', '1', '--max-body-bytes=2', '--no-enabled', '--verbose']).map((a) => a.label)).toEqual([
      '--port',
      '--max-body-bytes',
      '--no-enabled',
      '--verbose',
    ]);
    expect(parseKeyValues(['port=abc']).map((a) => a.label)).toEqual(['-c port=abc']);
  });

  it.each([
    ['a bare word', ['port'], "unexpected argument 'port'"],
    ['a lone --', ['--'], "unexpected argument '--'"],
    ['a short option', ['-p', '8000'], "unexpected argument '-p'"],
    ['a stray value after a pair', ['--port', '1', '2'], "unexpected argument '2'"],
  ])('rejects %s with a usage error', (_name, args, message) => {
    expect(() => parseFreeOptions(args)).toThrow(UsageError);
    expect(() => parseFreeOptions(args)).toThrow(message);
  });
});

describe('parseKeyValues', () => {
  it.each<[string, string[], Array<Omit<SettingArg, 'label'>>]>([
    ['key=value', ['port=8000'], [{ path: ['port'], raw: '8000' }]],
    ['kebab-case key', ['base-url=http://x:1'], [{ path: ['baseUrl'], raw: 'http://x:1' }]],
    ['value with =', ['query=a=b'], [{ path: ['query'], raw: 'a=b' }]],
    ['empty value', ['host='], [{ path: ['host'], raw: '' }]],
    ['dotted key', ['batching.max-wait-ms=5'], [{ path: ['batching', 'maxWaitMs'], raw: '5' }]],
    ['several', ['a=1', 'b=two'], [{ path: ['a'], raw: '1' }, { path: ['b'], raw: 'two' }]],
  ])('%s', (_name, pairs, expected) => {
    expect(parseKeyValues(pairs).map(({ label: _label, ...arg }) => arg)).toEqual(expected);
  });

  it.each([['port'], ['=8000'], ['']])('rejects %j: expected key=value', (pair) => {
    expect(() => parseKeyValues([pair])).toThrow(UsageError);
    expect(() => parseKeyValues([pair])).toThrow(`expected key=value, got '${pair}'`);
  });
});

const Settings = z.object({
  port: z.number().int(),
  workers: z.number().default(1),
  host: z.string(),
  token: z.string().optional(),
  enabled: z.boolean(),
  labels: z.record(z.string(), z.string()).optional(),
  tags: z.array(z.string()).optional(),
  mode: z.enum(['fast', 'slow']).optional(),
  batching: z
    .object({ maxWaitMs: z.number(), enabled: z.boolean().default(false) })
    .default({ maxWaitMs: 0, enabled: false }),
});

describe('coerceValue against a field schema', () => {
  it.each<[string, string, z.ZodType, unknown]>([
    ['number', '8000', z.number(), 8000],
    ['number with default', '3', z.number().default(1), 3],
    ['negative number', '-2.5', z.number(), -2.5],
    ['number field, non-number text stays text (validation reports it)', 'abc', z.number(), 'abc'],
    ['string that looks like a number stays a string', '8000', z.string(), '8000'],
    ['optional string that looks like a number', '0123', z.string().optional(), '0123'],
    ['string that looks like a boolean stays a string', 'true', z.string(), 'true'],
    ['quoted text for a string field is kept verbatim', '"x"', z.string(), '"x"'],
    ['boolean true', 'true', z.boolean(), true],
    ['boolean false', 'false', z.boolean(), false],
    ['enum', 'fast', z.enum(['fast', 'slow']), 'fast'],
    ['JSON object', '{"a":"b"}', z.record(z.string(), z.string()), { a: 'b' }],
    ['JSON array', '["a","b"]', z.array(z.string()), ['a', 'b']],
    ['nested object', '{"maxWaitMs":5}', z.object({ maxWaitMs: z.number() }), { maxWaitMs: 5 }],
    ['union accepting a string keeps the string', '5', z.union([z.string(), z.number()]), '5'],
  ])('%s: %j', (_name, raw, field, expected) => {
    expect(coerceValue(raw, field)).toEqual(expected);
  });

  it.each<[string, string, unknown]>([
    ['number', '8000', 8000],
    ['boolean', 'false', false],
    ['object', '{"a":1}', { a: 1 }],
    ['plain text', 'hello', 'hello'],
    ['JSON string stays raw (quotes kept)', '"hello"', '"hello"'],
    ['URL', 'http://x:1', 'http://x:1'],
  ])('without a known field, JSON scalars win: %s', (_name, raw, expected) => {
    expect(coerceValue(raw)).toEqual(expected);
  });
});

describe('fieldSchema', () => {
  it('finds top-level and nested fields through defaults and optionals', () => {
    expect(fieldSchema(Settings, ['port'])?.safeParse(1).success).toBe(true);
    expect(fieldSchema(Settings, ['batching', 'maxWaitMs'])?.safeParse(5).success).toBe(true);
    expect(fieldSchema(Settings, ['batching', 'maxWaitMs'])?.safeParse('5').success).toBe(false);
  });

  it('finds fields of a transformed (piped) object schema', () => {
    const piped = Settings.transform((s) => s);
    expect(fieldSchema(piped, ['host'])?.safeParse('h').success).toBe(true);
    expect(fieldSchema(piped, ['host'])?.safeParse(1).success).toBe(false);
  });

  it.each([[['nope']], [['port', 'deeper']], [['batching', 'nope']]])('is undefined for unknown path %j', (p) => {
    expect(fieldSchema(Settings, p)).toBeUndefined();
  });

  it('is undefined without a schema', () => {
    expect(fieldSchema(undefined, ['port'])).toBeUndefined();
  });
});

describe('applySettings', () => {
  const cases: Array<[string, string[], Record<string, unknown>]> = [
    ['number', ['port=8000'], { port: 8000 }],
    ['number with default', ['workers=4'], { workers: 4 }],
    ['string that looks like a number', ['host=8000'], { host: '8000' }],
    ['optional string that looks like a number', ['token=12345'], { token: '12345' }],
    ['boolean', ['enabled=false'], { enabled: false }],
    ['JSON object', ['labels={"team":"ml"}'], { labels: { team: 'ml' } }],
    ['JSON array', ['tags=["a","b"]'], { tags: ['a', 'b'] }],
    ['nested key through a defaulted object', ['batching.max-wait-ms=5'], { batching: { maxWaitMs: 5 } }],
    ['nested boolean', ['batching.enabled=true'], { batching: { enabled: true } }],
    ['two nested keys share the object', ['batching.max-wait-ms=5', 'batching.enabled=true'], { batching: { maxWaitMs: 5, enabled: true } }],
    ['unknown key: JSON scalars win', ['extra=7'], { extra: 7 }],
    ['last occurrence wins', ['port=1', 'port=2'], { port: 2 }],
  ];
  it.each(cases)('%s', (_name, pairs, expected) => {
    const result = applySettings({}, parseKeyValues(pairs), Settings);
    expect(result).toEqual(expected);
  });

  it('the result validates against the schema where the values are right', () => {
    const result = applySettings({}, parseFreeOptions(['--port', '8000', '--host', '8000', '--no-enabled', '--batching.max-wait-ms=5']), Settings);
    expect(Settings.safeParse(result).success).toBe(true);
    expect(Settings.parse(result)).toMatchObject({ port: 8000, host: '8000', enabled: false, batching: { maxWaitMs: 5, enabled: false } });
  });

  it('merges into a copy of the base and leaves the base alone', () => {
    const base = { host: 'a', batching: { enabled: true } };
    const snapshot = structuredClone(base);
    const result = applySettings(base, parseKeyValues(['batching.max-wait-ms=5', 'port=1']), Settings);
    expect(result).toEqual({ host: 'a', port: 1, batching: { enabled: true, maxWaitMs: 5 } });
    expect(base).toEqual(snapshot);
  });

  it('replaces a scalar with an object when a nested key is set under it', () => {
    expect(applySettings({ batching: 3 }, parseKeyValues(['batching.max-wait-ms=5']), Settings)).toEqual({ batching: { maxWaitMs: 5 } });
  });

  it('rejects an empty setting name', () => {
    expect(() => applySettings({}, parseKeyValues(['.=x']), Settings)).toThrow(UsageError);
    expect(() => applySettings({}, parseKeyValues(['.=x']), Settings)).toThrow('empty setting name');
  });
});
