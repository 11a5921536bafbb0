import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { sim } from './helpers/cli.js';
import { tempDir } from './helpers/files.js';

const TRANSPORTS = ['threads', 'virtual', 'tcp'];

function publicCase(): string {
  const dir = tempDir();
  for (const rank of [1, 2, 3, 4, 5]) cpSync(join('inputs', `in${rank}.txt`), join(dir, `in${rank}.txt`));
  return dir;
}

const temps = (dir: string): string[] => readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((name) => name.endsWith('.tmp'));

describe('files planted in --out', () => {
  it('writes the report through no symlink: the files it pointed at are untouched', () => {
    const out = tempDir();
    const outside = tempDir();
    mkdirSync(join(out, 'report'));
    for (const name of ['ranks.csv', 'index.html', 'metrics.json']) {
      writeFileSync(join(outside, name), 'not yours\n');
      symlinkSync(join(outside, name), join(out, 'report', name));
    }
    const result = sim('run', publicCase(), '--out', out, '--quiet');
    expect(result.status, result.stderr).toBe(0);
    for (const name of ['ranks.csv', 'index.html', 'metrics.json']) {
      expect(readFileSync(join(outside, name), 'utf8')).toBe('not yours\n');
      expect(readFileSync(join(out, 'report', name), 'utf8')).not.toBe('not yours\n');
    }
  });

  it('keeps a file that only looks like one of its temp files', () => {
    const out = tempDir();
    const lookalikes = ['client1_file3.99-0-1.tmp', 'client1_file2.abcdef12.1-0-1.tmp'];
    for (const name of lookalikes) writeFileSync(join(out, name), 'mine');
    expect(sim('run', publicCase(), '--out', out, '--quiet').status).toBe(0);
    expect(temps(out).sort()).toEqual(lookalikes.sort());
  });

  it('refuses a folder where an output goes before any rank starts (exit 2)', () => {
    const out = tempDir();
    mkdirSync(join(out, 'client1_file2'));
    const result = sim('run', publicCase(), '--out', out, '--transport', 'virtual');
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(`sim: --out ${join(out, 'client1_file2')}: a folder is where an output of this job goes: move it away\n`);
  });

  it('refuses a file where the report folder goes before any rank starts (exit 2, no output written)', () => {
    const out = tempDir();
    writeFileSync(join(out, 'report'), 'a file');
    const result = sim('run', publicCase(), '--out', out);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(`sim: --out ${join(out, 'report')}: exists and is not a folder\n`);
    expect(readdirSync(out)).toEqual(['report']);
  });
});

describe('devices the user names', () => {
  it('writes a trace to /dev/stdout and JUnit to /dev/null in place, leaving the devices as they were', () => {
    const traced = sim(
      'run',
      publicCase(),
      '--transport',
      'virtual',
      '--trace',
      '/dev/stdout',
      '--out',
      tempDir(),
      '--no-report',
      '--quiet',
    );
    expect(traced.status, traced.stderr).toBe(0);
    expect(traced.stdout).toMatch(/^\{"t":0\.\d+,"from":\d,"to":0,"tag":"INIT"/);
    expect(sim('check', 'test/suite/r03-tiny', '--junit', '/dev/null').status).toBe(0);
    expect(statSync('/dev/null').isCharacterDevice()).toBe(true);
    expect(readdirSync('/dev').filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });
});

describe('inputs that are not regular files', () => {
  const cases: [string, (path: string) => void][] = [
    ['a FIFO', (path) => execFileSync('mkfifo', [path])],
    ['a link to /dev/zero', (path) => symlinkSync('/dev/zero', path)],
  ];
  for (const [what, make] of cases) {
    for (const transport of TRANSPORTS) {
      it(`${transport}: ${what} as in2.txt is refused before anything starts (exit 2)`, () => {
        const dir = publicCase();
        unlinkSync(join(dir, 'in2.txt'));
        make(join(dir, 'in2.txt'));
        const result = sim('run', dir, '--out', tempDir(), '--transport', transport);
        expect(result.status).toBe(2);
        expect(result.stderr).toBe(`sim: ${dir}/in2.txt: is not a regular file (a FIFO, device or folder): only regular files are read\n`);
      });
    }
  }

  it('refuses a sparse file of gigabytes from its size, without reading it', () => {
    const dir = publicCase();
    execFileSync('truncate', ['-s', '3G', join(dir, 'in2.txt')]);
    const result = sim('run', dir, '--out', tempDir(), '--transport', 'virtual');
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(`sim: ${dir}/in2.txt: is 3.0 GiB, more than the 256.0 MiB this file can hold here\n`);
  });
});

/** A 96 KiB file system: room for the public case's outputs, not for its report too. */
const TINY = '/tmp/swarmsim-tiny-disk';
function mountTiny(): boolean {
  if (process.getuid?.() !== 0) return false;
  mkdirSync(TINY, { recursive: true });
  return spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=96k', 'tmpfs', TINY]).status === 0;
}
const tiny = mountTiny();
afterAll(() => {
  if (tiny) spawnSync('umount', [TINY]);
});

describe.skipIf(!tiny)('a full disk (a tiny tmpfs; needs root)', () => {
  for (const transport of TRANSPORTS) {
    it(`${transport}: names the output it could not write and leaves no temp file`, () => {
      const out = join(TINY, transport);
      const inputs = tempDir();
      expect(sim('gen', inputs, '--ranks', '8', '--files', '10', '--segments', '100', '--wants', '4', '--seed', '1').status).toBe(0);
      const result = sim('run', inputs, '--out', out, '--transport', transport, '--no-report');
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(new RegExp(`cannot write ${out}/client\\d+_file\\d+: no space left on the device`));
      expect(temps(out)).toEqual([]);
      rmSync(out, { recursive: true });
    });
  }

  it('prints the summary when the report does not fit, names the file, exits 1 and leaves no temp file', () => {
    const out = join(TINY, 'report-run');
    const result = sim('run', publicCase(), '--out', out);
    expect(result.status).toBe(1);
    expect(result.stdout).toContain('14 outputs written');
    expect(result.stderr).toMatch(
      new RegExp(`the report in ${out}/report was not written: cannot write ${out}/report/\\S+: no space left on the device`),
    );
    expect(temps(out)).toEqual([]);
    expect(existsSync(join(out, 'client1_file2'))).toBe(true);
    rmSync(out, { recursive: true });
  });
});
