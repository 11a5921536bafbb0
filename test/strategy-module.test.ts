import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { MetricsDocument } from '../reports/document.js';
import { InputError, runSwarm } from '../sim/api.js';
import { parseChoices } from '../sim/strategies/choice.js';
import { guarded } from '../sim/strategies/guard.js';
import { roundRobin } from '../ranks/strategies/round-robin.js';
import { STRATEGY_NAMES } from '../ranks/strategies/index.js';
import { sim } from './helpers/cli.js';
import { outputsOf, tempDir } from './helpers/files.js';

const EXAMPLE = resolve('examples/least-asked.js');
const CASE = 'test/suite/r08-small';
const DEFINE = pathToFileURL(resolve('dist/sim/strategies/define.js')).href;

/** A strategy module in a fresh folder; `body` is its code after an import of defineStrategy. */
function strategyModule(name: string, body: string): string {
  const file = join(tempDir(), name);
  writeFileSync(file, `import { defineStrategy } from ${JSON.stringify(DEFINE)};\n${body}\n`);
  return file;
}

const metricsOf = (out: string): MetricsDocument =>
  JSON.parse(readFileSync(join(out, 'report', 'metrics.json'), 'utf8')) as MetricsDocument;

describe('a strategy from a module (--strategy ./file.js)', () => {
  it.each(['threads', 'virtual', 'tcp'])('passes the case on %s, labelled by its file name, and each worker loads it', (transport) => {
    const out = tempDir();
    const result = sim('check', CASE, '--transport', transport, '--strategy', `round-robin,${EXAMPLE}`, '--keep-failures', out);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/PASS .*r08-small \(round-robin\)/);
    expect(result.stdout).toMatch(/PASS .*r08-small \(least-asked\)/);
  });

  it('writes the same outputs as a built-in strategy, and names the label and the module in the metrics', () => {
    const out = tempDir();
    const mine = sim('run', CASE, '--strategy', `spread=${EXAMPLE}`, '--out', join(out, 'mine'), '--workers', 'all');
    const builtin = sim('run', CASE, '--out', join(out, 'builtin'), '--no-report');
    expect(mine.status, mine.stderr).toBe(0);
    expect(builtin.status, builtin.stderr).toBe(0);
    expect(outputsOf(join(out, 'mine'))).toEqual(outputsOf(join(out, 'builtin')));
    expect(outputsOf(join(out, 'mine')).size).toBe(20);
    const doc = metricsOf(join(out, 'mine'));
    expect(doc.run.strategy).toBe('spread');
    expect(doc.run.strategyModule).toBe(EXAMPLE);
    expect(mine.stdout).toMatch(/strategy spread,/);
  });

  it('replays in virtual time: the same seed gives the same run', () => {
    const result = sim(
      'run',
      CASE,
      '--transport',
      'virtual',
      '--strategy',
      EXAMPLE,
      '--seed',
      '4',
      '--check-determinism',
      '--out',
      tempDir(),
      '--no-report',
    );
    expect(result.status, result.stderr).toBe(0);
  });

  it('runs from the library too, and a bad reference is an InputError', async () => {
    const doc = await runSwarm(CASE, { transport: 'virtual', strategy: EXAMPLE, out: tempDir() });
    expect(doc.ok).toBe(true);
    expect(doc.run.strategy).toBe('least-asked');
    await expect(runSwarm(CASE, { strategy: 'fastest', out: tempDir() })).rejects.toThrow(/unknown strategy "fastest"/);
    await expect(runSwarm(CASE, { strategy: './nowhere.js', out: tempDir() })).rejects.toBeInstanceOf(InputError);
  });
});

