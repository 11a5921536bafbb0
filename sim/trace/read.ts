/**
 * Reading a trace back (`sim view`): line by line, so a trace of millions of messages is
 * never held whole. Only a regular file is read, as every file a user names.
 */
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { TraceProblem, type TraceRecord } from '../../reports/replay-data.js';
import { InputError } from '../job/inputs.js';

/** A line of a trace, checked: `{"t":seconds,"from":R,"to":R,"tag":"ACK","p":"file3[12]"}`. */
function recordOf(line: string): TraceRecord | string {
  let data: unknown;
  try {
    data = JSON.parse(line);
  } catch {
    return 'not a JSON object';
  }
  const r = data as Partial<Record<keyof TraceRecord, unknown>> | null;
  if (r === null || typeof r !== 'object') return 'not a JSON object';
  if (typeof r.t !== 'number' || !Number.isFinite(r.t) || r.t < 0) return '"t" is not a time in seconds';
  if (!Number.isInteger(r.from) || !Number.isInteger(r.to)) return '"from" or "to" is not a rank';
  if (typeof r.tag !== 'string' || typeof r.p !== 'string') return '"tag" or "p" is not a string';
  return { t: r.t, from: r.from as number, to: r.to as number, tag: r.tag, p: r.p };
}

/**
 * Hands every line of the trace at `path` to `take`, in order; `named` is how errors name
 * the file (`--trace FILE`). A line that is not a trace line, or that `take` refuses (a
 * TraceProblem), fails with the file and line.
 */
export async function readTrace(path: string, named: string, take: (record: TraceRecord) => void): Promise<number> {
  const handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK).catch((error: NodeJS.ErrnoException) => {
    const problem = error.code === 'ENOENT' ? 'missing' : `cannot be read (${error.code ?? error.message})`;
    throw new InputError(named, `${problem}: expected the trace of the run (sim run ... --trace ${path}), or name one with --trace`);
  });
  let lineNumber = 0;
  try {
    if (!(await handle.stat()).isFile()) throw new InputError(named, 'is not a regular file: expected a trace written by sim run --trace');
    const lines = createInterface({ input: handle.createReadStream({ autoClose: false }), crlfDelay: Infinity });
    for await (const line of lines) {
      lineNumber++;
      if (line.trim() === '') continue;
      const record = recordOf(line);
      if (typeof record === 'string') {
        // A Perfetto trace (--trace-format perfetto) is one JSON document, not a line per message.
        const hint = line.includes('traceEvents') ? ', as --trace-format jsonl (the default) writes it, not perfetto' : '';
        throw new InputError(`${named}:${lineNumber}`, `${record}: expected a trace line${hint}`);
      }
      try {
        take(record);
      } catch (error) {
        if (error instanceof TraceProblem) throw new InputError(`${named}:${lineNumber}`, error.message);
        throw error;
      }
    }
  } finally {
    await handle.close();
  }
  return lineNumber;
}
