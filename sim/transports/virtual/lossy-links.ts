import seedrandom from 'seedrandom';
import type { LinkFaults } from './hooks.js';

/** Lossy links and slow ranks on top of the network model, drawn from a stream of their own. */
export class LossyLinks {
  /** Draws which messages lossy links drop: a stream of its own, so drops never shift the ranks' streams. */
  private readonly draw: () => number;
  private readonly faults: LinkFaults;
  /** Messages lost on lossy links. */
  dropped = 0;

  constructor(
    seed: string,
    private readonly size: number,
    faults?: LinkFaults,
  ) {
    this.draw = seedrandom.alea(`${seed}/drops`);
    this.faults = faults ?? { delayNs: new Map(), dropRates: new Map() };
  }

  /** Whether this message is lost; draws only on lossy links, so a run without them draws nothing. */
  drops(source: number, dest: number): boolean {
    if (this.faults.dropRates.size === 0) return false;
    const rate = this.faults.dropRates.get(source * this.size + dest);
    if (rate === undefined || this.draw() >= rate) return false;
    this.dropped++;
    return true;
  }

  /** Extra nanoseconds a slow rank adds to a message to or from it. */
  delay(source: number, dest: number): number {
    const { delayNs } = this.faults;
    return delayNs.size === 0 ? 0 : (delayNs.get(source) ?? 0) + (delayNs.get(dest) ?? 0);
  }
}
