/**
 * Boots the threads transport's workers while the rest of the CLI loads. It judges from
 * the raw arguments, before they are parsed, so it may guess wrong; a spare that no run
 * takes costs ~35 ms of one core and does not keep the process alive.
 */
import { automaticWorkers } from '../transports/threads/placement.js';
import { warmWorkers } from '../transports/threads/spare-workers.js';
import { workersThatFit } from '../transports/threads/address-space.js';

/** The verbs that run swarmsim's own ranks, on threads unless told otherwise. */
const RUNNING_VERBS = new Set(['run', 'check', 'faults']);

function valueOf(args: readonly string[], flag: string): string | undefined {
  for (let i = 0; i < args.length; i++) {
    if (args[i] === flag) return args[i + 1];
    if (args[i].startsWith(`${flag}=`)) return args[i].slice(flag.length + 1);
  }
  return undefined;
}

export function warmForArguments(args: readonly string[]): void {
  if (!RUNNING_VERBS.has(args[0]) || args.includes('--exec') || args.includes('--help') || args.includes('-h')) return;
  const transport = valueOf(args, '--transport') ?? (args[0] === 'faults' ? 'virtual' : 'threads');
  if (transport !== 'threads') return;
  // A worker the address space has no room for would abort the process (address-space.ts).
  if (workersThatFit() < 1) return;
  const workers = Number(valueOf(args, '--workers') ?? valueOf(args, '--threads'));
  // One per client ('all') or many: the first few are a start; the rest boot as the run asks.
  try {
    warmWorkers(Math.min(automaticWorkers(), Number.isInteger(workers) && workers > 0 ? workers : automaticWorkers()));
  } catch {
    // A thread refused now is refused again when the run asks, and said there.
  }
}
