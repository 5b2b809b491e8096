/**
 * Run outputs → the JSON text of the `predictions` value of MLflow's scoring server, following what mlflow.onnx's
 * pyfunc returns and how the scoring server serialises it.
 *
 * MLflow's onnx pyfunc returns a pandas DataFrame with one column per output when it was given a DataFrame
 * (dataframe_split, dataframe_records, CSV), and the scoring server writes a DataFrame as records; given a tensor
 * or a dict (instances, inputs) it returns a dict of output arrays, written as-is. So:
 * - DataFrame input → `[{"probabilities": [p0, p1, p2], "label": 0}, ...]`, one record per row.
 * - tensor input → `{"probabilities": [[p0, p1, p2], ...], "label": [0, ...]}`.
 * One deliberate difference: MLflow flattens each output to 1-D before building the DataFrame, so a [batch, 3]
 * output beside a [batch] output makes pandas fail ("All arrays must be of the same length"). Here a row's
 * multi-element output stays an array inside its record instead; a one-element row is a scalar, as MLflow gives.
 *
 * The text is written straight from the tensors (json-text.ts): byte for byte what JSON.stringify gives for the
 * records or the dict built as objects, which the property tests check.
 */
import type { TensorMap, TensorSpec } from './model-session.js';
import { elementText, nestedText, objectKeyOrder, stringText } from './json-text.js';
import { elementCount } from './tensor-json.js';

/** Output names in session order, keeping only those the run returned (then any others the run returned). */
function ordered(outputs: TensorMap, specs: readonly TensorSpec[]): string[] {
  const names = specs.map((s) => s.name).filter((n) => n in outputs);
  return [...names, ...Object.keys(outputs).filter((n) => !names.includes(n))];
}

/** The dict form: every output as a nested array of its full shape. */
export function dictText(outputs: TensorMap, specs: readonly TensorSpec[]): string {
  const fields = objectKeyOrder(ordered(outputs, specs)).map((name) => {
    const t = outputs[name]!;
    return `${stringText(name)}:${nestedText(t.type, t.data, t.dims)}`;
  });
  return `{${fields.join(',')}}`;
}

/** The records form: one object per input row; the dict form when an output is not per-row. */
export function recordsText(outputs: TensorMap, specs: readonly TensorSpec[], rows: number): string {
  const names = ordered(outputs, specs);
  if (!names.every((n) => outputs[n]!.dims[0] === rows)) return dictText(outputs, specs);
  const columns = objectKeyOrder(names).map((name) => {
    const t = outputs[name]!;
    const rowShape = t.dims.slice(1);
    return { key: `${stringText(name)}:`, t, rowShape, perRow: elementCount(rowShape) };
  });
  let text = '[';
  for (let r = 0; r < rows; r += 1) {
    text += r === 0 ? '{' : ',{';
    columns.forEach(({ key, t, rowShape, perRow }, c) => {
      const value = perRow === 1 ? elementText(t.type, t.data, r) : nestedText(t.type, t.data, rowShape, r * perRow);
      text += (c === 0 ? '' : ',') + key + value;
    });
    text += '}';
  }
  return `${text}]`;
}
