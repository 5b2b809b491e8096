// Trains the quick-start model: multinomial logistic regression on Iris in plain TypeScript, exported as ONNX.
// Usage: npx tsx examples/iris/train.ts [--variant v1|v2] [--out <path.onnx>]
// Everything is deterministic (zero initial weights, full-batch gradient descent, fixed split), so re-running
// reproduces the committed model.onnx / model-v2.onnx byte for byte.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BATCH_DIM, ONNX_OUTPUTS, linearClassifierToOnnx } from './onnx-export.js';

/** Column order of iris.csv and of the model input. */
export const FEATURE_NAMES = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'] as const;
/** Class names indexed by the integer label. */
export const CLASS_NAMES = ['setosa', 'versicolor', 'virginica'] as const;

/** Hyper-parameters of one training run. */
export interface TrainConfig {
  iterations: number;
  learningRate: number;
  l2: number;
}

/** The two variants: v2 is deliberately under-trained and over-regularised so a redeploy is observable. */
export const VARIANTS: Record<'v1' | 'v2', TrainConfig> = {
  v1: { iterations: 3000, learningRate: 0.5, l2: 1e-4 },
  v2: { iterations: 40, learningRate: 0.1, l2: 0.05 },
};

/** One labelled data set: rows of features and integer labels. */
export interface Dataset {
  x: number[][];
  y: number[];
}

/** A linear classifier on raw (unstandardised) features, weights laid out `[features][classes]`. */
export interface LinearModel {
  weights: number[][];
  bias: number[];
}

/** Parses iris.csv (header row, four float columns, integer species). */
export function loadIris(path: string): Dataset {
  const lines = readFileSync(path, 'utf8').trim().split('\n').slice(1);
  const x: number[][] = [];
  const y: number[] = [];
  for (const line of lines) {
    const cells = line.split(',').map(Number);
    x.push(cells.slice(0, FEATURE_NAMES.length));
    y.push(cells[FEATURE_NAMES.length]);
  }
  return { x, y };
}

/** Splits deterministically: every 5th row (index 4, 9, ...) is held out, which keeps classes balanced. */
export function splitEveryFifth(data: Dataset): { train: Dataset; heldOut: Dataset } {
  const train: Dataset = { x: [], y: [] };
  const heldOut: Dataset = { x: [], y: [] };
  data.x.forEach((row, i) => {
    const target = i % 5 === 4 ? heldOut : train;
    target.x.push(row);
    target.y.push(data.y[i]);
  });
  return { train, heldOut };
}

/** Fits softmax regression by full-batch gradient descent on standardised features, then folds the scaling in. */
export function trainSoftmaxRegression(data: Dataset, classes: number, config: TrainConfig): LinearModel {
  const n = data.x.length;
  const f = data.x[0].length;
  // Standardising makes one learning rate suit all features; folding it into W and B afterwards keeps the
  // exported graph a plain MatMul + Add over raw centimetres.
  const mean = Array.from({ length: f }, (_, j) => data.x.reduce((s, r) => s + r[j], 0) / n);
  const std = mean.map((m, j) => Math.sqrt(data.x.reduce((s, r) => s + (r[j] - m) ** 2, 0) / n) || 1);
  const z = data.x.map((r) => r.map((v, j) => (v - mean[j]) / std[j]));

  const w = Array.from({ length: f }, () => new Array<number>(classes).fill(0));
  const b = new Array<number>(classes).fill(0);
  for (let it = 0; it < config.iterations; it++) {
    const gw = Array.from({ length: f }, () => new Array<number>(classes).fill(0));
    const gb = new Array<number>(classes).fill(0);
    for (let i = 0; i < n; i++) {
      const p = softmax(logits(z[i], w, b));
      for (let c = 0; c < classes; c++) {
        const err = (p[c] - (data.y[i] === c ? 1 : 0)) / n;
        gb[c] += err;
        for (let j = 0; j < f; j++) gw[j][c] += err * z[i][j];
      }
    }
    for (let c = 0; c < classes; c++) {
      b[c] -= config.learningRate * gb[c];
      for (let j = 0; j < f; j++) w[j][c] -= config.learningRate * (gw[j][c] + config.l2 * w[j][c]);
    }
  }

  const weights = w.map((row, j) => row.map((v) => v / std[j]));
  const bias = b.map((v, c) => v - weights.reduce((s, row, j) => s + row[c] * mean[j], 0));
  return { weights, bias };
}

