import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Roles } from '../ranks/roles.js';
import type { MetricsDocument } from '../reports/document.js';
import { judge } from '../sim/check/fault-matrix.js';
import { drawPlans } from '../sim/check/random-faults.js';
import { addFault, checkPlan, emptyPlan } from '../sim/faults/plan.js';
import { loadJob, type Job } from '../sim/job/inputs.js';
import { generated, sim } from './helpers/cli.js';
import { inputText, outputsOf, writeInputs } from './helpers/files.js';
import { freePort, processesWith, startSim, waitFor, type Running } from './helpers/processes.js';

/** Two owners per file: a killed client never takes a file with it. */
const SHARED = ['--ranks', '8', '--files', '4', '--segments', '30-60', '--wants', '3', '--seeders', '2', '--seed', 'faults-shared'];
/** One owner per file: killing it early can leave a file with no holder. */
const SINGLE = ['--ranks', '8', '--files', '4', '--segments', '30-60', '--wants', '3', '--seeders', '1', '--seed', 'faults-single'];

function run(dir: string, out: string, ...args: string[]) {
  const result = sim('run', dir, '--out', out, '--quiet', '--json', ...args);
  const doc = result.stdout ? (JSON.parse(result.stdout) as MetricsDocument) : undefined;
  return { ...result, doc };
}

/** Expected text of each output a job implies, by output name. */
function expectedOutputs(job: Job): Map<string, string> {
  const expected = new Map<string, string>();
  job.clients.forEach((client, i) => {
    for (const file of client.wanted) expected.set(`client${i + 1}_${file}`, `${(job.files.get(file) ?? []).join('\n')}\n`);
  });
  return expected;
}

/** Each output written is byte-equal to what the owners' hashes imply. */
function expectWrittenCorrect(job: Job, out: string): Map<string, string> {
  const written = outputsOf(out);
  const expected = expectedOutputs(job);
  for (const [name, text] of written) expect(text, name).toBe(expected.get(name));
  return written;
}

/** Segment transfers the whole job needs. */
function transfersOf(job: Job): number {
  return job.clients.reduce((sum, client) => sum + client.wanted.reduce((n, file) => n + (job.files.get(file)?.length ?? 0), 0), 0);
}

function soleOwnerOf(job: Job): Map<number, string[]> {
  const owners = new Map<string, number[]>();
  job.clients.forEach((client, i) => client.owned.forEach(({ name }) => owners.set(name, [...(owners.get(name) ?? []), i + 1])));
  const sole = new Map<number, string[]>();
  for (const [file, ranks] of owners) if (ranks.length === 1) sole.set(ranks[0], [...(sole.get(ranks[0]) ?? []), file]);
  return sole;
}

/** Judges an outcome as `sim faults` does: every output correct on disk or missing for a true reason. */
async function expectAccurate(
  job: Job,
  trackers: 1 | 2,
  doc: MetricsDocument,
  out: string,
  downed: number | Set<number>,
  exitCode: number,
) {
  const ranks = typeof downed === 'number' ? new Set([downed]) : downed;
  expect(await judge(job, Roles.forJob(job.ranks, trackers), doc, out, ranks, exitCode)).toBeUndefined();
}

