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

/** Appends tag and payload fields to a flat batch. */
export function encodeInto(batch: unknown[], layout: AnyWireLayout, tag: number, payload: unknown): void {
  batch.push(tag);
  const fields = layout[tag];
  if (!fields) return;
  const record = payload as Record<string, unknown>;
  for (let i = 0; i < fields.length; i++) batch.push(record[fields[i][0]]);
}

/**
 * Reads every message of a flat batch, calling `deliver` for each. Returns false if the
 * batch names a tag the layout does not know or ends mid-message.
 */
export function decodeBatch(batch: readonly unknown[], layout: AnyWireLayout, deliver: (tag: number, payload: unknown) => void): boolean {
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
    for (let i = 0; i < fields.length; i++) payload[fields[i][0]] = batch[at++];
    deliver(tag, payload);
  }
  return true;
}

function isInt(value: unknown): boolean {
  return Number.isSafeInteger(value);
}

function checkValue(value: unknown, kind: FieldKind): boolean {
  switch (kind) {
    case 'int':
      return isInt(value);
    case 'string':
      return typeof value === 'string';
    case 'bool':
      return typeof value === 'boolean';
    case 'int[]':
      return Array.isArray(value) && value.every(isInt);
    case 'string[]':
      return Array.isArray(value) && value.every((v) => typeof v === 'string');
    case 'string[]?':
      return value === null || checkValue(value, 'string[]');
    default:
      return Array.isArray(value) && value.every((record) => checkRecord(record, kind.records) === undefined);
  }
}

function checkRecord(record: unknown, fields: readonly Field[]): string | undefined {
  if (typeof record !== 'object' || record === null) return 'expected an object';
  for (const [name, kind] of fields) {
    if (!checkValue((record as Record<string, unknown>)[name], kind))
      return `field ${name}: expected ${typeof kind === 'string' ? kind : 'records'}`;
  }
  return undefined;
}

/** Why a payload does not fit its tag's layout, or undefined when it fits. */
export function checkPayload(layout: AnyWireLayout, tag: number, payload: unknown): string | undefined {
  const fields = layout[tag];
  if (fields === undefined) return `unknown tag ${tag}`;
  if (fields === null) return payload === null ? undefined : 'expected a null payload';
  return checkRecord(payload, fields);
}
