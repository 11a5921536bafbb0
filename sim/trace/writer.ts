import { closeSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { isSpecialFile, standardStream, tempName, WriteError } from '../job/files.js';

const FLUSH_CHARS = 1 << 20;

/**
 * A trace's file, written as the run goes (buffered, synchronous writes: nothing else may
 * interleave), through a temp file renamed over it at the end, as every file this program
 * writes; into a device or FIFO the user named (`--trace /dev/stdout`) directly. Every
 * trace format writes through one, so they share these rules.
 */
export class TraceWriter {
  private fd: number | undefined;
  /** The temp file written, or undefined when writing straight into a device or FIFO. */
  private readonly temp: string | undefined;
  /** Set when the trace goes to this process's stdout or stderr. */
  private readonly stream: NodeJS.WriteStream | undefined;
  private buffer: string[] = [];
  private chars = 0;

  constructor(private readonly path: string) {
    this.stream = standardStream(path);
    this.temp = this.stream || isSpecialFile(path) ? undefined : tempName(path);
    if (!this.stream) this.fd = this.guarded(() => (this.temp === undefined ? openSync(path, 'w') : openSync(this.temp, 'wx')));
  }

  /** Appends text as it is: the format puts in its own separators. */
  write(text: string): void {
    this.buffer.push(text);
    this.chars += text.length;
    if (this.chars >= FLUSH_CHARS) this.flush();
  }

  /** Writes what is buffered and puts the file in place. */
  close(): void {
    if (this.stream) return this.flush();
    // After a failed write the trace is abandoned: its failure has been said already.
    if (this.fd === undefined) return;
    this.flush();
    this.closeFile();
    const temp = this.temp;
    if (temp !== undefined) this.guarded(() => renameSync(temp, this.path));
  }

  private flush(): void {
    if (this.buffer.length === 0) return;
    const text = this.buffer.join('');
    const fd = this.fd;
    if (this.stream) this.stream.write(text);
    else if (fd !== undefined) this.guarded(() => writeSync(fd, text));
    else return;
    this.buffer = [];
    this.chars = 0;
  }

  private closeFile(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  /** A failed write names the trace and leaves no temp file, nor an open one. */
  private guarded<T>(act: () => T): T {
    try {
      return act();
    } catch (error) {
      this.closeFile();
      try {
        if (this.temp !== undefined) unlinkSync(this.temp);
      } catch {
        // Never made, or already gone.
      }
      throw new WriteError(this.path, error);
    }
  }
}
