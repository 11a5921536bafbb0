/**
 * When clients arrive (`--arrivals`): all at the start (`flash`, the default), one after
 * another at a seeded Poisson rate, or as a file says. The schedule is drawn once, before
 * any rank starts, from the run's seed, so the same seed gives the same arrivals on every
 * transport; virtual time keeps it exactly, threads and TCP by their wall clock.
 */
import seedrandom from 'seedrandom';
import { InputError } from '../run/failures.js';
import { MAX_SECONDS } from './limits.js';
import type { Job } from './inputs.js';
import { readRegularFileSync, ReadRefusal } from './read-file.js';

/**
 * When each client arrives (milliseconds after the start on the transport's clock, index
 * rank - 1) and how long one that finished stays before it leaves (none: until the end).
 */
export interface Churn {
  arrivalMs: readonly number[];
  seedTimeMs?: number;
  /** `--arrivals` as given, for the report. */
  label: string;
}

/** One client's part of the churn, as its host takes it. */
export function clientChurn(churn: Churn | undefined, rank: number): { arriveMs?: number; seedTimeMs?: number } {
  if (!churn) return {};
  return { arriveMs: churn.arrivalMs[rank - 1] ?? 0, seedTimeMs: churn.seedTimeMs };
}

export type ArrivalSpec = { kind: 'flash' } | { kind: 'poisson'; rate: number } | { kind: 'file'; path: string };

export const ARRIVAL_FORMS = 'flash, poisson:RATE (clients a second, in rank order) or file:FILE (lines "RANK SECONDS")';

/** A value the option table and the library refuse alike: what was expected, in one wording for both. */
export class ValueProblem extends Error {}

/** `--arrivals` (or the library's `arrivals`) as a spec; a ValueProblem when it is none of the forms. */
export function arrivalSpec(text: string): ArrivalSpec {
  const spec = parseArrivalSpec(text);
  if (!spec) throw new ValueProblem(`expected ${ARRIVAL_FORMS}, got ${JSON.stringify(text)}`);
  return spec;
}

/** `--seed-time` (or `seedTimeSeconds`): 0 or more seconds, within the timers' limit; a ValueProblem otherwise. */
export function seedTimeSeconds(seconds: number, given = String(seconds)): number {
  if (!(seconds >= 0 && seconds <= MAX_SECONDS))
    throw new ValueProblem(`expected a number of seconds, 0 or more, at most ${MAX_SECONDS}, got ${given}`);
  return seconds;
}

/** The option's text as a spec; undefined when it is none of the forms (the caller says what was expected). */
export function parseArrivalSpec(text: string): ArrivalSpec | undefined {
  if (text === 'flash') return { kind: 'flash' };
  const poisson = /^poisson:(.+)$/.exec(text);
  if (poisson) {
    const rate = Number(poisson[1]);
    return Number.isFinite(rate) && rate > 0 && poisson[1].trim() !== '' ? { kind: 'poisson', rate } : undefined;
  }
  const file = /^file:(.+)$/.exec(text);
  return file ? { kind: 'file', path: file[1] } : undefined;
}

export function describeArrivals(spec: ArrivalSpec): string {
  return spec.kind === 'poisson' ? `poisson:${spec.rate}` : spec.kind === 'file' ? `file:${spec.path}` : 'flash';
}

/** Seconds after the start at which each client arrives (index rank - 1). */
export function arrivalSeconds(job: Job, spec: ArrivalSpec, seed: string): number[] {
  const clients = job.clients.length;
  if (spec.kind === 'flash') return new Array<number>(clients).fill(0);
  if (spec.kind === 'file') return fromFile(spec.path, clients);
  // The first client opens the swarm; each next one comes an exponential gap later.
  const random = seedrandom.alea(`arrivals/${seed}`);
  const times = [0];
  for (let i = 1; i < clients; i++) times.push(times[i - 1] - Math.log(1 - random()) / spec.rate);
  const last = times[times.length - 1] ?? 0;
  if (last > MAX_SECONDS)
    throw new InputError(
      '--arrivals',
      `poisson:${spec.rate} has the last client arrive at ${Math.round(last)} s, past ${MAX_SECONDS} s: raise the rate`,
    );
  return times.map((t) => Math.round(t * 1000) / 1000);
}

function fromFile(path: string, clients: number): number[] {
  let text: string;
  try {
    // A line per client at most, each a rank and a time: 64 bytes a client is room enough.
    text = readRegularFileSync(path, 4096 + 64 * clients);
  } catch (error) {
    if (!(error instanceof ReadRefusal)) throw error;
    throw new InputError('--arrivals', error.message);
  }
  const times = new Array<number>(clients).fill(0);
  const seen = new Map<number, number>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/#.*/, '').trim();
    if (line === '') return;
    const where = `${path}:${i + 1}`;
    const fields = line.split(/\s+/);
    const rank = Number(fields[0]);
    const seconds = Number(fields[1]);
    if (fields.length !== 2 || !/^\d+$/.test(fields[0]) || !(seconds >= 0 && seconds <= MAX_SECONDS) || fields[1] === '')
      throw new InputError(
        '--arrivals',
        `${where}: expected "RANK SECONDS" (a client's rank, then seconds after the start, 0 to ${MAX_SECONDS}), got ${JSON.stringify(line)}`,
      );
    if (rank < 1 || rank > clients)
      throw new InputError('--arrivals', `${where}: rank ${rank} is not a client (clients are ranks 1 to ${clients})`);
    const before = seen.get(rank);
    if (before !== undefined) throw new InputError('--arrivals', `${where}: rank ${rank} is listed twice (first on line ${before})`);
    seen.set(rank, i + 1);
    times[rank - 1] = seconds;
  });
  return times;
}

/**
 * The churn a run is given. On a wall clock the stall watch ends a run in which no message
 * moves for its timeout, and between two arrivals nothing need move: a gap that long is
 * refused here, before anything starts, rather than ending the run as a stall.
 */
export function churnOf(
  job: Job,
  options: { arrivals?: ArrivalSpec; seedTimeSeconds?: number; seed: string; wallClock: boolean; stallTimeoutMs: number },
): Churn | undefined {
  const { arrivals, seedTimeSeconds } = options;
  if ((!arrivals || arrivals.kind === 'flash') && seedTimeSeconds === undefined) return undefined;
  const seconds = arrivals ? arrivalSeconds(job, arrivals, options.seed) : new Array<number>(job.clients.length).fill(0);
  if (options.wallClock) {
    const sorted = [0, ...seconds].sort((a, b) => a - b);
    let gap = 0;
    for (let i = 1; i < sorted.length; i++) gap = Math.max(gap, sorted[i] - sorted[i - 1]);
    if (gap * 1000 >= options.stallTimeoutMs)
      throw new InputError(
        '--arrivals',
        `${gap.toFixed(3)} s pass between two arrivals, as long as --stall-timeout (${options.stallTimeoutMs / 1000} s): on a wall clock the run would end as a stall; raise --stall-timeout or use --transport virtual`,
      );
  }
  return {
    arrivalMs: seconds.map((s) => Math.round(s * 1000)),
    ...(seedTimeSeconds === undefined ? {} : { seedTimeMs: Math.round(seedTimeSeconds * 1000) }),
    label: arrivals ? describeArrivals(arrivals) : 'flash',
  };
}
