/**
 * gRPC typed tensor contents (`InferTensorContents`) ↔ values: which repeated field carries which datatype, per the
 * KServe v2 spec. Raw contents go through tensor-raw.ts instead.
 */
import { fromTensorData, v2Datatype, type ElementType, type TensorData } from './dtypes.js';
import { RequestError } from './http-util.js';

/** The decoded InferTensorContents message (decoded with `defaults: true`: every field is present). */
export interface TensorContents {
  bool_contents?: boolean[];
  int_contents?: number[];
  int64_contents?: number[];
  uint_contents?: number[];
  uint64_contents?: number[];
  fp32_contents?: number[];
  fp64_contents?: number[];
  bytes_contents?: Buffer[];
}

const FIELD: Record<string, keyof TensorContents> = {
  BOOL: 'bool_contents',
  INT8: 'int_contents',
  INT16: 'int_contents',
  INT32: 'int_contents',
  INT64: 'int64_contents',
  UINT8: 'uint_contents',
  UINT16: 'uint_contents',
  UINT32: 'uint_contents',
  UINT64: 'uint64_contents',
  FP32: 'fp32_contents',
  FP64: 'fp64_contents',
  BYTES: 'bytes_contents',
};

/** The flat values of an input's typed contents (BYTES elements as UTF-8 strings). */
export function contentsValues(datatype: string, contents: TensorContents | null | undefined, input: string): unknown[] {
  const field = FIELD[datatype.toUpperCase()];
  if (field === undefined) return [];
  const values = contents?.[field] ?? [];
  for (const [other, list] of Object.entries(contents ?? {})) {
    if (other !== field && Array.isArray(list) && list.length > 0) {
      throw new RequestError(400, `input '${input}' is ${datatype}, whose values go in contents.${field}, but contents.${other} is set`);
    }
  }
  return field === 'bytes_contents' ? (values as Buffer[]).map((b) => Buffer.from(b).toString('utf8')) : values;
}

/** The typed contents of an output (the form a request with typed inputs gets back). */
export function toContents(type: ElementType, data: TensorData): TensorContents {
  const field = FIELD[v2Datatype(type)]!;
  if (type === 'string') return { [field]: (data as string[]).map((s) => Buffer.from(s, 'utf8')) };
  return { [field]: fromTensorData(type, data) };
}
