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

/** Open Inference Protocol v2, one [1, 4] tensor named `name` of `datatype`. */
export function v2Bodies(rows: number[][], name: string, datatype: 'FP32' | 'FP64'): string[] {
  return rows.map((row) => JSON.stringify({ inputs: [{ name, shape: [1, 4], datatype, data: row }] }));
}
