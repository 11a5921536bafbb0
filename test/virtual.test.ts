import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { STRATEGY_NAMES } from '../ranks/strategies/index.js';
import type { MetricsDocument } from '../reports/document.js';
import { EventQueue, type InFlight } from '../sim/transports/virtual/event-queue.js';
import { TraceComparer, lineHash, traceLine } from '../sim/trace/trace.js';
import { loadJob } from '../sim/job/inputs.js';
import { defaultNetwork } from '../sim/run/pipeline.js';
import { runVirtual } from '../sim/transports/virtual/transport.js';
import { generated, sim } from './helpers/cli.js';
import { inputText, outputsOf, tempDir, writeInputs } from './helpers/files.js';

interface Doc {
  run: { ok: boolean; wallSeconds: number; seed: string; transport: string };
  ranks: { rank: number; completedSeconds: number | null }[];
}

function virtualRun(dir: string, out: string, ...args: string[]): { doc: Doc; trace: string; metrics: string } {
  const trace = join(out, 'trace.jsonl');
  const result = sim('run', dir, '--transport', 'virtual', '--out', out, '--quiet', '--json', '--trace', trace, ...args);
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  return {
    doc: JSON.parse(result.stdout) as Doc,
    trace: readFileSync(trace, 'utf8'),
    metrics: readFileSync(join(out, 'report', 'metrics.json'), 'utf8'),
  };
}

describe('virtual time', () => {
  const dir = generated(['--ranks', '9', '--files', '4', '--segments', '20-60', '--wants', '3', '--seed', 'virtual']);

  it.each(STRATEGY_NAMES)('gives byte-identical traces and metrics for one seed, and another run for another (%s)', (strategy) => {
    const first = virtualRun(dir, join(dir, `${strategy}-a`), '--seed', '7', '--strategy', strategy);
    const again = virtualRun(dir, join(dir, `${strategy}-b`), '--seed', '7', '--strategy', strategy);
    const other = virtualRun(dir, join(dir, `${strategy}-c`), '--seed', '8', '--strategy', strategy);
    expect(first.trace.split('\n').length).toBeGreaterThan(1000);
    expect(again.trace).toBe(first.trace);
    // metrics.json names its folder; with that set aside, the files are the same bytes.
    expect(again.metrics.replaceAll(`${strategy}-b`, `${strategy}-a`)).toBe(first.metrics);
    expect(other.trace).not.toBe(first.trace);
    expect(first.doc.run).toMatchObject({ ok: true, seed: '7', transport: 'virtual' });
  });

  it('writes the same output files as the threads transport', () => {
    expect(sim('run', dir, '--out', join(dir, 'threads'), '--quiet').status).toBe(0);
    virtualRun(dir, join(dir, 'virtual'));
    expect(outputsOf(join(dir, 'virtual'))).toEqual(outputsOf(join(dir, 'threads')));
    expect(outputsOf(join(dir, 'virtual')).size).toBeGreaterThan(0);
  });

  it('passes --check-determinism, and ends a stuck run with what each rank waits for and the replay command', () => {
    expect(sim('run', dir, '--transport', 'virtual', '--out', join(dir, 'det'), '--quiet', '--check-determinism').status).toBe(0);
    const stuck = sim('run', dir, '--transport', 'virtual', '--out', join(dir, 'stuck'), '--quiet', '--fault', 'stall:2');
    expect(stuck.status).toBe(1);
    expect(stuck.stderr).toMatch(/^sim: at [\d.]+ s of virtual time no message was left in flight/m);
    expect(stuck.stderr).toMatch(/^ {2}rank 2: waiting for /m);
    expect(stuck.stderr).toMatch(/^replay: sim run .* --fault stall:2 --seed 1$/m);
  });

  it('ends a livelock (the only holder refuses everything) with what each rank does', () => {
    const job = writeInputs([inputText([['file1', [1, 2, 3]]], []), inputText([], ['file1'])]);
    const result = sim('run', job, '--transport', 'virtual', '--out', join(job, 'out'), '--quiet', '--fault', 'refuse:1');
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(
      /^sim: at [\d.]+ s of virtual time messages still moved, but no segment had been delivered for 600 simulated seconds; the run is stuck:$/m,
    );
    expect(result.stderr).toMatch(/^ {2}rank 2: waiting for any tag from any rank .*file1\[0\]->rank 1/m);
    expect(result.stderr).toMatch(/^replay: sim run .* --fault refuse:1 --seed 1$/m);
  });

  it('refuses virtual-time flags on another transport', () => {
    expect(sim('run', dir, '--out', join(dir, 'x'), '--seed', '3').stderr).toBe('sim: --seed: applies to --transport virtual only\n');
    expect(sim('run', dir, '--out', join(dir, 'x'), '--latency', '3').stderr).toBe('sim: --latency: applies to --transport virtual only\n');
  });

  it('makes a client behind a 10x slower link finish about 10x later', () => {
    // Client 1 seeds one file over a fast uplink; clients 2 and 3 download it, 3 over a link ten times slower.
    const segments = Array.from({ length: 200 }, (_, i) => i + 1);
    const job = writeInputs([inputText([['file1', segments]], []), inputText([], ['file1']), inputText([], ['file1'])]);
    const network = join(job, 'network.json');
    writeFileSync(
      network,
      JSON.stringify({ latencyMs: 0.001, uploadMbps: 10_000, downloadMbps: 100, ranks: [{ ranks: '3', downloadMbps: 10 }] }),
    );
    const { doc } = virtualRun(job, join(job, 'out'), '--network', network, '--segment-size', '64');
    const fast = doc.ranks[2].completedSeconds ?? NaN;
    const slow = doc.ranks[3].completedSeconds ?? NaN;
    // 200 segments of 64 KiB = 104.9 Mbit: 1.05 s at 100 Mbit/s and 10.5 s at 10 Mbit/s.
    const bits = 200 * 64 * 1024 * 8;
    expect(fast).toBeCloseTo(bits / 100e6, 1);
    expect(slow).toBeCloseTo(bits / 10e6, 0);
    expect(slow / fast).toBeGreaterThan(9);
    expect(slow / fast).toBeLessThan(11);
  });

  it('asks a lossy link again without flooding a busy holder: the request timeout backs off', () => {
    const run = (...faults: string[]): { status: number | null; messages: number } => {
      const result = sim('run', 'test/suite/r16-kseg', '--transport', 'virtual', '--out', tempDir(), '--no-report', '--json', ...faults);
      return { status: result.status, messages: (JSON.parse(result.stdout) as MetricsDocument).run.messages };
    };
    const clean = run();
    // A fixed 2 s timeout, shorter than the queue at a busy seed, re-sent requests that were
    // only waiting, which lengthened the queue: this run crawled for minutes.
    const lossy = run('--fault', 'drop:3->4=5%');
    expect([clean.status, lossy.status]).toEqual([0, 0]);
    expect(lossy.messages).toBeLessThan(3 * clean.messages);
  });

  it('refuses a network scenario that is not one, naming the file', () => {
    const bad = join(dir, 'bad-network.json');
    writeFileSync(bad, JSON.stringify({ latencyMs: -1 }));
    const result = sim('run', dir, '--transport', 'virtual', '--out', join(dir, 'bad'), '--network', bad);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(`sim: ${bad}: /latencyMs must be > 0\n`);
  });
});

