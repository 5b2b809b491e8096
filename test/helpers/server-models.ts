// Builds small real ONNX models for the server tests: one with an input of every element type the server must
// handle, and one with a fixed batch dimension. They are written with onnx-proto, as examples/iris does.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import type { onnx as Onnx } from 'onnx-proto';

const { onnx } = onnxProto;

type Dim = number | string;

function valueInfo(name: string, elemType: number, dims: Dim[]): Onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) },
      },
    },
  };
}

function encode(graph: Onnx.IGraphProto): Uint8Array {
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 13 }],
    producerName: 'zenml-model-deployer-tests',
    graph,
  });
  return onnx.ModelProto.encode(model).finish();
}

/**
 * Inputs `f64` FP64 [n,2], `i32` INT32 [n], `i64` INT64 [n], `flag` BOOL [n]; outputs each doubled (x + x) and
 * `flag_not` = not flag. Every dimension 0 is dynamic, so it is batchable.
 */
export function typedModel(): Uint8Array {
  const { DOUBLE, INT32, INT64, BOOL } = onnx.TensorProto.DataType;
  return encode({
    name: 'typed',
    node: [
      { opType: 'Add', input: ['f64', 'f64'], output: ['f64_double'] },
      { opType: 'Add', input: ['i32', 'i32'], output: ['i32_double'] },
      { opType: 'Add', input: ['i64', 'i64'], output: ['i64_double'] },
      { opType: 'Not', input: ['flag'], output: ['flag_not'] },
    ],
    input: [valueInfo('f64', DOUBLE, ['n', 2]), valueInfo('i32', INT32, ['n']), valueInfo('i64', INT64, ['n']), valueInfo('flag', BOOL, ['n'])],
    output: [
      valueInfo('f64_double', DOUBLE, ['n', 2]),
      valueInfo('i32_double', INT32, ['n']),
      valueInfo('i64_double', INT64, ['n']),
      valueInfo('flag_not', BOOL, ['n']),
    ],
  });
}

/** Input `x` FP32 [1,4] (fixed batch of one), output `y` = x + x: the server must not batch it. */
export function fixedBatchModel(): Uint8Array {
  const { FLOAT } = onnx.TensorProto.DataType;
  return encode({
    name: 'fixed',
    node: [{ opType: 'Add', input: ['x', 'x'], output: ['y'] }],
    input: [valueInfo('x', FLOAT, [1, 4])],
    output: [valueInfo('y', FLOAT, [1, 4])],
  });
}

/** Input `text` STRING [n], output `echo` = Identity(text): the BYTES datatype end to end. */
export function stringModel(): Uint8Array {
  const { STRING } = onnx.TensorProto.DataType;
  return encode({
    name: 'strings',
    node: [{ opType: 'Identity', input: ['text'], output: ['echo'] }],
    input: [valueInfo('text', STRING, ['n'])],
    output: [valueInfo('echo', STRING, ['n'])],
  });
}

/** Writes the test models (and a file that is not a model) into `dir`; returns their paths. */
export function writeTestModels(dir: string): { typed: string; fixed: string; strings: string; corrupt: string } {
  const paths = { typed: join(dir, 'typed.onnx'), fixed: join(dir, 'fixed.onnx'), strings: join(dir, 'strings.onnx'), corrupt: join(dir, 'corrupt.onnx') };
  writeFileSync(paths.typed, typedModel());
  writeFileSync(paths.fixed, fixedBatchModel());
  writeFileSync(paths.strings, stringModel());
  writeFileSync(paths.corrupt, 'this is not an onnx model\n');
  return paths;
}