describe('faults in virtual time', () => {
  it('a killed client: the others fetch what it held from other holders, its outputs are listed, the same seed replays it', async () => {
    const dir = generated(SHARED);
    const job = loadJob(dir);
    const first = run(dir, join(dir, 'a'), '--transport', 'virtual', '--fault', 'kill:3@segments=150');
    const again = run(dir, join(dir, 'b'), '--transport', 'virtual', '--fault', 'kill:3@segments=150');
    expect(first.status).toBe(0);
    expect(again.stdout.replaceAll(join(dir, 'b'), join(dir, 'a'))).toBe(first.stdout);
    expect(outputsOf(join(dir, 'b'))).toEqual(outputsOf(join(dir, 'a')));
    const doc = first.doc as MetricsDocument;
    expect(doc.faults?.fired).toEqual([expect.objectContaining({ spec: 'kill:3@segments=150', action: 'kill', rank: 3 })]);
    expect(doc.faults?.lost).toEqual([3]);
    const written = expectWrittenCorrect(job, join(dir, 'a'));
    const missing = [...expectedOutputs(job).keys()].filter((name) => !written.has(name));
    expect(missing.length).toBeGreaterThan(0);
    expect(doc.faults?.missing.map((m) => m.output)).toEqual(missing);
    expect(doc.faults?.missing.every((m) => m.rank === 3 && m.kind === 'client-lost')).toBe(true);
    // The tracker dropped it from every swarm.
    for (const swarm of doc.trackers?.[0].swarms ?? []) expect([...swarm.seeds, ...swarm.peers]).not.toContain(3);
    await expectAccurate(job, 1, doc, join(dir, 'a'), 3, 0);
  });

  it('a file whose every owner was killed: exit 4, naming the files, the clients missing them and what is complete', async () => {
    const dir = generated(SINGLE);
    const job = loadJob(dir);
    const [victim, files] = [...soleOwnerOf(job)][0];
    const result = run(dir, join(dir, 'out'), '--transport', 'virtual', '--fault', `kill:${victim}@segments=0`);
    expect(result.status).toBe(4);
    const doc = result.doc as MetricsDocument;
    expect(doc.faults?.unavailable).toEqual(files.sort());
    const wanters = job.clients.flatMap((client, i) =>
      i + 1 !== victim ? client.wanted.filter((f) => files.includes(f)).map((f) => `client${i + 1}_${f}`) : [],
    );
    expect(doc.faults?.missing.filter((m) => m.kind === 'unavailable').map((m) => m.output)).toEqual(wanters.sort());
    const written = expectWrittenCorrect(job, join(dir, 'out'));
    expect(doc.faults?.complete).toEqual([...written.keys()].sort());
    await expectAccurate(job, 1, doc, join(dir, 'out'), victim, 4);
    const text = sim('run', dir, '--out', join(dir, 'text'), '--quiet', '--transport', 'virtual', '--fault', `kill:${victim}@segments=0`);
    expect(text.status).toBe(4);
    expect(text.stdout).toContain(`files no live client could finish: ${files.sort().join(', ')}`);
    expect(text.stdout).toContain(`${wanters.sort()[0]}: no live client held every segment of`);
  });

  it('a client that gives up two files still finishes the third', () => {
    // Rank 1 owns f1 and f2 alone; rank 2 owns f3; rank 3 wants all three.
    const range = (from: number, count: number): number[] => Array.from({ length: count }, (_, i) => from + i);
    const dir = writeInputs([
      inputText(
        [
          ['f1', range(0, 100)],
          ['f2', range(100, 50)],
        ],
        ['f3'],
      ),
      inputText([['f3', range(200, 75)]], ['f1']),
      inputText([], ['f1', 'f2', 'f3']),
    ]);
    const job = loadJob(dir);
    const result = run(dir, join(dir, 'out'), '--transport', 'virtual', '--trackers', '2', '--fault', 'kill:1@segments=40');
    expect(result.status).toBe(4);
    expect(result.doc?.faults?.unavailable).toEqual(['f1', 'f2']);
    expect(result.doc?.faults?.complete).toEqual(['client3_f3']);
    expect(outputsOf(join(dir, 'out'))).toEqual(new Map([['client3_f3', expectedOutputs(job).get('client3_f3')]]));
  });

  it('the primary tracker killed: clients turn to the standby, the job completes, and the same seed replays it', () => {
    const dir = generated(SHARED);
    const job = loadJob(dir);
    const args = ['--transport', 'virtual', '--trackers', '2', '--fault', 'kill:0@segments=120'];
    const first = run(dir, join(dir, 'a'), ...args);
    const again = run(dir, join(dir, 'b'), ...args);
    expect(first.status).toBe(0);
    expect(again.stdout.replaceAll(join(dir, 'b'), join(dir, 'a'))).toBe(first.stdout);
    expect(outputsOf(join(dir, 'a'))).toEqual(expectedOutputs(job));
    const trackers = first.doc?.trackers ?? [];
    expect(trackers.map(({ rank, served, lost }) => ({ rank, served, lost }))).toEqual([
      { rank: 0, served: true, lost: true },
      { rank: 8, served: true, lost: false },
    ]);
    expect(first.doc?.ranks[8]).toMatchObject({ rank: 8, role: 'tracker' });
  });

  it('a restarted tracker catches up from the standby, and both end with the same table', () => {
    const dir = generated(SHARED);
    const job = loadJob(dir);
    const result = run(dir, join(dir, 'out'), '--transport', 'virtual', '--trackers', '2', '--fault', 'restart:0@segments=100');
    expect(result.status).toBe(0);
    expect(outputsOf(join(dir, 'out'))).toEqual(expectedOutputs(job));
    const [primary, standby] = result.doc?.trackers ?? [];
    expect(result.doc?.faults?.trackersAgree).toBe(true);
    expect(primary.swarms).toEqual(standby.swarms);
    expect(primary.swarms.map((s) => s.completed).reduce((a, b) => a + b)).toBe(expectedOutputs(job).size);
  });

  it('every fault kind at once replays event for event under the same seed', () => {
    const dir = generated(SHARED);
    const job = loadJob(dir);
    const file = job.clients[3].wanted[0];
    const faults = ['restart:0@segments=100', `kill:4@file-done=4:${file}`, 'kill:6@time=1.5s', 'delay:2=20ms', 'drop:3->5=10%'];
    const args = ['--transport', 'virtual', '--trackers', '2', ...faults.flatMap((spec) => ['--fault', spec])];
    const first = run(dir, join(dir, 'a'), ...args, '--check-determinism');
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    expect(first.doc?.faults?.fired.map((f) => f.spec).sort()).toEqual([...faults.slice(0, 3)].sort());
    const again = run(dir, join(dir, 'b'), ...args);
    expect(JSON.stringify({ ...again.doc, run: { ...again.doc?.run, outDir: '' } })).toBe(
      JSON.stringify({ ...first.doc, run: { ...first.doc?.run, outDir: '' } }),
    );
    expect(outputsOf(join(dir, 'b'))).toEqual(outputsOf(join(dir, 'a')));
    const other = run(dir, join(dir, 'c'), ...args, '--seed', '2');
    expect(other.doc?.faults?.fired.map((f) => f.seconds)).not.toEqual(first.doc?.faults?.fired.map((f) => f.seconds));
  });

  it('faults that meet: two restarts of one tracker at once; messages that outlive the life they were sent to', () => {
    const dir = generated(SHARED);
    const job = loadJob(dir);
    const withStandby = (out: string, ...specs: string[]) =>
      run(dir, join(dir, out), '--transport', 'virtual', '--trackers', '2', ...specs.flatMap((spec) => ['--fault', spec]));
    const cases = [
      ['restart:0@segments=50', 'restart:0@segments=50'],
      // Messages to the standby take half a second longer than the notice of the primary's loss.
      ['kill:0@segments=820', 'delay:8=500ms'],
      // Changes sent to the standby's first life arrive after it was started again: never to its second.
      ['restart:8@segments=770', 'delay:0=300ms'],
    ];
    for (const [i, specs] of cases.entries()) {
      const result = withStandby(`out${i}`, ...specs);
      expect(result.stderr, specs.join(' ')).toBe('');
      expect(result.status).toBe(0);
      expect(outputsOf(join(dir, `out${i}`))).toEqual(expectedOutputs(job));
      // Both trackers end alive, in step, unless the primary stayed dead.
      expect(result.doc?.faults?.trackersAgree).toBe(specs[0].startsWith('kill:0') ? null : true);
    }
  });

  it('a tracker restarted as the job ends, too late to catch up, is stopped and the run completes', () => {
    const dir = generated(SHARED);
    const job = loadJob(dir);
    const last = transfersOf(job);
    for (const tracker of [0, 8]) {
      const out = join(dir, `out${tracker}`);
      const result = sim(
        'run',
        dir,
        '--out',
        out,
        '--quiet',
        '--transport',
        'virtual',
        '--trackers',
        '2',
        '--fault',
        `restart:${tracker}@segments=${last}`,
      );
      expect(result.status, result.stderr).toBe(0);
      expect(result.stdout).toContain(`\nrank ${tracker} was restarted too late to catch up (the job had ended): stopped\n`);
      expect(outputsOf(out)).toEqual(expectedOutputs(job));
      const doc = JSON.parse(readFileSync(join(out, 'report', 'metrics.json'), 'utf8')) as MetricsDocument;
      expect(doc.trackers?.find((t) => t.rank === tracker)).toMatchObject({ stopped: true, lost: false, served: false, swarms: [] });
      expect(doc.faults?.trackersAgree).toBeNull();
    }
  });

  it('both trackers killed: exit 4, and every output written before stays intact', async () => {
    const dir = generated(SHARED);
    const job = loadJob(dir);
    const result = run(
      dir,
      join(dir, 'out'),
      '--transport',
      'virtual',
      '--trackers',
      '2',
      '--fault',
      'kill:0@segments=100',
      '--fault',
      'kill:8@segments=300',
    );
    expect(result.status).toBe(4);
    expect(result.doc?.faults?.noTracker).toMatch(
      /^rank \d+ lost rank 8, the last tracker \(killed by --fault kill:8@segments=300 at [\d.]+ s\)$/,
    );
    expectWrittenCorrect(job, join(dir, 'out'));
    expect(result.doc?.faults?.missing.every((m) => m.kind === 'no-tracker')).toBe(true);
    expect(result.doc?.faults?.missing.length).toBeGreaterThan(0);
  });

  it('slow ranks and lossy links: outputs stay correct, time grows, and the same seed gives the same run', () => {
    const dir = generated(SHARED);
    const job = loadJob(dir);
    const clean = run(dir, join(dir, 'clean'), '--transport', 'virtual');
    const faulty = [
      '--transport',
      'virtual',
      '--fault',
      'delay:2=50ms',
      '--fault',
      'drop:1->3=20%',
      '--fault',
      'drop:3->1=20%',
      '--fault',
      'drop:4->5=10%',
    ];
    const result = run(dir, join(dir, 'out'), ...faulty, '--check-determinism');
    expect(result.status).toBe(0);
    expect(outputsOf(join(dir, 'out'))).toEqual(expectedOutputs(job));
    expect(result.doc?.run.wallSeconds).toBeGreaterThan(clean.doc?.run.wallSeconds ?? Infinity);
    expect(result.doc?.faults?.dropped).toBeGreaterThan(0);
  });

  it('file-done=R:FILE kills a rank right after it wrote that output', () => {
    const dir = generated(SHARED);
    const job = loadJob(dir);
    const file = job.clients[1].wanted[0];
    const result = run(dir, join(dir, 'out'), '--transport', 'virtual', '--fault', `kill:2@file-done=2:${file}`);
    expect(result.status).toBe(0);
    expect(result.doc?.faults?.fired).toHaveLength(1);
    expect(readFileSync(join(dir, 'out', `client2_${file}`), 'utf8')).toBe(expectedOutputs(job).get(`client2_${file}`));
  });

  it('time=X kills at exactly X of simulated time', () => {
    const dir = generated(SHARED);
    const result = run(dir, join(dir, 'out'), '--transport', 'virtual', '--fault', 'kill:5@time=1.25s', '--fault', 'kill:6@time=2500ms');
    expect(result.status).toBe(0);
    expect(result.doc?.faults?.fired.map(({ spec, seconds }) => [spec, seconds])).toEqual([
      ['kill:5@time=1.25s', 1.25],
      ['kill:6@time=2500ms', 2.5],
    ]);
    expect(result.doc?.faults?.lost).toEqual([5, 6]);
  });

  it('names a fault whose point the run never reached, in the summary, metrics.json and the report', () => {
    const dir = generated(SHARED);
    const out = join(dir, 'out');
    const withFaults = (...specs: string[]) =>
      sim('run', dir, '--out', out, '--quiet', '--transport', 'virtual', ...specs.flatMap((spec) => ['--fault', spec]));
    expect(withFaults('kill:5@time=1.25s', 'kill:6@time=1h').stderr).toMatch(
      /^sim: --fault kill:6@time=1h: expected segments=N, time=Xs \(or Xms\)/,
    );
    const late = withFaults('kill:5@time=1.25s', 'kill:6@time=9000s');
    expect(late.status).toBe(0);
    expect(late.stdout).toContain(
      '\nfault kill:5@time=1.25s fired at 1.250 s\nfault kill:6@time=9000s did not fire: the run ended first\n',
    );
    const doc = JSON.parse(readFileSync(join(out, 'report', 'metrics.json'), 'utf8')) as MetricsDocument;
    expect(doc.faults?.unfired).toEqual(['kill:6@time=9000s']);
    expect(doc.faults?.lost).toEqual([5]);
    expect(readFileSync(join(out, 'report', 'index.html'), 'utf8')).toContain('<td>kill:6@time=9000s</td><td>did not fire</td>');
  });

  it("prints the tracker's swarm table with --dump-tracker, and the report carries it", () => {
    const dir = generated(SHARED);
    const job = loadJob(dir);
    const result = sim('run', dir, '--out', join(dir, 'out'), '--quiet', '--transport', 'virtual', '--dump-tracker');
    expect(result.status).toBe(0);
    const table = result.stdout.slice(result.stdout.indexOf('swarm table of rank 0'));
    expect(table.split('\n')[1]).toMatch(/^file\s+segments\s+seeds\s+peers\s+completed\s+gave up$/);
    for (const file of job.files.keys()) expect(table).toMatch(new RegExp(`^${file} +\\d+ +[\\d,]+ +- +\\d+ +-$`, 'm'));
    const doc = JSON.parse(readFileSync(join(dir, 'out', 'report', 'metrics.json'), 'utf8')) as MetricsDocument;
    expect(doc.trackers?.[0].swarms.map((s) => s.file).sort()).toEqual([...job.files.keys()].sort());
    expect(readFileSync(join(dir, 'out', 'report', 'index.html'), 'utf8')).toContain('Swarm table of rank 0');
  });

  it('refuses a fault it cannot carry out, naming it', () => {
    const dir = generated(SHARED);
    const job = loadJob(dir);
    const transfers = transfersOf(job);
    const unwanted = [...job.files.keys()].find((file) => !job.clients[2].wanted.includes(file));
    const cases: [string[], string][] = [
      [['--fault', 'kill:9@segments=1'], 'sim: --fault kill:9@segments=1: rank 9 is not in this 8-rank job\n'],
      [
        ['--fault', 'kill:2@when=3'],
        'sim: --fault kill:2@when=3: expected segments=N, time=Xs (or Xms) or file-done=R:FILE after @, got "when=3"\n',
      ],
      [
        ['--fault', 'restart:0@segments=1'],
        'sim: --fault restart:0@segments=1: a restarted tracker catches up from the standby or reloads its saved state: add --trackers 2 or --tracker-state DIR\n',
      ],
      [
        ['--fault', 'restart:3@segments=1', '--trackers', '2'],
        'sim: --fault restart:3@segments=1: only a tracker can be restarted (rank 0 or 8)\n',
      ],
      [
        ['--fault', 'drop:0->2=5%', '--transport', 'virtual'],
        'sim: --fault drop:0->2: drops are between two clients: the tracker protocol assumes its messages arrive (see docs/faults.md)\n',
      ],
      [['--fault', 'delay:2=5ms'], 'sim: --fault: delay and drop faults need --transport virtual\n'],
      [
        ['--fault', 'kill:2@segments=99999'],
        `sim: --fault kill:2@segments=99999: the whole job transfers ${transfers} segments, so this point never comes\n`,
      ],
      [
        ['--fault', `kill:2@file-done=3:${unwanted}`],
        `sim: --fault kill:2@file-done=3:${unwanted}: client 3 does not download ${unwanted} (it wants ${job.clients[2].wanted.join(', ')})\n`,
      ],
      [
        ['--fault', 'kill:0@segments=5', '--transport', 'tcp'],
        'sim: --fault kill:0@segments=5: over TCP with one tracker, rank 0 is the sim process itself: add --trackers 2 or --tracker-state DIR to kill it\n',
      ],
    ];
    for (const [args, stderr] of cases) {
      const result = sim('run', dir, '--out', join(dir, 'out'), '--quiet', ...args);
      expect(result.stderr, args.join(' ')).toBe(stderr);
      expect(result.status).toBe(2);
    }
    const bad = sim('run', dir, '--fault', 'explode:3');
    expect(bad.stderr).toMatch(/^sim: --fault explode:3: expected kill:RANK@segments=N, /);
    expect(bad.status).toBe(2);
  });
});