describe('sim sweep', () => {
  it('runs every (strategy, seed) pair on the pool and writes the same figures for the same seeds', () => {
    const dir = generated(['--ranks', '6', '--files', '3', '--segments', '10-30', '--wants', '2', '--seed', 'sweep']);
    const sweep = (out: string) => sim('sweep', dir, '--seeds', '1..3', '--out', join(dir, out), '--quiet', '--threads', '2');
    const first = sweep('a');
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    expect(first.stdout).toMatch(/^round-robin +3\/3 +0\.\d{3} ± 0\.\d{3}/m);
    expect(first.stdout).toMatch(/^least-loaded +3\/3 /m);
    expect(first.stdout).toMatch(/^random +3\/3 /m);
    expect(first.stdout).toMatch(/^bandwidth +3\/3 /m);
    expect(first.stdout).toMatch(/^rarest-first +3\/3 /m);
    expect(first.stdout).toMatch(/^tit-for-tat +3\/3 /m);
    const runs = readFileSync(join(dir, 'a', 'runs.csv'), 'utf8')
      .trim()
      .split('\n');
    expect(runs).toHaveLength(19);
    expect(runs.slice(1).map((line) => line.split(',').slice(0, 3).join(','))).toEqual([
      'round-robin,1,true',
      'round-robin,2,true',
      'round-robin,3,true',
      'least-loaded,1,true',
      'least-loaded,2,true',
      'least-loaded,3,true',
      'random,1,true',
      'random,2,true',
      'random,3,true',
      'bandwidth,1,true',
      'bandwidth,2,true',
      'bandwidth,3,true',
      'rarest-first,1,true',
      'rarest-first,2,true',
      'rarest-first,3,true',
      'tit-for-tat,1,true',
      'tit-for-tat,2,true',
      'tit-for-tat,3,true',
    ]);
    expect(readdirSync(join(dir, 'a')).sort()).toEqual([
      'completionSeconds.png',
      'index.html',
      'jain.png',
      'maxOverMean.png',
      'medianCompletionSeconds.png',
      'messages.png',
      'runs.csv',
      'summary.csv',
    ]);
    expect(sweep('b').status).toBe(0);
    expect(readFileSync(join(dir, 'b', 'runs.csv'), 'utf8')).toBe(readFileSync(join(dir, 'a', 'runs.csv'), 'utf8'));
  });
});