describe('a bad strategy module', () => {
  const cases: [string, () => string, RegExp][] = [
    ['missing', () => join(tempDir(), 'gone.js'), /gone\.js: no such module/],
    [
      'throwing on load',
      () => strategyModule('boom.js', "throw new Error('boom at load');"),
      /boom\.js: the module failed to load: boom at load/,
    ],
    [
      'exporting no strategy',
      () => strategyModule('plain.js', 'export const order = 1;'),
      /plain\.js: expected a strategy as its default export .*found exports order/,
    ],
    [
      'whose create() throws',
      () => strategyModule('nocreate.js', "export default defineStrategy({ create() { throw new Error('no config'); } });"),
      /nocreate\.js: create\(\) for rank 1 threw: no config/,
    ],
    [
      'whose strategy lacks methods',
      () => strategyModule('partial.js', 'export default defineStrategy({ create: () => ({ order: (_f, m) => [...m] }) });'),
      /partial\.js: the object create\(\) returned has no sent\(\), answered\(\), abandoned\(\)$/m,
    ],
    [
      'whose create() throws for one client only',
      () =>
        strategyModule(
          'rank5.js',
          "export default defineStrategy({ create: ({ rank }) => { if (rank === 5) throw new Error('not five'); return { order: (_f, m, out) => { out.length = 0; out.push(...m); return out; }, sent() {}, answered() {}, abandoned() {} }; } });",
        ),
      /rank5\.js: create\(\) for rank 5 threw: not five/,
    ],
    [
      'whose create() is async',
      () => strategyModule('later.js', 'export default defineStrategy({ async create() { return {}; } });'),
      /later\.js: create\(\) returned a Promise: it must return the strategy itself/,
    ],
  ];

  it.each(cases)('%s is refused with exit 2, naming it, before anything is written', (_what, make, message) => {
    const module = make();
    for (const transport of ['threads', 'virtual']) {
      const out = join(tempDir(), 'out');
      const result = sim('run', CASE, '--transport', transport, '--strategy', `round-robin,${module}`, '--out', out);
      expect(result.status).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(result.stderr).not.toMatch(/\n\s+at /);
      expect(existsSync(out)).toBe(false);
    }
  });

  it('that answers with a rank which holds nothing ends the run at that answer, naming the module', () => {
    const module = strategyModule(
      'stranger.js',
      'export default defineStrategy({ create: () => ({ order: () => [99], sent() {}, answered() {}, abandoned() {} }) });',
    );
    for (const transport of ['threads', 'virtual', 'tcp']) {
      const result = sim('run', CASE, '--transport', transport, '--strategy', module, '--out', tempDir(), '--no-report');
      expect(result.status, transport).toBe(1);
      expect(result.stderr).toMatch(
        /rank \d+ failed: strategy module .*stranger\.js: order\(\) for file\d returned 99, which is not a holder of it \(holders: [\d, ]+\)/,
      );
    }
  });

  it('that leaves a holder out of its order ends the run naming the module, instead of waiting for ever', () => {
    const module = strategyModule(
      'shy.js',
      'export default defineStrategy({ create: () => ({ order: (_f, m) => m.slice(1), sent() {}, answered() {}, abandoned() {} }) });',
    );
    const result = sim('run', CASE, '--transport', 'virtual', '--strategy', module, '--out', tempDir(), '--no-report');
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(
      /strategy module .*shy\.js: order\(\) for file\d returned \d+ ranks, expected each of the \d+ holders once/,
    );
  });

  it.each([
    ['compare=./x.js', /compare is the comparison's folder/],
    ['mine=foo', /"foo" is not a path to a module/],
    ['round-robin=./x.js', /round-robin is a built-in strategy's name/],
    [`${EXAMPLE},least-asked=${EXAMPLE}`, /least-asked is named twice/],
    ['bad label=./x.js', /strategy label "bad label" must be/],
    [
      'fastest',
      /unknown strategy "fastest"; choose from round-robin, least-loaded, random, bandwidth, rarest-first, tit-for-tat, or all, or give a module's path/,
    ],
  ])('--strategy %s is an option error', (value, message) => {
    const result = sim('run', CASE, '--strategy', value, '--out', tempDir());
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^sim: --strategy: /);
    expect(result.stderr).toMatch(message);
  });
});

describe('the guard around a module', () => {
  it('passes good answers through untouched and names a bad cost', () => {
    const inner = roundRobin();
    const strategy = guarded({ ...inner, cost: (holder) => (holder === 3 ? NaN : holder) }, 'm.js');
    expect(strategy.order('f', [1, 3, 5], [])).toEqual([1, 3, 5]);
    strategy.sent('f', 3);
    expect(strategy.order('f', [1, 3, 5], [])).toEqual([5, 1, 3]);
    expect(strategy.cost?.(5)).toBe(5);
    expect(() => strategy.cost?.(3)).toThrow('strategy module m.js: cost(3) returned NaN, expected a number');
  });

  it('turns a throw inside the module into an error naming the call', () => {
    const strategy = guarded(
      {
        ...roundRobin(),
        answered: () => {
          throw new Error('oops');
        },
      },
      'm.js',
    );
    expect(() => strategy.answered(2, 1)).toThrow('strategy module m.js: answered() threw: oops');
  });

  it('parses labels and paths as the option does', () => {
    expect(parseChoices('round-robin,fast=./a/b.js,./c.mjs', '/w')).toEqual([
      { label: 'round-robin' },
      { label: 'fast', module: '/w/a/b.js' },
      { label: 'c', module: '/w/c.mjs' },
    ]);
    expect(parseChoices('all').map((choice) => choice.label)).toEqual(STRATEGY_NAMES);
  });
});
