/**
 * Raw tensor bytes ↔ typed tensor data, as the binary tensor data extension (HTTP) and gRPC raw contents carry them:
 * little-endian, row-major, no padding; BOOL one byte per element; BYTES each element as a 4-byte little-endian
 * length followed by its bytes.
 */
import { endianness } from 'node:os';
import { v2Datatype, type ElementType, type TensorData } from './dtypes.js';
import { RequestError } from './http-util.js';
import { formatShape } from './tensor-json.js';

const BYTES_PER_ELEMENT: Record<Exclude<ElementType, 'string'>, number> = {
  float32: 4,
  float64: 8,
  int8: 1,
  uint8: 1,
  int16: 2,
  uint16: 2,
  int32: 4,
  uint32: 4,
  int64: 8,
  uint64: 8,
  bool: 1,
};

const ARRAYS = {
  float32: Float32Array,
  float64: Float64Array,
  int8: Int8Array,
  uint8: Uint8Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int32: Int32Array,
  uint32: Uint32Array,
  int64: BigInt64Array,
  uint64: BigUint64Array,
  bool: Uint8Array,
} as const;

// Typed arrays use the host's byte order; the wire is little-endian. Every mainstream Node platform is little-endian,
// so the swap below only ever runs on the rare big-endian host.
const SWAP = endianness() === 'BE';

function swapInPlace(bytes: Buffer, width: number): void {
  if (width === 2) bytes.swap16();
  else if (width === 4) bytes.swap32();
  else if (width === 8) bytes.swap64();
}

/** Bytes the raw form of `count` elements of a fixed-size type takes; undefined for BYTES (variable). */
export function rawByteSize(type: ElementType, count: number): number | undefined {
  return type === 'string' ? undefined : BYTES_PER_ELEMENT[type] * count;
}

/**
 * Decodes one input's raw bytes into the typed array onnxruntime takes. A size that does not match the shape and
 * datatype is a 400 naming the input, the size and what the shape needs.
 */
export function decodeRaw(type: ElementType, bytes: Uint8Array, shape: readonly number[], count: number, input: string): TensorData {
  if (type === 'string') return decodeBytesElements(bytes, count, input);
  const width = BYTES_PER_ELEMENT[type];
  if (bytes.length !== width * count) {
    throw new RequestError(
      400,
      `input '${input}' has ${bytes.length} bytes of ${v2Datatype(type)} data, but shape ${formatShape(shape)} needs ${width * count} (${count} × ${width})`,
    );
  }
  // A copy into a fresh buffer: the request bytes may sit at an offset a typed array cannot start at, and the
  // tensor must not keep the whole request body alive.
  const copy = Buffer.allocUnsafe(bytes.length);
  copy.set(bytes);
  if (SWAP && width > 1) swapInPlace(copy, width);
  const data = new ARRAYS[type](copy.buffer, copy.byteOffset, count);
  if (type === 'bool') for (let i = 0; i < count; i += 1) if (data[i]! > 1) data[i] = 1;
  return data;
}

function decodeBytesElements(bytes: Uint8Array, count: number, input: string): string[] {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const out: string[] = [];
  let offset = 0;
  while (offset < view.length) {
    if (offset + 4 > view.length) throw new RequestError(400, `input '${input}' has a truncated BYTES length prefix at byte ${offset}`);
    const length = view.readUInt32LE(offset);
    offset += 4;
    if (offset + length > view.length) {
      throw new RequestError(400, `input '${input}' has a BYTES element of ${length} bytes at byte ${offset - 4}, past the end of its ${view.length} bytes`);
    }
    out.push(view.toString('utf8', offset, offset + length));
    offset += length;
  }
  if (out.length !== count) throw new RequestError(400, `input '${input}' has ${out.length} BYTES elements, but its shape needs ${count}`);
  return out;
}

/** Encodes typed tensor data as raw little-endian bytes (BYTES as length-prefixed elements). */
export function encodeRaw(type: ElementType, data: TensorData): Buffer {
  if (type === 'string') {
    const parts = (data as string[]).map((s) => Buffer.from(s, 'utf8'));
    const out = Buffer.allocUnsafe(parts.reduce((n, p) => n + 4 + p.length, 0));
    let offset = 0;
    for (const p of parts) {
      offset = out.writeUInt32LE(p.length, offset);
      offset += p.copy(out, offset);
    }
    return out;
  }
  const typed = data as Exclude<TensorData, string[]>;
  const view = Buffer.from(typed.buffer, typed.byteOffset, typed.byteLength);
  if (!SWAP || BYTES_PER_ELEMENT[type] === 1) return view;
  const copy = Buffer.from(view);
  swapInPlace(copy, BYTES_PER_ELEMENT[type]);
  return copy;
}
