import type { OwnedFile } from './protocol.js';

interface StoredFile {
  hashes: readonly string[];
  /** 1 where this client holds the segment. */
  held: Uint8Array;
  /** Where this client's download of the file started (0 for owned files). */
  from: number;
  /** Segments held without a gap from `from` onwards, wrapping. */
  run: number;
}

/** What a holder tells requesters of its holdings of one file: see SegmentReply. */
export interface HeldRun {
  from: number;
  held: number;
}

const NOTHING: HeldRun = { from: 0, held: 0 };

/** The segments one client holds, whole files and partial downloads alike. */
export class SegmentStore {
  private readonly files = new Map<string, StoredFile>();

  addOwned(file: OwnedFile): void {
    const count = file.hashes.length;
    this.files.set(file.name, { hashes: file.hashes, held: new Uint8Array(count).fill(1), from: 0, run: count });
  }

  /** Starts holding nothing of a file being downloaded from segment `from` onwards. */
  addEmpty(name: string, hashes: readonly string[], from: number): void {
    this.files.set(name, { hashes, held: new Uint8Array(hashes.length), from, run: 0 });
  }

  markHeld(name: string, index: number): void {
    const file = this.files.get(name);
    if (!file) return;
    file.held[index] = 1;
    const count = file.held.length;
    while (file.run < count && file.held[(file.from + file.run) % count] === 1) file.run++;
  }

  heldRun(name: string): HeldRun {
    const file = this.files.get(name);
    return file ? { from: file.from, held: file.run } : NOTHING;
  }

  holds(name: string, index: number, hash: string): boolean {
    const file = this.files.get(name);
    return file !== undefined && file.held[index] === 1 && file.hashes[index] === hash;
  }
}
