/**
 * The output thread: writes the outputs of a run whose ranks all live in one busy thread
 * (virtual time). That thread hands the event loop a turn only every few dozen
 * milliseconds, and an asynchronous write needs four turns (open, write, close, rename), so
 * outputs written from it trickled out at a few hundred a second and most waited for the
 * run's end. Here each is written at once, on the other core, while the run goes on.
 */
import { join } from 'node:path';
import { parentPort } from 'node:worker_threads';
import { fileProblem, writeAtomicallySync, WriteError } from './files.js';

/** Main thread → output thread. */
export type ToOutputThread =
  /** The text of every output of `file` (all downloaders of a file write the same hashes). */
  | { kind: 'text'; file: string; text: string }
  /** Writes `names[i]` in `dir` with the text of `files[i]`, then answers `batch`. */
  | { kind: 'write'; batch: number; dir: string; names: string[]; files: string[] };

/** Output thread → main thread: a batch is written; `failed` names the outputs that are not, and why. */
export interface OutputsWritten {
  batch: number;
  failed: { name: string; message: string }[];
}

const port = parentPort;
if (port) {
  const texts = new Map<string, string>();
  port.on('message', (message: ToOutputThread) => {
    if (message.kind === 'text') {
      texts.set(message.file, message.text);
      return;
    }
    const failed: OutputsWritten['failed'] = [];
    message.names.forEach((name, i) => {
      const path = join(message.dir, name);
      const text = texts.get(message.files[i]);
      if (text === undefined) {
        failed.push({ name, message: `cannot write ${path}: the output thread was given no text for ${message.files[i]}` });
        return;
      }
      try {
        writeAtomicallySync(path, text);
      } catch (error) {
        failed.push({ name, message: error instanceof WriteError ? error.message : `cannot write ${path}: ${fileProblem(error)}` });
      }
    });
    const answer: OutputsWritten = { batch: message.batch, failed };
    port.postMessage(answer);
  });
}
