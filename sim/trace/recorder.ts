/**
 * A trace on a wall clock: each rank's host records the messages delivered to it where it
 * runs (a worker thread, a process on another host), and hands them to the harness in
 * batches; the harness merges them in time order into the run's trace sink. Virtual time
 * needs none of this: its scheduler sees every delivery itself.
 */
import { ALARM } from '../comm/comm.js';
import type { Mailbox } from '../comm/mailbox.js';
import type { TraceSink } from './trace.js';

/**
 * One message delivered: [absolute ms (`performance.timeOrigin + performance.now()`), source,
 * dest, tag, what the sinks read of its payload]. Absolute, so that ranks in other threads
 * and processes share the harness's clock; across hosts, as far as their clocks agree.
 */
export type TraceRecord = [number, number, number, number, unknown];

/** Where a rank's host hands its records: a worker posts them, a process sends them to the coordinator. */
export type TraceFlush = (records: TraceRecord[]) => void;

/** Records kept before they go to the harness: bounded memory in the rank, few messages to the harness. */
const BATCH = 4096;

/**
 * What a sink reads of a payload (`short` for a line, the Perfetto sink for slices and
 * counters), and nothing else: a registration's segment hashes travel as empty strings,
 * a swarm reply's as nothing, so a trace batch stays small on a worker's port or a socket.
 */
export function traceDigest(payload: unknown): unknown {
  if (payload === null || typeof payload !== 'object') return null;
  const record = payload as Record<string, unknown>;
  const digest: Record<string, unknown> = {};
  for (const key of ['file', 'index', 'rank', 'seeds', 'peers'] as const) if (record[key] !== undefined) digest[key] = record[key];
  if (Array.isArray(record.files)) {
    digest.files = record.files.map((file: unknown) => {
      const owned = file as { name?: unknown; hashes?: unknown };
      return Array.isArray(owned.hashes) ? { name: owned.name, hashes: new Array<string>(owned.hashes.length).fill('') } : file;
    });
  }
  return digest;
}

/** Records every message delivered to `rank`'s mailbox from now on; `flush` hands over what is held. */
export function recordDeliveries(mailbox: Mailbox, rank: number, hand: TraceFlush): { flush(): void } {
  let records: TraceRecord[] = [];
  const flush = (): void => {
    if (records.length === 0) return;
    hand(records);
    records = [];
  };
  mailbox.observer = (letter) => {
    if (letter.tag === ALARM) return;
    records.push([performance.timeOrigin + performance.now(), letter.source, rank, letter.tag, traceDigest(letter.payload)]);
    if (records.length >= BATCH) flush();
  };
  return { flush };
}

/**
 * The harness's side: records from every rank, merged by time into the sink when the run
 * is over (batches from different ranks arrive in any order), times counted from the
 * run's start as the virtual transport counts from its epoch.
 */
export class TraceCollector {
  private readonly batches: TraceRecord[][] = [];

  constructor(
    private readonly sink: TraceSink,
    /** The run's start, absolute ms: what times are counted from. */
    private readonly epochMs: number,
  ) {}

  readonly add: TraceFlush = (records) => {
    this.batches.push(records);
  };

  /** Writes every record, earliest first (a stable sort: one rank's records keep their order), and closes the sink. */
  finish(): void {
    const records = this.batches.flat().sort((a, b) => a[0] - b[0]);
    this.batches.length = 0;
    for (const [ms, source, dest, tag, payload] of records)
      this.sink.event(Math.max(0, Math.round((ms - this.epochMs) * 1e6)), source, dest, tag, payload);
    this.sink.close();
  }
}
