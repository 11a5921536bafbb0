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
