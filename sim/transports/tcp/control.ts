/**
 * Harness messages between the coordinator (rank 0, or with a standby tracker the `sim run`
 * process itself) and the rank processes, beside the protocol's own: registration, the
 * address table, outputs, progress and the end of the job. Every one that arrives is
 * checked against its JSON schema (ajv) before it is used.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import type { Pipeline } from '../../../ranks/download.js';
import type { PeerReport } from '../../../ranks/peer.js';
import type { StrategyName } from '../../../ranks/strategies/index.js';
import type { ParsedClient } from '../../job/inputs.js';
import type { SwarmSummary } from '../../run/result.js';
import type { WaitState } from '../../comm/mailbox.js';
import type { Samples } from '../../run/timeline.js';
import type { ThreadFault } from '../threads/protocol.js';

/** Client → rank 0. */
export type ClientControl =
  | { type: 'register'; size: number; host: string; port: number; files: ParsedClient }
  /** The client cannot go on: bad input (code 2) or a failure (code 1). */
  | { type: 'failed'; code: number; message: string; stack: string }
  /** The connection to another client dropped while the job was running. */
  | { type: 'lost'; peer: number; reason: string }
  | { type: 'progress'; delivered: number; obtained: number }
  | { type: 'output'; name: string; text: string; last: boolean }
  | { type: 'done'; report: WireReport; messagesIn: number; messagesOut: number; timeline: Samples }
  /** Every tracker is lost: the client stops where it is (its outputs so far were sent). */
  | { type: 'stranded'; reason: string; report: WireReport; messagesIn: number; messagesOut: number; timeline: Samples }
  | { type: 'status'; waiting: WaitState[]; queued: number; detail: string }
  /** A tracker process has ended: its final table and counters, and the tracker it told the job was over. */
  | { type: 'tracker-done'; served: boolean; follower: number | null; swarms: SwarmSummary[]; messagesIn: number; messagesOut: number };

/** A PeerReport as JSON carries it. */
export type WireReport = Omit<PeerReport, 'downloadedFrom'> & { downloadedFrom: [number, number][] };

/** Rank 0 → client. */
export type CoordinatorControl =
  | {
      type: 'table';
      /** Host and port of every rank's listener, by rank. */
      addresses: [string, number][];
      strategy: StrategyName;
      pipeline: Pipeline;
      fault: ThreadFault | null;
      trackers: 1 | 2;
      /** How often to report progress: often while a fault waits for a segment count. */
      progressMs: number;
      /** Ranks lost so far (a tracker restarted mid-run starts knowing them). */
      lost: number[];
      /** This rank is a tracker started again after it was lost: it catches up from the serving one. */
      restarted: boolean;
    }
  | { type: 'describe' }
  /** A rank is gone: every rank hears it, also those with no connection to it. */
  | { type: 'rank-lost'; rank: number; reason: string }
  /** A lost tracker was started again and listens here now. */
  | { type: 'rank-back'; rank: number; host: string; port: number }
  /** Every rank is done: close and exit 0. */
  | { type: 'finish' }
  /** The job is over without a result: print the message and exit non-zero. */
  | { type: 'abort'; message: string; code: number };

const int = { type: 'integer', minimum: 0 } as const;
const str = { type: 'string' } as const;
const strings = { type: 'array', items: str } as const;
const ints = { type: 'array', items: int } as const;

function message(type: string, properties: Record<string, object>): object {
  return {
    type: 'object',
    properties: { type: { const: type }, ...properties },
    required: ['type', ...Object.keys(properties)],
    additionalProperties: false,
  };
}

