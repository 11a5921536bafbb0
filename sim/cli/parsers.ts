/**
 * Turning an option's text into its value. Each parser throws OptionValueError saying what
 * was expected; the option table's wiring puts the option's name in front of it.
 */
import { accessSync, constants } from 'node:fs';
import { isIP } from 'node:net';
import { parseChoices, StrategyChoiceError, type StrategyChoice } from '../strategies/choice.js';
import { addFault, emptyPlan, type FaultPlan } from '../faults/plan.js';
import { MAX_COUNT, MAX_SECONDS } from '../job/limits.js';
import { arrivalSpec, seedTimeSeconds, ValueProblem, type ArrivalSpec } from '../job/arrivals.js';
import { parseAddress } from '../transports/tcp/launcher-world.js';
import { hostCountProblem } from '../transports/rank-groups.js';

/** A value an option cannot take; the message says what it expected. */
export class OptionValueError extends Error {}

const got = (text: string): string => `got ${JSON.stringify(text)}`;

export function wholeNumber(min: number, max = MAX_COUNT): (text: string) => number {
  return (text) => {
    const value = Number(text);
    if (!/^\d+$/.test(text) || value < min || value > max) {
      throw new OptionValueError(`expected a whole number from ${min} to ${max}, ${got(text)}`);
    }
    return value;
  };
}

/** A worker or process count, or 'all' (one per client). */
export function workerCount(text: string): number | 'all' {
  const value = text === 'all' ? 'all' : /^\d+$/.test(text) ? Number(text) : text;
  const problem = hostCountProblem(value, JSON.stringify(text));
  if (problem) throw new OptionValueError(problem);
  return value as number | 'all';
}

/** Ranks as `1-15,17`: ascending, none twice, none below 1. */
export function rankList(text: string): number[] {
  const ranks: number[] = [];
  for (const part of text.split(',')) {
    const match = /^(\d+)(?:-(\d+))?$/.exec(part);
    const from = Number(match?.[1]);
    const to = match?.[2] === undefined ? from : Number(match[2]);
    if (!match || from < 1 || to < from || to > MAX_COUNT || from <= (ranks.at(-1) ?? 0)) {
      throw new OptionValueError(`expected ascending ranks from 1, as 1-15,17, ${got(text)}`);
    }
    for (let rank = from; rank <= to; rank++) ranks.push(rank);
  }
  return ranks;
}

export function oneOf<const T extends string>(choices: readonly T[]): (text: string) => T {
  return (text) => {
    const choice = choices.find((c) => c === text);
    if (choice === undefined) throw new OptionValueError(`expected one of ${choices.join(', ')}, ${got(text)}`);
    return choice;
  };
}

export function trackers(text: string): 1 | 2 {
  if (text === '1' || text === '2') return text === '1' ? 1 : 2;
  throw new OptionValueError(`expected 1 (one tracker) or 2 (a standby too), ${got(text)}`);
}

export function pipeline(text: string): number | 'auto' {
  if (text === 'auto') return 'auto';
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < 1 || value > 4096)
    throw new OptionValueError(`expected auto or a whole number from 1 to 4096, ${got(text)}`);
  return value;
}

export function seconds(text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value <= 0 || value > MAX_SECONDS) {
    throw new OptionValueError(`expected a number of seconds greater than 0, at most ${MAX_SECONDS}, ${got(text)}`);
  }
  return value;
}

/** A check shared with the library, its problem as the option's. */
function asOption<T>(check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (error instanceof ValueProblem) throw new OptionValueError(error.message);
    throw error;
  }
}

/** `flash`, `poisson:RATE` or `file:FILE`. */
export function arrivals(text: string): ArrivalSpec {
  return asOption(() => arrivalSpec(text));
}

/** Seconds a finished client stays; 0 is allowed: it leaves at once. */
export function seedTime(text: string): number {
  return asOption(() => seedTimeSeconds(text.trim() === '' ? NaN : Number(text), JSON.stringify(text)));
}

export function positiveNumber(text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value <= 0)
    throw new OptionValueError(`expected a number greater than 0, ${got(text)}`);
  return value;
}

/** `a,b,./mine.js,label=./other.js`; `all` is every built-in strategy. */
export function strategyList(text: string): StrategyChoice[] {
  try {
    return parseChoices(text);
  } catch (error) {
    if (error instanceof StrategyChoiceError) throw new OptionValueError(error.message);
    throw error;
  }
}

/** `S` or `MIN-MAX` segments. */
export function segmentRange(text: string): { min: number; max: number } {
  const match = /^(\d+)(?:-(\d+))?$/.exec(text);
  const min = Number(match?.[1]);
  const max = Number(match?.[2] ?? match?.[1]);
  if (!match || min < 1 || max < min || max > MAX_COUNT) {
    throw new OptionValueError(`expected S or MIN-MAX segments (1 to ${MAX_COUNT}), ${got(text)}`);
  }
  return { min, max };
}

/** Seeds as `1..20`, `3,5,8` or a mix of both. */
export function seedList(text: string): string[] {
  const seeds: string[] = [];
  for (const part of text.split(',')) {
    const range = /^(\d+)\.\.(\d+)$/.exec(part.trim());
    if (range) {
      const [from, to] = [Number(range[1]), Number(range[2])];
      if (to < from || to - from > 100_000)
        throw new OptionValueError(`expected FROM..TO with FROM <= TO, at most 100000 apart, ${got(part)}`);
      for (let seed = from; seed <= to; seed++) seeds.push(String(seed));
    } else if (part.trim() !== '') {
      seeds.push(part.trim());
    }
  }
  if (seeds.length === 0) throw new OptionValueError(`expected seeds such as 1..20 or 3,5,8, ${got(text)}`);
  return seeds;
}

/** Some text: a seed, a command, a path. */
export function nonEmpty(what: string): (text: string) => string {
  return (text) => {
    if (text.trim() === '') throw new OptionValueError(`expected ${what}, ${got(text)}`);
    return text;
  };
}

/** Comma-separated names, none empty. */
export function labelList(text: string): string[] {
  const labels = text.split(',');
  if (labels.some((label) => label.trim() === '')) throw new OptionValueError(`expected comma-separated labels, none empty, ${got(text)}`);
  return labels;
}

/** `--fault SPEC`, repeatable: each one adds to the plan; a bad spec is an InputError naming it. */
export function faultSpec(text: string, previous: FaultPlan | undefined): FaultPlan {
  return addFault(previous ?? emptyPlan(), text);
}

/** HOST:PORT or [IPv6]:PORT, kept as text: the world resolves it. */
export function address(text: string): string {
  parseAddress('--coordinator', text);
  return text;
}

/** An IP address or a host name. */
export function bindAddress(text: string): string {
  if (isIP(text) === 0 && !/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(text)) {
    throw new OptionValueError(`expected an IP address or a host name, ${got(text)}`);
  }
  return text;
}

/** A file that exists and can be read now. */
export function readableFile(text: string): string {
  try {
    accessSync(text, constants.R_OK);
  } catch (error) {
    throw new OptionValueError(`cannot read ${text} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  return text;
}
