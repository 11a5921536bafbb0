/**
 * The token in the name of every temp file this invocation writes. The main thread draws
 * it and puts it in the environment before any worker or rank process starts, so they
 * inherit it and a run can prove which temp files are its own: it removes those and
 * nothing else, however much another file's name looks like one.
 */
export const TEMP_TOKEN_ENV = 'SWARMSIM_TEMP_TOKEN';

const TOKEN = /^[a-z0-9]{6,12}$/;

function drawToken(): string {
  // node:crypto would cost every worker its start-up; the token need only differ per invocation.
  return `${process.pid.toString(36)}${Math.random().toString(36).slice(2, 10)}`.slice(0, 12).padEnd(6, '0');
}

function token(): string {
  const inherited = process.env[TEMP_TOKEN_ENV];
  if (inherited !== undefined && TOKEN.test(inherited)) return inherited;
  const drawn = drawToken();
  process.env[TEMP_TOKEN_ENV] = drawn;
  return drawn;
}

export const tempToken: string = token();
