/**
 * Nested JSON arrays → flat row-major data plus shape, and the shape checks both protocols share (answers are
 * written back as text by json-text.ts).
 */
import { RequestError } from './http-util.js';

/** A tensor as the protocols exchange it before typing: flat values and their shape. */
export interface FlatTensor {
  /** Dimension sizes, outermost first. */
  shape: number[];
  /** Values in row-major order. */
  values: unknown[];
}

/** Deepest nesting accepted in request data (ONNX Runtime tensors rarely exceed rank 8). */
export const MAX_RANK = 32;

/** Flattens a (possibly nested) rectangular JSON array; ragged arrays are 400s naming the input. */
export function flattenNested(value: unknown, input: string): FlatTensor {
  if (!Array.isArray(value)) return { shape: [], values: [value] };
  const shape: number[] = [];
  for (let level: unknown = value; Array.isArray(level); level = level[0]) {
    shape.push(level.length);
    // Deeper nesting than any model takes is a client error, and would otherwise exhaust the stack below.
    if (shape.length > MAX_RANK) throw new RequestError(400, `input '${input}' is nested more than ${MAX_RANK} levels deep`);
    if (level.length === 0) break;
  }
  const values: unknown[] = [];
  const walk = (node: unknown, depth: number, where: string): void => {
    if (depth === shape.length) {
      if (Array.isArray(node)) throw ragged(input, where, 'a value', 'a list');
      values.push(node);
      return;
    }
    if (!Array.isArray(node)) throw ragged(input, where, `a list of ${shape[depth]}`, JSON.stringify(node) ?? 'nothing');
    if (node.length !== shape[depth]) throw ragged(input, where, `a list of ${shape[depth]}`, `a list of ${node.length}`);
    node.forEach((child, i) => walk(child, depth + 1, `${where}[${i}]`));
  };
  walk(value, 0, '');
  return { shape, values };
}

function ragged(input: string, where: string, expected: string, got: string): RequestError {
  return new RequestError(400, `input '${input}' is not rectangular: expected ${expected} at ${where || 'top level'}, got ${got}`);
}

/** Number of elements of a shape. */
export function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * Renders a shape as `[-1,4]`: JSON, as error messages and the v2 answers write it. A loop, not join(): the answers
 * write one per output, and join() cost ~90 ns of it on Node 20, the loop ~30.
 */
export function formatShape(shape: readonly number[]): string {
  let text = '[';
  for (let i = 0; i < shape.length; i += 1) text += (i === 0 ? '' : ',') + String(shape[i]);
  return `${text}]`;
}

/**
 * True when `actual` fits the model's `expected` shape: same rank, and equal where the model fixes a size
 * (-1 is dynamic). An empty `expected` means the model did not declare a shape, so anything fits.
 */
export function shapeMatches(expected: readonly number[] | undefined, actual: readonly number[]): boolean {
  if (expected === undefined) return true;
  if (expected.length !== actual.length) return false;
  return expected.every((dim, i) => dim < 0 || dim === actual[i]);
}