/** Fraction of rows whose argmax logit equals the label. */
export function accuracy(model: LinearModel, data: Dataset): number {
  const hits = data.x.filter((row, i) => argmax(logits(row, model.weights, model.bias)) === data.y[i]).length;
  return hits / data.x.length;
}

function logits(row: number[], w: number[][], b: number[]): number[] {
  return b.map((bc, c) => row.reduce((s, v, j) => s + v * w[j][c], bc));
}

function softmax(v: number[]): number[] {
  const max = Math.max(...v); // subtracting the max avoids overflow in exp
  const e = v.map((x) => Math.exp(x - max));
  const sum = e.reduce((s, x) => s + x, 0);
  return e.map((x) => x / sum);
}

function argmax(v: number[]): number {
  return v.reduce((best, x, i) => (x > v[best] ? i : best), 0);
}

const round = (v: number): number => Math.round(v * 10000) / 10000;

function main(): void {
  const here = dirname(fileURLToPath(import.meta.url));
  const { values } = parseArgs({
    options: { variant: { type: 'string', default: 'v1' }, out: { type: 'string' } },
  });
  const variant = values.variant;
  if (variant !== 'v1' && variant !== 'v2') {
    throw new Error(`--variant must be v1 or v2, got "${variant}"`);
  }
  const config = VARIANTS[variant];
  const out = values.out
    ? resolve(values.out)
    : resolve(here, variant === 'v1' ? 'model.onnx' : 'model-v2.onnx');

  const data = loadIris(resolve(here, 'iris.csv'));
  const { train, heldOut } = splitEveryFifth(data);
  const model = trainSoftmaxRegression(train, CLASS_NAMES.length, config);
  const acc = {
    train: round(accuracy(model, train)),
    heldOut: round(accuracy(model, heldOut)),
    all: round(accuracy(model, data)),
  };

  const bytes = linearClassifierToOnnx({ weights: model.weights, bias: model.bias });
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, bytes);
  // Sidecar metadata next to the model (model.onnx -> model.json); no timestamps, so re-runs do not churn git.
  const metaPath = out.replace(/\.onnx$/, '') + '.json';
  const meta = {
    name: 'iris-softmax-regression',
    variant,
    format: 'onnx',
    file: out.slice(dirname(out).length + 1),
    sha256: createHash('sha256').update(bytes).digest('hex'),
    features: FEATURE_NAMES,
    classes: CLASS_NAMES,
    inputs: [{ name: 'input', dtype: 'float32', shape: [BATCH_DIM, FEATURE_NAMES.length] }],
    outputs: [
      { name: ONNX_OUTPUTS.probabilities, dtype: 'float32', shape: [BATCH_DIM, CLASS_NAMES.length] },
      { name: ONNX_OUTPUTS.label, dtype: 'int64', shape: [BATCH_DIM] },
    ],
    accuracy: acc,
    training: {
      method: 'multinomial logistic regression, full-batch gradient descent, standardisation folded into weights',
      ...config,
      split: 'every 5th row (0-based index % 5 == 4) held out',
      trainRows: train.x.length,
      heldOutRows: heldOut.x.length,
    },
    onnx: { irVersion: 8, opset: 13, producer: 'zenml-model-deployer' },
  };
  writeFileSync(metaPath, JSON.stringify(meta, null, 2) + '\n');

  // Progress goes to stderr so stdout stays free for anything that pipes this script.
  process.stderr.write(
    `iris ${variant}: train accuracy ${acc.train} (${train.x.length} rows), held-out ${acc.heldOut} ` +
      `(${heldOut.x.length} rows), all ${acc.all}\nwrote ${out} and ${metaPath}\n`,
  );
}

// Only train when run as a script, so tests can import the helpers without side effects.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    main();
  } catch (err) {
    // A usage mistake deserves one line, not a stack trace.
    process.stderr.write(`train: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  }
}
