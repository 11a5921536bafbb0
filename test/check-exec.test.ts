import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CLI_PATH, sim, simIn } from './helpers/cli.js';
import { tempDir } from './helpers/files.js';
import { processesWith } from './helpers/processes.js';

const IMPLS = fileURLToPath(new URL('./fixtures/impls/', import.meta.url));
const FAKE = join(IMPLS, 'fake.mjs');
const HANG_MARKER = 'swarmsim-fake-hang-marker';

const survivors = (): string[] => processesWith(HANG_MARKER);

function caseDir(seed = 'exec'): string {
  const dir = tempDir();
  expect(sim('gen', dir, '--ranks', '5', '--files', '3', '--segments', '10-30', '--wants', '2', '--seed', seed).status).toBe(0);
  return dir;
}

/** The first wanted file of client 1 in a generated case, and its expected second line. */
function firstOutput(dir: string): { output: string; line2: string } {
  const file =
    readFileSync(join(dir, 'in1.txt'), 'utf8')
      .trimEnd()
      .split('\n')
      .find((line) => /^file\d+$/.test(line)) ?? '';
  const line2 = readFileSync(join(dir, `out${file.slice(4)}.txt`), 'utf8').split('\n')[1];
  return { output: `client1_${file}`, line2 };
}

describe('sim check --exec classifies what an implementation did', () => {
  const dir = caseDir();
  const { output, line2 } = firstOutput(dir);

  it('passes a correct implementation', () => {
    const result = sim('check', dir, '--exec', `node ${FAKE} correct`, '--repeat', '2');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^PASS {2}.* {2}2\/2 runs {2}\(median \d\.\d{3} s, max \d\.\d{3} s\)\ncheck: 1 passed, 0 failed\n$/);
  });

  it.each([
    ['wrong-line', 'wrong output x1', `wrong output: ${output}: line 2: expected "${line2}", got "${'f'.repeat(32)}"`],
    ['skip-file', 'missing output x1', `missing output: ${output}: missing`],
    ['exit3', 'exit code x1', 'exit code: exited with code 3; stderr ends: fake: giving up on purpose'],
    ['segv', 'signal x1, missing output x1', 'signal: killed by SIGSEGV'],
  ])('%s', (mode, kinds, detail) => {
    const result = sim('check', dir, '--exec', `node ${FAKE} ${mode}`);
    expect(result.status).toBe(1);
    expect(result.stdout).toContain(`0/1 runs`);
    expect(result.stdout).toContain(kinds);
    expect(result.stdout).toContain(detail);
    expect(result.stdout).toMatch(/check: 0 passed, 1 failed\n$/);
  });

  it('times out a hanging implementation and kills its whole process group', () => {
    const result = sim('check', dir, '--exec', `node ${FAKE} hang`, '--timeout', '1');
    expect(result.status).toBe(1);
    expect(result.stdout).toContain('timeout: no exit within 1 s; its process group was killed');
    expect(survivors()).toEqual([]);
  });

  it('on Ctrl-C kills the running command and everything it started', async () => {
    const child = spawn(process.execPath, [CLI_PATH, 'check', dir, '--exec', `node ${FAKE} hang`, '--timeout', '100'], { stdio: 'ignore' });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      const deadline = Date.now() + 10_000;
      while (survivors().length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(survivors()).toHaveLength(1);
      child.kill('SIGINT');
      expect(await exited).toBe(130);
      expect(survivors()).toEqual([]);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('keeps failing runs with their stdout and stderr', () => {
    const keep = tempDir();
    expect(sim('check', dir, '--exec', `node ${FAKE} exit3`, '--repeat', '2', '--keep-failures', keep).status).toBe(1);
    const kept = readdirSync(keep).sort();
    expect(kept).toHaveLength(2);
    expect(kept[0]).toMatch(/^1-.+-run1$/);
    expect(kept[1]).toMatch(/^1-.+-run2$/);
    const run = join(keep, kept[0]);
    expect(readFileSync(join(run, 'stderr.txt'), 'utf8')).toBe('fake: giving up on purpose\n');
    expect(readdirSync(run)).toContain('in1.txt');
  });

  it('finds ./paths where sim check was started, and fills {ranks} and {dir}', () => {
    const result = simIn(IMPLS, 'check', dir, '--exec', 'test -d {dir} && test {ranks} = 5 && node ./fake.mjs correct');
    expect(result.stdout).toContain('check: 1 passed, 0 failed');
  });

  it('--compare-builtin runs swarmsim on the same cases and shows both', () => {
    const result = sim('check', dir, '--exec', `node ${FAKE} skip-file`, '--compare-builtin', '--repeat', '2');
    expect(result.status).toBe(1);
    const table = result.stdout.split('\n\n')[1].split('\n');
    expect(table[0]).toMatch(/^case +command passed +median +swarmsim passed +median$/);
    expect(table[1]).toMatch(new RegExp(`^${dir} +0/2 +\\d\\.\\d{3} s +2/2 +\\d\\.\\d{3} s$`));
  });

  it('writes JUnit XML with the failure kind', () => {
    const junit = join(tempDir(), 'exec.xml');
    sim('check', dir, '--exec', `node ${FAKE} exit3`, '--junit', junit);
    const xml = readFileSync(junit, 'utf8');
    expect(xml).toContain('failures="1"');
    expect(xml).toContain('<failure type="exit code" message="exited with code 3; stderr ends: fake: giving up on purpose">');
  });
});

describe.skipIf(!existsSync('/usr/bin/mpirun'))('sim check --exec under a real MPI launcher', () => {
  it('checks a fake whose ranks are started by mpirun', () => {
    const env = { ...process.env, OMPI_ALLOW_RUN_AS_ROOT: '1', OMPI_ALLOW_RUN_AS_ROOT_CONFIRM: '1' };
    const dir = caseDir('mpi');
    const output = execFileSync(
      process.execPath,
      [CLI_PATH, 'check', dir, '--exec', `mpirun --oversubscribe -np {ranks} node ${join(IMPLS, 'fake-mpi.mjs')}`],
      {
        encoding: 'utf8',
        env,
      },
    );
    expect(output).toContain('check: 1 passed, 0 failed');
  });
});

describe('sim gen for checking other implementations', () => {
  it('--suite writes varied cases within the assignment limits, the same for the same seed', () => {
    const a = tempDir();
    const b = tempDir();
    expect(sim('gen', a, '--suite', '--count', '6', '--seed', '3').stdout).toBe(`wrote 6 cases to ${a}\n`);
    sim('gen', b, '--suite', '--count', '6', '--seed', '3');
    const cases = readdirSync(a).sort();
    expect(cases).toEqual([
      'case-001-tiny',
      'case-002-all-indexes',
      'case-003-one-seed',
      'case-004-many-seeds',
      'case-005-idle-clients',
      'case-006-max-size',
    ]);
    for (const name of cases) {
      for (const file of readdirSync(join(a, name))) {
        expect(readFileSync(join(a, name, file), 'utf8'), `${name}/${file}`).toBe(readFileSync(join(b, name, file), 'utf8'));
      }
      const inputs = readdirSync(join(a, name))
        .filter((f) => f.startsWith('in'))
        .map((f) => readFileSync(join(a, name, f), 'utf8'));
      for (const text of inputs) {
        for (const line of text.split('\n')) {
          const header = /^(\S+) (\d+)$/.exec(line);
          if (header) {
            expect(header[1].length).toBeLessThanOrEqual(15);
            expect(Number(header[2])).toBeLessThanOrEqual(100);
          }
        }
      }
    }
    expect(readdirSync(join(a, 'case-002-all-indexes'))).toContain('out10.txt');
    const idle = readdirSync(join(a, 'case-005-idle-clients')).filter((f) => f.startsWith('in'));
    const wantsNothing = idle.filter((f) =>
      readFileSync(join(a, 'case-005-idle-clients', f), 'utf8')
        .trimEnd()
        .endsWith('\n0'),
    );
    expect(wantsNothing.length).toBeGreaterThan(0);
    expect(sim('check', a).stdout).toContain('check: 6 passed, 0 failed');
  });

  it('--assignment-limits refuses larger sizes', () => {
    const result = sim('gen', tempDir(), '--ranks', '4', '--files', '3', '--segments', '50-150', '--assignment-limits');
    expect(result.status).toBe(2);
    expect(result.stderr).toBe("sim: --assignment-limits: --segments up to 150 is over the assignment's limit of 100\n");
  });
});
