/**
 * The wiring: commander commands built from the verbs and the option table. Nothing here
 * knows a verb or an option by name; each option's value comes from its own parser.
 */
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { InputError } from '../run/failures.js';
import { longFlag, type OptionEntry } from './option-table.js';
import { OPTIONS, type OptionKey } from './options.js';
import { OptionValueError } from './parsers.js';
import type { Verb } from './verb.js';

/** Options of the program itself, taken before or after the verb. */
const PROGRAM_OPTIONS: readonly OptionKey[] = ['verbose'];

const entry = (key: OptionKey): OptionEntry => OPTIONS[key];

/** How a default reads in --help. */
function described(value: unknown): string {
  // A strategy choice is an object: --help shows its label, not [object Object].
  const one = (item: unknown): string =>
    typeof item === 'object' && item !== null && 'label' in item ? String((item as { label: unknown }).label) : String(item);
  return Array.isArray(value) ? value.map(one).join(',') : one(value);
}

function commanderOption(key: OptionKey, verbDefault: unknown, hidden: boolean): Option {
  const spec = entry(key);
  const option = new Option(spec.flags, spec.help);
  if (hidden) option.hideHelp();
  const parse = spec.parse?.bind(spec);
  if (spec.kind === 'value' && parse) {
    const flag = longFlag(spec.flags);
    option.argParser((text: string, previous: unknown) => {
      try {
        return parse(text, previous);
      } catch (error) {
        if (error instanceof OptionValueError) throw new InputError(flag, error.message);
        throw error;
      }
    });
    const fallback = verbDefault ?? spec.default;
    if (fallback !== undefined)
      option.default(fallback, verbDefault === undefined && spec.defaultText ? spec.defaultText : described(fallback));
  }
  return option;
}

/** The attribute commander stores an option's value under: `stallTimeout` for `--stall-timeout`, `report` for `--no-report`. */
function attribute(key: OptionKey): string {
  return new Option(entry(key).flags).attributeName();
}

/** Each option's value, by table key, with switches false (or true for `--no-` ones) when not given. */
function valuesOf(command: Command, keys: readonly OptionKey[]): Partial<Record<OptionKey, unknown>> {
  const opts: Record<string, unknown> = command.opts();
  const values: Partial<Record<OptionKey, unknown>> = {};
  for (const key of keys) values[key] = opts[attribute(key)] ?? (entry(key).kind === 'switch' ? entry(key).default : undefined);
  return values;
}

function version(): string {
  const file = new URL('../../../package.json', import.meta.url);
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}

export function buildProgram(verbs: readonly Verb[]): Command {
  const program = new Command('sim')
    .description('swarmsim: run, generate and check BitTorrent-like swarms of MPI-style ranks')
    .version(version(), '-V, --version', 'print the version')
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(`sim: ${text.replace(/^error: /, '')}`) });
  for (const key of PROGRAM_OPTIONS) program.addOption(commanderOption(key, undefined, false));
  for (const verb of verbs) {
    const command = program.command(verb.name).description(verb.description);
    for (const arg of verb.args) command.argument(arg.name, arg.help);
    for (const key of verb.options) command.addOption(commanderOption(key, verb.defaults[key], verb.hidden.includes(key)));
    command.action(() => verb.run(command.args, valuesOf(command, verb.options)));
  }
  return program;
}

/** Whether --verbose was given, for the error handler. */
export function verbose(program: Command): boolean {
  return valuesOf(program, PROGRAM_OPTIONS).verbose === true;
}

/** Rewrites every alias of an option (`-np 6`, `--threads=4`) to its long flag. */
export function expandAliases(argv: readonly string[]): string[] {
  const aliases = new Map<string, string>();
  for (const spec of Object.values(OPTIONS) as OptionEntry[]) {
    for (const alias of spec.aliases ?? []) aliases.set(alias, longFlag(spec.flags));
  }
  return argv.map((arg) => {
    const [name, ...rest] = arg.split('=');
    const flag = aliases.get(name);
    return flag === undefined ? arg : [flag, ...rest].join('=');
  });
}
