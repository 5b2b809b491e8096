// The answers as objects, the way the server built them before it wrote their JSON by hand (json-text.ts): the
// property tests check that the hand-written text is byte for byte JSON.stringify of these.
import { fromTensorData, v2Datatype } from '../../src/server/dtypes.js';
import type { TensorMap, TensorSpec } from '../../src/server/model-session.js';
import { elementCount } from '../../src/server/tensor-json.js';
import type { WireAnswer } from '../../src/server/v2-infer.js';

/** Rebuilds nested arrays of `shape` from flat values (a scalar shape [] gives the single value). */
export function nestFlat(values: readonly unknown[], shape: readonly number[]): unknown {
  if (shape.length === 0) return values[0];
  const build = (offset: number, depth: number): unknown[] => {
    const size = shape[depth] ?? 0;
    if (depth === shape.length - 1) return values.slice(offset, offset + size);
    const stride = shape.slice(depth + 1).reduce((a, b) => a * b, 1);
    return Array.from({ length: size }, (_, i) => build(offset + i * stride, depth + 1));
  };
  return build(0, 0);
}

function ordered(outputs: TensorMap, specs: readonly TensorSpec[]): string[] {
  const names = specs.map((s) => s.name).filter((n) => n in outputs);
  return [...names, ...Object.keys(outputs).filter((n) => !names.includes(n))];
}

/** MLflow's dict form: every output as a nested array of its full shape. */
export function outputsAsDict(outputs: TensorMap, specs: readonly TensorSpec[]): Record<string, unknown> {
  return Object.fromEntries(
    ordered(outputs, specs).map((name) => {
      const t = outputs[name]!;
      return [name, nestFlat(fromTensorData(t.type, t.data), t.dims)];
    }),
  );
}

/** MLflow's records form: one object per input row; the dict form when an output is not per-row. */
export function outputsAsRecords(outputs: TensorMap, specs: readonly TensorSpec[], rows: number): unknown {
  const names = ordered(outputs, specs);
  if (!names.every((n) => outputs[n]!.dims[0] === rows)) return outputsAsDict(outputs, specs);
  const columns = names.map((name) => {
    const t = outputs[name]!;
    const rowShape = t.dims.slice(1);
    const perRow = elementCount(rowShape);
    const values = fromTensorData(t.type, t.data);
    return Array.from({ length: rows }, (_, r) => {
      const mine = values.slice(r * perRow, (r + 1) * perRow);
      return perRow === 1 ? mine[0] : nestFlat(mine, rowShape);
    });
  });
  return Array.from({ length: rows }, (_, r) => Object.fromEntries(names.map((n, c) => [n, columns[c]![r]])));
}

/** The v2 REST answer object; `binarySizes` has the byte count of each output sent as binary. */
export function v2AnswerObject(answer: WireAnswer, id: string, binarySizes: ReadonlyMap<string, number>): unknown {
  return {
    model_name: answer.modelName,
    model_version: answer.modelVersion,
    id,
    outputs: answer.outputs.map(({ name, tensor: t }) => {
      const common = { name, shape: t.dims, datatype: v2Datatype(t.type) };
      const size = binarySizes.get(name);
      return size === undefined ? { ...common, data: fromTensorData(t.type, t.data) } : { ...common, parameters: { binary_data_size: size } };
    }),
  };
}
