import { bandwidth } from './bandwidth.js';
import { leastLoaded } from './least-loaded.js';
import { random } from './random.js';
import { rarestFirst } from './rarest-first.js';
import { roundRobin } from './round-robin.js';
import { titForTat } from './tit-for-tat.js';
import type { StrategyFactory } from './strategy.js';

export type { SourceStrategy, StrategyFactory } from './strategy.js';

const FACTORIES = {
  'round-robin': () => roundRobin(),
  'least-loaded': () => leastLoaded(),
  random: (rank, _size, seed) => random(rank, seed),
  bandwidth: () => bandwidth(),
  'rarest-first': () => rarestFirst(),
  'tit-for-tat': () => titForTat(),
} satisfies Record<string, StrategyFactory>;

export type StrategyName = keyof typeof FACTORIES;

/** Every strategy a run can name; adding one here is all the peer loop needs. */
export const STRATEGIES: Readonly<Record<StrategyName, StrategyFactory>> = FACTORIES;

export const STRATEGY_NAMES = Object.keys(STRATEGIES) as StrategyName[];

export function isStrategyName(name: string): name is StrategyName {
  return Object.hasOwn(STRATEGIES, name);
}
