/**
 * Every exit code swarmsim uses, and how a finished run comes to one. The CLI exits with
 * them and `sim faults` judges its runs by them, so they are defined here alone.
 */
import type { FaultsSection } from '../../reports/document.js';
import { incomplete } from '../faults/report.js';

/** Every output correct. */
export const EXIT_OK = 0;
/** A wrong or missing output, a failed rank, a stall, a failed case or a wrong fault verdict. */
export const EXIT_FAILED = 1;
/** Bad input or usage: nothing ran. */
export const EXIT_BAD_INPUT = 2;
/** A requested fault left a live client without some file; every output written is correct. */
export const EXIT_INCOMPLETE = 4;
/** Ended by Ctrl-C: the shell's 128 + SIGINT. */
export const EXIT_INTERRUPTED = 130;

export type RunExitCode = typeof EXIT_OK | typeof EXIT_FAILED | typeof EXIT_INCOMPLETE;

/**
 * A finished run's exit code: 1 for a wrong output or a rank lost with no fault asking for
 * it, 4 when a requested fault left something unsaved, else 0.
 */
export function runExitCode(doc: { run: { ok: boolean }; faults?: FaultsSection }): RunExitCode {
  if (!doc.run.ok || (doc.faults?.unasked?.length ?? 0) > 0) return EXIT_FAILED;
  return incomplete(doc.faults) ? EXIT_INCOMPLETE : EXIT_OK;
}

/** The exit code of several runs: a wrong output outweighs an unsaved one. */
export function worstExitCode(codes: readonly RunExitCode[]): RunExitCode {
  if (codes.includes(EXIT_FAILED)) return EXIT_FAILED;
  return codes.includes(EXIT_INCOMPLETE) ? EXIT_INCOMPLETE : EXIT_OK;
}
