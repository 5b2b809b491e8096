/**
 * Element types: onnxruntime's names, the Open Inference Protocol's names, and converting JSON values to and from
 * typed arrays.
 */
import { RequestError } from './http-util.js';

/** onnxruntime element types the server can feed and return. */
export type ElementType =
  | 'float32'
  | 'float64'
  | 'int8'
  | 'uint8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'uint64'
  | 'bool'
  | 'string';

/** The flat data of one tensor, as onnxruntime-node takes and gives it. */
export type TensorData =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array
  | string[];

const V2_NAMES: Record<ElementType, string> = {
  float32: 'FP32',
  float64: 'FP64',
  int8: 'INT8',
  uint8: 'UINT8',
  int16: 'INT16',
  uint16: 'UINT16',
  int32: 'INT32',
  uint32: 'UINT32',
  int64: 'INT64',
  uint64: 'UINT64',
  bool: 'BOOL',
  string: 'BYTES',
};

const INT_RANGES: Partial<Record<ElementType, [number, number]>> = {
  int8: [-128, 127],
  uint8: [0, 255],
  int16: [-32768, 32767],
  uint16: [0, 65535],
  int32: [-2147483648, 2147483647],
  uint32: [0, 4294967295],
  int64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  uint64: [0, Number.MAX_SAFE_INTEGER],
};

const NUMERIC_ARRAYS = {
  float32: Float32Array,
  float64: Float64Array,
  int8: Int8Array,
  uint8: Uint8Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int32: Int32Array,
  uint32: Uint32Array,
} as const;

/** True when the server knows how to convert this onnxruntime type. */
export function isSupportedType(type: string): type is ElementType {
  return Object.hasOwn(V2_NAMES, type);
}

/** The Open Inference Protocol datatype name (FP32, INT64, …) of an onnxruntime type. */
export function v2Datatype(type: ElementType): string {
  return V2_NAMES[type];
}

/** The onnxruntime type for a v2 datatype name, or undefined when unknown. */
export function typeFromV2(datatype: string): ElementType | undefined {
  return V2_TO_TYPE.get(datatype.toUpperCase());
}

// Built once: typeFromV2 runs for every input of every v2 request.
const V2_TO_TYPE = new Map(Object.entries(V2_NAMES).map(([type, v2]) => [v2, type as ElementType]));

function describe(value: unknown): string {
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

// Numbers only: a JSON string such as "1.5" is rejected rather than parsed, so a client that sends the wrong
// column learns it instead of getting silently coerced answers. CSV cells arrive as strings and are parsed first.
function toNumber(value: unknown, type: ElementType, input: string, index: number): number {
  // NaN reaches here only from CSV cells (JSON cannot spell it); floats can carry it, integers cannot.
  if (typeof value === 'number' && (Number.isFinite(value) || (Number.isNaN(value) && INT_RANGES[type] === undefined))) {
    const range = INT_RANGES[type];
    if (range === undefined) return value;
    if (Number.isInteger(value) && value >= range[0] && value <= range[1]) return value;
    throw new RequestError(
      400,
      `input '${input}' expects ${v2Datatype(type)} integers in [${range[0]}, ${range[1]}], got ${describe(value)} at index ${index}`,
    );
  }
  if (typeof value === 'boolean' && type !== 'float32' && type !== 'float64') return value ? 1 : 0;
  throw new RequestError(400, `input '${input}' expects ${v2Datatype(type)} numbers, got ${describe(value)} at index ${index}`);
}

/** Converts flat JSON values to the typed array onnxruntime wants for `type`; bad elements are 400s naming the input. */
export function toTensorData(type: ElementType, values: readonly unknown[], input: string): TensorData {
  const n = values.length;
  switch (type) {
    case 'string':
      return values.map((v, i) => {
        if (typeof v === 'string') return v;
        throw new RequestError(400, `input '${input}' expects BYTES strings, got ${describe(v)} at index ${i}`);
      });
    case 'bool': {
      const out = new Uint8Array(n);
      values.forEach((v, i) => {
        if (typeof v === 'boolean' || v === 0 || v === 1) out[i] = v ? 1 : 0;
        else throw new RequestError(400, `input '${input}' expects BOOL values (true/false), got ${describe(v)} at index ${i}`);
      });
      return out;
    }
    case 'int64':
    case 'uint64': {
      const out = type === 'int64' ? new BigInt64Array(n) : new BigUint64Array(n);
      values.forEach((v, i) => (out[i] = BigInt(toNumber(v, type, input, i))));
      return out;
    }
    default: {
      const out = new NUMERIC_ARRAYS[type](n);
      values.forEach((v, i) => (out[i] = toNumber(v, type, input, i)));
      return out;
    }
  }
}

/** Converts tensor data to plain JSON values: 64-bit integers become numbers, BOOL becomes true/false. */
export function fromTensorData(type: string, data: ArrayLike<unknown>): unknown[] {
  if (type === 'bool') return Array.from(data as Uint8Array, (v) => v !== 0);
  // int64 outputs (class labels, indices) are far below 2^53 in practice; JSON has no integer type to do better.
  if (type === 'int64' || type === 'uint64') return Array.from(data as BigInt64Array, (v) => Number(v));
  return Array.from(data);
}

/** Creates a zeroed array of the same kind and the given length (for concatenating batches). */
export function allocateLike(type: ElementType, length: number): TensorData {
  if (type === 'string') return new Array<string>(length).fill('');
  if (type === 'bool') return new Uint8Array(length);
  if (type === 'int64') return new BigInt64Array(length);
  if (type === 'uint64') return new BigUint64Array(length);
  return new NUMERIC_ARRAYS[type](length);
}
