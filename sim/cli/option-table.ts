/**
 * The shapes of the option table (./options.ts): every option is declared once, with its
 * flags, its parser (which is its check), its default and its help, and a verb's flags are
 * a type computed from the entries it picks (./verb.ts).
 */

interface Described {
  /** As commander writes them: `-n, --ranks <n>`, `--json`, `--no-report`. */
  readonly flags: string;
  readonly help: string;
  /** Other spellings, rewritten to the option's long flag before parsing: `-np`, `--threads`. */
  readonly aliases?: readonly string[];
  /**
   * Arguments this option must refuse, appended to a verb's valid command line: the
   * bad-option test feeds them to every verb that takes the option.
   */
  readonly bad: readonly string[];
}

/** An option that takes a value; `D` is its default, `undefined` when it has none. */
export interface ValueOption<T, D extends T | undefined> extends Described {
  readonly kind: 'value';
  /** Text to value; throws OptionValueError (or an InputError naming the value) when the text is not one. */
  readonly parse: (text: string, previous: T | undefined) => T;
  readonly default: D;
  /** How the default reads in --help when its value does not say it well. */
  readonly defaultText?: string;
}

/** A flag without a value: false unless given, or, for a `--no-` flag, true unless given. */
export interface SwitchOption extends Described {
  readonly kind: 'switch';
  readonly default: boolean;
}

/** What the wiring needs of any entry, whatever its value type. */
export interface OptionEntry extends Described {
  readonly kind: 'value' | 'switch';
  readonly default: unknown;
  readonly defaultText?: string;
  // A method, so that every entry's own parser fits here whatever its value type.
  parse?(text: string, previous: unknown): unknown;
}

type ValueSpec<T> = Omit<ValueOption<T, undefined>, 'kind' | 'default'>;

/** A value option with a default, or without one (then its flag may be undefined). */
export function value<T>(spec: ValueSpec<T> & { default: T }): ValueOption<T, T>;
export function value<T>(spec: ValueSpec<T>): ValueOption<T, undefined>;
export function value<T>(spec: ValueSpec<T> & { default?: T }): ValueOption<T, T | undefined> {
  return { ...spec, kind: 'value', default: spec.default };
}

/** A switch: `--json` is false unless given; `--no-report` makes `report` true unless given. */
export function toggle(spec: Omit<SwitchOption, 'kind' | 'default'>): SwitchOption {
  return { ...spec, kind: 'switch', default: spec.flags.startsWith('--no-') };
}

/** The value a verb's action sees for an entry: its parser's type, or undefined too when it has no default. */
export type ValueOf<O> = O extends SwitchOption
  ? boolean
  : O extends ValueOption<infer T, infer D>
    ? D extends undefined
      ? T | undefined
      : T
    : never;

/** The long flag, by which messages name the option: `--ranks` of `-n, --ranks <n>`. */
export function longFlag(flags: string): string {
  return /--[\w-]+/.exec(flags)?.[0] ?? flags;
}
