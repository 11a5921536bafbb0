/**
 * A verb: its arguments, the options it picks from the table, and its action, whose flags
 * are typed from those options. The compiler checks each action against the table; the
 * wiring (./program.ts) sees only the erased form.
 */
import type { ValueOf } from './option-table.js';
import type { OPTIONS, OptionKey } from './options.js';

type Entry<K extends OptionKey> = (typeof OPTIONS)[K];

/** An option's value, never undefined: what a default supplies. */
export type ValueType<K extends OptionKey> = Exclude<ValueOf<Entry<K>>, undefined>;

/** Defaults a verb sets for options whose table entry has none, or another one. */
export type Defaults<K extends OptionKey> = { readonly [P in K]?: ValueType<P> };

/** The flags an action receives: each option's value, never undefined when the table or the verb gives a default. */
export type Flags<K extends OptionKey, D> = { readonly [P in K]: P extends keyof D ? ValueType<P> : ValueOf<Entry<P>> };

export interface ArgSpec {
  /** As commander writes it: `<input-dir>`, `<suite-dir...>`. */
  readonly name: string;
  readonly help: string;
}

export interface VerbSpec<K extends OptionKey, D extends Defaults<K>> {
  readonly name: string;
  readonly description: string;
  readonly args: readonly ArgSpec[];
  readonly options: readonly K[];
  readonly defaults?: D;
  /** Options taken but left out of --help: set by swarmsim itself, or kept for old command lines. */
  readonly hidden?: readonly K[];
  /** `args` holds the positional arguments in order, a variadic one spread at the end. */
  readonly action: (args: readonly string[], flags: Flags<K, D>) => Promise<void>;
}

/** A verb as the wiring sees it. */
export interface Verb {
  readonly name: string;
  readonly description: string;
  readonly args: readonly ArgSpec[];
  readonly options: readonly OptionKey[];
  readonly defaults: Readonly<Partial<Record<OptionKey, unknown>>>;
  readonly hidden: readonly OptionKey[];
  run(args: readonly string[], values: Readonly<Partial<Record<OptionKey, unknown>>>): Promise<void>;
}

export function verb<const K extends OptionKey, D extends Defaults<K> = Record<never, never>>(spec: VerbSpec<K, D>): Verb {
  return {
    name: spec.name,
    description: spec.description,
    args: spec.args,
    options: spec.options,
    defaults: spec.defaults ?? {},
    hidden: spec.hidden ?? [],
    // The wiring fills `values` for exactly these options, each from that option's own
    // parser or from the default above: the shape Flags<K, D> describes.
    run: (args, values) => spec.action(args, values as Flags<K, D>),
  };
}
