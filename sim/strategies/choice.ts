/**
 * The strategy a run names: a built-in one, or a user's module. A choice is plain data,
 * so that it crosses every transport as it is (a worker's first message, the TCP address
 * table) and each rank's host loads the module for itself (load.ts).
 */
import { basename, extname, isAbsolute, resolve } from 'node:path';
import { STRATEGY_NAMES, isStrategyName } from '../../ranks/strategies/index.js';

export interface StrategyChoice {
  /** How the run is named: in metrics, the summary, goldens, and folders when several run. */
  label: string;
  /** A user's module: its absolute path. Absent for a built-in strategy (`label` names it). */
  module?: string;
}

/** A label becomes a folder name and a file name: keep it to what every file system takes. */
const LABEL = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** The text names a module when it looks like a path, as Node's own module specifiers do. */
function looksLikePath(text: string): boolean {
  return text.includes('/') || text.includes('\\') || /\.[cm]?js$/.test(text);
}

export class StrategyChoiceError extends Error {}

export function builtinChoice(name: string): StrategyChoice {
  return { label: name };
}

export const BUILTIN_CHOICES: readonly StrategyChoice[] = STRATEGY_NAMES.map(builtinChoice);

/** `round-robin`, `./mine.js` (labelled `mine`) or `fast=./mine.js`; a relative path is taken from `cwd`. */
export function parseChoice(text: string, cwd = process.cwd()): StrategyChoice {
  const equals = text.indexOf('=');
  const label = equals >= 0 ? text.slice(0, equals).trim() : undefined;
  const rest = (equals >= 0 ? text.slice(equals + 1) : text).trim();
  if (!looksLikePath(rest)) {
    if (label !== undefined)
      throw new StrategyChoiceError(`${JSON.stringify(rest)} is not a path to a module (name it ./${rest} if it is one)`);
    if (isStrategyName(rest)) return builtinChoice(rest);
    throw new StrategyChoiceError(
      `unknown strategy ${JSON.stringify(rest)}; choose from ${STRATEGY_NAMES.join(', ')}, or all, or give a module's path (./my-strategy.js)`,
    );
  }
  const module = isAbsolute(rest) ? rest : resolve(cwd, rest);
  const named = label ?? basename(module, extname(module));
  if (!LABEL.test(named)) {
    throw new StrategyChoiceError(
      `strategy label ${JSON.stringify(named)} must be 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit (label it: name=${rest})`,
    );
  }
  if (isStrategyName(named))
    throw new StrategyChoiceError(`${named} is a built-in strategy's name; label the module another way (mine=${rest})`);
  // Several strategies run into folders named by label, beside the comparison's.
  if (named === 'compare') {
    throw new StrategyChoiceError(
      `compare is the comparison's folder when several strategies run; label the module another way (mine=${rest})`,
    );
  }
  return { label: named, module };
}

/** `a,b,./c.js`; `all` is every built-in strategy (`all,./mine.js` adds a module to them). A label may be used once. */
export function parseChoices(text: string, cwd = process.cwd()): StrategyChoice[] {
  const choices = text.split(',').flatMap((part) => (part.trim() === 'all' ? BUILTIN_CHOICES : [parseChoice(part.trim(), cwd)]));
  for (const [i, choice] of choices.entries()) {
    if (choices.findIndex((other) => other.label === choice.label) !== i) throw new StrategyChoiceError(`${choice.label} is named twice`);
  }
  return choices;
}

/** How a replay command names the choice: the module's label and path, or the built-in's name. */
export function choiceArgument(choice: StrategyChoice): string {
  return choice.module ? `${choice.label}=${choice.module}` : choice.label;
}
