// Property tests of the hand-written answer JSON (json-text.ts, v2-answer.ts, mlflow-output.ts): for tensors of
// every element type and shape, with NaN, ±Infinity, -0, 64-bit integers, escapes and non-ASCII strings, and output
// names JavaScript orders first ("0", "17"), the text is byte for byte JSON.stringify of the answer built as
// objects (test/helpers/json-answer-oracle.ts).
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { ElementType, TensorData } from '../../src/server/dtypes.js';
import { stringText } from '../../src/server/json-text.js';
import { dictText, recordsText } from '../../src/server/mlflow-output.js';
import type { Tensor, TensorMap, TensorSpec } from '../../src/server/model-session.js';
import { formatShape } from '../../src/server/tensor-json.js';
import { v2AnswerText } from '../../src/server/v2-answer.js';
import { binaryAnswer } from '../../src/server/v2-binary.js';
import { outputsAsDict, outputsAsRecords, v2AnswerObject } from '../helpers/json-answer-oracle.js';
import { scale, tortureTimeout } from './scale.js';

const params = { numRuns: scale(5_000, 300) };
const TIMEOUT = tortureTimeout(600_000, 60_000);

const TYPES: ElementType[] = ['float32', 'float64', 'int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64', 'bool', 'string'];
const special = fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 0.1, 1e21, 5e-324, -1.5e-7);

/** `count` values of `type` as onnxruntime returns them. */
function dataArb(type: ElementType, count: number): fc.Arbitrary<TensorData> {
  const n = { minLength: count, maxLength: count };
  switch (type) {
    case 'float32':
      return fc.array(fc.oneof(fc.float(), special), n).map((v) => Float32Array.from(v));
    case 'float64':
      return fc.array(fc.oneof(fc.double(), special), n).map((v) => Float64Array.from(v));
    case 'int64':
      return fc.array(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), n).map((v) => BigInt64Array.from(v));
    case 'uint64':
      return fc.array(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), n).map((v) => BigUint64Array.from(v));
    case 'string':
      return fc.array(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom('"', '\\', '\u2028', '\u0000', '\ud800')), n);
    case 'bool':
      return fc.array(fc.integer({ min: 0, max: 255 }), n).map((v) => Uint8Array.from(v));
    default: {
      const arrays = { int8: Int8Array, uint8: Uint8Array, int16: Int16Array, uint16: Uint16Array, int32: Int32Array, uint32: Uint32Array };
      return fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 32 - 1 }), n).map((v) => arrays[type].from(v));
    }
  }
}

const tensorArb = (rows?: number): fc.Arbitrary<Tensor> =>
  fc
    .record({
      type: fc.constantFrom(...TYPES),
      inner: fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 3 }),
      rows: rows === undefined ? fc.integer({ min: 0, max: 4 }) : fc.constant(rows),
      scalar: fc.boolean(),
    })
    .chain(({ type, inner, rows: r, scalar }) => {
      const dims = scalar && rows === undefined ? [] : [r, ...inner];
      return dataArb(type, dims.reduce((a, b) => a * b, 1)).map((data): Tensor => ({ type, dims, data }));
    });

const nameArb = fc.oneof(fc.string({ minLength: 1, maxLength: 6 }), fc.constantFrom('0', '17', '4294967294', '4294967295', '01', '-1', '__proto__', 'label', 'é"\\', '\ud800x', '\u001f', '😀', '\u007f\u2028'));

const outputsArb = (rows?: number) =>
  fc.uniqueArray(nameArb, { minLength: 1, maxLength: 4 }).chain((names) =>
    fc.tuple(...names.map((name) => tensorArb(rows).map((t) => [name, t] as const))).map((pairs) => Object.fromEntries(pairs) as TensorMap),
  );

// The session's declared order: some of the outputs, shuffled (the rest come after, in run order).
const specsOf = (outputs: TensorMap, keep: boolean[]): TensorSpec[] =>
  Object.keys(outputs)
    .filter((_, i) => keep[i % keep.length])
    .reverse()
    .map((name) => ({ name, type: outputs[name]!.type, shape: undefined }));

describe('strings and shapes (json-text.ts, tensor-json.ts)', () => {
  it('stringText is JSON.stringify for any string, lone surrogates and control characters too', () => {
    const codeUnits = fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 12 }).map((units) => String.fromCharCode(...units));
    fc.assert(fc.property(fc.oneof(fc.string({ unit: 'binary' }), codeUnits), (s) => expect(stringText(s)).toBe(JSON.stringify(s))), params);
  }, TIMEOUT);

  it('formatShape is JSON.stringify of the shape (dynamic -1 dims too)', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: -1 }), { maxLength: 6 }), (dims) => expect(formatShape(dims)).toBe(JSON.stringify(dims))), params);
  }, TIMEOUT);
});

describe('MLflow predictions text (mlflow-output.ts)', () => {
  it('the dict form is JSON.stringify of the dict', () => {
    fc.assert(
      fc.property(outputsArb(), fc.array(fc.boolean(), { minLength: 1, maxLength: 4 }), (outputs, keep) => {
        const specs = specsOf(outputs, keep);
        expect(dictText(outputs, specs)).toBe(JSON.stringify(outputsAsDict(outputs, specs)));
      }),
      params,
    );
  }, TIMEOUT);

  it('the records form is JSON.stringify of the records, per-row outputs or not', () => {
    const perRow = fc.integer({ min: 0, max: 4 }).chain((rows) => fc.tuple(fc.constant(rows), fc.oneof(outputsArb(rows), outputsArb())));
    fc.assert(
      fc.property(perRow, fc.array(fc.boolean(), { minLength: 1, maxLength: 4 }), ([rows, outputs], keep) => {
        const specs = specsOf(outputs, keep);
        expect(recordsText(outputs, specs, rows)).toBe(JSON.stringify(outputsAsRecords(outputs, specs, rows)));
      }),
      params,
    );
  }, TIMEOUT);
});

describe('v2 REST answer text (v2-answer.ts, v2-binary.ts)', () => {
  it('is JSON.stringify of the answer object, with binary outputs as their sizes and bytes after the header', () => {
    const answerArb = fc.record({
      modelName: fc.string({ unit: 'binary', minLength: 1, maxLength: 8 }),
      modelVersion: fc.string({ maxLength: 4 }),
      id: fc.string({ unit: 'binary', maxLength: 12 }),
      outputs: outputsArb(),
      binary: fc.array(fc.boolean(), { minLength: 1, maxLength: 4 }),
    });
    fc.assert(
      fc.property(answerArb, ({ modelName, modelVersion, id, outputs, binary }) => {
        const names = Object.keys(outputs);
        const asBinary = new Set(names.filter((_, i) => binary[i % binary.length]));
        const answer = { modelName, modelVersion, outputs: names.map((name) => ({ name, tensor: outputs[name]! })) };
        const { json, parts } = v2AnswerText(answer, id, (name) => asBinary.has(name));
        const sizes = new Map(names.filter((n) => asBinary.has(n)).map((n, i) => [n, parts[i]!.length]));
        expect(parts).toHaveLength(asBinary.size);
        expect(json).toBe(JSON.stringify(v2AnswerObject(answer, id, sizes)));
        const framed = binaryAnswer(json, parts);
        const bytes = Buffer.from(framed.body, 'latin1');
        expect(bytes.length).toBe(framed.length);
        expect(bytes.subarray(0, framed.headerLength).toString('utf8')).toBe(json);
        expect(bytes.subarray(framed.headerLength)).toEqual(Buffer.concat(parts));
      }),
      params,
    );
  }, TIMEOUT);
});
