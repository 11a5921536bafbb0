/**
 * Chrome trace event JSON (what Perfetto UI and chrome://tracing open), one event at a
 * time: each rank a process (`pid` is the rank), each of its lanes a thread. Times are
 * microseconds, written with three decimals so a nanosecond clock keeps its precision.
 */

/** Microseconds, as a JSON number. */
export const micros = (ns: number): string => (ns / 1000).toFixed(3);

/** The name a rank's track shows. */
export function rankName(rank: number, standby: number | undefined): string {
  if (rank === 0) return 'tracker (rank 0)';
  if (rank === standby) return `standby tracker (rank ${rank})`;
  return `client ${rank}`;
}

/** Names a rank's process and its first lane. */
export function processEvents(rank: number, name: string): string {
  return `{"ph":"M","name":"process_name","pid":${rank},"tid":${rank},"args":{"name":${JSON.stringify(name)}}},${threadEvent(rank, rank, name)}`;
}

/** Names a lane of a rank's process. */
export function threadEvent(rank: number, tid: number, name: string): string {
  return `{"ph":"M","name":"thread_name","pid":${rank},"tid":${tid},"args":{"name":${JSON.stringify(name)}}}`;
}

export interface Slice {
  readonly category: 'request' | 'serve';
  readonly name: string;
  readonly rank: number;
  readonly tid: number;
  readonly startNs: number;
  readonly endNs: number;
  /** What the slice's details show: the other rank and the answer. */
  readonly args: string;
}

/** A complete event; one that would end before it begins (clocks of two threads) ends where it begins. */
export function sliceEvent(slice: Slice): string {
  const dur = micros(Math.max(0, slice.endNs - slice.startNs));
  return (
    `{"ph":"X","cat":"${slice.category}","name":${JSON.stringify(slice.name)},"pid":${slice.rank},"tid":${slice.tid},` +
    `"ts":${micros(slice.startNs)},"dur":${dur},"args":${slice.args}}`
  );
}

export interface FlowEnd {
  readonly rank: number;
  readonly tid: number;
  readonly ns: number;
}

/**
 * An arrow from the uploader's slice to the downloader's: the start binds to the slice
 * open on its lane at its time, the end (`bp: e`) to the slice enclosing its time, so both
 * sit at the slices' common start, where each slice is certainly open.
 */
export function flowEvents(id: number, from: FlowEnd, to: FlowEnd): string {
  const common = `"cat":"transfer","name":"segment","id":${id}`;
  return (
    `{"ph":"s",${common},"pid":${from.rank},"tid":${from.tid},"ts":${micros(from.ns)}},` +
    `{"ph":"f","bp":"e",${common},"pid":${to.rank},"tid":${to.tid},"ts":${micros(to.ns)}}`
  );
}

/** The segments a client holds, as a counter track of its process. */
export function counterEvent(rank: number, ns: number, held: number): string {
  return `{"ph":"C","name":"segments","pid":${rank},"tid":${rank},"ts":${micros(ns)},"args":{"held":${held}}}`;
}

/** Any other message, as an instant on the receiver's process, with a few words of its payload. */
export function instantEvent(rank: number, ns: number, tag: string, source: number, words: string): string {
  return (
    `{"ph":"i","s":"p","name":${JSON.stringify(tag)},"pid":${rank},"tid":${rank},"ts":${micros(ns)},` +
    `"args":{"from":${source},"p":${JSON.stringify(words)}}}`
  );
}
