import { join } from 'node:path';
import { writeAtomically } from '../../job/files.js';
import type { Job } from '../../job/inputs.js';
import { clearOutputs, outputCapBytes, outputName } from '../../job/outputs.js';
import { RankFailure } from '../../run/failures.js';
import type { ClientControl } from './control.js';

type OutputPiece = Extract<ClientControl, { type: 'output' | 'written' }>;

/**
 * Outputs over TCP arrive in pieces, each client sending only its own; the coordinator
 * writes each whole file atomically once its last piece has come. What is held is bounded
 * by the job: a client may send only the outputs it wants, each no bigger than its file's
 * segments take (`outputCapBytes`), and one at a time, as a client sends an output's
 * pieces one after another; so at most one output per client is ever unfinished.
 */
export class OutputAssembly {
  /** Per client rank, the output it is sending now. */
  private readonly sending = new Map<number, { name: string; texts: string[]; chars: number }>();
  /** Per client rank, the outputs it may send and the most each may take. */
  private caps = new Map<number, Map<string, number>>();
  readonly writes: Promise<void>[] = [];

  constructor(
    private readonly outDir: string,
    private readonly written: (rank: number, name: string, file: string) => void,
    private readonly fail: (failure: RankFailure) => void,
    /** The clients write into this folder themselves (the table's `sharedOut`): they send names only. */
    private readonly shared = false,
  ) {}

  /**
   * The job is known once every rank has registered: from then on outputs may come. Its
   * outputs an earlier run left in the folder go first (under a launcher nothing else
   * clears them), so that one this run does not write cannot pass as its own.
   */
  async expect(job: Job): Promise<void> {
    await clearOutputs(job, this.outDir);
    this.caps = new Map(
      job.clients.map((client, i) => [
        i + 1,
        new Map(client.wanted.map((file) => [outputName(i + 1, file), outputCapBytes(job.files.get(file)?.length ?? 0)])),
      ]),
    );
  }

  /** A piece of an output, or the name of one a client wrote into this folder itself (a launch on one host). */
  take(from: number, piece: OutputPiece): void {
    const cap = this.capOf(from, piece.name);
    if (cap === undefined) return;
    if (piece.type === 'written') {
      // Elsewhere a name alone would count an output whose text never came.
      if (this.shared) this.written(from, piece.name, piece.name.slice(`client${from}_`.length));
      else this.fail(new RankFailure(from, `sent only the name of ${piece.name}, whose text rank 0 must write`));
      return;
    }
    const current = this.sending.get(from);
    if (current && current.name !== piece.name) {
      this.fail(new RankFailure(from, `sent a piece of ${piece.name} before the last piece of ${current.name}: refused`));
      return;
    }
    const held = current ?? { name: piece.name, texts: [], chars: 0 };
    held.texts.push(piece.text);
    held.chars += piece.text.length;
    if (held.chars > cap) {
      this.sending.delete(from);
      this.fail(new RankFailure(from, `sent ${piece.name} in pieces more than the ${cap} bytes its segments take: refused`));
      return;
    }
    if (!piece.last) {
      this.sending.set(from, held);
      return;
    }
    this.sending.delete(from);
    this.written(from, piece.name, piece.name.slice(`client${from}_`.length));
    const write = writeAtomically(join(this.outDir, piece.name), held.texts.join(''));
    write.catch((error: unknown) => this.fail(new RankFailure(0, (error as Error).message)));
    this.writes.push(write);
  }

  /** The most an output a client names may take; undefined, and the run failed, if it is not one the client wants. */
  private capOf(from: number, name: string): number | undefined {
    const cap = this.caps.get(from)?.get(name);
    if (cap === undefined) this.fail(new RankFailure(from, `sent an output named ${name.slice(0, 60)}, which is not one it wants`));
    return cap;
  }
}
