/** What every verb prints a result with: text, or one JSON document that leads with what the exit code says. */

/** A verb's --json document: `ok` and `exitCode` first, the verb's own fields after. */
export function jsonResult(exitCode: number, body: object): object {
  return { ok: exitCode === 0, exitCode, ...body };
}

export function printJson(document: unknown): void {
  process.stdout.write(`${JSON.stringify(document)}\n`);
}

export function print(text: string): void {
  process.stdout.write(text);
}

/** Live lines (a finished run, a case's verdict under --json) go to stderr, so stdout holds only the result. */
export function note(text: string): void {
  process.stderr.write(text);
}
