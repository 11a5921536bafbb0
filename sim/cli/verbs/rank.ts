import { builtinChoice } from '../../strategies/choice.js';
import { join } from 'node:path';
import { InputError } from '../../run/failures.js';
import { EXIT_INCOMPLETE } from '../../run/exit-codes.js';
import { ensureFileTarget, ensureOutputFolder } from '../../job/output-folders.js';
import { note, print, printJson } from '../print.js';
import { withReportProblems } from '../../run/report-writing.js';
import { verb } from '../verb.js';
import { checkTraceFlags, traceRequest } from '../virtual-flags.js';

export const rankVerb = verb({
  name: 'rank',
  description:
    'one rank of a job over TCP, as a launcher starts it (mpirun -np 6 sim rank inputs/ --coordinator host0:7077), ' +
    'or with --ranks N a block of the N ranks per process, in one event loop (mpirun -np 4 sim rank inputs/ --ranks 32 ...); ' +
    'rank 0 runs the tracker and writes, checks and reports every output (and the trace, which every rank sends it); ' +
    'with --tracker-state a --coordinate process does that part instead, and rank 0 can be started again by hand',
  args: [{ name: '<input-dir>', help: "folder holding this rank's in<R>.txt (each host reads its own)" }],
  options: [
    'ranks',
    'rank',
    'size',
    'hosted',
    'coordinate',
    'coordinator',
    'bind',
    'jobKeyFile',
    'tlsCert',
    'tlsKey',
    'tlsCa',
    'out',
    'strategy',
    'pipeline',
    'stallTimeout',
    'connectTimeout',
    'report',
    'png',
    'json',
    'fault',
    'trackers',
    'trackerState',
    'trace',
    'traceFormat',
  ],
  defaults: { out: 'out', strategy: [builtinChoice('round-robin')] },
  // Set by `sim run --transport tcp` for its own ranks (and by tests): under a launcher, rank 0 coordinates.
  hidden: ['fault', 'trackers', 'hosted'],
  action: async ([inputDir], flags) => {
    const [strategy, ...more] = flags.strategy;
    if (more.length > 0) throw new InputError('--strategy', 'one strategy: rank 0 hands it to every client');
    const timed = flags.fault && (flags.fault.timed.length > 0 || flags.fault.delays.size > 0 || flags.fault.drops.length > 0);
    if (timed) throw new InputError('--fault', 'sim rank takes only crash:, exit:, stall: and refuse: faults; timed faults need sim run');
    checkTraceFlags(flags);
    await ensureOutputFolder('--out', flags.out);
    if (flags.trackerState !== undefined) await ensureOutputFolder('--tracker-state', flags.trackerState);
    // Every rank gets the launcher's one command line: each makes the folder, as it does --out's, though rank 0 alone writes.
    if (flags.trace !== undefined) await ensureFileTarget('--trace', flags.trace);
    const { rankCommand } = await import('../../commands/rank.js');
    const outcome = await rankCommand({
      inputDir,
      outDir: flags.out,
      ranks: flags.ranks,
      rank: flags.rank,
      size: flags.size,
      hosted: flags.hosted,
      coordinate: flags.coordinate,
      coordinator: flags.coordinator,
      bind: flags.bind,
      jobKeyFile: flags.jobKeyFile,
      tls: { cert: flags.tlsCert, key: flags.tlsKey, ca: flags.tlsCa },
      strategy,
      pipeline: flags.pipeline,
      stallTimeoutMs: flags.stallTimeout * 1000,
      connectTimeoutMs: flags.connectTimeout * 1000,
      report: flags.report,
      png: flags.png,
      faults: flags.fault?.simple,
      trackers: flags.trackers,
      trackerState: flags.trackerState,
      trace: traceRequest(flags),
    });
    if (!('doc' in outcome)) {
      process.exitCode = outcome.exitCode;
      return;
    }
    const { formatSummary, formatUnsaved } = await import('../summary.js');
    if (flags.json) {
      printJson(outcome.doc);
      if (outcome.doc.exitCode === EXIT_INCOMPLETE) note(`${formatUnsaved(outcome.doc)}\n`);
    } else {
      const report = outcome.reportDir ? `\nreport: ${join(outcome.reportDir, 'index.html')}` : '';
      print(`${formatSummary(outcome.doc)}${report}\n`);
    }
    if (outcome.reportProblem) note(`sim: ${outcome.reportProblem}\n`);
    process.exitCode = withReportProblems(outcome.doc.exitCode ?? 0, outcome.reportProblem ? [outcome.reportProblem] : []);
  },
});
