/**
 * The `sim` command, once sim/cli/start.ts has started what can start early: the verbs
 * (sim/cli/verbs/) wired over the option table, and the one place that turns an error into
 * a message and an exit code.
 */
import { CommanderError } from 'commander';
import { InputError, RunFailure } from '../run/failures.js';
import { EXIT_BAD_INPUT, EXIT_FAILED } from '../run/exit-codes.js';
import { buildProgram, expandAliases, verbose } from './program.js';
import { VERBS } from './verbs/index.js';

const program = buildProgram(VERBS);

function report(error: unknown): number {
  if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : EXIT_BAD_INPUT;
  if (error instanceof InputError) {
    process.stderr.write(`sim: ${error.message}\n`);
    return EXIT_BAD_INPUT;
  }
  if (error instanceof RunFailure) {
    process.stderr.write(`sim: ${error.message}\n`);
    if (error.detail && verbose(program)) process.stderr.write(`${error.detail}\n`);
    return error.exitCode;
  }
  if (error instanceof Error && 'code' in error && 'syscall' in error) {
    // A file system refusal while the job ran (permissions, a full disk): the path is in the message.
    process.stderr.write(`sim: ${error.message}\n`);
    return EXIT_FAILED;
  }
  const failure = error instanceof Error ? error : new Error(String(error));
  process.stderr.write(`sim: internal error: ${failure.message}\n`);
  if (verbose(program)) process.stderr.write(`${failure.stack}\n`);
  return EXIT_FAILED;
}

// A reader that stops early (`sim faults DIR | head`) is not a failure of the run.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
});
// No top-level await: the CLI is bundled as CommonJS (sim/build/bundle.ts).
program.parseAsync(expandAliases(process.argv)).catch((error: unknown) => {
  process.exitCode = report(error);
});