const CLIENT_SCHEMAS: Record<ClientControl['type'], object> = {
  stranded: {},
  register: message('register', {
    size: int,
    host: str,
    port: { type: 'integer', minimum: 1, maximum: 65535 },
    files: {
      type: 'object',
      properties: {
        file: str,
        owned: {
          type: 'array',
          items: {
            type: 'object',
            properties: { name: str, hashes: strings },
            required: ['name', 'hashes'],
            additionalProperties: false,
          },
        },
        wanted: strings,
        ownedLines: ints,
        wantedLines: ints,
      },
      required: ['file', 'owned', 'wanted', 'ownedLines', 'wantedLines'],
      additionalProperties: false,
    },
  }),
  failed: message('failed', { code: int, message: str, stack: str }),
  lost: message('lost', { peer: int, reason: str }),
  progress: message('progress', { delivered: int, obtained: int }),
  output: message('output', { name: { type: 'string', pattern: '^client[0-9]+_[A-Za-z0-9._-]+$' }, text: str, last: { type: 'boolean' } }),
  done: message('done', {
    report: {
      type: 'object',
      properties: {
        downloaded: int,
        nacksReceived: int,
        requestsSent: int,
        swarmRequests: int,
        downloadedFrom: { type: 'array', items: { type: 'array', items: [int, int], minItems: 2, maxItems: 2 } },
        uploaded: int,
        nacksSent: int,
        gaveUp: { type: 'array', items: str },
        lateReplies: int,
      },
      required: [
        'downloaded',
        'nacksReceived',
        'requestsSent',
        'swarmRequests',
        'downloadedFrom',
        'uploaded',
        'nacksSent',
        'gaveUp',
        'lateReplies',
      ],
      additionalProperties: false,
    },
    messagesIn: int,
    messagesOut: int,
    timeline: { type: 'array', items: { type: 'array', items: { type: 'number' } } },
  }),
  status: message('status', {
    waiting: {
      type: 'array',
      items: {
        type: 'object',
        properties: { source: { type: 'integer' }, tag: { type: 'integer' } },
        required: ['source', 'tag'],
        additionalProperties: false,
      },
    },
    queued: int,
    detail: str,
  }),
  'tracker-done': message('tracker-done', {
    served: { type: 'boolean' },
    follower: { anyOf: [{ type: 'null' }, int] },
    swarms: {
      type: 'array',
      items: {
        type: 'object',
        properties: { file: str, segments: int, seeds: ints, peers: ints, completed: int, gaveUp: ints },
        required: ['file', 'segments', 'seeds', 'peers', 'completed', 'gaveUp'],
        additionalProperties: false,
      },
    },
    messagesIn: int,
    messagesOut: int,
  }),
};

// A stranded client reports what a done one does, and why it stopped.
CLIENT_SCHEMAS.stranded = withReason(CLIENT_SCHEMAS.done, 'stranded');

function withReason(schema: object, type: string): object {
  const { properties, required } = schema as { properties: Record<string, object>; required: string[] };
  return { ...schema, properties: { ...properties, type: { const: type }, reason: str }, required: [...required, 'reason'] };
}

const COORDINATOR_SCHEMAS: Record<CoordinatorControl['type'], object> = {
  table: message('table', {
    addresses: {
      type: 'array',
      items: { type: 'array', items: [str, { type: 'integer', minimum: 0, maximum: 65535 }], minItems: 2, maxItems: 2 },
    },
    strategy: str,
    pipeline: { anyOf: [{ const: 'auto' }, { type: 'integer', minimum: 1 }] },
    fault: { anyOf: [{ type: 'null' }, { enum: ['crash', 'exit', 'stall', 'refuse'] }] },
    trackers: { enum: [1, 2] },
    progressMs: { type: 'integer', minimum: 1, maximum: 60000 },
    lost: ints,
    restarted: { type: 'boolean' },
  }),
  describe: message('describe', {}),
  'rank-lost': message('rank-lost', { rank: int, reason: str }),
  'rank-back': message('rank-back', { rank: int, host: str, port: { type: 'integer', minimum: 1, maximum: 65535 } }),
  finish: message('finish', {}),
  abort: message('abort', { message: str, code: int }),
};

type Validators<T extends { type: string }> = Map<string, ValidateFunction<T>>;

function compileAll<T extends { type: string }>(schemas: Record<string, object>): Validators<T> {
  const ajv = new Ajv({ strict: true, strictTuples: false, allErrors: false });
  return new Map(Object.entries(schemas).map(([type, schema]) => [type, ajv.compile<T>(schema)]));
}

let clientValidators: Validators<ClientControl> | undefined;
let coordinatorValidators: Validators<CoordinatorControl> | undefined;

function parse<T extends { type: string }>(body: Buffer, validators: Validators<T>): T | string {
  let data: unknown;
  try {
    data = JSON.parse(body.toString('utf8'));
  } catch {
    return 'a control frame that is not JSON';
  }
  const type = typeof data === 'object' && data !== null && 'type' in data ? String(data.type) : '';
  const validate = validators.get(type);
  if (!validate) return `a control frame of unknown type ${JSON.stringify(type.slice(0, 40))}`;
  if (validate(data)) return data;
  const first = validate.errors?.[0];
  return `a ${type} frame that fails its schema: ${first?.instancePath || '(top)'} ${first?.message ?? ''}`.trim();
}

/** The message, or the reason it is refused. */
export function parseClientControl(body: Buffer): ClientControl | string {
  clientValidators ??= compileAll<ClientControl>(CLIENT_SCHEMAS);
  return parse(body, clientValidators);
}

export function parseCoordinatorControl(body: Buffer): CoordinatorControl | string {
  coordinatorValidators ??= compileAll<CoordinatorControl>(COORDINATOR_SCHEMAS);
  return parse(body, coordinatorValidators);
}
