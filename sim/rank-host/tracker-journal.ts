/**
 * `--tracker-state DIR`: the tracker's changes on disk, so that a tracker started again
 * after its process died takes up where it left off (the seam: ranks/tracker-journal.ts).
 *
 * - `DIR/changes.log`: one change a line, `<seq> <digest> <json>`, the digest the first 16
 *   hex digits of the SHA-256 of `<seq> <json>`. Changes go in batches: one write and one
 *   fsync when the tracker has nothing left to read and a reply waits for them, or the job
 *   ends (ranks/replication.ts says why no sooner).
 * - `DIR/snapshot.json`: the whole state at some change, written to a temporary file,
 *   flushed and renamed over the last one; then the log starts again, empty. A crash
 *   between the two leaves changes the snapshot covers at the log's head: they are skipped
 *   by number.
 *
 * Invariant, enforced by `load`: the changes applied after a snapshot are exactly the ones
 * numbered after it, without a gap. A torn last line (the process died mid-write: no line
 * end, or a digest that does not match) is dropped and cut off the file, never applied; a
 * bad line before the last is damage, not a crash, and refused with its line number.
 */
import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { writeAtomicallySync } from '../job/files.js';
import { join } from 'node:path';
import type { ReplicatedChange } from '../../ranks/protocol.js';
import type { TrackerJournal } from '../../ranks/tracker-journal.js';
import type { TrackerSnapshot } from '../../ranks/tracker-snapshot.js';

export const LOG_FILE = 'changes.log';
export const SNAPSHOT_FILE = 'snapshot.json';
/** Changes logged between two snapshots: a reload reads at most this many lines. */
export const SNAPSHOT_EVERY = 20_000;

/** The state folder holds something no tracker of ours could have written. */
export class JournalDamaged extends Error {}

export function digestOf(seq: number, json: string): string {
  return createHash('sha256').update(`${seq} ${json}`).digest('hex').slice(0, 16);
}

export function logLine(change: ReplicatedChange): string {
  const json = JSON.stringify(change);
  return `${change.seq} ${digestOf(change.seq, json)} ${json}\n`;
}

interface Loaded {
  snapshot: TrackerSnapshot | undefined;
  changes: ReplicatedChange[];
  /** Bytes of the log that hold whole lines: a torn tail after them is cut off. */
  validBytes: number;
  /** Lines dropped at the tail. */
  torn: number;
}

/** Reads a state folder: the snapshot, and the log's changes after it, in order. */
export function loadJournal(dir: string): Loaded {
  const snapshotPath = join(dir, SNAPSHOT_FILE);
  let snapshot: TrackerSnapshot | undefined;
  if (existsSync(snapshotPath)) {
    try {
      snapshot = JSON.parse(readFileSync(snapshotPath, 'utf8')) as TrackerSnapshot;
    } catch (error) {
      throw new JournalDamaged(`${snapshotPath}: not a snapshot this tracker wrote (${(error as Error).message})`);
    }
    if (!Number.isInteger(snapshot.seq)) throw new JournalDamaged(`${snapshotPath}: no change number`);
  }
  const logPath = join(dir, LOG_FILE);
  const text = existsSync(logPath) ? readFileSync(logPath, 'utf8') : '';
  const changes: ReplicatedChange[] = [];
  let last = snapshot?.seq ?? 0;
  let offset = 0;
  const lines = text.split('\n');
  // The piece after the last line end is a line cut short, or empty.
  const whole = lines.length - 1;
  for (let i = 0; i < whole; i++) {
    const change = parseLine(lines[i]);
    if (!change) {
      if (i === whole - 1) return { snapshot, changes, validBytes: offset, torn: 1 + (lines[whole] === '' ? 0 : 1) };
      throw new JournalDamaged(`${logPath} line ${i + 1}: not a change this tracker wrote (its digest does not match)`);
    }
    offset += Buffer.byteLength(lines[i]) + 1;
    if (change.seq <= last && changes.length === 0) continue;
    if (change.seq !== last + 1) throw new JournalDamaged(`${logPath} line ${i + 1}: change ${change.seq} after change ${last}`);
    changes.push(change);
    last = change.seq;
  }
  return { snapshot, changes, validBytes: offset, torn: lines[whole] === '' ? 0 : 1 };
}

function parseLine(line: string): ReplicatedChange | undefined {
  const match = /^(\d+) ([0-9a-f]{16}) (.*)$/.exec(line);
  if (!match || digestOf(Number(match[1]), match[3]) !== match[2]) return undefined;
  const change = JSON.parse(match[3]) as ReplicatedChange;
  return change.seq === Number(match[1]) ? change : undefined;
}

/**
 * The journal of one tracker rank, on disk. It holds no file open between batches: a
 * tracker killed in a thread of a process that goes on (a fault) leaves nothing open.
 */
export class FileJournal implements TrackerJournal {
  readonly saved: { snapshot: TrackerSnapshot | undefined; changes: readonly ReplicatedChange[] };
  /** Lines dropped at the log's tail when it was opened (a write the dead process never finished). */
  readonly tornLines: number;
  private readonly logPath: string;
  private pending = '';
  private sinceSnapshot: number;

  /** `fresh`: a new job's tracker, which starts the folder empty; otherwise what is there is reloaded. */
  constructor(
    private readonly dir: string,
    fresh: boolean,
    private readonly snapshotEvery = SNAPSHOT_EVERY,
  ) {
    mkdirSync(dir, { recursive: true });
    this.logPath = join(dir, LOG_FILE);
    if (fresh) rmSync(join(dir, SNAPSHOT_FILE), { force: true });
    // A tracker killed mid-snapshot left its temporary file: nothing reads it.
    for (const name of readdirSync(dir)) {
      if (name.startsWith(`${SNAPSHOT_FILE}.`) && name.endsWith('.tmp')) rmSync(join(dir, name), { force: true });
    }
    const loaded: Loaded = fresh ? { snapshot: undefined, changes: [], validBytes: 0, torn: 0 } : loadJournal(dir);
    this.saved = { snapshot: loaded.snapshot, changes: loaded.changes };
    this.tornLines = loaded.torn;
    this.sinceSnapshot = loaded.changes.length;
    // What a torn tail left goes before anything new follows it (a new job's log starts empty).
    this.cutLog(loaded.validBytes);
  }

  append(change: ReplicatedChange): void {
    this.pending += logLine(change);
    this.sinceSnapshot++;
  }

  sync(snapshot: () => TrackerSnapshot): void {
    if (this.pending === '') return;
    withFile(this.logPath, 'a', (fd) => {
      writeSync(fd, this.pending);
      fsyncSync(fd);
    });
    this.pending = '';
    if (this.sinceSnapshot >= this.snapshotEvery) this.snapshot(snapshot());
  }

  /** Cuts the log to its first `bytes`, durably. */
  private cutLog(bytes: number): void {
    withFile(this.logPath, 'a', (fd) => {
      ftruncateSync(fd, bytes);
      fsyncSync(fd);
    });
  }

  private snapshot(state: TrackerSnapshot): void {
    // Durable before the log is cut: a crash between the two leaves changes the snapshot covers, skipped by number on reload.
    writeAtomicallySync(join(this.dir, SNAPSHOT_FILE), JSON.stringify(state), true);
    this.cutLog(0);
    this.sinceSnapshot = 0;
  }
}

function withFile(path: string, flags: string, use: (fd: number) => void): void {
  const fd = openSync(path, flags);
  try {
    use(fd);
  } finally {
    closeSync(fd);
  }
}
