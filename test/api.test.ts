import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MetricsDocument } from '../reports/document.js';
import { checkCases, generateCase, InputError, runSwarm } from '../sim/api.js';
import { generated, sim } from './helpers/cli.js';
import { filesOf, tempDir } from './helpers/files.js';

/** The README's example, as it stands there. */
function readmeExample(): string {
  const readme = readFileSync('README.md', 'utf8');
  const at = readme.indexOf('<!-- api-example');
  const block = /```js\n([\s\S]*?)```/.exec(readme.slice(at));
  if (at < 0 || !block) throw new Error('README.md has no API example');
  return block[1];
}

describe("the library ('swarmsim')", () => {
  it('runSwarm gives the metrics document `sim run --json` prints for the same run', async () => {
    const out = tempDir();
    const doc = await runSwarm('inputs', { transport: 'virtual', seed: '7', out: join(out, 'api') });
    const cli = sim('run', 'inputs', '--transport', 'virtual', '--seed', '7', '--out', join(out, 'cli'), '--json', '--no-report');
    expect(cli.status).toBe(0);
    const fromCli = JSON.parse(cli.stdout) as MetricsDocument;
    expect(doc.ok).toBe(true);
    expect(doc.load).toEqual(fromCli.load);
    expect(doc.ranks).toEqual(fromCli.ranks);
    expect(filesOf(join(out, 'api'))).toEqual(filesOf(join(out, 'cli')));
  });

  it('generateCase writes what `sim gen` writes, and checkCases passes it', async () => {
    const dir = join(tempDir(), 'case');
    await generateCase(dir, { ranks: 6, files: 3, segments: { min: 10, max: 30 }, seeders: 2, wants: 2, seed: 'api' });
    const fromCli = generated(['--ranks', '6', '--files', '3', '--segments', '10-30', '--seeders', '2', '--wants', '2', '--seed', 'api']);
    expect(filesOf(dir)).toEqual(filesOf(fromCli));
    const lines: string[] = [];
    const outcome = await checkCases(dir, { transport: 'virtual', repeat: 2, write: (line) => lines.push(line) });
    expect(outcome.passed).toBe(true);
    expect(outcome.results[0].runs).toHaveLength(2);
    expect(lines.join('')).toMatch(/PASS/);
  });

  it('runs churn as `sim run --arrivals --seed-time` does', async () => {
    const out = tempDir();
    const doc = await runSwarm('inputs', { transport: 'virtual', arrivals: 'poisson:3', seedTimeSeconds: 60, out: join(out, 'api') });
    const cli = sim(
      'run',
      'inputs',
      '--transport',
      'virtual',
      '--arrivals',
      'poisson:3',
      '--seed-time',
      '60',
      '--out',
      join(out, 'cli'),
      '--json',
      '--no-report',
    );
    expect(cli.status).toBe(0);
    const fromCli = JSON.parse(cli.stdout) as MetricsDocument;
    expect(doc.churn).toEqual(fromCli.churn);
    expect(doc.churn?.arrivalSeconds).toHaveLength(5);
    expect(doc.run.seedTimeSeconds).toBe(60);
    await expect(runSwarm('inputs', { arrivals: 'poisson:-1', out: tempDir() })).rejects.toThrow('arrivals: expected flash, poisson:RATE');
    await expect(runSwarm('inputs', { seedTimeSeconds: -1, out: tempDir() })).rejects.toBeInstanceOf(InputError);
  });

  it('throws bad input as an InputError before anything runs', async () => {
    await expect(runSwarm('inputs', { faults: ['kill:99@segments=1'], out: tempDir() })).rejects.toBeInstanceOf(InputError);
    await expect(runSwarm('/nonexistent/case', { out: tempDir() })).rejects.toThrow('/nonexistent/case: no such folder');
    // Workers and processes as the options are checked, with the same words.
    const out = tempDir();
    await expect(runSwarm('inputs', { workers: 0, out })).rejects.toThrow(
      "workers: expected 'all' or a whole number from 1 to 100000, got 0",
    );
    await expect(runSwarm('inputs', { transport: 'tcp', processes: 1.5, out })).rejects.toThrow('processes: expected');
    await expect(runSwarm('inputs', { processes: 2, out })).rejects.toThrow('processes: applies to the tcp transport only');
    await expect(checkCases('test/suite', { workers: 'all', transport: 'tcp' })).rejects.toThrow(
      'workers: applies to the threads transport only',
    );
    expect(readdirSync(out)).toEqual([]);
  });

  it("the README's example runs as written, importing the package by its name", () => {
    // A file inside the package resolves 'swarmsim' to the package itself (package.json "exports").
    const dir = join('out', 'api-example');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'example.mjs'), readmeExample());
    const result = spawnSync(process.execPath, [join(dir, 'example.mjs')], { encoding: 'utf8', timeout: 60_000 });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(
      /^round-robin: Jain's index 0\.\d{3}, max\/mean \d+\.\d\d, exit 0\nleast-loaded: Jain's index 0\.\d{3}, max\/mean \d+\.\d\d, exit 0\n$/,
    );
  });
});
