/**
 * A trace on a wall clock: each rank's host records the messages delivered to it where it
 * runs (a worker thread, a process on another host), and hands them to the harness in
 * batches; the harness merges them in time order into the run's trace sink. Virtual time
 * needs none of this: its scheduler sees every delivery itself.
 */
import { ALARM } from '../comm/comm.js';
import { Mailbox, type Letter } from '../comm/mailbox.js';
import type { TraceSink } from './trace.js';

/**
 * One message delivered: [absolute ms (`performance.timeOrigin + performance.now()`), source,
 * dest, tag, what the sinks read of its payload]. Absolute, so that ranks in other threads
 * and processes share the harness's clock; across hosts, as far as their clocks agree.
 */
export type DeliveryRecord = [number, number, number, number, unknown];

/** Where a rank's host hands its records: a worker posts them, a process sends them to the coordinator. */
export type TraceFlush = (records: DeliveryRecord[]) => void;

/** Records kept before they go to the harness: bounded memory in the rank, few messages to the harness. */
const BATCH = 4096;

/**
 * What a sink reads of a payload (`short` for a line, the Perfetto sink for slices and
 * counters), and nothing else: a registration's segment hashes travel as empty strings, a
 * swarm reply's members as their counts, its hashes not at all, so a trace batch stays
 * small on a worker's port or a socket.
 */
export function traceDigest(payload: unknown): unknown {
  if (payload === null || typeof payload !== 'object') return null;
  const record = payload as Record<string, unknown>;
  const digest: Record<string, unknown> = {};
  for (const key of ['file', 'index', 'rank'] as const) if (record[key] !== undefined) digest[key] = record[key];
  for (const key of ['seeds', 'peers'] as const) if (Array.isArray(record[key])) digest[key] = (record[key] as unknown[]).length;
  if (Array.isArray(record.files)) {
    digest.files = record.files.map((file: unknown) => {
      const owned = file as { name?: unknown; hashes?: unknown };
      return Array.isArray(owned.hashes) ? { name: owned.name, hashes: new Array<string>(owned.hashes.length).fill('') } : file;
    });
  }
  return digest;
}

/** Records every message delivered to `rank`'s mailbox from now on; `stop` hands over what is held and records no more. */
export function recordDeliveries(mailbox: Mailbox, rank: number, hand: TraceFlush): { stop(): void } {
  let records: DeliveryRecord[] = [];
  const flush = (): void => {
    if (records.length === 0) return;
    hand(records);
    records = [];
  };
  // This mailbox's own `deliver` wraps the shared one: an observer hook checked on every
  // delivery of every run, traced or not, cost 2-9% of a 10,000-client virtual-time run.
  const deliver = Mailbox.prototype.deliver;
  mailbox.deliver = function (this: Mailbox, letter: Letter): boolean {
    if (letter.tag !== ALARM) {
      records.push([performance.timeOrigin + performance.now(), letter.source, rank, letter.tag, traceDigest(letter.payload)]);
      if (records.length >= BATCH) flush();
    }
    return deliver.call(this, letter);
  };
  return {
    stop: () => {
      mailbox.deliver = deliver;
      flush();
    },
  };
}

/**
 * The harness's side: records from every rank, merged by time into the sink when the run
 * is over (batches from different ranks arrive in any order), times counted from the
 * run's start as the virtual transport counts from its epoch.
 */
export class TraceCollector {
  private readonly batches: DeliveryRecord[][] = [];

  constructor(
    private readonly sink: TraceSink,
    /** The run's start, absolute ms: what times are counted from. */
    private readonly epochMs: number,
  ) {}

  readonly add: TraceFlush = (records) => {
    this.batches.push(records);
  };

  /**
   * Writes every record, earliest first (a stable sort: one rank's records keep their
   * order), and closes the sink. After a failed run (`failed`) a failure to write the
   * trace is not said: the run's own failure explains more, and must not be hidden by it.
   */
  finish(failed = false): void {
    const records = this.batches.flat().sort((a, b) => a[0] - b[0]);
    this.batches.length = 0;
    try {
      for (const [ms, source, dest, tag, payload] of records)
        this.sink.event(Math.max(0, Math.round((ms - this.epochMs) * 1e6)), source, dest, tag, payload);
      this.sink.close();
    } catch (error) {
      if (!failed) throw error;
    }
  }
}