describe('sim faults', () => {
  const SMALL = ['--ranks', '5', '--files', '3', '--segments', '20-40', '--wants', '2', '--seeders', '1', '--seed', 'matrix'];

  it('kills every rank early, midway, late and at the last transfer, prints the matrix, and judges every run right', () => {
    const dir = generated(SMALL);
    for (const transport of ['virtual', 'threads'] as const) {
      const result = sim('faults', dir, '--trackers', '2', '--transport', transport, '--quiet');
      expect(result.stderr, transport).toBe('');
      expect(result.status).toBe(0);
      const lines = result.stdout.trimEnd().split('\n');
      expect(lines[0]).toMatch(
        /^killed rank\s+early \(10% of transfers\)\s+middle \(50% of transfers\)\s+late \(90% of transfers\)\s+last \(100% of transfers\)$/,
      );
      expect(lines.slice(1, 7).map((line) => line.split(/\s{2,}/)[0])).toEqual([
        'rank 0 (primary tracker)',
        'rank 1',
        'rank 2',
        'rank 3',
        'rank 4',
        'rank 5 (standby tracker)',
      ]);
      // A standby is there: losing either tracker never costs an output.
      for (const row of [lines[1], lines[6]]) expect(row.split(/\s{2,}/).slice(1)).toEqual(['0', '0', '0', '0']);
      expect(lines.at(-1)).toBe('faults: 24 of 24 runs right');
    }
  });

  it('--random N draws N fault plans from the seed, judges each, and gives the same verdicts for the same seed', () => {
    const dir = generated(SMALL);
    const first = sim('faults', dir, '--random', '60', '--seed', 'draw', '--quiet');
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    expect(first.stdout).toMatch(/^random faults: 60 of 60 runs right \(exit 0: \d+, exit 4: \d+\)\n$/);
    expect(sim('faults', dir, '--random', '60', '--seed', 'draw', '--quiet').stdout).toBe(first.stdout);
    const job = loadJob(dir);
    const plans = drawPlans(job, 'virtual', 60, 'draw');
    expect(drawPlans(job, 'virtual', 60, 'draw')).toEqual(plans);
    expect(drawPlans(job, 'virtual', 60, 'other')).not.toEqual(plans);
    // Every kind is drawn, and every plan is one the run accepts.
    const kinds = new Set(plans.flatMap((plan) => plan.specs.map((spec) => spec.split(':')[0])));
    expect([...kinds].sort()).toEqual(['delay', 'drop', 'kill', 'restart']);
    for (const { settings, specs } of plans) {
      const plan = emptyPlan();
      for (const spec of specs) addFault(plan, spec);
      const roles = Roles.forJob(job.ranks, settings.trackers);
      expect(() => checkPlan(plan, job, roles, 'virtual', settings.trackerState)).not.toThrow();
    }
    // Some plans keep the only tracker's state on disk, and then rank 0 is only ever restarted.
    const onDisk = plans.filter((plan) => plan.settings.trackerState);
    expect(onDisk.length).toBeGreaterThan(5);
    expect(onDisk.flatMap((plan) => plan.specs).some((spec) => spec.startsWith('kill:0@'))).toBe(false);
    expect(onDisk.flatMap((plan) => plan.specs).some((spec) => spec.startsWith('restart:0@'))).toBe(true);
    // Over TCP with one tracker, rank 0 is never drawn but to restart it from disk; on threads only rank 0 restarts.
    const tcp = drawPlans(job, 'tcp', 60, 'draw').filter((plan) => plan.settings.trackers === 1);
    expect(tcp.flatMap((plan) => plan.specs).some((spec) => spec.startsWith('kill:0@'))).toBe(false);
    const restarted = tcp.filter((plan) => plan.specs.some((spec) => spec.startsWith('restart:0@')));
    expect(restarted.every((plan) => plan.settings.trackerState)).toBe(true);
    const threads = drawPlans(job, 'threads', 60, 'draw').flatMap((plan) => plan.specs);
    expect(threads.filter((spec) => spec.startsWith('restart:')).every((spec) => spec.startsWith('restart:0@'))).toBe(true);
    expect(threads.some((spec) => /^(drop|delay):/.test(spec))).toBe(false);
  });

  it('over TCP, with one tracker, kills no rank 0 (the sim process itself) but restarts it from --tracker-state', () => {
    const dir = generated(SMALL);
    const result = sim('faults', dir, '--transport', 'tcp', '--quiet');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^rank 0 \(tracker\)\s+-\s+-\s+-\s+-$/m);
    expect(result.stdout).toMatch(/^rank 0 restarted from --tracker-state\s+0\s+0\s+0\s+0$/m);
    expect(result.stdout.trimEnd().split('\n').at(-1)).toBe('faults: 20 of 20 runs right');
  });

  it('finds a wrong outcome: an output changed, one missing with no reason, one blamed on the wrong loss', async () => {
    const dir = generated(SHARED);
    const job = loadJob(dir);
    const out = join(dir, 'out');
    const result = run(dir, out, '--transport', 'virtual', '--fault', 'kill:3@segments=150');
    const doc = result.doc as MetricsDocument;
    const roles = Roles.forJob(job.ranks, 1);
    expect(await judge(job, roles, doc, out, new Set([3]), 0)).toBeUndefined();
    const [name] = [...outputsOf(out).keys()];
    const text = readFileSync(join(out, name), 'utf8');
    writeFileSync(
      join(out, name),
      text.replace(/^[0-9a-f]/, (c) => (c === '0' ? '1' : '0')),
    );
    expect(await judge(job, roles, doc, out, new Set([3]), 0)).toMatch(new RegExp(`^${name}: line 1: expected `));
    rmSync(join(out, name));
    expect(await judge(job, roles, doc, out, new Set([3]), 0)).toBe(`${name} is missing and not listed`);
    writeFileSync(join(out, name), text);
    // The same run judged as if another client had been the one killed.
    const lost = doc.faults?.missing[0];
    expect(await judge(job, roles, doc, out, new Set([2]), 0)).toBe(`${lost?.output} blamed on the loss of client 3, which lived`);
  });
});

