import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { TAG_NAMES } from '../../ranks/protocol.js';
import { TraceWriter } from './writer.js';

/** What a trace records of one message, in a line of JSON Lines. */
export function traceLine(timeNs: number, source: number, dest: number, tag: number, payload: unknown): string {
  const seconds = (timeNs / 1e9).toFixed(9);
  return `{"t":${seconds},"from":${source},"to":${dest},"tag":"${TAG_NAMES[tag] ?? tag}","p":${JSON.stringify(short(payload))}}`;
}

/** A few words of a payload: its file and segment when it has them. */
export function short(payload: unknown): string {
  if (payload === null || typeof payload !== 'object') return '';
  const record = payload as { file?: unknown; index?: unknown; files?: unknown; seeds?: unknown; peers?: unknown };
  // A swarm's members as delivered, or as their counts (what a wall-clock trace carries of them).
  const members = (list: unknown): number | undefined => (Array.isArray(list) ? list.length : typeof list === 'number' ? list : undefined);
  if (typeof record.file === 'string') {
    if (typeof record.index === 'number') return `${record.file}[${record.index}]`;
    const seeds = members(record.seeds);
    const peers = members(record.peers);
    if (seeds !== undefined && peers !== undefined) return `${record.file} seeds=${seeds} peers=${peers}`;
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

/** Writes the trace as JSON Lines, one line per message delivered (see TraceWriter for how). */
export class TraceFile implements TraceSink {
  private readonly writer: TraceWriter;
  /** Hash of every line, in order, when asked to keep them. */
  readonly hashes: number[] | undefined;

  constructor(path: string, keepHashes = false) {
    this.writer = new TraceWriter(path);
    this.hashes = keepHashes ? [] : undefined;
  }

  event(timeNs: number, source: number, dest: number, tag: number, payload: unknown): void {
    const line = traceLine(timeNs, source, dest, tag, payload);
    this.hashes?.push(lineHash(line));
    this.writer.write(`${line}\n`);
  }

  close(): void {
    this.writer.close();
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
