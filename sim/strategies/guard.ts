/**
 * A user's strategy, held to the interface at every call: a throw, a rank that is not a
 * holder, a cost that is not a number all end the rank with an error naming the module
 * and the call, at the first bad answer, instead of a request sent to a stranger.
 */
import { indexIn } from '../../ranks/sorted.js';
import type { SourceStrategy } from '../../ranks/strategies/strategy.js';

export class StrategyFault extends Error {
  constructor(
    readonly module: string,
    readonly detail: string,
  ) {
    super(`strategy module ${module}: ${detail}`);
  }
}

const METHODS = ['order', 'sent', 'answered', 'abandoned'] as const;

/** What `create` returned, checked to be a strategy. */
export function checkedStrategy(value: unknown, module: string): SourceStrategy {
  if (value instanceof Promise)
    throw new StrategyFault(module, 'create() returned a Promise: it must return the strategy itself (no async)');
  if (typeof value !== 'object' || value === null)
    throw new StrategyFault(module, `create() returned ${describe(value)}, expected an object`);
  const candidate = value as Record<string, unknown>;
  const missing = METHODS.filter((name) => typeof candidate[name] !== 'function');
  if (missing.length > 0)
    throw new StrategyFault(module, `the object create() returned has no ${missing.map((name) => `${name}()`).join(', ')}`);
  for (const name of ['cost', 'heard', 'uploadPriority']) {
    if (candidate[name] !== undefined && typeof candidate[name] !== 'function') {
      throw new StrategyFault(module, `${name} must be a function when present, got ${describe(candidate[name])}`);
    }
  }
  return value as SourceStrategy;
}

export function guarded(inner: SourceStrategy, module: string): SourceStrategy {
  const call = <T>(what: string, body: () => T): T => {
    try {
      return body();
    } catch (error) {
      if (error instanceof StrategyFault) throw error;
      throw new StrategyFault(module, `${what} threw: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  const strategy: SourceStrategy = {
    rarestFirst: inner.rarestFirst === true,
    order(file, members, out) {
      // A copy: a module that sorts what it is given must not reorder the client's own list.
      const order = call('order()', () => inner.order(file, [...members], out));
      if (!Array.isArray(order))
        throw new StrategyFault(module, `order() for ${file} returned ${describe(order)}, expected an array of ranks`);
      for (const rank of order) {
        if (!isMember(members, rank)) {
          throw new StrategyFault(
            module,
            `order() for ${file} returned ${describe(rank)}, which is not a holder of it (holders: ${list(members)})`,
          );
        }
      }
      // Every member once: one left out would never be asked, and with all left out the client would wait for ever.
      if (order.length !== members.length || new Set(order).size !== members.length) {
        throw new StrategyFault(
          module,
          `order() for ${file} returned ${order.length} ranks, expected each of the ${members.length} holders once (holders: ${list(members)})`,
        );
      }
      return order as number[];
    },
    sent: (file, holder) => call('sent()', () => inner.sent(file, holder)),
    answered: (holder, load) => call('answered()', () => inner.answered(holder, load)),
    abandoned: (holder) => call('abandoned()', () => inner.abandoned(holder)),
  };
  if (inner.uploadPriority) {
    strategy.uploadPriority = (requester, receivedFrom, nowMs) => {
      const priority = call('uploadPriority()', () => inner.uploadPriority?.(requester, receivedFrom, nowMs));
      if (typeof priority !== 'number' || Number.isNaN(priority)) {
        throw new StrategyFault(module, `uploadPriority(${requester}) returned ${describe(priority)}, expected a number`);
      }
      return priority;
    };
  }
  if (inner.heard) strategy.heard = (member, uploadKbps) => call('heard()', () => inner.heard?.(member, uploadKbps));
  if (inner.cost) {
    strategy.cost = (holder) => {
      const cost = call('cost()', () => inner.cost?.(holder));
      if (typeof cost !== 'number' || Number.isNaN(cost))
        throw new StrategyFault(module, `cost(${holder}) returned ${describe(cost)}, expected a number`);
      return cost;
    };
  }
  return strategy;
}

/** `members` is sorted by rank (the interface says so), so a search keeps a long swarm cheap. */
function isMember(members: readonly number[], rank: unknown): boolean {
  return typeof rank === 'number' && indexIn(members, rank) >= 0;
}

function list(members: readonly number[]): string {
  return members.length <= 8 ? members.join(', ') : `${members.slice(0, 8).join(', ')}, ... (${members.length})`;
}

function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}
