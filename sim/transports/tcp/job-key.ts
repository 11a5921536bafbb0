import { randomBytes } from 'node:crypto';
import { readRegularFileSync } from '../../job/read-file.js';
import { InputError } from '../../run/failures.js';

export const JOB_KEY_ENV = 'SIM_JOB_KEY';
const MIN_KEY_CHARACTERS = 16;

/** A fresh key for one run of `sim run --transport tcp`, handed to its ranks in their environment. */
export function newJobKey(): string {
  return randomBytes(32).toString('hex');
}

/** The job key from `--job-key-file` or SIM_JOB_KEY; every rank of a job must have the same one. */
export function readJobKey(keyFile: string | undefined, env: NodeJS.ProcessEnv = process.env): Buffer {
  let key: string;
  let where: string;
  if (keyFile !== undefined) {
    where = keyFile;
    try {
      // A key is a line; a bigger file is not one.
      key = readRegularFileSync(keyFile, 4096, true).trim();
    } catch (error) {
      throw new InputError(keyFile, `cannot read the job key file: ${(error as { problem?: string }).problem ?? String(error)}`);
    }
  } else {
    const fromEnv = env[JOB_KEY_ENV];
    if (fromEnv === undefined || fromEnv === '') {
      throw new InputError(
        'job key',
        `none given: set ${JOB_KEY_ENV} in every rank's environment (mpirun -x ${JOB_KEY_ENV}) or pass --job-key-file`,
      );
    }
    where = JOB_KEY_ENV;
    key = fromEnv.trim();
  }
  if (key.length < MIN_KEY_CHARACTERS) {
    throw new InputError(where, `the job key must have at least ${MIN_KEY_CHARACTERS} characters (try: openssl rand -hex 32)`);
  }
  return Buffer.from(key, 'utf8');
}
