/**
 * Sits between stdin and the JSON-RPC reader. vscode-jsonrpc drops a message
 * whose body is not JSON without answering, and would buffer a message of any
 * size; this guard parses the LSP framing itself, answers malformed JSON with
 * ParseError, an over-long message, a batch or a bad id with InvalidRequest
 * (skipping an over-long body without holding it), and forwards every other
 * message unchanged. After a wrong Content-Length it finds its footing again
 * at the next `Content-Length:` header, so one bad frame costs one message.
 */
import { Transform, type TransformCallback } from 'node:stream';

export type Reject = (id: number | string | null, code: number, message: string) => void;

const HEADER_END = Buffer.from('\r\n\r\n');
const HEADER_START = /content-length:/i;
/** Bytes of a body kept to find its id when the rest is skipped. */
const PREFIX = 64 * 1024;

/** The top-level `"id"` of a (possibly truncated or malformed) JSON object. */
export function findId(text: string): number | string | null {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      const key = text.slice(i + 1, j);
      i = j;
      if (depth === 1 && key === 'id') {
        const m = /^\s*:\s*(-?\d+|"(?:[^"\\]|\\.)*")/.exec(text.slice(j + 1));
        if (m) return m[1]!.startsWith('"') ? (JSON.parse(m[1]!) as string) : Number(m[1]);
      }
    } else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') depth--;
  }
  return null;
}

export class FrameGuard extends Transform {
  private buf: Buffer = Buffer.alloc(0);
  /** Body bytes still to skip of an over-long message. */
  private skipping = 0;
  private skipPrefix = '';
  private skipSize = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly reject: Reject,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    try {
      this.drain();
      done();
    } catch (e) {
      done(e as Error);
    }
  }

  private drain(): void {
    for (;;) {
      if (this.skipping > 0) {
        const n = Math.min(this.skipping, this.buf.length);
        if (this.skipPrefix.length < PREFIX)
          this.skipPrefix += this.buf.subarray(0, Math.min(n, PREFIX - this.skipPrefix.length)).toString('utf8');
        this.skipping -= n;
        this.buf = this.buf.subarray(n);
        if (this.skipping > 0) return;
        this.reject(
          findId(this.skipPrefix),
          -32600,
          `message of ${this.skipSize} bytes exceeds the server's limit of ${this.maxBytes} bytes; send smaller requests (large data belongs in files the experiment reads)`,
        );
        this.skipPrefix = '';
      }
      const h = this.buf.indexOf(HEADER_END);
      if (h < 0) {
        if (this.buf.length > 8192) {
          // No header end within 8 KiB: not LSP framing; drop what we have.
          this.reject(null, -32700, 'malformed header: expected `Content-Length: N\\r\\n\\r\\n` before each message');
          this.buf = Buffer.alloc(0);
        }
        return;
      }
      const header = this.buf.subarray(0, h).toString('ascii');
      // Bytes before the header (the rest of a body sent with too small a Content-Length): answered, then skipped.
      const start = header.search(HEADER_START);
      if (start > 0 && !/^[\w-]+:/.test(header)) {
        this.reject(
          null,
          -32700,
          `malformed frame: ${start} bytes before a Content-Length header (a wrong Content-Length?)`,
        );
        this.buf = this.buf.subarray(start);
        continue;
      }
      const m = /(?:^|\r\n)content-length:\s*(\d+)/i.exec(header);
      if (!m) {
        this.reject(null, -32700, `malformed header ${JSON.stringify(header.slice(0, 200))}: no Content-Length`);
        this.buf = this.buf.subarray(h + 4);
        continue;
      }
      const len = Number(m[1]);
      if (len > this.maxBytes) {
        this.skipping = len;
        this.skipSize = len;
        this.buf = this.buf.subarray(h + 4);
        continue;
      }
      if (this.buf.length < h + 4 + len) return;
      const body = this.buf.subarray(h + 4, h + 4 + len);
      this.buf = this.buf.subarray(h + 4 + len);
      const text = body.toString('utf8');
      let v: unknown;
      let ok = true;
      try {
        v = JSON.parse(text) as unknown;
        ok = !!v && typeof v === 'object';
      } catch {
        ok = false;
      }
      // Too large a Content-Length swallowed the start of the next message: give it back from its header on.
      const next = ok ? -1 : text.search(HEADER_START);
      if (next >= 0) {
        const cut = Buffer.byteLength(text.slice(0, next), 'utf8');
        this.buf = Buffer.concat([body.subarray(cut), this.buf]);
        this.reject(
          findId(text.slice(0, next)),
          -32700,
          'malformed frame: the body runs into the next header (a wrong Content-Length?)',
        );
        continue;
      }
      if (ok && Array.isArray(v)) {
        this.reject(null, -32600, 'batches (a JSON array of messages) are not supported: send each message on its own');
        continue;
      }
      const id = ok ? (v as { id?: unknown }).id : undefined;
      if (ok && id !== undefined && id !== null && typeof id !== 'string' && typeof id !== 'number') {
        this.reject(
          null,
          -32600,
          `invalid request: id must be a number or a string, got ${JSON.stringify(id)?.slice(0, 80)}`,
        );
        continue;
      }
      if (!ok) {
        this.reject(
          findId(text),
          -32700,
          `parse error: the message body is not a JSON object (${JSON.stringify(text.slice(0, 80))}${text.length > 80 ? '…' : ''})`,
        );
        continue;
      }
      this.push(Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`, 'ascii'), body]));
    }
  }
}
