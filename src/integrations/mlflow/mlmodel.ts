/** Reading an MLflow model directory's `MLmodel` file: which flavors it has and how we can serve it. */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { UsageError } from '../../errors.js';

/** The MLmodel file's name inside a model directory. */
export const MLMODEL_FILE = 'MLmodel';

/** How a model is served: by our own ONNX server, or by `mlflow models serve` through its python_function flavor. */
export type ServingFlavor = 'onnx' | 'python_function';

/** What the deployer needs from an MLmodel file. */
export interface MlModel {
  /** The model directory (absolute). */
  dir: string;
  /** Its MLmodel file. */
  file: string;
  /** Every flavor the file lists, e.g. ['python_function', 'sklearn']. */
  flavors: string[];
  /** The flavor we serve it with: onnx wins, since our server gives batching, metrics and hot swap. */
  serving: ServingFlavor;
  /** The .onnx file (`<dir>/<flavors.onnx.data>`), for the onnx flavor. */
  onnxPath?: string;
  /** `flavors.python_function.loader_module`, e.g. mlflow.sklearn. */
  pyfuncLoader?: string;
  /** One line about the signature's inputs, e.g. `sepal_length: double, …`; '' without a signature. */
  inputs: string;
  mlflowVersion: string;
}

/**
 * Read and check the MLflow model at `dirOrFile` (a model directory, or its MLmodel file). UsageError
 * naming the file when there is no MLmodel, it is not YAML, or neither flavor we serve is in it.
 */
export function readMlModel(dirOrFile: string): MlModel {
  const dir = path.basename(dirOrFile) === MLMODEL_FILE && isFile(dirOrFile) ? path.dirname(dirOrFile) : dirOrFile;
  if (isFile(dir)) {
    throw new UsageError(`${dir}: the mlflow deployer takes an MLflow model directory (with its ${MLMODEL_FILE} file), not a file`, {
      suggestion: 'serve a bare .onnx file with the local flavor',
    });
  }
  const file = path.join(dir, MLMODEL_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new UsageError(`${file} does not exist: ${dir} is not an MLflow model directory`, {
      suggestion: 'pass the directory mlflow.<flavor>.save_model wrote, or a runs:/ or models:/ URI',
    });
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (error) {
    throw new UsageError(`${file}: not valid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  const flavorMap = record(record(doc).flavors);
  const flavors = Object.keys(flavorMap);
  if (flavors.length === 0) throw new UsageError(`${file}: no flavors listed; expected python_function or onnx`);
  const onnx = flavorMap.onnx === undefined ? undefined : record(flavorMap.onnx);
  const pyfunc = flavorMap.python_function === undefined ? undefined : record(flavorMap.python_function);
  if (!onnx && !pyfunc) {
    throw new UsageError(
      `${file}: flavor ${flavors.join(', ')} cannot be served; MLflow serves models with the python_function flavor, and zenml serves onnx`,
    );
  }
  const common = {
    dir,
    file,
    flavors,
    pyfuncLoader: typeof pyfunc?.loader_module === 'string' ? pyfunc.loader_module : undefined,
    inputs: signatureInputs(record(record(doc).signature).inputs),
    mlflowVersion: String(record(doc).mlflow_version ?? ''),
  };
  if (!onnx) return { ...common, serving: 'python_function' };
  if (typeof onnx.data !== 'string' || !onnx.data) throw new UsageError(`${file}: flavors.onnx.data is missing`);
  const onnxPath = path.resolve(dir, onnx.data);
  if (!isFile(onnxPath)) throw new UsageError(`${file}: flavors.onnx.data names ${onnxPath}, which does not exist`);
  return { ...common, serving: 'onnx', onnxPath };
}

/** `name: type, …` for column signatures, `tensor dtype [shape]` for tensor ones (MLflow stores them as JSON text). */
function signatureInputs(raw: unknown): string {
  if (typeof raw !== 'string') return '';
  try {
    const specs = JSON.parse(raw) as Array<Record<string, unknown>>;
    return specs
      .map((s) => {
        const tensor = record(s['tensor-spec']);
        const type = s.type === 'tensor' ? `tensor ${String(tensor.dtype)} ${JSON.stringify(tensor.shape)}` : String(s.type);
        return s.name ? `${String(s.name)}: ${type}` : type;
      })
      .join(', ');
  } catch {
    return '';
  }
}

function record(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}
