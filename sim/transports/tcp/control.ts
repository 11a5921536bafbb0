/**
 * Harness messages between the coordinator (rank 0, or with a standby tracker the `sim run`
 * process itself) and the rank processes, beside the protocol's own. A rank sends the
 * reports every transport carries (rank-host/reports.ts) plus what only TCP needs:
 * registration, progress, its outputs, a lost connection. The coordinator sends the
 * address table and the end of the job. Each message is declared once, as a JSON schema
 * its type is derived from; every frame that arrives is checked against it (ajv) before it
 * is used.
 */
import type { Ajv, ValidateFunction } from 'ajv';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type { FromSchema, JSONSchema } from 'json-schema-to-ts';
import type { Pipeline } from '../../../ranks/download.js';
import type { ParsedClient } from '../../job/inputs.js';
import {
  closed,
  Count,
  message,
  messageTable,
  OutputName,
  RANK_REPORTS,
  Text,
  type MessageOf,
  type Same,
} from '../../rank-host/reports.js';
import { RANK_FAULTS, type RankFault } from '../../rank-host/test-faults.js';

const Port = { type: 'integer', minimum: 1, maximum: 65535 } as const;
const Strings = { type: 'array', items: Text } as const;
const Counts = { type: 'array', items: Count } as const;
/** A table of the job's hash lists, by its digest (job-lists.ts); null: this process has none. */
const ListsDigest = { anyOf: [{ type: 'null' }, { type: 'string', pattern: '^[0-9a-f]{64}$' }] } as const;
/** A strategy choice (strategies/choice.ts): a built-in's name, or a label and a module each rank process imports. */
const Strategy = {
  type: 'object',
  properties: { label: { type: 'string', minLength: 1, maxLength: 64 }, module: { type: 'string', minLength: 1, maxLength: 4096 } },
  required: ['label'],
  additionalProperties: false,
} as const;

/** A client's parsed `in<R>.txt`. */
const ParsedInput = closed({
  file: Text,
  owned: { type: 'array', items: closed({ name: Text, hashes: Strings }) },
  wanted: Strings,
  ownedLines: Counts,
  wantedLines: Counts,
});

// What a registration carries is what the client parsed: the same fields, each readable as the parsed input's.
const registrationMatchesInput: [Same<keyof FromSchema<typeof ParsedInput>, keyof ParsedClient>, ParsedClient] = [
  true,
  {} as FromSchema<typeof ParsedInput>,
];
void registrationMatchesInput;

/** [absolute ms, source, dest, tag, what the trace keeps of the payload]. */
const TraceRecordSchema = {
  type: 'array',
  items: [{ type: 'number' }, Count, Count, Count, {}],
  minItems: 5,
  maxItems: 5,
} as const;

/** Client → coordinator. */
export const CLIENT_MESSAGES = messageTable({
  done: RANK_REPORTS.done,
  /** Every tracker is lost: the client stops where it is (its outputs so far were sent). */
  stranded: RANK_REPORTS.stranded,
  /** The client cannot go on: bad input (code 2) or a failure (code 1). */
  failed: RANK_REPORTS.failed,
  'tracker-done': RANK_REPORTS['tracker-done'],
  status: RANK_REPORTS.status,
  /** `lists`: the job's lists this process holds, to be sent lists by number. */
  register: message('register', { size: Count, host: Text, port: Port, files: ParsedInput, lists: ListsDigest }),
  /** The link to another client dropped while the job was running, and could not be resumed. */
  lost: message('lost', { peer: Count, reason: Text }),
  /** `firstRequestMs`: when the client's first segment request went out, in wall-clock milliseconds; null before. */
  progress: message('progress', {
    delivered: Count,
    obtained: Count,
    firstRequestMs: { anyOf: [{ type: 'null' }, { type: 'number', minimum: 0 }] },
  }),
  /** An output file, in pieces well under the frame limit; the last one says so. */
  output: message('output', { name: OutputName, text: Text, last: { type: 'boolean' } }),
  /** An output this rank wrote into the coordinator's own folder (the table's `sharedOut`): its name, not its text. */
  written: message('written', { name: OutputName }),
  /** Messages delivered to this rank (`--trace`), as sim/trace/recorder.ts records them. */
  trace: message('trace', { records: { type: 'array', items: TraceRecordSchema } }),
});
export type ClientControl = MessageOf<typeof CLIENT_MESSAGES>;

/** Values the schema checks against a list kept elsewhere (the strategies, the test faults): its type is that list's. */
function oneOf<const T extends string>(values: readonly T[]) {
  return { enum: values as T[] } as const satisfies JSONSchema;
}

