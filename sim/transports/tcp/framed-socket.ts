import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { socketProblem, tlsProblem } from './tls-errors.js';
import { encodeFrame, FrameError, FrameKind, FrameReader, type Frame } from './frames.js';

/** What a peer may leave unread before its connection is closed: 4 frames of the largest size. */
export const UNREAD_LIMIT = 256 * 2 ** 20;

/** Until a connection has proved it knows the job key, no frame may be longer than this. */
export const HANDSHAKE_FRAME_LIMIT = 128;

export function describeAddress(host: string | undefined, port: number | undefined): string {
  if (host === undefined) return 'an unknown address';
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * A TCP socket read and written as frames. Frames are pulled one at a time with `next`
 * during the handshake, then pushed to a handler. Any framing error or close ends it once,
 * with the reason passed to `onClose`.
 */
export class FramedSocket {
  readonly remote: string;
  private readonly reader = new FrameReader(HANDSHAKE_FRAME_LIMIT);
  private waiter: { resolve: (frame: Frame) => void; reject: (error: Error) => void } | undefined;
  private handler: ((frame: Frame) => void) | undefined;
  private ended: string | undefined;
  private tlsEnded = false;
  /** This end closed it (a check failed, the job ended), rather than the network, TLS or the peer. */
  private closedHere = false;
  private closeHandlers: ((reason: string) => void)[] = [];
  /** Something was written since `pingIfQuiet` last looked. */
  private wrote = false;

  constructor(readonly socket: Socket) {
    socket.setNoDelay(true);
    this.remote = describeAddress(socket.remoteAddress, socket.remotePort);
    socket.on('data', (chunk: Buffer) => this.received(chunk));
    // A TLS error after the handshake leaves the socket open: it is closed here, or it would hold the process.
    socket.on('error', (error) => {
      this.tlsEnded ||= !this.closed && tlsProblem(error) !== null;
      // Ended before destroyed, not by `destroy`: an error broke it, which leaves it `broke`.
      this.drop(socketProblem(error));
    });
    socket.on('close', () => this.end(this.reader.midFrame ? 'closed in the middle of a frame' : 'closed'));
  }

  get closed(): boolean {
    return this.ended !== undefined;
  }

  /** TLS ended the connection (an error of the channel, such as a changed record), not the peer or the network. */
  get endedByTls(): boolean {
    return this.tlsEnded;
  }

  /**
   * Ended by the network, TLS or the peer, not by this end: its link may be resumed
   * (link-resumption.ts). A peer's own close at the end of a job is one too: a cut on the
   * way looks the same from here.
   */
  get broke(): boolean {
    return this.closed && !this.closedHere;
  }

  get reason(): string | undefined {
    return this.ended;
  }

  /** Bytes only the two ends of this TLS connection share (RFC 5705); none on plain TCP. */
  channelBinding(): Buffer {
    return this.socket instanceof TLSSocket
      ? this.socket.exportKeyingMaterial(32, 'EXPORTER-swarmsim-handshake', Buffer.alloc(0))
      : Buffer.alloc(0);
  }

  setLimit(limit: number): void {
    this.reader.setLimit(limit);
  }

  onClose(handler: (reason: string) => void): void {
    if (this.ended !== undefined) handler(this.ended);
    else this.closeHandlers.push(handler);
  }

  /** The next frame, for the handshake; rejects on close or after `timeoutMs`. */
  next(timeoutMs: number, waitingFor: string): Promise<Frame> {
    if (this.ended !== undefined) return Promise.reject(new FrameError(`${this.ended} while waiting for ${waitingFor}`));
    const promise = new Promise<Frame>((resolve, reject) => {
      // Timers run before the loop reads sockets: on a loop that was blocked past the
      // deadline, a frame already in the socket is read first, and only then is it too late.
      const timer = setTimeout(
        () =>
          setImmediate(() => {
            if (this.waiter !== waiter) return;
            this.waiter = undefined;
            reject(new FrameError(`${waitingFor} did not come within ${timeoutMs / 1000} s`));
          }),
        timeoutMs,
      );
      const waiter = {
        resolve: (frame: Frame) => {
          clearTimeout(timer);
          resolve(frame);
        },
        reject: (error: Error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      this.waiter = waiter;
    });
    this.drain();
    return promise;
  }

  /** From now on every frame goes to `handler`, starting with any already queued. */
  listen(handler: (frame: Frame) => void): void {
    this.handler = handler;
    this.drain();
  }

  write(kind: FrameKind, body: Buffer | string): void {
    this.writeEncoded(encodeFrame(kind, body));
  }

  /**
   * Writes frames already encoded, as one write. What the peer has not read waits here; a
   * peer that leaves more than UNREAD_LIMIT unread is not reading at all (or is an impostor
   * that only sends), and its connection is closed rather than let grow without bound.
   */
  writeEncoded(frames: Buffer): void {
    if (this.ended !== undefined) return;
    this.wrote = true;
    this.socket.write(frames);
    const unread = this.socket.writableLength;
    if (unread > UNREAD_LIMIT)
      this.destroy(`was closed: it left ${Math.round(unread / 2 ** 20)} MiB unread (it does not read what it is sent)`);
  }

  /** Writes a PING if nothing was written since the last call, while the connection is open to write. */
  pingIfQuiet(): void {
    const quiet = !this.wrote && this.ended === undefined && this.socket.writable;
    this.wrote = false;
    // Not through writeEncoded: a connection with nothing else to say is pinged at every call.
    if (quiet) this.socket.write(encodeFrame(FrameKind.PING, ''));
  }

  /** Closes after anything written so far is flushed; with `graceMs`, for good then even if the peer keeps its end open. */
  finish(graceMs?: number): void {
    this.closedHere = true;
    this.socket.end();
    if (graceMs !== undefined) setTimeout(() => this.destroy('closed'), graceMs).unref();
  }

  /** Ends it as broken (`broke`): an error did, or a connection resuming its link showed it dead. */
  drop(reason: string): void {
    this.end(reason);
    this.socket.destroy();
  }

  destroy(reason: string): void {
    if (!this.closed) this.closedHere = true;
    this.end(reason);
    this.socket.destroy();
  }

  private received(chunk: Buffer): void {
    if (this.ended !== undefined) return;
    this.reader.push(chunk);
    this.drain();
  }

  /** Hands out frames while someone takes them; the rest stay as bytes until then. */
  private drain(): void {
    while (this.ended === undefined && (this.waiter || this.handler)) {
      let frame: Frame | undefined;
      try {
        frame = this.reader.next();
      } catch (error) {
        this.destroy(error instanceof FrameError ? `sent ${error.message}` : String(error));
        return;
      }
      if (!frame) return;
      if (this.waiter) {
        const waiter = this.waiter;
        this.waiter = undefined;
        waiter.resolve(frame);
      } else if (frame.kind !== FrameKind.PING) {
        // A PING only shows the connection lives; the handshake (a waiter) refuses one.
        this.handler?.(frame);
      }
    }
  }

  private end(reason: string): void {
    if (this.ended !== undefined) return;
    this.ended = reason;
    this.waiter?.reject(new FrameError(`${reason} during the handshake`));
    this.waiter = undefined;
    for (const handler of this.closeHandlers.splice(0)) handler(reason);
  }
}
