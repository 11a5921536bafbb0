import { builtinChoice } from '../../strategies/choice.js';
import { join } from 'node:path';
import { InputError, RunFailure } from '../../run/failures.js';
import { EXIT_FAILED, EXIT_INCOMPLETE } from '../../run/exit-codes.js';
import { replayTyped } from '../../run/replay.js';
import { jsonResult, note, print, printJson } from '../print.js';
import type { ProgressMode } from '../progress.js';
import { verb } from '../verb.js';
import { checkVirtualFlags, checkPackingFlags, traceRequest, VIRTUAL_OPTIONS, virtualSettings } from '../virtual-flags.js';

export function progressMode(quiet: boolean, mode: ProgressMode | 'auto'): ProgressMode {
  if (quiet) return 'off';
  if (mode !== 'auto') return mode;
  return process.stderr.isTTY ? 'bar' : 'lines';
}

export const runVerb = verb({
  name: 'run',
  description:
    'run a job (tracker in the main thread, clients in worker threads; or in processes over TCP; or all in virtual time); writes outputs and a report',
  args: [{ name: '<input-dir>', help: 'folder holding in1.txt .. in<N-1>.txt' }],
  options: [
    'ranks',
    'out',
    'transport',
    'strategy',
    'freeRiders',
    'arrivals',
    'seedTime',
    'pipeline',
    'stallTimeout',
    'workers',
    'processes',
    'json',
    'quiet',
    'progress',
    'trackers',
    'trackerState',
    'fault',
    'dumpTracker',
    'report',
    'png',
    ...VIRTUAL_OPTIONS,
  ],
  defaults: { out: 'out', strategy: [builtinChoice('round-robin')] },
  action: async ([inputDir], flags) => {
    checkPackingFlags(flags.transport, flags);
    checkVirtualFlags(flags, true);
    if (flags.trace !== undefined && flags.strategy.length > 1)
      throw new InputError('--trace', 'one file holds one run: give one --strategy');
    const virtual = await virtualSettings(flags);
    // A virtual-time run replays event for event: the command that does it goes under a failure.
    const replay = virtual ? `replay: ${replayTyped(process.argv.slice(2), virtual.seed)}` : undefined;
    const { runCommand } = await import('../../commands/run.js');
    const outcome = await runCommand(inputDir, {
      virtual,
      trace: traceRequest(flags),
      ranks: flags.ranks,
      transport: flags.transport,
      outDir: flags.out,
      strategies: flags.strategy,
      freeRiderCount: flags.freeRiders,
      arrivals: flags.arrivals,
      seedTimeSeconds: flags.seedTime,
      pipeline: flags.pipeline,
      stallTimeoutMs: flags.stallTimeout * 1000,
      workers: flags.workers,
      processes: flags.processes,
      faults: flags.fault,
      trackers: flags.trackers,
      trackerState: flags.trackerState,
      report: flags.report,
      png: flags.png,
      progress: progressMode(flags.quiet, flags.progress),
      // What a transport tells as it goes (a TCP rank lost, a connection refused) is no error: the run's end says what failed.
      ...(flags.quiet ? { log: () => undefined } : {}),
    }).catch((error: unknown) => {
      if (replay && error instanceof RunFailure) throw new RunFailure(`${error.message}\n${replay}`, error.exitCode, error.detail);
      throw error;
    });
    const { formatSummary, formatSwarmTable, formatUnsaved } = await import('../summary.js');
    if (flags.json) {
      printJson(outcome.runs.length === 1 ? outcome.runs[0] : jsonResult(outcome.exitCode, { runs: outcome.runs }));
      // The summary is not on stdout: what was lost goes to stderr, unless --quiet keeps it for errors alone.
      for (const doc of outcome.runs) if (doc.exitCode === EXIT_INCOMPLETE && !flags.quiet) note(`${formatUnsaved(doc)}\n`);
    } else {
      const summaries = outcome.runs.map((doc) =>
        flags.dumpTracker ? `${formatSummary(doc)}\n\n${formatSwarmTable(doc)}` : formatSummary(doc),
      );
      const reports = outcome.reports.length > 0 ? `report: ${outcome.reports.map((dir) => join(dir, 'index.html')).join(', ')}\n` : '';
      print(`${summaries.join('\n\n')}\n${reports}`);
    }
    for (const problem of outcome.reportProblems) note(`sim: ${problem}\n`);
    if (outcome.exitCode === EXIT_FAILED && replay) note(`${replay}\n`);
    process.exitCode = outcome.exitCode;
  },
});
