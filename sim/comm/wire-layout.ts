import type { PayloadMap, TagOf } from './comm.js';

/** A payload field's kind: what a transport may carry and checks when bytes come from outside. */
export type FieldKind = 'int' | 'string' | 'bool' | 'int[]' | 'string[]' | 'string[]?' | { readonly records: readonly Field[] };
export type Field = readonly [name: string, kind: FieldKind];

/**
 * Per tag, the payload's fields in wire order (null for a null payload). A protocol
 * declares one beside its payload map; the compiler checks every name is a payload key.
 * Transports use it to send payloads as flat values, without property names.
 */
export type WireLayout<M extends PayloadMap> = {
  readonly [T in TagOf<M>]: M[T] extends null ? null : readonly (readonly [keyof M[T] & string, FieldKind])[];
};

/** The layout with the payload types erased, as transports hold it. */
export type AnyWireLayout = { readonly [tag: number]: readonly Field[] | null | undefined };

/** What a list field decodes to when its number stands for no list. */
const UNKNOWN_LIST = Symbol('unknown list');

const carriesList = (kind: FieldKind): boolean =>
  kind === 'string[]' || kind === 'string[]?' || (typeof kind === 'object' && kind.records.some(([, inner]) => carriesList(inner)));

/** Per layout, the tags whose payloads may hold a list: the others (every request and answer) skip the interning. */
const listTags = new WeakMap<AnyWireLayout, ReadonlySet<number>>();

function tagsWithLists(layout: AnyWireLayout): ReadonlySet<number> {
  let tags = listTags.get(layout);
  if (tags === undefined) {
    tags = new Set(
      Object.entries(layout)
        .filter(([, fields]) => fields?.some(([, kind]) => carriesList(kind)))
        .map(([tag]) => Number(tag)),
    );
    listTags.set(layout, tags);
  }
  return tags;
}

/**
 * Lists that both ends of a link hold before it carries anything, sent by number instead
 * of by value: a job's segment hashes. Every client that wants a file is told its hashes,
 * so a 32-rank job of 10 files x 5,000 segments sent the same ten lists 155 times, 27 MB
 * of JSON that took ~110 ms to write and read before the first request could go out.
 *
 * A list is known by identity, not content: the job's loader gives every owner of a file
 * the same array (validateJob), and both ends build the table from those arrays, in one
 * order (a worker's copy comes in the same message as its ranks' files, and structured
 * clone keeps the sharing). Lists are never changed once sent (the Comm contract), so a
 * number always stands for what it was built from. A list field never holds a number
 * otherwise, which is how the reader tells the two apart.
 */
export class InternedLists {
  private readonly ids = new Map<readonly string[], number>();

  constructor(readonly lists: readonly (readonly string[])[]) {
    lists.forEach((list, id) => {
      if (!this.ids.has(list)) this.ids.set(list, id);
    });
  }

  /** A field's value as it travels: a known list as its number, in records too (copied: what was sent never changes). */
  encode(value: unknown, kind: FieldKind): unknown {
    if (kind === 'string[]' || kind === 'string[]?') return this.ids.get(value as readonly string[]) ?? value;
    if (typeof kind === 'string' || !Array.isArray(value)) return value;
    return value.map((record: Record<string, unknown>) => {
      const copy = { ...record };
      for (const [name, inner] of kind.records) copy[name] = this.encode(record[name], inner);
      return copy;
    });
  }

  /** A field's value as it arrived, numbers made lists again; records freshly parsed are changed in place. */
  decode(value: unknown, kind: FieldKind): unknown {
    if (kind === 'string[]' || kind === 'string[]?') return typeof value === 'number' ? (this.lists[value] ?? UNKNOWN_LIST) : value;
    if (typeof kind === 'string' || !Array.isArray(value)) return value;
    for (const record of value as Record<string, unknown>[]) {
      for (const [name, inner] of kind.records) {
        const decoded = this.decode(record[name], inner);
        if (decoded === UNKNOWN_LIST) return UNKNOWN_LIST;
        record[name] = decoded;
      }
    }
    return value;
  }
}

/** Appends tag and payload fields to a flat batch; with `interned`, its lists go as numbers. */
export function encodeInto(batch: unknown[], layout: AnyWireLayout, tag: number, payload: unknown, interned?: InternedLists): void {
  batch.push(tag);
  const fields = layout[tag];
  if (!fields) return;
  const record = payload as Record<string, unknown>;
  const lists = interned !== undefined && tagsWithLists(layout).has(tag) ? interned : undefined;
  for (let i = 0; i < fields.length; i++) {
    const value = record[fields[i][0]];
    batch.push(lists === undefined ? value : lists.encode(value, fields[i][1]));
  }
}

