/**
 * The public face of a strategy module: what a user's `--strategy ./my-strategy.js`
 * exports. `defineStrategy` marks the definition, so that a module exporting something
 * else is told so by name before any rank starts, and gives an editor the types.
 */
import type { SourceStrategy } from '../../ranks/strategies/strategy.js';

export type { SourceStrategy } from '../../ranks/strategies/strategy.js';

/** Where the strategy runs: one instance per client. */
export interface StrategyContext {
  /** The client's rank (1 and up). */
  readonly rank: number;
  /** Ranks in the job, tracker(s) included. */
  readonly size: number;
  /** The run's seed: a strategy that draws seeds its own stream from it and its rank, so that a run replays. */
  readonly seed: string;
}

export interface StrategyDefinition {
  /** Called once per client, in the thread or process that hosts it. */
  create(context: StrategyContext): SourceStrategy;
}

/** The mark the loader looks for: a string, since the module and the loader may load two copies of swarmsim. */
export const STRATEGY_MARK = 'swarmsim.strategy/1';

export interface DefinedStrategy extends StrategyDefinition {
  readonly kind: typeof STRATEGY_MARK;
}

/** `export default defineStrategy({ create: ({ rank, size, seed }) => ({ order, sent, answered, abandoned }) })`. */
export function defineStrategy(definition: StrategyDefinition): DefinedStrategy {
  if (typeof definition?.create !== 'function') throw new TypeError('defineStrategy: expected an object with a create(context) function');
  const create = definition.create.bind(definition);
  return Object.freeze({ kind: STRATEGY_MARK, create });
}

export function isDefinedStrategy(value: unknown): value is DefinedStrategy {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<DefinedStrategy>;
  return candidate.kind === STRATEGY_MARK && typeof candidate.create === 'function';
}
