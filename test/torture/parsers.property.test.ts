// Property tests over every request parser and the dotfile validator: arbitrary input never throws anything but the
// module's typed client error (RequestError with a 4xx, which the router answers as that status; ConfigError for
// the dotfile), and valid generated input round-trips to the right shapes and values.
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { ZenmlError } from '../../src/errors.js';
import { validateDotfile } from '../../src/config/validate-config.js';
import { parseCsv } from '../../src/server/csv.js';
import type { ElementType } from '../../src/server/dtypes.js';
import { RequestError } from '../../src/server/http-util.js';
import { parseMlflowJson } from '../../src/server/mlflow-input.js';
import { flattenNested } from '../../src/server/tensor-json.js';
import { nestFlat } from '../helpers/json-answer-oracle.js';
import { decodeRaw, encodeRaw } from '../../src/server/tensor-raw.js';
import { binaryCursor, splitBinaryBody } from '../../src/server/v2-binary.js';
import { parseRestRequest } from '../../src/server/v2-rest-request.js';
import { scale, tortureTimeout } from './scale.js';

const RUNS = scale(5_000, 300);
const TIMEOUT = tortureTimeout(600_000, 60_000);
const params = { numRuns: RUNS };

/** Runs `fn`; passes when it returns or throws a RequestError with a 4xx status, fails on anything else. */
function onlyClientErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof RequestError)) throw new Error(`threw ${String(err)} instead of a RequestError`, { cause: err });
    expect(err.status).toBeGreaterThanOrEqual(400);
    expect(err.status).toBeLessThan(500);
    expect(err.message.length).toBeGreaterThan(0);
  }
}

// JSON.parse output: what a body can ever become (plus the odd shapes of objects a hostile client sends).
const json = fc.jsonValue({ maxDepth: 6 });
const hostile = fc.oneof(
  json,
  fc.anything({ maxDepth: 4 }),
  fc.record({ dataframe_split: fc.anything({ maxDepth: 4 }) }),
  fc.record({ dataframe_records: fc.anything({ maxDepth: 4 }) }),
  fc.record({ instances: fc.anything({ maxDepth: 4 }) }),
  fc.record({ inputs: fc.anything({ maxDepth: 4 }) }),
  fc.constant(JSON.parse('{"__proto__": {"inputs": 1}}')),
);
const shapeArb = fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 });
const tensorArb = shapeArb.chain((shape) =>
  fc.tuple(fc.constant(shape), fc.array(fc.integer({ min: -1e6, max: 1e6 }), { minLength: shape.reduce((a, b) => a * b, 1), maxLength: shape.reduce((a, b) => a * b, 1) })),
);

describe('MLflow JSON inputs (mlflow-input.ts)', () => {
  it('never throws anything but a 4xx RequestError', () => {
    fc.assert(fc.property(hostile, (body) => onlyClientErrors(() => parseMlflowJson(body))), params);
  }, TIMEOUT);

  it('dataframe_split round-trips columns and rows', () => {
    const frame = fc.integer({ min: 1, max: 6 }).chain((width) =>
      fc.record({
        columns: fc.uniqueArray(fc.string({ minLength: 1, maxLength: 8 }), { minLength: width, maxLength: width }),
        data: fc.array(fc.array(fc.double({ noNaN: true }), { minLength: width, maxLength: width }), { maxLength: 20 }),
      }),
    );
    fc.assert(
      fc.property(frame, (split) => {
        expect(parseMlflowJson({ dataframe_split: split })).toEqual({ kind: 'dataframe', columns: split.columns, rows: split.data });
      }),
      params,
    );
  }, TIMEOUT);

  it('dataframe_records round-trips to the same table', () => {
    const records = fc.uniqueArray(fc.stringMatching(/^[a-z][a-z0-9_]{0,7}$/), { minLength: 1, maxLength: 5 }).chain((cols) =>
      fc.tuple(fc.constant(cols), fc.array(fc.array(fc.integer(), { minLength: cols.length, maxLength: cols.length }), { minLength: 1, maxLength: 10 })),
    );
    fc.assert(
      fc.property(records, ([cols, rows]) => {
        const body = { dataframe_records: rows.map((r) => Object.fromEntries(cols.map((c, i) => [c, r[i]]))) };
        expect(parseMlflowJson(body)).toEqual({ kind: 'dataframe', columns: cols, rows });
      }),
      params,
    );
  }, TIMEOUT);
});

