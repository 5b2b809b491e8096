// The quick-start model must be a real ONNX file that onnxruntime loads and that classifies Iris well;
// model-v2 must differ so redeploy tests can tell the two apart.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { linearClassifierToOnnx } from '../examples/iris/onnx-export.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const irisDir = resolve(repoRoot, 'examples/iris');

function loadCsv(): { x: number[]; y: number[] } {
  const lines = readFileSync(resolve(irisDir, 'iris.csv'), 'utf8').trim().split('\n');
  expect(lines[0]).toBe('sepal_length,sepal_width,petal_length,petal_width,species');
  const rows = lines.slice(1).map((l) => l.split(',').map(Number));
  return { x: rows.flatMap((r) => r.slice(0, 4)), y: rows.map((r) => r[4]) };
}

// onnxruntime runs in a child node process: inside jest's VM sandbox the native binding returns typed arrays
// from the outer realm, and onnxruntime-common's `instanceof Float32Array` check on outputs then throws
// ("A float32 tensor's data must be type of Float32Array", microsoft/onnxruntime#16622).
const ORT_SCRIPT = `
import * as ort from 'onnxruntime-node';
let raw = '';
for await (const chunk of process.stdin) raw += chunk;
const { model, x, features } = JSON.parse(raw);
const session = await ort.InferenceSession.create(model);
const input = new ort.Tensor('float32', Float32Array.from(x), [x.length / features, features]);
const out = await session.run({ input });
process.stdout.write(JSON.stringify({
  inputNames: session.inputNames,
  outputNames: session.outputNames,
  dims: out.probabilities.dims,
  probs: Array.from(out.probabilities.data),
  labelType: out.label.type,
  labelDims: out.label.dims,
  labels: Array.from(out.label.data, Number),
}));
await session.release();
`;

interface Prediction {
  inputNames: string[];
  outputNames: string[];
  dims: number[];
  probs: number[];
  labelType: string;
  labelDims: number[];
  labels: number[];
}

function predict(model: string, x: number[], features = 4): Prediction {
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', ORT_SCRIPT], {
    cwd: repoRoot, // so the child resolves onnxruntime-node from this project
    input: JSON.stringify({ model, x, features }),
    encoding: 'utf8',
    timeout: 30_000,
  });
  if (child.status !== 0) throw new Error(`onnxruntime child failed (${child.status}): ${child.stderr}`);
  return JSON.parse(child.stdout) as Prediction;
}

const argmax = (row: ArrayLike<number>): number => {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i] > row[best]) best = i;
  return best;
};

describe('iris example model', () => {
  const data = loadCsv();

  it('has 150 rows with 50 of each class', () => {
    expect(data.y).toHaveLength(150);
    expect([0, 1, 2].map((c) => data.y.filter((y) => y === c).length)).toEqual([50, 50, 50]);
  });

  it('model.onnx classifies all 150 rows with accuracy >= 0.95 and label = argmax(probabilities)', () => {
    const { inputNames, outputNames, probs, labels, dims, labelType, labelDims } = predict(
      resolve(irisDir, 'model.onnx'),
      data.x,
    );
    expect(inputNames).toEqual(['input']);
    expect(outputNames).toEqual(['probabilities', 'label']);
    expect(dims).toEqual([150, 3]);
    expect(labelType).toBe('int64');
    expect(labelDims).toEqual([150]);
    let hits = 0;
    for (let i = 0; i < 150; i++) {
      const row = probs.slice(i * 3, i * 3 + 3);
      expect(row[0] + row[1] + row[2]).toBeCloseTo(1, 5);
      expect(labels[i]).toBe(argmax(row));
      if (labels[i] === data.y[i]) hits++;
    }
    expect(hits / 150).toBeGreaterThanOrEqual(0.95);
  });

  it('model-v2.onnx gives different probabilities from model.onnx', () => {
    const v1 = predict(resolve(irisDir, 'model.onnx'), data.x);
    const v2 = predict(resolve(irisDir, 'model-v2.onnx'), data.x);
    const maxDiff = v1.probs.reduce((m, p, i) => Math.max(m, Math.abs(p - v2.probs[i])), 0);
    expect(maxDiff).toBeGreaterThan(0.05);
  });

  it('model.json describes model.onnx and reports its accuracy', () => {
    const meta = JSON.parse(readFileSync(resolve(irisDir, 'model.json'), 'utf8'));
    expect(meta.classes).toEqual(['setosa', 'versicolor', 'virginica']);
    expect(meta.inputs[0]).toEqual({ name: 'input', dtype: 'float32', shape: ['batch', 4] });
    expect(meta.accuracy.all).toBeGreaterThanOrEqual(0.95);
    // A stale sidecar (model retrained, json not regenerated) would mislead anyone deploying the example.
    const sha = createHash('sha256').update(readFileSync(resolve(irisDir, 'model.onnx'))).digest('hex');
    expect(meta.sha256).toBe(sha);
  });
});

describe('linearClassifierToOnnx', () => {
  let tmp: string;
  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'iris-onnx-'));
  });
  afterAll(() => {
    rmSync(tmp, { recursive: true, force: true });
  });

  it('computes softmax(x·W + B) and its argmax for any batch size', () => {
    // Two features, three classes, hand-picked so the expected logits are easy to check.
    const weights = [
      [1, -1, 0.5],
      [0, 2, -1],
    ];
    const bias = [0.1, -0.2, 0.3];
    const modelPath = join(tmp, 'tiny.onnx');
    writeFileSync(modelPath, linearClassifierToOnnx({ weights, bias }));
    const x = [1, 2, -3, 0.5, 0, 0];
    const { probs, labels, dims } = predict(modelPath, x, 2);
    expect(dims).toEqual([3, 3]);
    for (let i = 0; i < 3; i++) {
      const logits = bias.map((b, c) => b + x[i * 2] * weights[0][c] + x[i * 2 + 1] * weights[1][c]);
      const exp = logits.map(Math.exp);
      const sum = exp.reduce((s, v) => s + v, 0);
      exp.forEach((e, c) => expect(probs[i * 3 + c]).toBeCloseTo(e / sum, 5));
      expect(labels[i]).toBe(argmax(logits));
    }
  });

  it('rejects weights whose class count disagrees with the bias', () => {
    expect(() => linearClassifierToOnnx({ weights: [[1, 2]], bias: [0, 0, 0] })).toThrow(/weights\[0\]/);
  });
});