describe('golden load figures', () => {
  it('fails a case whose load figures moved, naming the figure, and --update rewrites them', () => {
    const dir = tempDir();
    cpSync('test/suite/r08-small', dir, { recursive: true });
    const golden = join(dir, 'golden-round-robin-seed1.json');
    const original = readFileSync(golden, 'utf8');
    const doc = JSON.parse(original) as { load: { jain: number } };
    writeFileSync(golden, JSON.stringify({ ...doc, load: { ...doc.load, jain: 0.5 } }));
    const moved = sim('check', dir, '--transport', 'virtual', '--golden');
    expect(moved.status).toBe(1);
    expect(moved.stdout).toContain(
      `golden: ${golden}: load.jain: expected 0.5, got ${doc.load.jain}; replay: sim run ${dir} --transport virtual --seed 1 --strategy round-robin`,
    );
    expect(sim('check', dir, '--transport', 'virtual', '--golden', '--update').status).toBe(0);
    expect(readFileSync(golden, 'utf8')).toBe(original);
    expect(sim('check', dir, '--golden').stderr).toBe(
      'sim: --golden: goes with --transport virtual: only virtual-time runs repeat exactly\n',
    );
  });
});

describe('where the scheduler pauses', () => {
  it('never changes the run: pausing at every chance and never give one trace', async () => {
    const job = loadJob('test/suite/r64-wide');
    const traceWith = async (turnMs: number): Promise<string[]> => {
      const lines: string[] = [];
      const trace = { event: (...event: Parameters<typeof traceLine>) => void lines.push(traceLine(...event)), close: () => undefined };
      await runVirtual(job, {
        strategy: { label: 'tit-for-tat' },
        pipeline: 'auto',
        outDir: tempDir(),
        stallTimeoutMs: 10_000,
        virtual: { seed: '1', network: defaultNetwork(), turnMs },
        trace,
      });
      return lines;
    };
    const never = await traceWith(Infinity);
    const always = await traceWith(0);
    expect(never.length).toBeGreaterThan(10_000);
    // The first line that differs, rather than 16,000 lines of diff.
    const first = never.findIndex((line, i) => line !== always[i]);
    expect({ first, line: never[first] ?? null, other: always[first] ?? null }).toEqual({ first: -1, line: null, other: null });
    expect(always).toHaveLength(never.length);
  });
});

describe('event queue and trace comparison', () => {
  it('pops events by time, then key, then send order', () => {
    const queue = new EventQueue();
    const events = Array.from({ length: 5000 }, (_, i) => ({
      time: (i * 7919) % 50,
      key: (i * 104729) % 3,
      source: i % 7,
      dest: i,
      life: i % 2,
      tag: i % 11,
      payload: { i },
    }));
    // Pushed in send order, some popped between pushes, so slots are reused as the heap grows.
    const popped: InFlight[] = [];
    const take = (): boolean => {
      const event: InFlight = { time: 0, key: 0, source: 0, dest: 0, life: 0, tag: 0, payload: null };
      if (!queue.pop(event)) return false;
      popped.push(event);
      return true;
    };
    for (const { time, key, source, dest, life, tag, payload } of events) {
      queue.push(time, key, source, dest, life, tag, payload);
      if (dest % 5 === 4) take();
    }
    while (take());
    expect(queue.size).toBe(0);
    expect(popped).toHaveLength(events.length);
    // Whatever was popped between pushes, what is left comes out in order.
    const rest = popped.slice(events.filter((e) => e.dest % 5 === 4).length);
    const sorted = [...rest].sort((a, b) => a.time - b.time || a.key - b.key || a.dest - b.dest);
    expect(rest).toEqual(sorted);
    expect(new Set(popped.map((e) => e.payload))).toEqual(new Set(events.map((e) => e.payload)));
  });

  it('names the first event where a second run differs', () => {
    const lines = [traceLine(5e6, 1, 0, 1, { files: [] }), traceLine(1e7, 0, 1, 2, null), traceLine(2e7, 2, 1, 6, { file: 'f', index: 3 })];
    const comparer = new TraceComparer(lines.map(lineHash));
    comparer.event(5e6, 1, 0, 1, { files: [] });
    comparer.event(1e7, 0, 1, 2, null);
    comparer.event(2e7, 2, 1, 6, { file: 'f', index: 4 });
    expect(comparer.firstDifference).toEqual({ index: 2, line: '{"t":0.020000000,"from":2,"to":1,"tag":"SEGMENT_REQUEST","p":"f[4]"}' });
  });
});