describe('CSV (csv.ts)', () => {
  it('never throws anything but a 4xx RequestError', () => {
    const text = fc.oneof(fc.string({ maxLength: 200 }), fc.array(fc.constantFrom('a', ',', '"', '\n', '\r\n', '1', ' ', '""'), { maxLength: 60 }).map((p) => p.join('')));
    fc.assert(fc.property(text, (t) => onlyClientErrors(() => parseCsv(t))), params);
  }, TIMEOUT);

  it('a numeric table round-trips, header and values', () => {
    const table = fc.uniqueArray(fc.stringMatching(/^[a-z][a-z0-9_]{0,7}$/), { minLength: 1, maxLength: 5 }).chain((cols) =>
      fc.tuple(fc.constant(cols), fc.array(fc.array(fc.integer({ min: -1e9, max: 1e9 }), { minLength: cols.length, maxLength: cols.length }), { maxLength: 20 })),
    );
    fc.assert(
      fc.property(table, fc.constantFrom('\n', '\r\n'), ([cols, rows], eol) => {
        const text = [cols.join(','), ...rows.map((r) => r.join(','))].join(eol) + eol;
        expect(parseCsv(text)).toEqual({ columns: cols, rows });
      }),
      params,
    );
  }, TIMEOUT);
});

describe('nested JSON tensors (tensor-json.ts)', () => {
  it('never throws anything but a 4xx RequestError', () => {
    fc.assert(fc.property(fc.anything({ maxDepth: 6 }), (v) => onlyClientErrors(() => flattenNested(v, 'x'))), params);
  }, TIMEOUT);

  it('nestFlat then flattenNested gives back shape and values', () => {
    fc.assert(
      fc.property(tensorArb, ([shape, values]) => {
        expect(flattenNested(nestFlat(values, shape), 'x')).toEqual({ shape, values });
      }),
      params,
    );
  }, TIMEOUT);

  it('deep nesting is a 400, not a stack overflow', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i += 1) deep = [deep];
    expect(() => flattenNested(deep, 'x')).toThrow(RequestError);
  });
});

describe('v2 REST requests, JSON and binary (v2-rest-request.ts, v2-binary.ts)', () => {
  it('arbitrary bytes with or without Inference-Header-Content-Length only give 4xx RequestErrors', () => {
    const headerLength = fc.option(fc.oneof(fc.nat({ max: 300 }).map(String), fc.string({ maxLength: 6 })), { nil: undefined });
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), headerLength, (bytes, hl) => onlyClientErrors(() => parseRestRequest(Buffer.from(bytes), hl))), params);
  }, TIMEOUT);

  it('arbitrary JSON headers with arbitrary binary tails only give 4xx RequestErrors', () => {
    const input = fc.record(
      {
        name: fc.oneof(fc.string({ maxLength: 4 }), json),
        shape: fc.oneof(fc.array(fc.integer({ min: -2, max: 5 }), { maxLength: 3 }), json),
        datatype: fc.oneof(fc.constantFrom('FP32', 'INT64', 'BYTES', 'BOOL'), json),
        data: json,
        parameters: fc.oneof(fc.record({ binary_data_size: fc.oneof(fc.integer({ min: -4, max: 64 }), json) }, { requiredKeys: [] }), json),
      },
      { requiredKeys: [] },
    );
    const header = fc.record(
      { id: json, inputs: fc.oneof(fc.array(input, { maxLength: 3 }), json), outputs: fc.oneof(fc.array(fc.record({ name: json }), { maxLength: 2 }), json), parameters: json },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(header, fc.uint8Array({ maxLength: 64 }), fc.boolean(), (h, tail, binary) => {
        const head = Buffer.from(JSON.stringify(h));
        const body = binary ? Buffer.concat([head, tail]) : head;
        onlyClientErrors(() => parseRestRequest(body, binary ? String(head.length) : undefined));
      }),
      params,
    );
  }, TIMEOUT);

  it('a binary request round-trips every input to its bytes, shape and name', () => {
    const inputs = fc.array(fc.tuple(tensorArb, fc.constantFrom<ElementType>('float32', 'int32', 'int64', 'uint8')), { minLength: 1, maxLength: 3 });
    fc.assert(
      fc.property(inputs, (list) => {
        const tensors = list.map(([[shape, values], type], i) => {
          const data =
            type === 'int64' ? BigInt64Array.from(values.map(BigInt)) : type === 'float32' ? Float32Array.from(values) : type === 'int32' ? Int32Array.from(values) : Uint8Array.from(values);
          return { name: `in${i}`, shape, type, data, bytes: encodeRaw(type, data) };
        });
        const header = Buffer.from(
          JSON.stringify({
            inputs: tensors.map((t) => ({ name: t.name, shape: t.shape, datatype: t.type, parameters: { binary_data_size: t.bytes.length } })),
          }),
        );
        const parsed = parseRestRequest(Buffer.concat([header, ...tensors.map((t) => t.bytes)]), String(header.length));
        expect(parsed.inputs.map((p) => [p.name, p.shape])).toEqual(tensors.map((t) => [t.name, t.shape]));
        parsed.inputs.forEach((p, i) => {
          const t = tensors[i]!;
          expect(Buffer.from(p.raw!)).toEqual(t.bytes);
          expect(decodeRaw(t.type, p.raw!, t.shape, t.data.length, t.name)).toEqual(t.data);
        });
      }),
      params,
    );
  }, TIMEOUT);

  it('splitBinaryBody and the cursor reject every inconsistent length with a 400', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.string({ maxLength: 5 }), fc.array(fc.integer({ min: -2, max: 40 }), { maxLength: 4 }), (bytes, hl, sizes) =>
        onlyClientErrors(() => {
          const { tail } = splitBinaryBody(Buffer.from(bytes), hl);
          const cursor = binaryCursor(tail);
          sizes.forEach((s, i) => cursor.take(`in${i}`, s));
          cursor.finish();
        }),
      ),
      params,
    );
  }, TIMEOUT);
});

