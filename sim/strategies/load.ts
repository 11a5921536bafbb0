/**
 * From a strategy choice to the factory a rank's host calls: a built-in one from the
 * table in ranks/strategies/, or a user's module, imported once per thread or process and
 * guarded at every call (guard.ts). `checkChoice` runs before anything starts, so that a
 * module that is missing, throws on load, exports the wrong thing or cannot create a
 * strategy is a clear input error naming it, with nothing run and no output touched.
 */
import { statSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { STRATEGIES, isStrategyName, type StrategyFactory } from '../../ranks/strategies/index.js';
import { InputError } from '../run/failures.js';
import type { StrategyChoice } from './choice.js';
import { isDefinedStrategy, type DefinedStrategy } from './define.js';
import { checkedStrategy, guarded, StrategyFault } from './guard.js';

const modules = new Map<string, Promise<DefinedStrategy>>();

/** The factory for a choice; rejects as `loadModule` does for a bad module. */
export async function strategyFactory(choice: StrategyChoice): Promise<StrategyFactory> {
  if (!choice.module) {
    if (!isStrategyName(choice.label)) throw new InputError('--strategy', `unknown strategy ${JSON.stringify(choice.label)}`);
    return STRATEGIES[choice.label];
  }
  const module = choice.module;
  const definition = await loadModule(module);
  return (rank, size, seed) => {
    let created: unknown;
    try {
      created = definition.create({ rank, size, seed });
    } catch (error) {
      throw new StrategyFault(module, `create() for rank ${rank} threw: ${message(error)}`);
    }
    return guarded(checkedStrategy(created, module), module);
  };
}

/**
 * Loads the module and creates each client's strategy, as the transports will (a module
 * is asked once per client): every problem of loading or creating is found before the run.
 */
export async function checkChoice(choice: StrategyChoice, size: number, clients = size - 1): Promise<void> {
  const factory = await strategyFactory(choice);
  if (!choice.module) return;
  for (let rank = 1; rank <= clients; rank++) {
    try {
      factory(rank, size, '1');
    } catch (error) {
      if (error instanceof StrategyFault) throw new InputError(error.module, error.detail);
      throw error;
    }
  }
}

/** Every choice of a command checked at once, before its first run: a bad second module must not wait for the first run's end. */
export async function checkChoices(choices: readonly StrategyChoice[], size: number, clients = size - 1): Promise<void> {
  for (const choice of choices) await checkChoice(choice, size, clients);
}

function loadModule(module: string): Promise<DefinedStrategy> {
  let loading = modules.get(module);
  if (!loading) {
    loading = importDefinition(module);
    modules.set(module, loading);
  }
  return loading;
}

async function importDefinition(module: string): Promise<DefinedStrategy> {
  if (!isFileSync(module)) throw new InputError(module, 'no such module (expected a .js or .mjs file)');
  let namespace: Record<string, unknown>;
  try {
    namespace = (await import(pathToFileURL(module).href)) as Record<string, unknown>;
  } catch (error) {
    throw new InputError(module, `the module failed to load: ${message(error)}`);
  }
  const exported = namespace.default ?? namespace.strategy;
  if (isDefinedStrategy(exported)) return exported;
  const names = Object.keys(namespace);
  throw new InputError(
    module,
    `expected a strategy as its default export (export default defineStrategy({ create(context) { ... } })), found ${names.length ? `exports ${names.join(', ')}` : 'no exports'}`,
  );
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function isFileSync(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