describe('faults on threads', () => {
  it('a killed client: every output is correct or listed for a true reason', async () => {
    const dir = generated(SINGLE);
    const job = loadJob(dir);
    for (const [victim, at] of [
      [[...soleOwnerOf(job).keys()][0], 'segments=0'],
      [2, 'segments=200'],
    ] as const) {
      const out = join(dir, `out${victim}`);
      const result = run(dir, out, '--fault', `kill:${victim}@${at}`);
      expect([0, 4]).toContain(result.status);
      expectWrittenCorrect(job, out);
      await expectAccurate(job, 1, result.doc as MetricsDocument, out, victim, result.status ?? -1);
    }
  });

  it('the primary tracker killed mid-run: the standby takes over and every output is correct', () => {
    const dir = generated(SHARED);
    const job = loadJob(dir);
    const result = run(dir, join(dir, 'out'), '--trackers', '2', '--fault', 'kill:0@segments=100');
    expect(result.status).toBe(0);
    expect(outputsOf(join(dir, 'out'))).toEqual(expectedOutputs(job));
    expect(result.doc?.faults?.fired.map((f) => f.spec)).toEqual(['kill:0@segments=100']);
    expect(result.doc?.trackers?.find((t) => t.rank === 8)?.served).toBe(true);
  });

  it('file-done= and time= fire on threads too', async () => {
    const dir = generated(SHARED);
    const job = loadJob(dir);
    const file = job.clients[1].wanted[0];
    const out = join(dir, 'out');
    const result = run(dir, out, '--trackers', '2', '--fault', `kill:2@file-done=2:${file}`, '--fault', 'kill:0@time=0.05s');
    expect(result.status).toBe(0);
    expect(result.doc?.faults?.fired.map((f) => f.spec).sort()).toEqual([`kill:2@file-done=2:${file}`, 'kill:0@time=0.05s'].sort());
    expect(result.doc?.faults?.fired.find((f) => f.rank === 0)?.seconds).toBeGreaterThanOrEqual(0.05);
    expect(readFileSync(join(out, `client2_${file}`), 'utf8')).toBe(expectedOutputs(job).get(`client2_${file}`));
    expectWrittenCorrect(job, out);
    await expectAccurate(job, 2, result.doc as MetricsDocument, out, 2, 0);
  });

  it('a restarted rank 0 catches up and ends with the same table as the standby', () => {
    const dir = generated(SHARED);
    const job = loadJob(dir);
    const result = run(dir, join(dir, 'out'), '--trackers', '2', '--fault', 'restart:0@segments=100');
    expect(result.status).toBe(0);
    expect(outputsOf(join(dir, 'out'))).toEqual(expectedOutputs(job));
    expect(result.doc?.faults?.trackersAgree).toBe(true);
  });

  it('rank 0 restarted at the last transfer: the run always completes, caught up or stopped', () => {
    const dir = generated(SHARED);
    const job = loadJob(dir);
    for (let attempt = 0; attempt < 4; attempt++) {
      const out = join(dir, `out${attempt}`);
      const result = run(dir, out, '--trackers', '2', '--fault', `restart:0@segments=${transfersOf(job)}`, '--stall-timeout', '5');
      expect(result.status, result.stderr).toBe(0);
      expect(outputsOf(out)).toEqual(expectedOutputs(job));
      const rank0 = result.doc?.trackers?.find((t) => t.rank === 0);
      expect(rank0?.stopped === true || result.doc?.faults?.trackersAgree === true).toBe(true);
    }
  });

  it('rank 0 restarted at the last transfer after its standby was killed: the run always ends, nothing waits for the newcomer', () => {
    const dir = generated(SHARED);
    const job = loadJob(dir);
    // Clients that hear of rank 0's loss before its return find no tracker alive and stop;
    // the newcomer, left with nobody to rejoin it, must not keep the run open (it used to, 1 run in 5).
    const plan = ['--fault', `kill:${job.ranks}@segments=10`, '--fault', `restart:0@segments=${transfersOf(job)}`];
    for (let attempt = 0; attempt < 8; attempt++) {
      const out = join(dir, `late${attempt}`);
      const result = run(dir, out, '--trackers', '2', '--stall-timeout', '5', ...plan);
      expect([0, 4], result.stderr).toContain(result.status);
      expect(result.doc?.faults?.lost).toContain(job.ranks);
      expectWrittenCorrect(job, out);
    }
  });

  it('rank 0 restarted twice, the second time even before the standby heard of the first: what the standby sent its first new life never reaches its second', () => {
    const dir = generated(SHARED);
    const job = loadJob(dir);
    // One segment apart, the standby gets the first newcomer's request, its loss and the
    // second's return in one batch.
    const restarts = [
      [130, 131],
      [160, 162],
      [190, 380],
      [220, 460],
    ];
    for (const [attempt, [first, second]] of restarts.entries()) {
      const out = join(dir, `out${attempt}`);
      const faults = ['--fault', `restart:0@segments=${first}`, '--fault', `restart:0@segments=${second}`];
      const result = run(dir, out, '--trackers', '2', ...faults, '--stall-timeout', '5');
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      expect(outputsOf(out)).toEqual(expectedOutputs(job));
      // On a loaded machine the second newcomer may come back only as the job ends: it is then
      // stopped without a table (docs/faults.md), and there is nothing to compare.
      const stopped = result.doc?.trackers?.some((tracker) => tracker.rank === 0 && tracker.stopped) === true;
      expect(result.doc?.faults?.trackersAgree, `restarts at ${first} and ${second}`).toBe(stopped ? null : true);
    }
  });

  it('rank 0 restarted while the standby is dead: the newcomer knows it, takes over, and the job completes', async () => {
    const dir = generated(SHARED);
    const job = loadJob(dir);
    for (const transport of ['threads', 'virtual']) {
      const out = join(dir, transport);
      const faults = ['--fault', 'kill:8@segments=20', '--fault', 'restart:0@segments=300'];
      const result = run(dir, out, '--transport', transport, '--trackers', '2', ...faults, '--stall-timeout', '5');
      expect(result.stderr, transport).toBe('');
      expect([0, 4]).toContain(result.status);
      expectWrittenCorrect(job, out);
      await expectAccurate(job, 2, result.doc as MetricsDocument, out, new Set([0, 8]), result.status ?? -1);
    }
  });

  it('both trackers killed: exit 4, outputs written so far intact', () => {
    const dir = generated(SHARED);
    const job = loadJob(dir);
    const result = run(dir, join(dir, 'out'), '--trackers', '2', '--fault', 'kill:0@segments=50', '--fault', 'kill:8@segments=100');
    expect(result.status).toBe(4);
    expect(result.doc?.faults?.noTracker).toContain('the last tracker');
    expectWrittenCorrect(job, join(dir, 'out'));
  });
});