/** Coordinator → client. */
export const COORDINATOR_MESSAGES = messageTable({
  table: message('table', {
    /** Host and port of every rank's listener, by rank. */
    addresses: {
      type: 'array',
      items: { type: 'array', items: [Text, { type: 'integer', minimum: 0, maximum: 65535 }], minItems: 2, maxItems: 2 },
    },
    /** This rank's key with each rank, by rank, in hex (its own is empty): link-keys.ts. */
    peerKeys: { type: 'array', items: { type: 'string', pattern: '^([0-9a-f]{64})?$' } },
    strategy: Strategy,
    /** This client never uploads (`--free-riders`). */
    freeRider: { type: 'boolean' },
    /** Register this long after the start (`--arrivals`). */
    arriveMs: { type: 'integer', minimum: 0 },
    /** Leave this long after finishing (`--seed-time`); null: never. */
    seedTimeMs: { anyOf: [{ type: 'null' }, { type: 'integer', minimum: 0 }] },
    pipeline: { anyOf: [{ const: 'auto' }, { type: 'integer', minimum: 1 }] },
    fault: { anyOf: [{ type: 'null' }, oneOf<RankFault>(RANK_FAULTS)] },
    trackers: { enum: [1, 2] },
    /** How often to report progress: often while a fault waits for a segment count. */
    progressMs: { type: 'integer', minimum: 1, maximum: 60000 },
    /** The coordinator's table of the job's lists, and the ranks that registered the same: lists go to them by number. */
    lists: closed({ digest: ListsDigest, ranks: Counts }),
    /** Ranks lost so far (a tracker restarted mid-run starts knowing them). */
    lost: Counts,
    /** This rank is a tracker started again after it was lost: it catches up from the serving one. */
    restarted: { type: 'boolean' },
    /** How long the coordinator may be silent before this rank takes it for gone (heartbeat.ts). */
    silenceMs: { type: 'integer', minimum: 1 },
    /** Send the coordinator every message delivered to this rank (`--trace`). */
    trace: { type: 'boolean' },
    /** This rank's --out is the coordinator's (a launch on one host): it writes its outputs and sends only their names. */
    sharedOut: { type: 'boolean' },
  }),
  /** The coordinator is alive: sent every second to every rank (heartbeat.ts). */
  alive: message('alive', {}),
  describe: message('describe', {}),
  /** A rank is gone: every rank hears it, also those with no connection to it. */
  'rank-lost': message('rank-lost', { rank: Count, reason: Text }),
  /** A lost tracker was started again and listens here now; its new process holds the coordinator's lists, or not. */
  'rank-back': message('rank-back', { rank: Count, host: Text, port: Port, holdsLists: { type: 'boolean' } }),
  /** Every rank is done: close and exit 0. */
  finish: message('finish', {}),
  /** The job is over without a result: print the message and exit non-zero. */
  abort: message('abort', { message: Text, code: Count }),
});
export type CoordinatorControl = MessageOf<typeof COORDINATOR_MESSAGES>;

const pipelineMatches: Same<Extract<CoordinatorControl, { type: 'table' }>['pipeline'], Pipeline> = true;
void pipelineMatches;

/** The file the build writes every validator into, beside this module (sim/build/control-validators.ts). */
export const PRECOMPILED_FILE = 'control-validators.cjs';

/** A validator's export name in that file. */
export function precompiledName(side: 'client' | 'coordinator', type: string): string {
  return `${side}_${type.replaceAll('-', '_')}`;
}

/** What the build's validators were made from: a file made from other schemas (a build cut short) is not used. */
export function schemaDigest(): string {
  return createHash('sha256')
    .update(JSON.stringify([CLIENT_MESSAGES, COORDINATOR_MESSAGES]))
    .digest('hex');
}

const load = createRequire(import.meta.url);

/** The build's validators; null where there are none (tests run from the sources) or they are not these schemas'. */
let precompiled: Record<string, ValidateFunction> | null | undefined;
function built(): Record<string, ValidateFunction> | null {
  if (precompiled === undefined) {
    try {
      const file = load(`./${PRECOMPILED_FILE}`) as Record<string, ValidateFunction> & { schemaDigest?: string };
      precompiled = file.schemaDigest === schemaDigest() ? file : null;
    } catch {
      precompiled = null;
    }
  }
  return precompiled;
}

/**
 * Each message type's validator: the one the build wrote as code, or, from the sources,
 * compiled the first time a frame of that type arrives (without ajv's meta-schema check:
 * the schemas are ours and constant, so checking them is a test's job, tcp-wire.test.ts).
 * Loading ajv and compiling the schemas a process hears cost ~55 ms of each one's start.
 */
class Validators<T extends { type: string }> {
  private static ajv: Ajv | undefined;
  private readonly compiled = new Map<string, ValidateFunction<T>>();

  constructor(
    private readonly side: 'client' | 'coordinator',
    private readonly schemas: Record<string, JSONSchema>,
  ) {}

  get(type: string): ValidateFunction<T> | undefined {
    const known = this.compiled.get(type);
    if (known || !Object.hasOwn(this.schemas, type)) return known;
    const validate = (built()?.[precompiledName(this.side, type)] as ValidateFunction<T> | undefined) ?? this.compile(type);
    this.compiled.set(type, validate);
    return validate;
  }

  private compile(type: string): ValidateFunction<T> {
    Validators.ajv ??= new (load('ajv') as typeof import('ajv')).Ajv({
      strict: true,
      strictTuples: false,
      allErrors: false,
      validateSchema: false,
    });
    return Validators.ajv.compile<T>(this.schemas[type]);
  }
}

const clientValidators = new Validators<ClientControl>('client', CLIENT_MESSAGES);
const coordinatorValidators = new Validators<CoordinatorControl>('coordinator', COORDINATOR_MESSAGES);

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
  return parse(body, clientValidators);
}

export function parseCoordinatorControl(body: Buffer): CoordinatorControl | string {
  return parse(body, coordinatorValidators);
}

/** A client's churn as its table carries it, for its rank host (null: it never leaves). */
export function tableChurn(table: Extract<CoordinatorControl, { type: 'table' }>): { arriveMs: number; seedTimeMs?: number } {
  return { arriveMs: table.arriveMs, seedTimeMs: table.seedTimeMs ?? undefined };
}
