// Reads HTTP/1.1 responses off a raw socket one at a time, for the fuzzer's kept-alive and pipelined connections:
// where one response ends (Content-Length, chunked, or no body for HEAD, 1xx, 204 and 304), whether the server
// closed the connection, and whether it went silent.
import type { Socket } from 'node:net';

/** What came back for one request: its status, the connection closed without (the rest of) an answer, or silence. */
export type ReadResult = number | 'closed' | 'silent';

/** A socket's responses, in order. */
export class ResponseReader {
  private buffer = Buffer.alloc(0);
  private closed = false;
  private wake: (() => void) | undefined;

  constructor(socket: Socket) {
    socket.on('data', (c: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, c]);
      this.wake?.();
    });
    const onClose = () => {
      this.closed = true;
      this.wake?.();
    };
    socket.on('close', onClose);
    socket.on('error', onClose);
  }

  /** The next response's status once it is complete; 'closed' when the server closed first; 'silent' after `silenceMs` without either. */
  async next(head: boolean, silenceMs: number): Promise<ReadResult> {
    for (;;) {
      const parsed = parseResponse(this.buffer, head, this.closed);
      if (parsed) {
        this.buffer = this.buffer.subarray(parsed.length);
        return parsed.status;
      }
      if (this.closed) return 'closed';
      const woken = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), silenceMs);
        this.wake = () => {
          clearTimeout(timer);
          resolve(true);
        };
      });
      this.wake = undefined;
      if (!woken) return 'silent';
    }
  }
}

/** One complete response at the start of `buf` (its status and byte length), or undefined while it is incomplete. */
export function parseResponse(buf: Buffer, head: boolean, closed: boolean): { status: number; length: number } | undefined {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const text = buf.subarray(0, end).toString('latin1');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1]);
  if (!Number.isFinite(status)) return { status: 0, length: buf.length }; // not HTTP: take it all as one bad answer
  const bodyStart = end + 4;
  if (head || (status >= 100 && status < 200) || status === 204 || status === 304) return { status, length: bodyStart };
  const contentLength = /\r\ncontent-length:\s*(\d+)/i.exec(text);
  if (contentLength) {
    const length = bodyStart + Number(contentLength[1]);
    return buf.length >= length ? { status, length } : undefined;
  }
  if (/\r\ntransfer-encoding:\s*chunked/i.test(text)) {
    let at = bodyStart;
    for (;;) {
      const line = buf.indexOf('\r\n', at);
      if (line < 0) return undefined;
      const size = parseInt(buf.subarray(at, line).toString('latin1'), 16);
      if (!Number.isFinite(size)) return { status, length: buf.length };
      if (size === 0) {
        const trailerEnd = buf.indexOf('\r\n\r\n', line);
        return trailerEnd < 0 ? undefined : { status, length: trailerEnd + 4 };
      }
      at = line + 2 + size + 2;
      if (buf.length < at) return undefined;
    }
  }
  // No length: the body runs until the server closes.
  return closed ? { status, length: buf.length } : undefined;
}
