import type { OwnedFile } from './protocol.js';

export interface StoredFile {
  hashes: readonly string[];
  /** 1 where this client holds the segment. */
  held: Uint8Array;
  /** Where this client's download of the file started (0 for owned files). */
  from: number;
  /** Segments held without a gap from `from` onwards, wrapping. */
  run: number;
}

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

  /** What this client holds of a file, or undefined if nothing. */
  file(name: string): Readonly<StoredFile> | undefined {
    return this.files.get(name);
  }
}
