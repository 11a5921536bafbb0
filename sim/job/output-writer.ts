import { writeOutput } from './outputs.js';

/**
 * The outputs a run in this thread writes, to be waited for at its end. Writes are
 * bounded where every file is written (`writeAtomically`), so none of them waits here.
 */
export class OutputWriter {
  readonly written: Promise<string>[] = [];

  write(outDir: string, rank: number, file: string, hashes: readonly string[]): Promise<string> {
    const written = writeOutput(outDir, rank, file, hashes);
    this.written.push(written);
    return written;
  }
}
