/**
 * JSON text of tensor values, written straight from the typed arrays: the same bytes JSON.stringify gives for the
 * plain (nested) arrays of their values, without building those arrays. On Node 20 (V8 11), JSON.stringify
 * costs about 80 ns per object key and Array.from of a typed array several hundred ns, so the one-row answers of
 * the HTTP protocols spent 2-4 µs of a ~33 µs request producing their JSON (measured on this project's CI machine).
 */
import type { TensorData } from './dtypes.js';

// Strings JSON.stringify writes as they are, between quotes: no quote, backslash, control character or surrogate.
const PLAIN = /^[^"\\\u0000-\u001f\ud800-\udfff]*$/;

/** A string as JSON, as JSON.stringify writes it (which costs ~120 ns a call on Node 20; this ~60 for a plain one). */
export function stringText(s: string): string {
  return PLAIN.test(s) ? `"${s}"` : JSON.stringify(s);
}

/** One element as JSON: numbers as JSON.stringify writes them (NaN and ±Infinity as null), BOOL as true/false. */
export function elementText(type: string, data: TensorData, i: number): string {
  const v = data[i]!;
  if (typeof v === 'string') return stringText(v);
  if (type === 'bool') return v !== 0 ? 'true' : 'false';
  // 64-bit integers go out as JSON numbers, as fromTensorData converts them.
  const n = typeof v === 'bigint' ? Number(v) : v;
  return Number.isFinite(n) ? String(n) : 'null';
}

/** `count` elements from `start` as a flat JSON array. */
export function flatText(type: string, data: TensorData, start: number, count: number): string {
  let text = '[';
  for (let i = 0; i < count; i += 1) text += (i === 0 ? '' : ',') + elementText(type, data, start + i);
  return `${text}]`;
}

/** The elements from `start` nested as `shape` (row-major); a scalar shape [] is the single element. */
export function nestedText(type: string, data: TensorData, shape: readonly number[], start = 0): string {
  if (shape.length === 0) return elementText(type, data, start);
  if (shape.length === 1) return flatText(type, data, start, shape[0]!);
  const inner = shape.slice(1);
  const stride = inner.reduce((a, b) => a * b, 1);
  let text = '[';
  for (let i = 0; i < shape[0]!; i += 1) text += (i === 0 ? '' : ',') + nestedText(type, data, inner, start + i * stride);
  return `${text}]`;
}

// An array index as JavaScript orders object keys: a canonical integer below 2^32 - 1.
const isIndexKey = (key: string) => /^(0|[1-9]\d*)$/.test(key) && Number(key) < 4294967295;

/**
 * Keys in the order JSON.stringify writes an object built with them in this order: integer-like keys first,
 * ascending (an ONNX export names outputs "17" as often as "label"), then the others as given.
 */
export function objectKeyOrder(keys: readonly string[]): string[] {
  const indices = keys.filter(isIndexKey).sort((a, b) => Number(a) - Number(b));
  return indices.length === 0 ? [...keys] : [...indices, ...keys.filter((k) => !isIndexKey(k))];
}
