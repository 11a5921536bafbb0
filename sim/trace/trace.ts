import { closeSync, createReadStream, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { isSpecialFile, standardStream, tempName, WriteError } from '../job/files.js';
import { createInterface } from 'node:readline';
import { TAG_NAMES } from '../../ranks/protocol.js';

/** What a trace records of one message, in a line of JSON Lines. */
export function traceLine(timeNs: number, source: number, dest: number, tag: number, payload: unknown): string {
  const seconds = (timeNs / 1e9).toFixed(9);
  return `{"t":${seconds},"from":${source},"to":${dest},"tag":"${TAG_NAMES[tag] ?? tag}","p":${JSON.stringify(short(payload))}}`;
}

/** A few words of a payload: its file and segment when it has them. */
function short(payload: unknown): string {
  if (payload === null || typeof payload !== 'object') return '';
  const record = payload as { file?: unknown; index?: unknown; files?: unknown; seeds?: unknown; peers?: unknown };
  if (typeof record.file === 'string') {
    if (typeof record.index === 'number') return `${record.file}[${record.index}]`;
    if (Array.isArray(record.seeds) && Array.isArray(record.peers))
      return `${record.file} seeds=${record.seeds.length} peers=${record.peers.length}`;
    return record.file;
  }
  if (Array.isArray(record.files)) return `${record.files.length} files`;
  return '';
}

/** 32-bit FNV-1a of a line: what determinism checks compare event by event. */
export function lineHash(line: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < line.length; i++) hash = Math.imul(hash ^ line.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

/** Receives every message as it is delivered. */
export interface TraceSink {
  event(timeNs: number, source: number, dest: number, tag: number, payload: unknown): void;
  close(): void;
}

const FLUSH_CHARS = 1 << 20;

/**
 * Writes the trace to a file (buffered, synchronous writes: nothing else may interleave),
 * through a temp file renamed over it at the end, as every file this program writes; into
 * a device or FIFO the user named (`--trace /dev/stdout`) directly.
 */
export class TraceFile implements TraceSink {
  private fd: number | undefined;
  /** The temp file written, or undefined when writing straight into a device or FIFO. */
  private readonly temp: string | undefined;
  /** Set when the trace goes to this process's stdout or stderr. */
  private readonly stream: NodeJS.WriteStream | undefined;
  private buffer: string[] = [];
  private chars = 0;
  /** Hash of every line, in order, when asked to keep them. */
  readonly hashes: number[] | undefined;

  constructor(
    private readonly path: string,
    keepHashes = false,
  ) {
    this.stream = standardStream(path);
    this.temp = this.stream || isSpecialFile(path) ? undefined : tempName(path);
    if (!this.stream) this.fd = this.guarded(() => (this.temp === undefined ? openSync(path, 'w') : openSync(this.temp, 'wx')));
    this.hashes = keepHashes ? [] : undefined;
  }

  event(timeNs: number, source: number, dest: number, tag: number, payload: unknown): void {
    const line = traceLine(timeNs, source, dest, tag, payload);
    this.hashes?.push(lineHash(line));
    this.buffer.push(line);
    this.chars += line.length + 1;
    if (this.chars >= FLUSH_CHARS) this.flush();
  }

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
    const text = `${this.buffer.join('\n')}\n`;
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

/** Compares a second run with a first run's hashes, keeping where they first part. */
export class TraceComparer implements TraceSink {
  private index = 0;
  /** The first event that differs: its index and its line in this run. */
  firstDifference: { index: number; line: string } | undefined;

  constructor(private readonly expected: readonly number[]) {}

  get events(): number {
    return this.index;
  }

  event(timeNs: number, source: number, dest: number, tag: number, payload: unknown): void {
    const at = this.index++;
    if (this.firstDifference) return;
    const line = traceLine(timeNs, source, dest, tag, payload);
    if (at >= this.expected.length || lineHash(line) !== this.expected[at]) this.firstDifference = { index: at, line };
  }

  close(): void {}
}

/** Line `index` (0-based) of a trace file, or undefined past its end; reads no further than it. */
export async function traceLineAt(path: string, index: number): Promise<string | undefined> {
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  let at = 0;
  for await (const line of lines) {
    if (at++ === index) {
      lines.close();
      return line;
    }
  }
  return undefined;
}
