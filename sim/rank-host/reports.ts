/**
 * What a rank tells its harness, declared once: how it ended (done, stranded, failed, a
 * tracker's end), a file it finished, and the stall answer (what it waits for). Each report
 * is a JSON schema, a plain constant; its TypeScript type is derived from the schema by the
 * compiler (json-schema-to-ts), so the worker messages of the threads transport and the
 * control frames of the TCP transport, which validates every frame it takes against these
 * very schemas with ajv, cannot drift apart. A transport picks the reports it carries and
 * adds its own messages beside them.
 */
import type { FromSchema, JSONSchema } from 'json-schema-to-ts';
import type { PeerReport } from '../../ranks/peer.js';
import type { WaitState } from '../comm/mailbox.js';
import type { SwarmSummary } from '../run/result.js';
import type { Samples } from '../run/timeline.js';

/** A count: a non-negative integer. */
export const Count = { type: 'integer', minimum: 0 } as const;
export const Text = { type: 'string' } as const;
const Ranks = { type: 'array', items: Count } as const;

/** A closed object: every field required, and a field nobody declared is an error, not something carried along unseen. */
export function closed<const P extends Record<string, JSONSchema>>(properties: P) {
  const required = Object.keys(properties) as (keyof P & string)[];
  return { type: 'object', properties, required, additionalProperties: false } as const;
}

/** One message: its `type`, then its fields. */
export function message<const T extends string, const P extends Record<string, JSONSchema>>(type: T, properties: P) {
  return closed({ type: { const: type }, ...properties });
}

/**
 * A table of message schemas, each under its own `type` (the compiler checks it): a frame is
 * validated by the schema its `type` names, so a schema filed under another name would let
 * through what its type does not describe.
 */
export function messageTable<const S extends Record<string, JSONSchema>>(
  table: S & { [K in keyof S]: { properties: { type: { const: K } } } },
): S {
  return table;
}

/** The types of a table of message schemas, as one union discriminated by `type`. */
export type MessageOf<S extends Record<string, JSONSchema>> = { [K in keyof S]: FromSchema<S[K]> }[keyof S];

/** The name of every output file: `client<R>_<file>`, with nothing that could leave the output folder. */
export const OutputName = { type: 'string', pattern: '^client[0-9]+_[A-Za-z0-9._-]+$' } as const;

/** A client's counters as a message carries them: whom it downloaded from as [rank, segments] pairs. */
const WireReportSchema = closed({
  downloaded: Count,
  nacksReceived: Count,
  requestsSent: Count,
  swarmRequests: Count,
  downloadedFrom: { type: 'array', items: { type: 'array', items: [Count, Count], minItems: 2, maxItems: 2 } },
  uploaded: Count,
  nacksSent: Count,
  gaveUp: { type: 'array', items: Text },
  lateReplies: Count,
});
export type WireReport = FromSchema<typeof WireReportSchema>;

const Timeline = { type: 'array', items: { type: 'array', items: { type: 'number' } } } as const;

const Swarm = closed({ file: Text, segments: Count, seeds: Ranks, peers: Ranks, completed: Count, gaveUp: Ranks });

/** A client's end: its counters, the outputs it wrote and its timeline. */
const clientEnd = {
  report: WireReportSchema,
  messagesIn: Count,
  messagesOut: Count,
  outputs: { type: 'array', items: OutputName },
  timeline: Timeline,
} as const;

export const RANK_REPORTS = messageTable({
  /** A client has every wanted file and was told the job is over. */
  done: message('done', clientEnd),
  /** Every tracker is lost: the client stops where it is, with what it has written. */
  stranded: message('stranded', { reason: Text, ...clientEnd }),
  /** The rank cannot go on: a failure (code 1), or over TCP bad input (code 2). */
  failed: message('failed', { code: Count, message: Text, stack: Text }),
  /** A tracker has ended: its final table and counters, and the tracker it told the job was over. */
  'tracker-done': message('tracker-done', {
    served: { type: 'boolean' },
    follower: { anyOf: [{ type: 'null' }, Count] },
    swarms: { type: 'array', items: Swarm },
    messagesIn: Count,
    messagesOut: Count,
  }),
  /** A client has written one of its files (a fault may wait for it). */
  'file-done': message('file-done', { file: Text }),
  /** The stall answer: the filters of the receives the rank is blocked in, what it holds unread, and what it is doing. */
  status: message('status', {
    waiting: { type: 'array', items: closed({ source: { type: 'integer' }, tag: { type: 'integer' } }) },
    queued: Count,
    detail: Text,
  }),
});

type Reports = { [K in keyof typeof RANK_REPORTS]: FromSchema<(typeof RANK_REPORTS)[K]> };
export type RankReport = Reports[keyof Reports];
export type DoneReport = Reports['done'];
export type StrandedReport = Reports['stranded'];
export type FailedReport = Reports['failed'];
export type TrackerDoneReport = Reports['tracker-done'];
export type FileDoneReport = Reports['file-done'];
export type StatusReport = Reports['status'];

/** True when A and B are the same type: the schemas above must keep up with the types they carry. */
export type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const schemasMatchTheirTypes: [
  Same<Omit<WireReport, 'downloadedFrom'>, Omit<PeerReport, 'downloadedFrom'>>,
  Same<FromSchema<typeof Swarm>, SwarmSummary>,
  Same<StatusReport['waiting'][number], WaitState>,
  Same<DoneReport['timeline'], Samples>,
] = [true, true, true, true];
void schemasMatchTheirTypes;

export function wireReport(report: PeerReport): WireReport {
  return { ...report, downloadedFrom: [...report.downloadedFrom] };
}

/** The report of a rank that cannot go on. */
export function failedReport(error: unknown, code = 1): FailedReport {
  const failure = error instanceof Error ? error : new Error(String(error));
  return { type: 'failed', code, message: failure.message, stack: failure.stack ?? failure.message };
}