describe('raw tensor bytes (tensor-raw.ts)', () => {
  const TYPES: ElementType[] = ['float32', 'float64', 'int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64', 'bool', 'string'];

  it('arbitrary bytes for any type and shape only give 4xx RequestErrors', () => {
    fc.assert(
      fc.property(fc.constantFrom(...TYPES), fc.uint8Array({ maxLength: 128 }), shapeArb, (type, bytes, shape) =>
        onlyClientErrors(() => decodeRaw(type, bytes, shape, shape.reduce((a, b) => a * b, 1), 'x')),
      ),
      params,
    );
  }, TIMEOUT);

  it('BYTES elements round-trip through the length-prefixed form', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'grapheme', maxLength: 10 }), { minLength: 1, maxLength: 10 }), (strings) => {
        expect(decodeRaw('string', encodeRaw('string', strings), [strings.length], strings.length, 'x')).toEqual(strings);
      }),
      params,
    );
  }, TIMEOUT);

  it('float64 values round-trip bit for bit (NaN, -0 and infinities too)', () => {
    fc.assert(
      fc.property(fc.array(fc.double(), { minLength: 1, maxLength: 32 }), (values) => {
        const data = Float64Array.from(values);
        const back = decodeRaw('float64', encodeRaw('float64', data), [data.length], data.length, 'x') as Float64Array;
        expect(Buffer.from(back.buffer, back.byteOffset, back.byteLength)).toEqual(Buffer.from(data.buffer));
      }),
      params,
    );
  }, TIMEOUT);
});

describe('the dotfile validator (validate-config.ts)', () => {
  it('any JSON value either validates or throws a ConfigError, one line per problem', () => {
    const dotfile = fc.oneof(
      json,
      fc.record(
        {
          version: fc.oneof(fc.constant(1), json),
          activeStack: json,
          deployers: fc.oneof(fc.dictionary(fc.string({ maxLength: 6 }), fc.oneof(json, fc.record({ flavor: fc.oneof(fc.constantFrom('local', 'mlflow', 'seldon'), json), settings: json }, { requiredKeys: [] }))), json),
          stacks: fc.oneof(fc.dictionary(fc.string({ maxLength: 6 }), json), json),
          flavors: fc.oneof(fc.dictionary(fc.string({ maxLength: 6 }), json), json),
        },
        { requiredKeys: [] },
      ),
    );
    fc.assert(
      fc.property(dotfile, (raw) => {
        try {
          validateDotfile('/tmp/.zenmlrc.json', raw);
        } catch (err) {
          if (!(err instanceof ZenmlError) || err.constructor.name !== 'ConfigError') throw new Error(`threw ${String(err)} instead of a ConfigError`, { cause: err });
          for (const line of err.message.split('\n').slice(1)) expect(line).toMatch(/^\/tmp\/\.zenmlrc\.json: /);
        }
      }),
      params,
    );
  }, TIMEOUT);
});
