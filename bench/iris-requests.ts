/** The one-row requests every server gets: the same iris rows in each protocol's JSON. */
import { readFileSync } from 'node:fs';
import { IRIS_CSV } from './project.js';

/** Column names of examples/iris/iris.csv (and of the MLflow model's signature). */
export const FEATURES = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'];

/** Eight rows spread over the three classes (every 19th row of the CSV). */
export function irisRows(count = 8): number[][] {
  const lines = readFileSync(IRIS_CSV, 'utf8').trim().split('\n').slice(1);
  const rows: number[][] = [];
  for (let i = 0; i < lines.length && rows.length < count; i += 19) rows.push(lines[i].split(',').slice(0, 4).map(Number));
  return rows;
}

/** MLflow scoring protocol: `{"dataframe_split": …}` with one row. */
export function mlflowBodies(rows: number[][]): string[] {
  return rows.map((row) => JSON.stringify({ dataframe_split: { columns: FEATURES, data: [row] } }));
}

/** Open Inference Protocol v2 (JSON), one [1, 4] tensor named `name` of `datatype`. */
export function v2Bodies(rows: number[][], name: string, datatype: 'FP32' | 'FP64'): string[] {
  return rows.map((row) => JSON.stringify({ inputs: [{ name, shape: [1, 4], datatype, data: row }] }));
}

/**
 * Open Inference Protocol v2 with the binary tensor data extension: a JSON header (its length in the
 * Inference-Header-Content-Length header) followed by the [1, 4] FP32 row as raw little-endian bytes, asking
 * for binary outputs, as tritonclient sends by default.
 */
export function v2BinaryBodies(rows: number[][]): Array<{ body: Buffer; headerLength: number }> {
  return rows.map((row) => {
    const header = Buffer.from(JSON.stringify({
      inputs: [{ name: 'input', shape: [1, 4], datatype: 'FP32', parameters: { binary_data_size: 16 } }],
      outputs: [{ name: 'label', parameters: { binary_data: true } }, { name: 'probabilities', parameters: { binary_data: true } }],
    }));
    return { body: Buffer.concat([header, Buffer.from(new Float32Array(row).buffer)]), headerLength: header.length };
  });
}

/**
 * One v2 request of many rows (the `rows` repeated up to `count`) as a [count, 4] FP32 tensor, in JSON and with the
 * binary tensor data extension: where payloads are large enough for the encoding to matter.
 */
export function v2BatchBodies(rows: number[][], count: number): { json: Buffer; binary: { body: Buffer; headerLength: number } } {
  const flat = Array.from({ length: count }, (_, i) => rows[i % rows.length]).flat();
  const json = Buffer.from(JSON.stringify({ inputs: [{ name: 'input', shape: [count, 4], datatype: 'FP32', data: flat }] }));
  const raw = Buffer.from(new Float32Array(flat).buffer);
  const header = Buffer.from(JSON.stringify({
    inputs: [{ name: 'input', shape: [count, 4], datatype: 'FP32', parameters: { binary_data_size: raw.length } }],
    outputs: [{ name: 'label', parameters: { binary_data: true } }, { name: 'probabilities', parameters: { binary_data: true } }],
  }));
  return { json, binary: { body: Buffer.concat([header, raw]), headerLength: header.length } };
}
