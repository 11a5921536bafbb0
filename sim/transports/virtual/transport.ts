/**
 * The virtual-time transport: every rank in this thread, time simulated by a network model,
 * interleavings chosen by a seed. The same job, flags and seed give the same run, event for
 * event; see ./world.ts for the scheduler. Stalls and livelocks are found by the scheduler,
 * in simulated time, rather than by a wall-clock watch.
 */
import { Roles } from '../../../ranks/roles.js';
import type { Job } from '../../job/inputs.js';
import { RunLedger } from '../../run/ledger.js';
import { strategyFactory } from '../../strategies/load.js';
import { NETWORK_DEFAULTS } from './network-defaults.js';
import type { Transport, TransportOptions, TransportRun, VirtualOptions } from '../transport.js';
import { VirtualRun } from './run.js';

export function defaultVirtualOptions(): VirtualOptions {
  return { seed: '1', network: { ...NETWORK_DEFAULTS, ranks: new Map() } };
}

export async function runVirtual(job: Job, options: TransportOptions): Promise<TransportRun> {
  const roles = Roles.forJob(job.ranks, options.trackers ?? 1);
  let clock = (): number => 0;
  const ledger = new RunLedger(roles, options.faults, () => clock());
  const strategy = await strategyFactory(options.strategy);
  const run = new VirtualRun(job, roles, { ...options, virtual: options.virtual ?? defaultVirtualOptions() }, ledger, strategy);
  clock = () => run.world.seconds;
  ledger.carryOutFaultsWith(run);
  options.onStart?.({ progress: () => run.progress() });
  run.start();
  process.on('beforeExit', run.drained);
  const failure = await run.ended;
  process.off('beforeExit', run.drained);
  run.world.stop();
  options.trace?.close();
  // The run's own failure explains more than an output it left unwritten: it goes first.
  const outputs = await run.outputs.finished().then(
    (names) => ({ names, failed: undefined }),
    (error: unknown) => ({ names: [] as string[], failed: error }),
  );
  run.outputs.close();
  if (failure) throw failure;
  if (outputs.failed !== undefined) throw outputs.failed;
  const written = outputs.names;
  for (const name of written) ledger.outputWritten(name);
  run.closeBooks();
  const plan = options.faults;
  const result = ledger.result({
    swarmGrowth: run.growth.series(),
    swarmSize: run.growth.clients(),
    dropped: plan && plan.drops.length > 0 ? run.world.dropped : undefined,
  });
  // In one thread every message is counted where it is sent and received.
  run.world.countMessages(result.ranks);
  return { result, virtualSeconds: run.world.seconds };
}

export const virtualTransport: Transport = {
  name: 'virtual',
  summary: 'every rank in one thread, in simulated time, reproducible by --seed',
  workersFor: () => 1,
  run: runVirtual,
};
