import { cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MetricsDocument } from '../reports/document.js';
import { STRATEGY_NAMES } from '../ranks/strategies/index.js';
import { showProgress } from '../sim/cli/progress.js';
import { loadJob } from '../sim/job/inputs.js';
import { defaultNetwork, runJob } from '../sim/run/pipeline.js';
import { replayRun, shellQuote } from '../sim/run/replay.js';
import { lastMeaningfulLine } from '../sim/run/stderr-lines.js';
import { sim } from './helpers/cli.js';
import { fakeTerminal, filesOf, hash, inputText, tempDir, writeInputs } from './helpers/files.js';

function generated(args: string[]): string {
  const dir = tempDir();
  const result = sim('gen', dir, ...args);
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  return dir;
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
    // The start-up a user waits through: after the process started, before the run ended.
    expect(summary.run.firstRequestSeconds).toBeGreaterThan(0);
    expect(summary.run.firstRequestSeconds).toBeLessThan(60);
  });

  it('gives each client a fault kills a worker of its own, so the clients packed beside it live on', () => {
    const inputs = generated(['--ranks', '7', '--files', '2', '--segments', '40', '--seeders', '2', '--seed', 'alone']);
    const result = sim('run', inputs, '--out', tempDir(), '--workers', '1', '--fault', 'kill:3@segments=10', '--json', '--quiet');
    expect([0, 4]).toContain(result.status);
    const summary = JSON.parse(result.stdout) as MetricsDocument;
    // Ranks 1, 2, 4, 5, 6 in one worker, rank 3 in its own.
    expect(summary.run.workers).toBe(2);
    expect(summary.faults?.lost).toEqual([3]);
    expect(summary.faults?.missing.every((missing) => missing.rank === 3)).toBe(true);
  });

  it('runs one worker per client with --workers all', () => {
    const inputs = generated(['--ranks', '5', '--files', '2', '--segments', '10']);
    const result = sim('run', inputs, '--out', tempDir(), '--workers', 'all', '--json', '--quiet');
    expect(result.status).toBe(0);
    expect((JSON.parse(result.stdout) as MetricsDocument).run.workers).toBe(4);
    expect(sim('run', inputs, '--workers', 'some').stderr).toBe(
      `sim: --workers: expected 'all' or a whole number from 1 to 100000, got "some"\n`,
    );
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

describe('one meaning per flag, on every verb', () => {
  const small = (seed: string): string => generated(['--ranks', '4', '--files', '2', '--segments', '10', '--wants', '1', '--seed', seed]);

  it('--version prints the version of the package', () => {
    const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    const result = sim('--version');
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(`${version}\n`);
  });

  it('--json with exit 4 says so at the top, and the summary of what was lost goes to stderr', () => {
    // Client 1 alone owns file1; killed at once, it takes file1 with it.
    const dir = writeInputs([inputText([['file1', [1, 2, 3]]], []), inputText([], ['file1']), inputText([['file2', [4, 5]]], ['file1'])]);
    const result = sim(
      'run',
      dir,
      '--transport',
      'virtual',
      '--out',
      tempDir(),
      '--progress',
      'off',
      '--json',
      '--fault',
      'kill:1@segments=0',
    );
    expect(result.status).toBe(4);
    const doc = JSON.parse(result.stdout) as MetricsDocument;
    expect([doc.ok, doc.exitCode, doc.run.ok]).toEqual([false, 4, true]);
    expect(Object.keys(doc).slice(0, 3)).toEqual(['schemaVersion', 'ok', 'exitCode']);
    expect(result.stderr).toContain('sim: round-robin: a fault left a live client without some file (exit 4):\n');
    expect(result.stderr).toContain('  files no live client could finish: file1\n');
    // --quiet keeps stderr for errors alone.
    expect(sim('run', dir, '--transport', 'virtual', '--out', tempDir(), '--quiet', '--json', '--fault', 'kill:1@segments=0').stderr).toBe(
      '',
    );
  });

  it('--no-report skips report/, and --out that cannot be made is bad usage', () => {
    const dir = small('no-report');
    const out = tempDir();
    const result = sim('run', dir, '--out', out, '--quiet', '--no-report');
    expect(result.status).toBe(0);
    expect(result.stdout).not.toContain('report:');
    expect(readdirSync(out).filter((name) => !name.startsWith('client'))).toEqual([]);
    const nowhere = sim('run', dir, '--out', '/proc/nope', '--quiet');
    expect(nowhere.status).toBe(2);
    expect(nowhere.stderr).toMatch(/^sim: --out \/proc\/nope: cannot create the folder \(E[A-Z]+: .*\)\n$/);
  });

  it('check --strategy a,b runs each case with each strategy', () => {
    const dir = small('check-both');
    const result = sim('check', dir, '--strategy', 'all', '--json');
    expect(result.status).toBe(0);
    const document = JSON.parse(result.stdout) as { ok: boolean; exitCode: number; cases: { strategy: string; runs: unknown[] }[] };
    expect([document.ok, document.exitCode]).toEqual([true, 0]);
    expect(document.cases.map((c) => c.strategy)).toEqual(STRATEGY_NAMES);
    expect(STRATEGY_NAMES).toHaveLength(6);
    // With --json the case lines go to stderr, so that stdout is one document.
    expect(result.stderr).toContain(`PASS  ${dir} (least-loaded)  1/1 runs`);
    expect(result.stderr).toMatch(/check: 6 passed, 0 failed\n$/);
  });

  it('faults --strategy a,b runs the matrix with each; --json lists every run', () => {
    const result = sim('faults', small('faults-both'), '--strategy', 'round-robin,least-loaded', '--json', '--quiet');
    expect(result.status).toBe(0);
    const document = JSON.parse(result.stdout) as { ok: boolean; runs: { strategy: string; point: string }[] };
    expect(document.ok).toBe(true);
    // Four ranks, each killed at four points, and the only tracker restarted from disk at each, per strategy.
    expect(document.runs.filter((r) => r.strategy === 'round-robin')).toHaveLength(20);
    expect(document.runs.filter((r) => r.strategy === 'least-loaded')).toHaveLength(20);
    expect(result.stderr).toContain('faults with least-loaded: 20 of 20 runs right\n');
  });

  it('sweep takes --workers (and --threads, as before) and prints one JSON document', () => {
    const dir = small('sweep-json');
    const out = join(tempDir(), 'sweep');
    const result = sim('sweep', dir, '--seeds', '1,2', '--strategy', 'least-loaded', '--workers', '1', '--out', out, '--json', '--quiet');
    expect(result.status).toBe(0);
    const document = JSON.parse(result.stdout) as { ok: boolean; rows: { seed: string }[] };
    expect([document.ok, document.rows.map((row) => row.seed)]).toEqual([true, ['1', '2']]);
    expect(sim('sweep', dir, '--seeds', '1', '--threads', '0').stderr).toBe(
      `sim: --workers: expected 'all' or a whole number from 1 to 100000, got "0"\n`,
    );
    expect(sim('sweep', dir, '--seeds', '1', '--workers', 'all').stderr).toBe(
      'sim: --workers: a sweep runs this many simulations at once: expected a whole number, got "all"\n',
    );
  });

  it('gen refuses a folder that holds files; --force replaces the case there', () => {
    const dir = generated(['--ranks', '6', '--files', '3', '--segments', '5']);
    writeFileSync(join(dir, 'notes.txt'), 'mine');
    const again = ['--ranks', '4', '--files', '2', '--segments', '5', '--seed', 'again'];
    const refused = sim('gen', dir, ...again);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(new RegExp(`^sim: ${dir}: already holds files \\(.*\\); add --force to replace the case there\\n$`));
    expect(readFileSync(join(dir, 'in5.txt'), 'utf8')).not.toBe('');
    expect(sim('gen', dir, ...again, '--force').status).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(['in1.txt', 'in2.txt', 'in3.txt', 'notes.txt', 'out1.txt', 'out2.txt']);
    expect(filesOf(dir).get('in1.txt')).toBe(filesOf(generated(again)).get('in1.txt'));
  });
});

describe('what the CLI shows', () => {
  it('a virtual-time run lets the event loop turn, so that its progress moves', async () => {
    const job = loadJob('test/suite/r32-kseg');
    const total = 93_000;
    const seen: number[] = [];
    let read: (() => number[]) | undefined;
    // A timer fires only when the scheduler yields: before, it saw 0 until the end.
    const timer = setInterval(() => read && seen.push(read().reduce((a, b) => a + b, 0)), 0);
    try {
      const doc = await runJob(job, {
        transport: 'virtual',
        strategy: { label: 'round-robin' },
        pipeline: 'auto',
        outDir: tempDir(),
        stallTimeoutMs: 10_000,
        virtual: { seed: '1', network: defaultNetwork() },
        onStart: (live) => (read = () => live.progress()),
      });
      expect(doc.run.segmentsTransferred).toBe(total);
    } finally {
      clearInterval(timer);
    }
    expect(seen.some((done) => done > 0 && done < total)).toBe(true);
  });

  it('shows the cursor again when a run with a bar is interrupted', () => {
    const { stream, text } = fakeTerminal();
    // Another handler is there, as a transport's is, so the signal does not end this process.
    const other = (): void => undefined;
    process.on('SIGINT', other);
    const before = [process.listenerCount('SIGINT'), process.listenerCount('exit')];
    const stop = showProgress({ progress: () => [1] }, [10], 'bar', stream);
    try {
      expect(text()).toContain('\x1b[?25l');
      process.emit('SIGINT', 'SIGINT');
      expect(text().endsWith('\x1b[?25h')).toBe(true);
    } finally {
      stop();
    }
    // Stopped, the bar leaves no handler behind.
    expect([process.listenerCount('SIGINT'), process.listenerCount('exit')]).toEqual(before);
    process.off('SIGINT', other);
  });

  it("takes the line before mpirun's boxes as the cause of a failure", () => {
    const border = '-'.repeat(74);
    const stderr = [
      'fake: giving up on purpose',
      border,
      'Primary job  terminated normally, but 1 process returned',
      'a non-zero exit code. Per user-direction, the job has been aborted.',
      border,
      border,
      'mpirun detected that one or more processes exited with non-zero status, thus causing',
      '  Exit code:    3',
      border,
      '',
    ];
    expect(lastMeaningfulLine(stderr)).toBe('fake: giving up on purpose');
    // Only boxes: their last line is still better than nothing.
    expect(lastMeaningfulLine(stderr.slice(1))).toBe('Exit code:    3');
    expect(lastMeaningfulLine(['a', '*'.repeat(20)])).toBe('a');
    expect(lastMeaningfulLine(['', '  '])).toBe('');
  });

  it('quotes replay commands the one way a shell reads back', () => {
    expect(shellQuote('kill:1@segments=30')).toBe('kill:1@segments=30');
    expect(shellQuote('drop:1->3=5%')).toBe("'drop:1->3=5%'");
    expect(shellQuote("it's")).toBe("'it'\\''s'");
    expect(
      replayRun({
        inputDir: 'in dir',
        transport: 'virtual',
        seed: '7',
        trackers: 2,
        strategy: { label: 'least-loaded' },
        faults: ['drop:1->2=5%'],
      }),
    ).toBe("sim run 'in dir' --transport virtual --seed 7 --trackers 2 --strategy least-loaded --fault 'drop:1->2=5%'");
    expect(replayRun({ inputDir: 'd', transport: 'tcp', seed: '7' })).toBe('sim run d --transport tcp');
  });
});
