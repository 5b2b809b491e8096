/**
 * Run outputs → the `predictions` value of MLflow's scoring server, following what mlflow.onnx's pyfunc returns
 * and how the scoring server serialises it.
 *
 * MLflow's onnx pyfunc returns a pandas DataFrame with one column per output when it was given a DataFrame
 * (dataframe_split, dataframe_records, CSV), and the scoring server writes a DataFrame as records; given a tensor
 * or a dict (instances, inputs) it returns a dict of output arrays, written as-is. So:
 * - DataFrame input → `[{"probabilities": [p0, p1, p2], "label": 0}, ...]`, one record per row.
 * - tensor input → `{"probabilities": [[p0, p1, p2], ...], "label": [0, ...]}`.
 * One deliberate difference: MLflow flattens each output to 1-D before building the DataFrame, so a [batch, 3]
 * output beside a [batch] output makes pandas fail ("All arrays must be of the same length"). Here a row's
 * multi-element output stays an array inside its record instead; a one-element row is a scalar, as MLflow gives.
 */
import { fromTensorData } from './dtypes.js';
import type { TensorMap, TensorSpec } from './model-session.js';
import { elementCount, nestFlat } from './tensor-json.js';

/** Output names in session order (the record key order), keeping only those the run returned. */
function ordered(outputs: TensorMap, specs: readonly TensorSpec[]): string[] {
  const names = specs.map((s) => s.name).filter((n) => n in outputs);
  return [...names, ...Object.keys(outputs).filter((n) => !names.includes(n))];
}

/** The dict form: every output as a nested array of its full shape. */
export function outputsAsDict(outputs: TensorMap, specs: readonly TensorSpec[]): Record<string, unknown> {
  return Object.fromEntries(
    ordered(outputs, specs).map((name) => {
      const t = outputs[name]!;
      return [name, nestFlat(fromTensorData(t.type, t.data), t.dims)];
    }),
  );
}

/** The records form: one object per input row; falls back to the dict form when an output is not per-row. */
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
