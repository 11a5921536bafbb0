import type { OwnedFile } from './protocol.js';

interface StoredFile {
  hashes: readonly string[];
  /** 1 where this client holds the segment. */
  held: Uint8Array;
}

/** The segments one client holds, whole files and partial downloads alike. */
export class SegmentStore {
  private readonly files = new Map<string, StoredFile>();

  addOwned(file: OwnedFile): void {
    this.files.set(file.name, { hashes: file.hashes, held: new Uint8Array(file.hashes.length).fill(1) });
  }

  /** Starts holding nothing of a file being downloaded. */
  addEmpty(name: string, hashes: readonly string[]): void {
    this.files.set(name, { hashes, held: new Uint8Array(hashes.length) });
  }

  markHeld(name: string, index: number): void {
    const file = this.files.get(name);
    if (file) file.held[index] = 1;
  }

  holds(name: string, index: number, hash: string): boolean {
    const file = this.files.get(name);
    return file !== undefined && file.held[index] === 1 && file.hashes[index] === hash;
  }
}
