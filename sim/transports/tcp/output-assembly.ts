import { join } from 'node:path';
import { writeAtomically } from '../../job/files.js';
import { RankFailure } from '../../run/failures.js';
import type { ClientControl } from './control.js';

type OutputPiece = Extract<ClientControl, { type: 'output' }>;

/**
 * Outputs over TCP arrive in pieces, each client sending only its own; the coordinator
 * writes each whole file atomically once its last piece has come.
 */
export class OutputAssembly {
  private readonly parts = new Map<string, string[]>();
  readonly writes: Promise<void>[] = [];

  constructor(
    private readonly outDir: string,
    private readonly written: (rank: number, name: string, file: string) => void,
    private readonly fail: (failure: RankFailure) => void,
  ) {}

  take(from: number, piece: OutputPiece): void {
    const own = `client${from}_`;
    if (!piece.name.startsWith(own)) {
      this.fail(new RankFailure(from, `sent an output named ${piece.name}, which is not one of its own`));
      return;
    }
    const parts = this.parts.get(piece.name) ?? [];
    parts.push(piece.text);
    if (!piece.last) {
      this.parts.set(piece.name, parts);
      return;
    }
    this.parts.delete(piece.name);
    this.written(from, piece.name, piece.name.slice(own.length));
    const write = writeAtomically(join(this.outDir, piece.name), parts.join(''));
    write.catch((error: unknown) => this.fail(new RankFailure(0, (error as Error).message)));
    this.writes.push(write);
  }
}