describe('faults over TCP', () => {
  it('kill -9 of the primary tracker mid-run, no fault asked: the standby takes over, the job completes, the run fails naming it', async () => {
    // Large enough that the first progress line, a second in, comes with seconds to go.
    const dir = generated(tcpJob(40000, 1, 'tcp-kill'));
    const job = loadJob(dir);
    const out = join(dir, 'out');
    const running = watchedTcpRun(dir, out, 'all', '--trackers', '2', '--json');
    await underWay(running);
    process.kill(Number(processesOfRank(dir, 0)[0]), 'SIGKILL');
    const ended = await running.exited;
    expect(ended.stderr).toMatch(/^sim: coordinator: lost rank 0 \(primary tracker\): /m);
    // Nobody asked for the loss: the swarm survives it, and the run says it happened (exit 1).
    expect(ended.status).toBe(1);
    const doc = JSON.parse(ended.stdout) as MetricsDocument;
    expect(doc.faults?.lost).toEqual([0]);
    expect(doc.faults?.unasked).toEqual([{ rank: 0, reason: expect.stringMatching(/its process died|SIGKILL/) }]);
    expect(doc.outputs.problems).toEqual([]);
    expect(doc.trackers?.find((t) => t.rank === 6)?.served).toBe(true);
    expect(outputsOf(out)).toEqual(expectedOutputs(job));
    expect(processesWith(dir)).toEqual([]);
  });

  it('kill -9 of the only tracker process mid-run, with --tracker-state: a new one reloads it, the job completes, the run fails naming it', async () => {
    const dir = generated(tcpJob(40000, 1, 'tcp-kill-state'));
    const job = loadJob(dir);
    const out = join(dir, 'out');
    const state = join(dir, 'state');
    const running = watchedTcpRun(dir, out, 'all', '--tracker-state', state, '--json');
    await underWay(running);
    const [first] = processesOfRank(dir, 0);
    process.kill(Number(first), 'SIGKILL');
    const ended = await running.exited;
    expect(ended.stderr).toMatch(
      /^sim: coordinator: lost rank 0 \(tracker\): .*\nsim: coordinator: starting rank 0 \(tracker\) again, from /m,
    );
    expect(ended.stderr).toMatch(/^sim: coordinator: rank 0 \(tracker\) is back, restarted$/m);
    // The loss was nobody's plan, so the run says it happened (exit 1); the job itself is whole.
    expect(ended.status).toBe(1);
    const doc = JSON.parse(ended.stdout) as MetricsDocument;
    // Whichever the coordinator heard of first: the exit, or a rank's connection to it dropping.
    const how = /its process died|SIGKILL|lost its connection to it/;
    expect(doc.faults?.unasked).toEqual([{ rank: 0, reason: expect.stringMatching(how) }]);
    expect(doc.outputs.problems).toEqual([]);
    expect(outputsOf(out)).toEqual(expectedOutputs(job));
    // The new life went on numbering from the saved changes: none is missing or logged twice.
    const numbers = readFileSync(join(state, 'changes.log'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => Number(line.split(' ')[0]));
    expect(numbers).toEqual(numbers.map((_, i) => i + 1));
    expect(processesWith(dir)).toEqual([]);
  });

  it('kill -9 of the only tracker under sim rank --coordinate: started again by hand, it reloads its state, and the job completes', async () => {
    const dir = generated(tcpJob(40000, 1, 'tcp-by-hand'));
    const job = loadJob(dir);
    const state = join(dir, 'state');
    const port = await freePort();
    const env = { ...process.env, SIM_JOB_KEY: 'by-hand-job-key-0123456789abcdef' };
    const common = ['--coordinator', `127.0.0.1:${port}`, '--tracker-state', state, '--no-report'];
    const coordinator = startSim(['rank', dir, '--coordinate', '--size', '6', '--out', join(dir, 'out'), '--json', ...common], env);
    const rank = (r: number): Running =>
      startSim(['rank', dir, '--rank', String(r), '--size', '6', '--out', join(dir, `out${r}`), ...common], env);
    const [tracker, ...clients] = [0, 1, 2, 3, 4, 5].map(rank);
    // Killed once a client has written a file, which each does about half way through its own two.
    expect(await waitFor(() => [1, 2, 3, 4, 5].some((r) => writtenIn(join(dir, `out${r}`)).length > 0), 30_000)).toBe(true);
    process.kill(tracker.pid, 'SIGKILL');
    expect(await waitFor(() => /waiting for rank 0 \(tracker\) to be started again/.test(coordinator.stderr()), 10_000)).toBe(true);
    const saved = readFileSync(join(state, 'changes.log'), 'utf8');
    const again = rank(0);
    const ended = await coordinator.exited;
    expect(ended.stderr).toMatch(/^sim: coordinator: lost rank 0 \(tracker\): /m);
    expect(ended.stderr).toMatch(/^sim: coordinator: rank 0 \(tracker\) is back, restarted$/m);
    // The loss was nobody's plan, so the run says it happened (exit 1); the job itself is whole.
    expect(ended.status).toBe(1);
    const doc = JSON.parse(ended.stdout) as MetricsDocument;
    expect(doc.faults?.unasked).toEqual([{ rank: 0, reason: expect.stringMatching(/lost its connection to it|its process died/) }]);
    expect(doc.outputs.problems).toEqual([]);
    expect(outputsOf(join(dir, 'out'))).toEqual(expectedOutputs(job));
    expect((await again.exited).status).toBe(0);
    expect((await Promise.all(clients.map((client) => client.exited))).map((end) => end.status)).toEqual([0, 0, 0, 0, 0]);
    // The new life reloaded every whole line the first saved, and went on numbering after them.
    const log = readFileSync(join(state, 'changes.log'), 'utf8');
    expect(saved.split('\n').length).toBeGreaterThan(5);
    expect(log.startsWith(saved.slice(0, saved.lastIndexOf('\n') + 1))).toBe(true);
    const numbers = log
      .trim()
      .split('\n')
      .map((line) => Number(line.split(' ')[0]));
    expect(numbers).toEqual(numbers.map((_, i) => i + 1));
  });

  it('sim rank --coordinate is refused, before anything starts, where it would host a rank or rank 0 coordinates', () => {
    const dir = generated(tcpJob(10, 1, 'tcp-coordinate'));
    const base = ['rank', dir, '--coordinate', '--coordinator', '127.0.0.1:9', '--out', join(dir, 'out')];
    const cases: [string[], string][] = [
      [['--size', '6'], '--coordinate: is for --tracker-state, where rank 0 is a process of its own (without it, rank 0 coordinates)'],
      [['--size', '6', '--tracker-state', join(dir, 's'), '--rank', '0'], '--coordinate: hosts no rank: not with --rank'],
      [['--tracker-state', join(dir, 's')], '--coordinate: needs --size: the ranks of the job, the tracker included'],
    ];
    for (const [args, message] of cases) {
      const result = sim(...base, ...args);
      expect(result.stderr).toBe(`sim: ${message}\n`);
      expect(result.status).toBe(2);
    }
  });

  it('kill -9 of a client process mid-run, no fault asked: the others finish without it, its outputs are listed, the run fails naming it', async () => {
    // Two seeders serve twice as fast: twice the segments keep its first progress line mid-run.
    const dir = generated(tcpJob(80000, 2, 'tcp-client'));
    const job = loadJob(dir);
    const out = join(dir, 'out');
    const running = watchedTcpRun(dir, out, 'all', '--json');
    await underWay(running);
    // A client that has not written all it wants yet, so that something of its own is lost.
    const written = writtenIn(out);
    const unfinished = (client: { wanted: string[] }, i: number): boolean =>
      client.wanted.some((file) => !written.includes(`client${i + 1}_${file}`));
    const victim = job.clients.findIndex(unfinished) + 1;
    expect(victim).toBeGreaterThan(0);
    process.kill(Number(processesOfRank(dir, victim)[0]), 'SIGKILL');
    const ended = await running.exited;
    expect(ended.stderr).toMatch(new RegExp(`^sim: rank 0: lost rank ${victim}: `, 'm'));
    expect(ended.status).toBe(1);
    const doc = JSON.parse(ended.stdout) as MetricsDocument;
    expect(doc.faults?.lost).toEqual([victim]);
    expect(doc.faults?.unasked).toEqual([{ rank: victim, reason: expect.stringContaining('SIGKILL') }]);
    const atEnd = expectWrittenCorrect(job, out);
    for (const [name] of expectedOutputs(job)) {
      if (!name.startsWith(`client${victim}_`)) expect(atEnd.has(name), name).toBe(true);
    }
    // Its outputs are accounted for as a kill's would be; only the exit code says nobody asked.
    await expectAccurate(job, 1, doc, out, victim, 0);
    expect(processesWith(dir)).toEqual([]);
  });

  it('kill -9 of a rank group process mid-run: exactly its ranks are lost, the other group finishes, the run fails naming each', async () => {
    const dir = generated(['--ranks', '9', '--files', '4', '--segments', '60000', '--wants', '2', '--seeders', '1', '--seed', 'tcp-group']);
    const job = loadJob(dir);
    const out = join(dir, 'out');
    const running = watchedTcpRun(dir, out, 2, '--json');
    await underWay(running);
    const group = processesWith(dir, '--hosted\x001-4\x00');
    expect(group).toHaveLength(1);
    process.kill(Number(group[0]), 'SIGKILL');
    const ended = await running.exited;
    for (const rank of [1, 2, 3, 4]) expect(ended.stderr).toMatch(new RegExp(`^sim: rank 0: lost rank ${rank}: `, 'm'));
    expect(ended.status).toBe(1);
    const doc = JSON.parse(ended.stdout) as MetricsDocument;
    expect(doc.run.processes).toEqual(['0', '1-4', '5-8']);
    expect(doc.faults?.lost).toEqual([1, 2, 3, 4]);
    expect(doc.faults?.unasked?.map((loss) => loss.rank)).toEqual([1, 2, 3, 4]);
    // Every output on disk is right, and every one missing is accounted for as kills' would be; only the exit code says nobody asked.
    expectWrittenCorrect(job, out);
    await expectAccurate(job, 1, doc, out, new Set([1, 2, 3, 4]), 0);
    expect(processesWith(dir)).toEqual([]);
  });

  for (const fault of [[], ['--fault', 'kill:4@segments=20000']]) {
    it(`a client paused (SIGSTOP) for less than the stall timeout is not lost: it answers late${fault.length ? ', beside a fault that kills another' : ''}`, async () => {
      const dir = generated(tcpJob(40000, 1, 'tcp-pause'));
      const job = loadJob(dir);
      const out = join(dir, 'out');
      const running = watchedTcpRun(dir, out, 'all', '--json', '--stall-timeout', '8', ...fault);
      await underWay(running);
      const pid = Number(processesOfRank(dir, 2)[0]);
      process.kill(pid, 'SIGSTOP');
      await new Promise((resolve) => setTimeout(resolve, 3000));
      process.kill(pid, 'SIGCONT');
      const ended = await running.exited;
      const doc = JSON.parse(ended.stdout) as MetricsDocument;
      if (fault.length === 0) {
        expect(ended.status, ended.stderr).toBe(0);
        expect(doc.faults).toBeUndefined();
        expect(outputsOf(out)).toEqual(expectedOutputs(job));
        return;
      }
      // Only the rank the fault asked for is lost; the paused one finished everything it wanted.
      expect([0, 4]).toContain(ended.status);
      expect(doc.faults?.lost).toEqual([4]);
      expect(doc.faults?.unasked).toBeUndefined();
      const written = expectWrittenCorrect(job, out);
      for (const file of job.clients[1].wanted) expect(written.has(`client2_${file}`)).toBe(true);
    });
  }

  it('a client paused for longer than the stall timeout ends the run (exit 1) naming it, and no process is left', async () => {
    const dir = generated(tcpJob(40000, 1, 'tcp-pause-long'));
    const running = watchedTcpRun(dir, join(dir, 'out'), 'all', '--stall-timeout', '2');
    await underWay(running);
    const pid = Number(processesOfRank(dir, 2)[0]);
    process.kill(pid, 'SIGSTOP');
    try {
      const ended = await running.exited;
      expect(ended.status).toBe(1);
      expect(ended.stderr).toMatch(/no message moved for 2 s; the run is stuck/);
      expect(ended.stderr).toMatch(/^ {2}rank 2: did not answer within \d+ ms/m);
    } finally {
      // The harness ends every process of a stuck run: a stopped one is killed, not resumed.
      try {
        process.kill(pid, 'SIGCONT');
      } catch {
        // Gone already.
      }
    }
    expect(await waitFor(() => processesWith(dir).length === 0, 5000)).toBe(true);
  });

  it('rank 0 stopped mid-run: every rank process hears no heartbeat, ends naming rank 0, and is gone', async () => {
    const dir = generated(tcpJob(40000, 1, 'tcp-stop0'));
    const running = watchedTcpRun(dir, join(dir, 'out'), 'all', '--stall-timeout', '2');
    await underWay(running);
    process.kill(running.pid, 'SIGSTOP');
    try {
      // The silence limit is the stall timeout, never under 5 s; the ranks then close for good.
      expect(await waitFor(() => processesWith(dir, '\x00rank\x00').length === 0, 15_000)).toBe(true);
    } finally {
      process.kill(running.pid, 'SIGCONT');
    }
    const ended = await running.exited;
    expect(ended.status).toBe(1);
    expect(ended.stderr).toMatch(/heard nothing from rank 0 for \d+ s: it is stopped, overloaded or unreachable/);
  });

  it('--fault kill of a client over TCP, with one tracker and with two: every output correct or listed for a true reason', async () => {
    const dir = generated(SINGLE);
    const job = loadJob(dir);
    const [victim, files] = [...soleOwnerOf(job)][0];
    for (const trackers of [1, 2] as const) {
      const out = join(dir, `out${trackers}`);
      const result = run(dir, out, '--transport', 'tcp', '--trackers', String(trackers), '--fault', `kill:${victim}@segments=0`);
      expect(result.status).toBe(4);
      expect(result.doc?.faults?.lost).toEqual([victim]);
      expect(result.doc?.faults?.unavailable).toEqual(files.sort());
      expectWrittenCorrect(job, out);
      await expectAccurate(job, trackers, result.doc as MetricsDocument, out, victim, 4);
    }
    expect(processesWith(dir)).toEqual([]);
  });

  it('a tracker restarted over TCP: a new process registers, catches up and ends with the same table', () => {
    // Long enough that the new process (a few tenths of a second to start) joins well before the end.
    const dir = generated(tcpJob(20000, 1, 'tcp-restart'));
    const job = loadJob(dir);
    for (const tracker of [0, 6]) {
      const out = join(dir, `out${tracker}`);
      const args = ['--transport', 'tcp', '--trackers', '2', '--fault', `restart:${tracker}@segments=1000`];
      // --quiet keeps the coordinator's account of each process off stderr: nothing failed.
      expect(run(dir, join(dir, `quiet${tracker}`), ...args).stderr).toBe('');
      const told = sim('run', dir, '--out', out, '--json', '--progress', 'off', ...args);
      const result = { ...told, doc: JSON.parse(told.stdout) as MetricsDocument };
      expect(result.status, result.stderr).toBe(0);
      expect(result.stderr).toMatch(
        new RegExp(`^sim: coordinator: lost rank ${tracker} \\(\\w+ tracker\\): killed by --fault restart:`, 'm'),
      );
      expect(result.stderr).toMatch(new RegExp(`^sim: coordinator: rank ${tracker} \\(\\w+ tracker\\) is back, restarted$`, 'm'));
      expect(outputsOf(out)).toEqual(expectedOutputs(job));
      expect(result.doc?.faults?.trackersAgree).toBe(true);
      expect(result.doc?.faults?.lost).toEqual([]);
    }
    expect(processesWith(dir)).toEqual([]);
  });

  it('a tracker restarted over TCP at the last transfer: the run completes, the newcomer caught up or stopped', () => {
    const dir = generated(tcpJob(2500, 1, 'tcp-late'));
    const job = loadJob(dir);
    const result = run(dir, join(dir, 'out'), '--transport', 'tcp', '--trackers', '2', '--fault', `restart:0@segments=${transfersOf(job)}`);
    expect(result.status, result.stderr).toBe(0);
    expect(outputsOf(join(dir, 'out'))).toEqual(expectedOutputs(job));
    const rank0 = result.doc?.trackers?.find((t) => t.rank === 0);
    expect(rank0?.stopped === true ? result.doc?.faults?.trackersAgree === null : result.doc?.faults?.trackersAgree === true).toBe(true);
    expect(processesWith(dir)).toEqual([]);
  });

  it("--fault kill:0 over TCP kills the primary's process the same way", () => {
    const dir = generated(tcpJob(2500, 1, 'tcp-fault'));
    const job = loadJob(dir);
    const result = run(dir, join(dir, 'out'), '--transport', 'tcp', '--trackers', '2', '--fault', 'kill:0@segments=2000');
    expect(result.status).toBe(0);
    expect(result.doc?.faults?.fired.map((f) => f.spec)).toEqual(['kill:0@segments=2000']);
    expect(outputsOf(join(dir, 'out'))).toEqual(expectedOutputs(job));
  });

  it('both tracker processes killed: exit 4, outputs written so far intact, no process left', () => {
    const dir = generated(tcpJob(2500, 1, 'tcp-both'));
    const job = loadJob(dir);
    const args = ['--transport', 'tcp', '--trackers', '2', '--fault', 'kill:0@segments=1000', '--fault', 'kill:6@segments=3000'];
    const result = run(dir, join(dir, 'out'), ...args);
    expect(result.status).toBe(4);
    expect(result.doc?.faults?.noTracker).toMatch(/^rank \d lost rank 6, the last tracker/);
    expect(result.doc?.faults?.missing.every((m) => m.kind === 'no-tracker')).toBe(true);
    expectWrittenCorrect(job, join(dir, 'out'));
    expect(processesWith(dir)).toEqual([]);
  });
});

/** A 6-rank job of 3 equal files, 2 wanted per client, for runs over TCP. */
function tcpJob(segments: number, seeders: number, seed: string): string[] {
  return ['--ranks', '6', '--files', '3', '--segments', String(segments), '--wants', '2', '--seeders', String(seeders), '--seed', seed];
}

/**
 * A TCP run as a user watches it (`--progress lines`), its clients in `processes`: `all`,
 * one process per rank, lets a test stop or kill one rank's process.
 */
function watchedTcpRun(dir: string, out: string, processes: 'all' | number, ...more: string[]): Running {
  return startSim(['run', dir, '--transport', 'tcp', '--processes', String(processes), '--out', out, '--progress', 'lines', ...more]);
}

/** Pids of the `sim rank` processes of `rank` in the job in `dir`. */
function processesOfRank(dir: string, rank: number): string[] {
  return processesWith(dir, `--rank\x00${rank}\x00`);
}

/**
 * Waits for the first line of a running `sim run --progress lines`, and checks it says the
 * run is under way and not nearly over: equal files finish together, at the end, so an
 * output written is no sign of the middle of a run.
 */
async function underWay(running: Running): Promise<void> {
  const percent = (): number | undefined => {
    const line = /^progress: .*\((\d+)%\)/m.exec(running.stderr());
    return line ? Number(line[1]) : undefined;
  };
  expect(await waitFor(() => percent() !== undefined, 20_000)).toBe(true);
  expect(percent()).toBeLessThan(90);
}

/** Outputs in a folder that may not exist yet. */
function writtenIn(dir: string): string[] {
  try {
    return [...outputsOf(dir).keys()];
  } catch {
    return [];
  }
}
