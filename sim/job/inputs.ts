import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ClientFiles, OwnedFile } from '../../ranks/protocol.js';
import { InputError } from '../run/failures.js';
import { MAX_COUNT, MAX_INPUT_BYTES, MAX_NAME_LENGTH } from './limits.js';
import { readRegularFileSync, ReadRefusal } from './read-file.js';

export { InputError } from '../run/failures.js';

/** A client's input with the line of every declaration, for cross-file messages. */
export interface ParsedClient extends ClientFiles {
  file: string;
  ownedLines: number[];
  wantedLines: number[];
}

export interface Job {
  dir: string;
  ranks: number;
  /** Client inputs; `clients[r - 1]` belongs to rank r. */
  clients: ParsedClient[];
  /** Every file's hashes, as its owners declared them. */
  files: Map<string, readonly string[]>;
}

const HASH = /^[0-9a-f]{32}$/;
const COUNT = /^\d+$/;
const NAME = /^[A-Za-z0-9._-]+$/;
const IN_FILE = /^in(\d+)\.txt$/;

function shown(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}...` : text);
}

/** Reads `in<R>.txt` line by line; every error names the file and line. */
class LineReader {
  private readonly lines: string[];
  private next = 0;

  constructor(
    readonly file: string,
    text: string,
  ) {
    this.lines = text.split('\n');
    // A final newline leaves one empty string; blank lines at the very end are tolerated.
    while (this.lines.length > 0 && this.lines[this.lines.length - 1].trim() === '') this.lines.pop();
  }

  get line(): number {
    return this.next;
  }

  error(problem: string, line = this.next): InputError {
    return new InputError(`${this.file}:${line}`, problem);
  }

  take(what: string): string {
    if (this.next >= this.lines.length) {
      throw new InputError(`${this.file}:${this.next + 1}`, `expected ${what}, got end of file`);
    }
    const raw = this.lines[this.next++];
    return raw.endsWith('\r') ? raw.slice(0, -1) : raw;
  }

  count(what: string): number {
    const text = this.take(what).trim();
    if (!COUNT.test(text)) throw this.error(`expected ${what} (a whole number >= 0), got ${shown(text)}`);
    const value = Number(text);
    if (value > MAX_COUNT) throw this.error(`${what} ${text} is larger than the limit of ${MAX_COUNT}`);
    return value;
  }

  name(what: string, text: string): string {
    if (!NAME.test(text) || text === '.' || text === '..') {
      throw this.error(`expected ${what} (letters, digits, '.', '_' or '-'), got ${shown(text)}`);
    }
    if (text.length > MAX_NAME_LENGTH)
      throw this.error(`${what} of ${text.length} characters is longer than the limit of ${MAX_NAME_LENGTH}`);
    return text;
  }

  /** Fails unless at least `needed` lines remain, before a loop would allocate for them. */
  expectRemaining(needed: number, what: string): void {
    const left = this.lines.length - this.next;
    if (needed > left) throw this.error(`declares ${needed} ${what}, but only ${left} more lines follow`);
  }

  end(): void {
    if (this.next < this.lines.length) {
      throw new InputError(`${this.file}:${this.next + 1}`, `expected end of file, got ${shown(this.lines[this.next])}`);
    }
  }
}

/** Parses one `in<R>.txt` (owned files, each with its segment hashes, then wanted files); linear in its size. */
export function parseClient(file: string, text: string): ParsedClient {
  const reader = new LineReader(file, text);
  const ownedCount = reader.count('the number of owned files');
  const owned: OwnedFile[] = [];
  const ownedLines: number[] = [];
  const seen = new Map<string, number>();
  for (let f = 0; f < ownedCount; f++) {
    const header = reader.take('"<file name> <number of segments>"').trim().split(/\s+/);
    const line = reader.line;
    if (header.length !== 2) throw reader.error(`expected "<file name> <number of segments>", got ${shown(header.join(' '))}`);
    const name = reader.name('a file name', header[0]);
    if (!COUNT.test(header[1]) || Number(header[1]) === 0) {
      throw reader.error(`expected a number of segments >= 1 for ${name}, got ${shown(header[1])}`);
    }
    const segments = Number(header[1]);
    if (segments > MAX_COUNT) throw reader.error(`${segments} segments is larger than the limit of ${MAX_COUNT}`);
    const earlier = seen.get(name);
    if (earlier !== undefined) throw reader.error(`${name} is already owned at line ${earlier}`);
    seen.set(name, line);
    reader.expectRemaining(segments, `segment hashes for ${name}`);
    const hashes = new Array<string>(segments);
    for (let s = 0; s < segments; s++) {
      const hash = reader.take(`hash ${s + 1} of ${name}`).trim();
      if (!HASH.test(hash)) throw reader.error(`expected 32 hex characters (0-9, a-f), got ${shown(hash)}`);
      hashes[s] = hash;
    }
    owned.push({ name, hashes });
    ownedLines.push(line);
  }
  const wantedCount = reader.count('the number of wanted files');
  reader.expectRemaining(wantedCount, 'wanted file names');
  const wanted: string[] = [];
  const wantedLines: number[] = [];
  const wantedAt = new Map<string, number>();
  for (let w = 0; w < wantedCount; w++) {
    const name = reader.name('a wanted file name', reader.take('a wanted file name').trim());
    const line = reader.line;
    const ownedAt = seen.get(name);
    if (ownedAt !== undefined) throw reader.error(`wants ${name}, which it already owns (line ${ownedAt})`);
    const earlier = wantedAt.get(name);
    if (earlier !== undefined) throw reader.error(`${name} is already wanted at line ${earlier}`);
    wantedAt.set(name, line);
    wanted.push(name);
    wantedLines.push(line);
  }
  reader.end();
  return { file, owned, wanted, ownedLines, wantedLines };
}

/** The ranks of the `in<R>.txt` files in a folder, in order. */
export function inputRanks(dir: string): number[] {
  let names: string[];
  try {
    if (!statSync(dir).isDirectory()) throw new InputError(dir, 'expected a folder of in<R>.txt files');
    names = readdirSync(dir);
  } catch (error) {
    if (error instanceof InputError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputError(dir, code === 'ENOENT' ? 'no such folder' : `cannot read the folder (${code ?? String(error)})`);
  }
  const ranks: number[] = [];
  for (const name of names) {
    const match = IN_FILE.exec(name);
    if (!match) continue;
    if (match[1].length > 1 && match[1].startsWith('0'))
      throw new InputError(join(dir, name), `a rank has no leading zeros: name it in${Number(match[1])}.txt`);
    ranks.push(Number(match[1]));
  }
  return ranks.sort((a, b) => a - b);
}

/** An in<R>.txt's text: a regular file within the size limit, or an InputError naming it. */
export function readInput(path: string, missing = 'missing'): string {
  try {
    return readRegularFileSync(path, MAX_INPUT_BYTES);
  } catch (error) {
    if (!(error instanceof ReadRefusal)) throw error;
    throw new InputError(path, error.code === 'ENOENT' ? missing : error.problem);
  }
}

/** Checks the whole job: rank count, every file's owners agree, every wanted file is owned. */
export function validateJob(dir: string, clients: ParsedClient[]): Job {
  const files = new Map<string, readonly string[]>();
  const ownerOf = new Map<string, string>();
  clients.forEach((client) => {
    client.owned.forEach(({ name, hashes }, i) => {
      const where = `${client.file}:${client.ownedLines[i]}`;
      const known = files.get(name);
      if (!known) {
        files.set(name, hashes);
        ownerOf.set(name, where);
        return;
      }
      if (known.length !== hashes.length) {
        throw new InputError(where, `${name} has ${hashes.length} segments here but ${known.length} at ${ownerOf.get(name)}`);
      }
      const differ = known.findIndex((hash, s) => hash !== hashes[s]);
      if (differ >= 0) {
        throw new InputError(
          where,
          `${name} segment ${differ + 1} has hash ${hashes[differ]} here but ${known[differ]} at ${ownerOf.get(name)}`,
        );
      }
      // Owners that agree share one array: a transport sends a list it knows by number (InternedLists).
      client.owned[i] = { name, hashes: known };
    });
  });
  for (const client of clients) {
    client.wanted.forEach((name, i) => {
      if (!files.has(name)) throw new InputError(`${client.file}:${client.wantedLines[i]}`, `wants ${name}, which no client owns`);
    });
  }
  return { dir, ranks: clients.length + 1, clients, files };
}

/**
 * Reads and validates a job folder. `ranks`, when given, must match the `in<R>.txt`
 * present: in1.txt .. in<ranks-1>.txt, no gaps, no extras.
 */
export function loadJob(dir: string, ranks?: number): Job {
  const present = inputRanks(dir);
  if (present.length === 0) throw new InputError(dir, 'no in<R>.txt files found');
  if (present[0] === 0) throw new InputError(join(dir, 'in0.txt'), 'rank 0 is the tracker and takes no input file');
  const size = ranks ?? present[present.length - 1] + 1;
  if (size < 3) throw new InputError(dir, `a job needs at least 3 ranks (a tracker and two clients), got ${size}`);
  const extra = present.filter((rank) => rank >= size);
  if (extra.length > 0) {
    throw new InputError(join(dir, `in${extra[0]}.txt`), `${size} ranks take in1.txt .. in${size - 1}.txt only; this file has no rank`);
  }
  const have = new Set(present);
  const clients: ParsedClient[] = [];
  for (let rank = 1; rank < size; rank++) {
    const name = `in${rank}.txt`;
    if (!have.has(rank)) throw new InputError(join(dir, name), `missing: ${size} ranks need in1.txt .. in${size - 1}.txt`);
    clients.push(parseClient(join(dir, name), readInput(join(dir, name))));
  }
  return validateJob(dir, clients);
}
