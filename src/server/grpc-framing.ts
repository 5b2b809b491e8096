/**
 * The gRPC-over-HTTP/2 wire details (https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md) that are pure
 * functions: length-prefixed message frames, the `grpc-timeout` header, the percent-encoded `grpc-message`.
 */
import { Status, type StatusCode } from './grpc-status.js';

/** A call that must end with this status before (or instead of) reaching its handler. */
export class GrpcCallError extends Error {
  constructor(
    /** The gRPC status to send. */
    readonly code: StatusCode,
    message: string,
  ) {
    super(message);
    this.name = 'GrpcCallError';
  }
}

/** Bytes of a frame header: a compressed-flag byte and a big-endian uint32 length. */
export const FRAME_HEADER = 5;

/** One message as a frame: flag 0 (not compressed), length, bytes. */
export function encodeFrame(message: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(FRAME_HEADER + message.length);
  frame[0] = 0;
  frame.writeUInt32BE(message.length, 1);
  frame.set(message, FRAME_HEADER);
  return frame;
}

/**
 * Collects the one request message of a unary call from DATA chunks. `push` throws a GrpcCallError as soon as the
 * bytes show a problem (a compressed message, one over `limit`, a second message), so a bad call is answered
 * without reading the rest; `end` returns the message once the client has half-closed.
 */
export class UnaryFrameReader {
  private chunks: Buffer[] = [];
  private size = 0;
  private length = -1;

  constructor(
    private readonly limit: number,
    private readonly method: string,
  ) {}

  /** Takes one DATA chunk. */
  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    if (this.length < 0 && this.size >= FRAME_HEADER) this.readHeader();
    if (this.length >= 0 && this.size > FRAME_HEADER + this.length) {
      throw new GrpcCallError(Status.UNIMPLEMENTED, `${this.method} is unary: send one request message per call (streaming is not supported)`);
    }
  }

  /** The message, once the request stream has ended. */
  end(): Buffer {
    if (this.size === 0) throw new GrpcCallError(Status.INTERNAL, `no request message: ${this.method} takes exactly one`);
    if (this.length < 0 || this.size < FRAME_HEADER + this.length) {
      const declared = this.length < 0 ? 'a frame header' : `a ${this.length}-byte message`;
      throw new GrpcCallError(Status.INTERNAL, `the request ended inside ${declared}: got ${this.size} bytes in all`);
    }
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.size);
    return all.subarray(FRAME_HEADER);
  }

  private readHeader(): void {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks, this.size)];
    const head = this.chunks[0]!;
    const flag = head[0];
    if (flag === 1) {
      throw new GrpcCallError(Status.UNIMPLEMENTED, 'compressed messages are not supported: send them uncompressed (grpc-encoding identity)');
    }
    if (flag !== 0) throw new GrpcCallError(Status.INTERNAL, `bad frame: compressed flag ${flag}, expected 0 or 1`);
    this.length = head.readUInt32BE(1);
    if (this.length > this.limit) {
      // grpc-js's wording, so clients that match on it keep working.
      throw new GrpcCallError(Status.RESOURCE_EXHAUSTED, `Received message larger than max (${this.length} vs. ${this.limit})`);
    }
  }
}

const UNIT_MS: Record<string, number> = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 1e-3, n: 1e-6 };

/** Milliseconds in a `grpc-timeout` value (`100m`, `5S`: at most 8 digits and a unit); throws INTERNAL when malformed. */
export function parseTimeout(value: string): number {
  const match = /^(\d{1,8})([HMSmun])$/.exec(value.trim());
  if (match === null) throw new GrpcCallError(Status.INTERNAL, `invalid grpc-timeout value "${value}": expected up to 8 digits and a unit (H, M, S, m, u, n)`);
  return Number(match[1]) * UNIT_MS[match[2]!]!;
}

/** A `grpc-message` value: UTF-8, with '%' and every byte outside printable ASCII percent-encoded. */
export function encodeGrpcMessage(message: string): string {
  // Fast path: most messages are plain ASCII.
  if (/^[\x20-\x24\x26-\x7e]*$/.test(message)) return message;
  let out = '';
  for (const byte of Buffer.from(message, 'utf8')) {
    out += byte >= 0x20 && byte <= 0x7e && byte !== 0x25 ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}
