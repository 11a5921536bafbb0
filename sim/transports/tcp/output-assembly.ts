import { join } from 'node:path';
import { writeAtomically } from '../../job/files.js';
import type { Job } from '../../job/inputs.js';
import { outputCapBytes, outputName } from '../../job/outputs.js';
import { RankFailure } from '../../run/failures.js';
import type { ClientControl } from './control.js';

type OutputPiece = Extract<ClientControl, { type: 'output' }>;

/** Pieces of unfinished outputs held at once, over every client: far above what honest clients hold. */
const UNFINISHED_LIMIT = 256 * 2 ** 20;

/**
 * Outputs over TCP arrive in pieces, each client sending only its own; the coordinator
 * writes each whole file atomically once its last piece has come. What is held is bounded:
 * a client may send only the outputs it wants, each no bigger than its file's segments
 * take, and all unfinished pieces together no more than UNFINISHED_LIMIT.
 */
export class OutputAssembly {
  private readonly parts = new Map<string, { texts: string[]; chars: number }>();
  private unfinished = 0;
  /** Per client rank, the outputs it may send and the most each may take. */
  private caps = new Map<number, Map<string, number>>();
  readonly writes: Promise<void>[] = [];

  constructor(
    private readonly outDir: string,
    private readonly written: (rank: number, name: string, file: string) => void,
    private readonly fail: (failure: RankFailure) => void,
  ) {}

  /** The job is known once every rank has registered: from then on outputs may come. */
  expect(job: Job): void {
    this.caps = new Map(
      job.clients.map((client, i) => [
        i + 1,
        new Map(client.wanted.map((file) => [outputName(i + 1, file), outputCapBytes(job.files.get(file)?.length ?? 0)])),
      ]),
    );
  }

  take(from: number, piece: OutputPiece): void {
    const cap = this.caps.get(from)?.get(piece.name);
    if (cap === undefined) {
      this.fail(new RankFailure(from, `sent an output named ${piece.name.slice(0, 60)}, which is not one it wants`));
      return;
    }
    const held = this.parts.get(piece.name) ?? { texts: [], chars: 0 };
    held.texts.push(piece.text);
    held.chars += piece.text.length;
    this.unfinished += piece.text.length;
    if (held.chars > cap || this.unfinished > UNFINISHED_LIMIT) {
      const over =
        held.chars > cap ? `more than the ${cap} bytes its segments take` : `past ${UNFINISHED_LIMIT} bytes of unfinished outputs`;
      this.fail(new RankFailure(from, `sent ${piece.name} in pieces ${over}: refused`));
      this.parts.delete(piece.name);
      this.unfinished -= held.chars;
      return;
    }
    if (!piece.last) {
      this.parts.set(piece.name, held);
      return;
    }
    this.parts.delete(piece.name);
    this.unfinished -= held.chars;
    this.written(from, piece.name, piece.name.slice(`client${from}_`.length));
    const write = writeAtomically(join(this.outDir, piece.name), held.texts.join(''));
    write.catch((error: unknown) => this.fail(new RankFailure(0, (error as Error).message)));
    this.writes.push(write);
  }
}
