// Reference answers: the same model run with onnxruntime-node on the same rows, to compare the server against.
// It runs in a child node process: inside jest's VM sandbox onnxruntime-node's outputs are typed arrays from
// another realm and onnxruntime-common's instanceof check rejects them (microsoft/onnxruntime#16622).
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { ROOT } from './server-harness.js';

const run = promisify(execFile);

const SCRIPT = `
import ort from 'onnxruntime-node';
const { model, rows } = JSON.parse(process.argv[1]);
const session = await ort.InferenceSession.create(model);
const out = await session.run({ input: new ort.Tensor('float32', Float32Array.from(rows.flat()), [rows.length, 4]) });
const probs = Array.from(out.probabilities.data);
const labels = Array.from(out.label.data, Number);
process.stdout.write(JSON.stringify(rows.map((_, i) => ({ probabilities: probs.slice(i * 3, i * 3 + 3), label: labels[i] }))));
`;

/** Rows of examples/iris/iris.csv (features only), spread over the file so every class is present. */
export function irisRows(count = 150): number[][] {
  const lines = readFileSync(`${ROOT}/examples/iris/iris.csv`, 'utf8').trim().split('\n').slice(1);
  const step = Math.max(1, Math.floor(lines.length / count));
  return lines
    .filter((_, i) => i % step === 0)
    .slice(0, count)
    .map((l) => l.split(',').slice(0, 4).map(Number));
}

/** Iris predictions as rows: probabilities and label per input row. */
export interface IrisAnswer {
  probabilities: number[];
  label: number;
}

/** Runs an iris-signature model with onnxruntime-node (in a child process) on `rows`. */
export async function irisReference(modelPath: string, rows: number[][]): Promise<IrisAnswer[]> {
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', SCRIPT, JSON.stringify({ model: modelPath, rows })], {
    cwd: ROOT,
    timeout: 30_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(stdout) as IrisAnswer[];
}

/** Asserts two iris answers agree (probabilities to 1e-6, labels exactly). */
export function expectIrisClose(actual: IrisAnswer[], expected: IrisAnswer[]): void {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((a, i) => {
    expect(a.label).toBe(expected[i]!.label);
    a.probabilities.forEach((p, j) => expect(p).toBeCloseTo(expected[i]!.probabilities[j]!, 6));
  });
}

/** True when two iris answers agree (same tolerance as expectIrisClose), for use inside loops. */
export function irisClose(a: IrisAnswer, b: IrisAnswer): boolean {
  return a.label === b.label && a.probabilities.every((p, j) => Math.abs(p - b.probabilities[j]!) < 1e-6);
}