/**
 * Reads every message of a flat batch, calling `deliver` for each. Returns false if the
 * batch names a tag the layout does not know, ends mid-message, or numbers a list
 * `interned` does not have.
 */
export function decodeBatch(
  batch: readonly unknown[],
  layout: AnyWireLayout,
  deliver: (tag: number, payload: unknown) => void,
  interned?: InternedLists,
): boolean {
  const withLists = interned === undefined ? undefined : tagsWithLists(layout);
  let at = 0;
  while (at < batch.length) {
    const tag = batch[at++] as number;
    const fields = layout[tag];
    if (fields === undefined) return false;
    if (fields === null) {
      deliver(tag, null);
      continue;
    }
    if (at + fields.length > batch.length) return false;
    const payload: Record<string, unknown> = {};
    const lists = withLists?.has(tag) ? interned : undefined;
    for (let i = 0; i < fields.length; i++) {
      const value = lists === undefined ? batch[at++] : lists.decode(batch[at++], fields[i][1]);
      if (value === UNKNOWN_LIST) return false;
      payload[fields[i][0]] = value;
    }
    deliver(tag, payload);
  }
  return true;
}

/**
 * No string a protocol carries is longer than this: names are at most 200 characters
 * (sim/job/limits.ts) and hashes 32. A longer one from a peer is refused, so that a peer
 * cannot fill a rank's mailbox with megabyte names.
 */
export const MAX_WIRE_STRING = 256;

const isWireString = (item: unknown): boolean => typeof item === 'string' && item.length <= MAX_WIRE_STRING;

/** `lists`: how many lists the receiver knows by number (InternedLists); a list field may then be one of those numbers. */
function fieldProblem(value: unknown, kind: FieldKind, lists: number): string | undefined {
  if ((kind === 'string[]' || kind === 'string[]?') && typeof value === 'number')
    return Number.isInteger(value) && value >= 0 && value < lists ? undefined : `a list this rank knows (${lists} numbered)`;
  switch (kind) {
    case 'int':
      return Number.isSafeInteger(value) ? undefined : 'an integer';
    case 'string':
      return isWireString(value) ? undefined : `a string of at most ${MAX_WIRE_STRING} characters`;
    case 'bool':
      return typeof value === 'boolean' ? undefined : 'true or false';
    case 'int[]':
      return Array.isArray(value) && value.every((item) => Number.isSafeInteger(item)) ? undefined : 'a list of integers';
    case 'string[]':
      return Array.isArray(value) && value.every(isWireString) ? undefined : 'a list of short strings';
    case 'string[]?':
      return value === null || (Array.isArray(value) && value.every(isWireString)) ? undefined : 'null or a list of short strings';
    default: {
      if (!Array.isArray(value)) return 'a list of records';
      for (const record of value) {
        if (typeof record !== 'object' || record === null || Array.isArray(record)) return 'a list of records';
        for (const [name, inner] of kind.records) {
          const problem = fieldProblem((record as Record<string, unknown>)[name], inner, lists);
          if (problem) return `records whose ${name} is ${problem}`;
        }
      }
      return undefined;
    }
  }
}

/**
 * Checks a flat batch that came from outside the process against the layout: known tags,
 * whole messages, every field of its kind (a list as one of the `interned` lists' numbers,
 * too). Returns the first problem, or undefined.
 */
export function batchProblem(batch: unknown, layout: AnyWireLayout, interned?: InternedLists): string | undefined {
  const lists = interned?.lists.length ?? 0;
  if (!Array.isArray(batch)) return 'a batch is not a list';
  let at = 0;
  while (at < batch.length) {
    const tag: unknown = batch[at++];
    const fields = typeof tag === 'number' ? layout[tag] : undefined;
    if (fields === undefined) return `unknown tag ${JSON.stringify(tag)} at position ${at - 1}`;
    if (fields === null) continue;
    if (at + fields.length > batch.length) return `tag ${String(tag)} cut short at the end of the batch`;
    for (const [name, kind] of fields) {
      const problem = fieldProblem(batch[at++], kind, lists);
      if (problem) return `tag ${String(tag)}: ${name} must be ${problem}`;
    }
  }
  return undefined;
}
