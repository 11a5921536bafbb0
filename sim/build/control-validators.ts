/**
 * The TCP control messages' validators as code, written at build time beside control.js
 * (ajv's standalone output, ajv being what compiles them): a rank process that loaded ajv
 * and compiled the schemas it hears paid ~55 ms of its start for it, on the path to its
 * first request, and so did the coordinator.
 */
import { Ajv } from 'ajv';
import standalone from 'ajv/dist/standalone/index.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLIENT_MESSAGES, COORDINATOR_MESSAGES, PRECOMPILED_FILE, precompiledName, schemaDigest } from '../transports/tcp/control.js';

/** Writes the validators of every control message into `dist`, next to control.js. */
export function writeControlValidators(dist: string): void {
  // The options control.ts compiles with when no file is there (tests run from source), and the schemas checked as a test does.
  const ajv = new Ajv({ strict: true, strictTuples: false, allErrors: false, code: { source: true } });
  const names: Record<string, string> = {};
  for (const [side, table] of [
    ['client', CLIENT_MESSAGES],
    ['coordinator', COORDINATOR_MESSAGES],
  ] as const) {
    for (const [type, schema] of Object.entries(table)) {
      const name = precompiledName(side, type);
      ajv.addSchema(schema, name);
      names[name] = name;
    }
  }
  const code = `${standalone.default(ajv, names)}\nexports.schemaDigest = ${JSON.stringify(schemaDigest())};\n`;
  writeFileSync(join(dist, 'sim/transports/tcp', PRECOMPILED_FILE), code);
}
