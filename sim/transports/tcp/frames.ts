/**
 * Length-prefixed frames: a 4-byte big-endian length, then a kind byte, then the body.
 * The reader takes bytes as TCP delivers them and hands out whole frames; it refuses a
 * frame longer than its limit as soon as the prefix is read, before any of it is stored,
 * so a peer that claims gigabytes costs nothing.
 */

export const FrameKind = {
  /** Handshake: acceptor → connector, a fresh nonce. */
  CHALLENGE: 1,
  /** Handshake: connector → acceptor, its rank, its own nonce and its proof. */
  PROOF: 2,
  /** Handshake: acceptor → connector, the acceptor's rank and proof. */
  WELCOME: 3,
  /**
   * Handshake: acceptor → connector, in place of a challenge or a welcome: a few words of
   * why (a wrong key, a job ending). It tells a refusal, which is final, from a busy
   * acceptor, which is worth another try; the connection then closes.
   */
  REFUSED: 4,
  /** Protocol messages between ranks: one JSON array of flat values (the wire layout). */
  BATCH: 10,
  /** Harness messages (registration, table, outputs, progress, end of job): one JSON object. */
  CONTROL: 20,
  /**
   * How many BATCH and CONTROL frames this end has taken from the other, in decimal: what the
   * other may stop holding for a resumption (peer-link.ts). Not counted itself.
   */
  ACK: 30,
  /**
   * The first frame on a connection that resumes a link whose connection broke, each way:
   * how many BATCH and CONTROL frames this end has taken from the other, which then sends
   * the rest again (link-resumption.ts).
   */
  RESUME: 31,
  /**
   * Nothing, from the end that dialed a connection when it wrote nothing else for a while: a
   * connection the other end gave up is found broken, as a write to it is reset
   * (link-resumption.ts). Dropped unread once the handshake is over (framed-socket.ts).
   */
  PING: 32,
} as const;

export type FrameKind = (typeof FrameKind)[keyof typeof FrameKind];

const KINDS = new Set<number>(Object.values(FrameKind));

/** Protocol frames above this are refused; large single messages (INIT of big files) fit. */
export const MAX_FRAME_BYTES = 64 * 1024 * 1024;

const HEADER_BYTES = 5;

export function encodeFrame(kind: FrameKind, body: Buffer | string): Buffer {
  const bodyBytes = typeof body === 'string' ? Buffer.byteLength(body) : body.length;
  const frame = Buffer.allocUnsafe(HEADER_BYTES + bodyBytes);
  frame.writeUInt32BE(bodyBytes + 1, 0);
  frame[4] = kind;
  if (typeof body === 'string') frame.write(body, HEADER_BYTES);
  else body.copy(frame, HEADER_BYTES);
  return frame;
}

export interface Frame {
  kind: FrameKind;
  body: Buffer;
}

/** Why a byte stream stopped making frames; the connection is then closed. */
export class FrameError extends Error {}

export class FrameReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Length of the frame being read (kind byte included), or -1 while reading a prefix. */
  private pending = -1;

  constructor(private limit: number) {}

  /** Lowers or raises the limit, e.g. once a connection has proved it knows the job key. */
  setLimit(limit: number): void {
    this.limit = limit;
  }

  /** True while part of a frame has arrived and the rest has not. */
  get midFrame(): boolean {
    return this.buffered > 0;
  }

  /** Stores bytes as they arrive; nothing is parsed until `next`. */
  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
  }

  /**
   * The next whole frame, or undefined until more bytes arrive. Frames are taken one at a
   * time so that the limit can change between two frames that arrived together (the end
   * of a handshake and the first frame after it). Throws FrameError on a bad prefix or kind.
   */
  next(): Frame | undefined {
    if (this.pending < 0) {
      if (this.buffered < 4) return undefined;
      const length = this.peekLength();
      if (length < 1) throw new FrameError('a frame of length 0');
      if (length > this.limit) throw new FrameError(`a frame of ${length} bytes, over the limit of ${this.limit}`);
      this.consume(4);
      this.pending = length;
    }
    if (this.buffered < this.pending) return undefined;
    const bytes = this.consume(this.pending);
    this.pending = -1;
    const kind = bytes[0];
    if (!KINDS.has(kind)) throw new FrameError(`a frame of unknown kind ${kind}`);
    return { kind: kind as FrameKind, body: bytes.subarray(1) };
  }

  private peekLength(): number {
    const first = this.chunks[0];
    if (first.length >= 4) return first.readUInt32BE(0);
    return Buffer.concat(this.chunks).readUInt32BE(0);
  }

  /** Removes and returns the first `count` buffered bytes. */
  private consume(count: number): Buffer {
    let out: Buffer;
    const first = this.chunks[0];
    if (first.length >= count) {
      out = first.subarray(0, count);
      if (first.length === count) this.chunks.shift();
      else this.chunks[0] = first.subarray(count);
    } else {
      const all = Buffer.concat(this.chunks, this.buffered);
      out = all.subarray(0, count);
      this.chunks = all.length > count ? [all.subarray(count)] : [];
    }
    this.buffered -= count;
    return out;
  }
}
