import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { RunFailure } from '../run/failures.js';
import { writeAtomicallySync } from './files.js';
import type { OutputsWritten, ToOutputThread } from './output-thread.js';
import { formatOutput, outputName } from './outputs.js';

const THREAD_ENTRY = new URL('./output-thread.bundle.js', import.meta.url);
/** Run from the TypeScript sources (the tests), no bundle exists: outputs are written in this thread. */
const THREAD_BUILT = existsSync(fileURLToPath(THREAD_ENTRY));
/** Outputs sent to the output thread in one message, at most. */
const BATCH = 512;

interface Pending {
  resolve: (name: string) => void;
  reject: (error: unknown) => void;
}

/**
 * The outputs of a run whose ranks all live in this thread (virtual time), written by the
 * output thread (output-thread.ts) while the run goes on. Each file's text is made and sent
 * once, however many clients write it. Run from the TypeScript sources (the tests), where
 * no thread bundle exists, each output is written here, at once.
 */
export class OutputWriter {
  private thread: Worker | undefined;
  /** Per file, the hashes its text was made from and the key the thread knows it by. */
  private readonly texts = new Map<string, { hashes: readonly string[]; key: string }[]>();
  private batch: { dir: string; names: string[]; files: string[]; waiting: Pending[] } | undefined;
  /** Batches sent and not yet answered: their outputs' names and waiters, in the same order. */
  private readonly inFlight = new Map<number, { names: string[]; waiting: Pending[] }>();
  private batches = 0;
  private readonly names: string[] = [];
  private failure: unknown;
  /** The thread died: nothing sent to it will be answered, and every write fails with this. */
  private dead: RunFailure | undefined;
  private idle: (() => void) | undefined;

  /** Writes `client<rank>_<file>`; resolves with its name once it is on disk. */
  write(outDir: string, rank: number, file: string, hashes: readonly string[]): Promise<string> {
    const name = outputName(rank, file);
    if (!THREAD_BUILT) return this.writeHere(join(outDir, name), name, hashes);
    if (this.dead) return Promise.reject(this.dead);
    const key = this.textKey(file, hashes);
    if (this.batch && this.batch.dir !== outDir) this.flush();
    const batch = (this.batch ??= this.newBatch(outDir));
    batch.names.push(name);
    batch.files.push(key);
    const written = new Promise<string>((resolve, reject) => batch.waiting.push({ resolve, reject }));
    if (batch.names.length >= BATCH) this.flush();
    return written;
  }

  /** Every output handed in so far is written: their names, or the first write that failed. */
  async finished(): Promise<string[]> {
    this.flush();
    if (this.inFlight.size > 0) await new Promise<void>((resolve) => (this.idle = resolve));
    if (this.failure !== undefined) throw this.failure;
    return this.names;
  }

  /** Stops the thread; outputs not yet written will not be. */
  close(): void {
    const thread = this.thread;
    this.thread = undefined;
    void thread?.terminate();
  }

  private writeHere(path: string, name: string, hashes: readonly string[]): Promise<string> {
    try {
      writeAtomicallySync(path, formatOutput(hashes));
    } catch (error) {
      this.failure ??= error;
      return Promise.reject(error);
    }
    this.names.push(name);
    return Promise.resolve(name);
  }

  /** The key of this file's text in the thread, sending the text first if it is new (a client may write other hashes). */
  private textKey(file: string, hashes: readonly string[]): string {
    let known = this.texts.get(file);
    if (!known) this.texts.set(file, (known = []));
    const same = known.find((entry) => entry.hashes === hashes || sameHashes(entry.hashes, hashes));
    if (same) return same.key;
    const key = known.length === 0 ? file : `${file}\0${known.length}`;
    known.push({ hashes, key });
    this.post({ kind: 'text', file: key, text: formatOutput(hashes) });
    return key;
  }

  private newBatch(dir: string): NonNullable<OutputWriter['batch']> {
    // The run's thread gives the event loop a turn every few dozen milliseconds: what gathers until then goes together.
    setImmediate(() => this.flush());
    return { dir, names: [], files: [], waiting: [] };
  }

  private flush(): void {
    const batch = this.batch;
    if (!batch || batch.names.length === 0) return;
    this.batch = undefined;
    if (this.dead) {
      for (const pending of batch.waiting) pending.reject(this.dead);
      return;
    }
    const id = ++this.batches;
    this.inFlight.set(id, { names: batch.names, waiting: batch.waiting });
    this.post({ kind: 'write', batch: id, dir: batch.dir, names: batch.names, files: batch.files });
  }

  private post(message: ToOutputThread): void {
    if (!this.thread) {
      this.thread = new Worker(THREAD_ENTRY);
      this.thread.on('message', (answer: OutputsWritten) => this.written(answer));
      this.thread.on('error', (error) => this.died(`failed: ${error.message}`));
      // It never exits by itself: one that does (out of memory, say) answers nothing more.
      this.thread.on('exit', (code) => this.died(`exited with code ${code}`));
    }
    // Kept alive only while writes are owed: a run that fails midway must not hang on it.
    this.thread.ref();
    this.thread.postMessage(message);
  }

  private written({ batch, failed }: OutputsWritten): void {
    const sent = this.inFlight.get(batch);
    this.inFlight.delete(batch);
    const failures = new Map(failed.map(({ name, message }) => [name, message]));
    sent?.names.forEach((name, i) => {
      const problem = failures.get(name);
      if (problem === undefined) {
        this.names.push(name);
        sent.waiting[i].resolve(name);
        return;
      }
      const error = new RunFailure(problem, 1);
      this.failure ??= error;
      sent.waiting[i].reject(error);
    });
    this.settle();
  }

  /** The thread is gone: what it owed, and every write from now on, fails naming why. */
  private died(why: string): void {
    if (this.dead || !this.thread) return;
    const error = new RunFailure(`the output thread ${why}`, 1);
    this.dead = error;
    this.thread = undefined;
    this.failure ??= error;
    for (const { waiting } of this.inFlight.values()) for (const pending of waiting) pending.reject(error);
    this.inFlight.clear();
    if (this.batch) this.flush();
    this.settle();
  }

  private settle(): void {
    if (this.inFlight.size > 0) return;
    this.thread?.unref();
    this.idle?.();
    this.idle = undefined;
  }
}

function sameHashes(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((hash, i) => hash === b[i]);
}
