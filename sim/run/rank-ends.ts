/**
 * A rank's end report, in the one control vocabulary every transport carries it in
 * (sim/rank-host/reports.ts), entered in the ledger the same way on every transport.
 */
import type { DoneReport, StrandedReport, TrackerDoneReport } from '../rank-host/reports.js';
import type { RunLedger } from './ledger.js';
import { clientCounters, trackerCounters } from './result.js';

export type EndReport = DoneReport | StrandedReport | TrackerDoneReport;

/**
 * `outputsFromReport`: whether the outputs the report names count as written here; over TCP
 * the coordinator writes each output itself as it arrives, and counts it then.
 */
export function recordEnd(ledger: RunLedger, rank: number, report: EndReport, outputsFromReport: boolean): void {
  if (ledger.isSettled(rank)) return;
  if (report.type === 'tracker-done') {
    if (!ledger.roles.isTracker(rank)) return;
    const counters = trackerCounters(report.messagesIn, report.messagesOut, rank);
    ledger.trackerEnded(rank, { counters, served: report.served, swarms: report.swarms });
    return;
  }
  ledger.clientEnded(rank, {
    counters: clientCounters(rank, report.report, report.messagesIn, report.messagesOut),
    timeline: report.timeline,
    outputs: outputsFromReport ? report.outputs : undefined,
    stranded: report.type === 'stranded' ? report.reason : undefined,
  });
}
