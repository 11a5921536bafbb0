/** Why a run ended without a result; `exitCode` is what the CLI exits with. */
export class RunFailure extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
    /** Extra detail for --verbose, such as a stack trace. */
    readonly detail?: string,
  ) {
    super(message);
  }
}

/** A rank threw, exited early or broke the protocol. */
export class RankFailure extends RunFailure {
  constructor(
    readonly rank: number,
    reason: string,
    detail?: string,
  ) {
    super(`rank ${rank} failed: ${reason}`, 1, detail);
  }
}

/** No message moved for the stall timeout; the message says what each rank waits for. */
export class StallFailure extends RunFailure {
  /** `heading` replaces the usual "no message moved for N s" when given. */
  constructor(timeoutMs: number, report: string[], what = 'no message moved', heading?: string) {
    super(`${heading ?? `${what} for ${timeoutMs / 1000} s`}; the run is stuck:\n${report.map((line) => `  ${line}`).join('\n')}`, 1);
  }
}

/** Bad input, located: `in3.txt:7: expected 32 hex characters, got "xyz"`. */
export class InputError extends Error {
  constructor(
    readonly where: string,
    readonly problem: string,
  ) {
    super(`${where}: ${problem}`);
  }
}
