import { cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MetricsDocument } from '../reports/document.js';
import { sim } from './helpers/cli.js';
import { hash, inputText, tempDir, writeInputs } from './helpers/files.js';

function generated(args: string[]): string {
  const dir = tempDir();
  const result = sim('gen', dir, ...args);
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  return dir;
}

function filesOf(dir: string): Map<string, string> {
  return new Map(readdirSync(dir).map((name) => [name, readFileSync(join(dir, name), 'utf8')]));
}

/** Every wanted file of every client, byte-compared with the generated out<k>.txt. */
function expectOutputsMatch(inputs: string, out: string): number {
  let compared = 0;
  for (const name of readdirSync(inputs).filter((n) => /^in\d+\.txt$/.test(n))) {
    const rank = Number(name.slice(2, -4));
    const lines = readFileSync(join(inputs, name), 'utf8').trimEnd().split('\n');
    const wanted = lines.filter((line) => /^file\d+$/.test(line));
    for (const file of wanted) {
      const expected = readFileSync(join(inputs, `out${file.slice(4)}.txt`), 'utf8');
      expect(readFileSync(join(out, `client${rank}_${file}`), 'utf8'), `client${rank}_${file}`).toBe(expected);
      compared++;
    }
  }
  return compared;
}

describe('sim gen', () => {
  const args = ['--ranks', '7', '--files', '4', '--segments', '10-30', '--seeders', '2', '--wants', '2'];

  it('writes byte-identical files for the same arguments and seed', () => {
    const a = filesOf(generated([...args, '--seed', '9']));
    const b = filesOf(generated([...args, '--seed', '9']));
    expect([...a.keys()].sort()).toEqual([
      'in1.txt',
      'in2.txt',
      'in3.txt',
      'in4.txt',
      'in5.txt',
      'in6.txt',
      'out1.txt',
      'out2.txt',
      'out3.txt',
      'out4.txt',
    ]);
    expect(a).toEqual(b);
    expect(filesOf(generated([...args, '--seed', '10']))).not.toEqual(a);
  });

  it('rejects more seeders than clients', () => {
    const result = sim('gen', tempDir(), '--ranks', '3', '--files', '1', '--segments', '5', '--seeders', '3');
    expect(result.status).toBe(2);
    expect(result.stderr).toBe('sim: --seeders: 3 owners per file, but there are only 2 clients\n');
  });
});

