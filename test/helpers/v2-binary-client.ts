// A small client side of the binary tensor data extension, written from the spec independently of the server's
// code: builds request bodies (JSON header + raw little-endian tensors) and splits binary answers.
import { request } from 'node:http';
import type { RawResponse } from './server-harness.js';

/** Raw little-endian bytes of values in a datatype (BYTES: 4-byte length-prefixed UTF-8 elements). */
export function toBytes(datatype: string, values: readonly (number | boolean | string | bigint)[]): Buffer {
  if (datatype === 'BYTES') {
    return Buffer.concat(
      values.map((v) => {
        const s = Buffer.from(String(v), 'utf8');
        const len = Buffer.alloc(4);
        len.writeUInt32LE(s.length);
        return Buffer.concat([len, s]);
      }),
    );
  }
  const width = { FP32: 4, FP64: 8, INT32: 4, INT64: 8, BOOL: 1, UINT8: 1 }[datatype]!;
  const out = Buffer.alloc(values.length * width);
  values.forEach((v, i) => {
    const o = i * width;
    if (datatype === 'FP32') out.writeFloatLE(Number(v), o);
    else if (datatype === 'FP64') out.writeDoubleLE(Number(v), o);
    else if (datatype === 'INT32') out.writeInt32LE(Number(v), o);
    else if (datatype === 'INT64') out.writeBigInt64LE(BigInt(v as number), o);
    else out.writeUInt8(v === true ? 1 : v === false ? 0 : Number(v), o);
  });
  return out;
}

/** Values of raw little-endian bytes in a datatype (INT64 as numbers, BOOL as booleans). */
export function fromBytes(datatype: string, bytes: Buffer): unknown[] {
  const out: unknown[] = [];
  if (datatype === 'BYTES') {
    for (let o = 0; o < bytes.length; ) {
      const len = bytes.readUInt32LE(o);
      out.push(bytes.toString('utf8', o + 4, o + 4 + len));
      o += 4 + len;
    }
    return out;
  }
  const width = { FP32: 4, FP64: 8, INT32: 4, INT64: 8, BOOL: 1 }[datatype]!;
  for (let o = 0; o < bytes.length; o += width) {
    if (datatype === 'FP32') out.push(bytes.readFloatLE(o));
    else if (datatype === 'FP64') out.push(bytes.readDoubleLE(o));
    else if (datatype === 'INT32') out.push(bytes.readInt32LE(o));
    else if (datatype === 'INT64') out.push(Number(bytes.readBigInt64LE(o)));
    else out.push(bytes.readUInt8(o) !== 0);
  }
  return out;
}

/** A request body: the JSON header, then the parts; returns it with the header length. */
export function binaryBody(header: unknown, parts: readonly Buffer[]): { body: Buffer; headerLength: number } {
  const json = Buffer.from(JSON.stringify(header));
  return { body: Buffer.concat([json, ...parts]), headerLength: json.length };
}

/** A binary answer decoded: the JSON header, with each binary output's data filled in from the bytes after it. */
export interface DecodedAnswer {
  status: number;
  headers: RawResponse['headers'];
  header: any;
  /** Output name → values, whether they came as JSON or binary. */
  values: Record<string, unknown[]>;
  /** Output names that came as binary. */
  binaryOutputs: string[];
}

/** POSTs a body (headers as given, nothing added) and decodes a JSON or binary v2 answer. */
export function postBinary(url: string, body: Buffer, headers: Record<string, string>): Promise<DecodedAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'content-length': String(body.length), ...headers }, agent: false }, (r) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('error', reject);
      r.on('end', () => {
        const all = Buffer.concat(chunks);
        const lengthHeader = r.headers['inference-header-content-length'];
        const headerLength = lengthHeader === undefined ? all.length : Number(lengthHeader);
        const header = JSON.parse(all.subarray(0, headerLength).toString('utf8'));
        const values: Record<string, unknown[]> = {};
        const binaryOutputs: string[] = [];
        let offset = headerLength;
        for (const o of header.outputs ?? []) {
          const size = o.parameters?.binary_data_size;
          if (size === undefined) {
            values[o.name] = o.data;
            continue;
          }
          values[o.name] = fromBytes(o.datatype, all.subarray(offset, offset + size));
          binaryOutputs.push(o.name);
          offset += size;
        }
        if (offset !== all.length && lengthHeader !== undefined) reject(new Error(`answer has ${all.length - offset} unread bytes`));
        resolve({ status: r.statusCode ?? 0, headers: r.headers, header, values, binaryOutputs });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}
