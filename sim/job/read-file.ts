/**
 * Reading a file a user (or a program under test) gave us: only a regular file, and only
 * up to a size that the job makes sense of. A FIFO would block the reader for good, a
 * device such as /dev/zero never ends, and a sparse file of gigabytes would be read whole
 * before any check: each is refused from its `fstat`, before a byte is read.
 */
import { closeSync, constants, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';

/** Why a file was not read; `problem` reads after the file's name. */
export class ReadRefusal extends Error {
  constructor(
    readonly path: string,
    readonly problem: string,
    readonly code?: string,
  ) {
    super(`${path}: ${problem}`);
  }
}

// O_NONBLOCK: opening a FIFO with no writer would otherwise wait forever; it does not
// change how a regular file reads.
const FLAGS = constants.O_RDONLY | constants.O_NONBLOCK;

export function sizeInWords(bytes: number): string {
  if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(1)} GiB`;
  if (bytes >= 2 ** 20) return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  return `${bytes} bytes`;
}

function refusal(path: string, error: unknown): ReadRefusal {
  if (error instanceof ReadRefusal) return error;
  const code = (error as NodeJS.ErrnoException).code;
  return new ReadRefusal(path, code === 'ENOENT' ? 'missing' : `cannot be read (${code ?? (error as Error).message})`, code);
}

function checkStat(path: string, stat: { isFile(): boolean; size: number }, maxBytes: number): void {
  if (!stat.isFile()) throw new ReadRefusal(path, 'is not a regular file (a FIFO, device or folder): only regular files are read');
  if (stat.size > maxBytes) {
    throw new ReadRefusal(path, `is ${sizeInWords(stat.size)}, more than the ${sizeInWords(maxBytes)} this file can hold here`);
  }
}

/**
 * The text of a regular file of at most `maxBytes`, or a ReadRefusal saying why not. With
 * `pipes`, a FIFO is read too (`--job-key-file <(pass show job)`): a writer is there, and
 * what it writes is cut off past `maxBytes`.
 */
export function readRegularFileSync(path: string, maxBytes: number, pipes = false): string {
  let fd: number | undefined;
  try {
    fd = openSync(path, FLAGS);
    const stat = fstatSync(fd);
    if (pipes && stat.isFIFO()) return readPipe(path, maxBytes);
    checkStat(path, stat, maxBytes);
    return readFileSync(fd, 'utf8');
  } catch (error) {
    throw refusal(path, error);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function readPipe(path: string, maxBytes: number): string {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(maxBytes + 1);
    let length = 0;
    for (let read = 1; read > 0 && length <= maxBytes; length += read) read = readSync(fd, buffer, length, maxBytes + 1 - length, null);
    if (length > maxBytes) throw new ReadRefusal(path, `holds more than the ${sizeInWords(maxBytes)} it may hold here`);
    return buffer.toString('utf8', 0, length);
  } finally {
    closeSync(fd);
  }
}

/** As readRegularFileSync, without blocking the thread. */
export async function readRegularFile(path: string, maxBytes: number): Promise<string> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(path, FLAGS);
    checkStat(path, await handle.stat(), maxBytes);
    return await handle.readFile('utf8');
  } catch (error) {
    throw refusal(path, error);
  } finally {
    await handle?.close();
  }
}