describe('sim run', () => {
  it.each(['round-robin', 'least-loaded'])('runs a generated 12-rank job with %s: outputs byte-equal, counts as implied', (strategy) => {
    const inputs = generated([
      '--ranks',
      '12',
      '--files',
      '6',
      '--segments',
      '20-200',
      '--seeders',
      '2',
      '--wants',
      '3',
      '--seed',
      strategy,
    ]);
    const out = tempDir();
    const result = sim('run', inputs, '--out', out, '--strategy', strategy, '--json', '--quiet');
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const summary = JSON.parse(result.stdout) as MetricsDocument;
    expect(summary.run.ok).toBe(true);
    expect(summary.run.strategy).toBe(strategy);
    const compared = expectOutputsMatch(inputs, out);
    expect(summary.outputs.written).toBe(compared);
    let implied = 0;
    for (let rank = 1; rank < 12; rank++) {
      const lines = readFileSync(join(inputs, `in${rank}.txt`), 'utf8')
        .trimEnd()
        .split('\n');
      for (const file of lines.filter((line) => /^file\d+$/.test(line))) {
        implied += readFileSync(join(inputs, `out${file.slice(4)}.txt`), 'utf8')
          .trimEnd()
          .split('\n').length;
      }
    }
    expect(summary.run.segmentsTransferred).toBe(implied);
    expect(summary.ranks.reduce((n, r) => n + r.uploaded, 0)).toBe(implied);
    expect(summary.load.jain).toBeGreaterThan(0);
    expect(summary.load.jain).toBeLessThanOrEqual(1);
  });

  it.each([1, 3])('packs the clients into %i worker(s) with the same outputs', (workers) => {
    const inputs = generated(['--ranks', '9', '--files', '4', '--segments', '10-80', '--seeders', '2', '--wants', '2', '--seed', 'packed']);
    const out = tempDir();
    const result = sim('run', inputs, '--out', out, '--workers', String(workers), '--json', '--quiet');
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const summary = JSON.parse(result.stdout) as MetricsDocument;
    expect(summary.outputs.written).toBe(expectOutputsMatch(inputs, out));
    expect(summary.ranks.reduce((n, r) => n + r.uploaded, 0)).toBe(summary.run.segmentsTransferred);
  });

  it('ends a run that goes round in circles: messages move, no segment is obtained', () => {
    const dir = writeInputs([inputText([['file1', [1, 2, 3]]], []), inputText([], ['file1']), inputText([], ['file1'])]);
    const result = sim('run', dir, '--out', tempDir(), '--fault', 'refuse:1', '--stall-timeout', '0.25', '--quiet');
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^sim: messages moved but no segment was obtained for 1\.5 s; the run is stuck:\n/);
    expect(result.stderr).toMatch(
      / {2}rank 2: waiting for any tag from any rank \(0 queued\); (\d+ requests? in flight|3 segments refused by every swarm member)/,
    );
  });

  it('names the faulty rank when it shares its worker with others', () => {
    const inputs = generated(['--ranks', '7', '--files', '2', '--segments', '20']);
    const crashed = sim('run', inputs, '--out', tempDir(), '--workers', '2', '--fault', 'crash:5', '--quiet');
    expect(crashed.stderr).toBe('sim: rank 5 failed: injected crash (--fault crash)\n');
    const stalled = sim('run', inputs, '--out', tempDir(), '--workers', '2', '--fault', 'stall:4', '--stall-timeout', '0.5', '--quiet');
    expect(stalled.status).toBe(1);
    expect(stalled.stderr).toContain('  rank 4: waiting for INIT_ACK from rank 0 (0 queued); has not had the go-ahead yet\n');
  });

  it('prints a summary with the per-rank table, and accepts -np', () => {
    const inputs = generated(['--ranks', '4', '--files', '2', '--segments', '30', '--wants', '1']);
    const out = tempDir();
    const result = sim('run', '-np', '4', inputs, '--out', out);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^4 ranks \(tracker \+ 3 clients\), 2 files, strategy round-robin, pipeline auto\n/);
    expect(result.stdout).toMatch(/\nrank {2}uploaded {2}downloaded {2}NACKs sent {2}NACKs received\n/);
    expect(result.stdout).toMatch(/Jain's index \d\.\d{3}/);
    expect(result.stdout).toContain(`outputs written to ${out}, all correct`);
  });

  it('rejects bad input before any rank starts, naming file and line, exit 2, no stack', () => {
    const dir = writeInputs([inputText([['file1', [1, 2]]], []), `0\n1\nfile1\n`, `1\nfile2 2\n${hash(3)}\nxyz\n0\n`]);
    const out = tempDir();
    const result = sim('run', dir, '--out', out);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(`sim: ${dir}/in3.txt:4: expected 32 hex characters (0-9, a-f), got "xyz"\n`);
    expect(readdirSync(out)).toEqual([]);
  });

  it('rejects --ranks that does not match the inputs', () => {
    const inputs = generated(['--ranks', '4', '--files', '2', '--segments', '5']);
    const result = sim('run', inputs, '-n', '6', '--out', tempDir());
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(`sim: ${inputs}/in4.txt: missing: 6 ranks need in1.txt .. in5.txt\n`);
  });

  it('keeps files in the output folder that it did not write', () => {
    const inputs = generated(['--ranks', '4', '--files', '2', '--segments', '5', '--wants', '1']);
    const out = tempDir();
    writeFileSync(join(out, 'notes.txt'), 'mine');
    expect(sim('run', inputs, '--out', out).status).toBe(0);
    expect(readFileSync(join(out, 'notes.txt'), 'utf8')).toBe('mine');
    expect(readdirSync(out).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('ends a run whose rank crashes, naming the rank and its error', () => {
    const inputs = generated(['--ranks', '5', '--files', '2', '--segments', '20']);
    const result = sim('run', inputs, '--out', tempDir(), '--fault', 'crash:3');
    expect(result.status).toBe(1);
    expect(result.stderr).toBe('sim: rank 3 failed: injected crash (--fault crash)\n');
  });

  it('ends a run whose rank exits early, naming the rank and its exit code', () => {
    const inputs = generated(['--ranks', '5', '--files', '2', '--segments', '20']);
    const result = sim('run', inputs, '--out', tempDir(), '--fault', 'exit:2');
    expect(result.status).toBe(1);
    expect(result.stderr).toBe('sim: rank 2 failed: its worker exited with code 3 before the run ended\n');
  });

  it('ends a stalled run after --stall-timeout, saying what each rank waits for', () => {
    const inputs = generated(['--ranks', '4', '--files', '2', '--segments', '20', '--wants', '1']);
    const result = sim('run', inputs, '--out', tempDir(), '--fault', 'stall:2', '--stall-timeout', '0.5');
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^sim: no message moved for 0\.5 s; the run is stuck:\n/);
    expect(result.stderr).toContain('  rank 2: waiting for INIT_ACK from rank 0 (0 queued); has not had the go-ahead yet\n');
    expect(result.stderr).toMatch(/requests in flight: file\d\[\d+\]->rank 2/);
    expect(result.stderr).toMatch(/ {2}rank 0 \(tracker\): waiting for any tag from any rank/);
    expect(result.stderr).toMatch(/ {2}rank [13]: (waiting for any tag from any rank|finished)/);
  });
});

describe('sim check', () => {
  const inputs = (): string => generated(['--ranks', '5', '--files', '3', '--segments', '10-40', '--wants', '2', '--seed', 'check']);

  it('passes a generated case, repeated, and writes JUnit XML', () => {
    const junit = join(tempDir(), 'reports', 'ci', 'report.xml');
    const result = sim('check', inputs(), '--repeat', '3', '--junit', junit);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^PASS {2}.* {2}3\/3 runs {2}\(median \d+\.\d{3} s, max \d+\.\d{3} s\)\ncheck: 1 passed, 0 failed\n$/);
    const xml = readFileSync(junit, 'utf8');
    expect(xml).toContain('<testsuite name="sim check" tests="3" failures="0"');
  });

  it('fails a case whose expected output differs, naming the output and line', () => {
    const dir = inputs();
    const wanted = readFileSync(join(dir, 'in1.txt'), 'utf8')
      .trimEnd()
      .split('\n')
      .filter((l) => /^file\d+$/.test(l))[0];
    const k = wanted.slice(4);
    const expected = readFileSync(join(dir, `out${k}.txt`), 'utf8').split('\n');
    const original = expected[2];
    expected[2] = hash(999);
    writeFileSync(join(dir, `out${k}.txt`), expected.join('\n'));
    const junit = join(tempDir(), 'report.xml');
    const result = sim('check', dir, '--junit', junit);
    expect(result.status).toBe(1);
    expect(result.stdout).toContain(`client1_${wanted}: line 3: expected "${hash(999)}", got "${original}"`);
    expect(result.stdout).toMatch(/\ncheck: 0 passed, 1 failed\n$/);
    expect(readFileSync(junit, 'utf8')).toContain('failures="1"');
  });

  it('ignores white space as diff -w does', () => {
    const dir = inputs();
    for (const name of readdirSync(dir).filter((n) => n.startsWith('out'))) {
      const text = readFileSync(join(dir, name), 'utf8');
      writeFileSync(join(dir, name), text.trimEnd().replace(/\n/g, '  \r\n'));
    }
    expect(sim('check', dir).status).toBe(0);
  });

  it('finds case folders below the given folders and reports a bad case without stopping', () => {
    const suite = tempDir();
    const good = generated(['--ranks', '3', '--files', '1', '--segments', '4', '--wants', '1']);
    writeInputs([inputText([], ['file1']), inputText([], ['file1'])], subdir(suite, 'a-bad'));
    cpSync(good, subdir(suite, 'b-good'), { recursive: true });
    const result = sim('check', suite);
    expect(result.status).toBe(1);
    expect(result.stdout).toContain(`FAIL  ${suite}/a-bad  0/1 runs`);
    expect(result.stdout).toContain('in1.txt:3: wants file1, which no client owns');
    expect(result.stdout).toContain(`PASS  ${suite}/b-good  1/1 runs`);
    expect(result.stdout).toMatch(/check: 1 passed, 1 failed\n$/);
  });
});

function subdir(parent: string, name: string): string {
  const dir = join(parent, name);
  mkdirSync(dir, { recursive: true });
  return dir;
}
