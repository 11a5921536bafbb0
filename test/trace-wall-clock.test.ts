import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MetricsDocument } from '../reports/document.js';
import { sim } from './helpers/cli.js';
import { tempDir } from './helpers/files.js';
import { freePort, startSim } from './helpers/processes.js';

interface Line {
  t: number;
  from: number;
  to: number;
  tag: string;
  p: string;
}

/** `sim run` of the README's job with a trace, on a wall-clock transport. */
function tracedRun(transport: string, format: 'jsonl' | 'perfetto', ...more: string[]): { doc: MetricsDocument; text: string } {
  const dir = tempDir();
  const trace = join(dir, format === 'jsonl' ? 'trace.jsonl' : 'trace.json');
  const args = ['--transport', transport, '--out', join(dir, 'out'), '--trace', trace, '--trace-format', format, '--json', '--no-report'];
  const result = sim('run', '--ranks', '6', 'inputs', ...args, ...more);
  expect(result.status, result.stderr).toBe(0);
  return { doc: JSON.parse(result.stdout) as MetricsDocument, text: readFileSync(trace, 'utf8') };
}

describe('a trace on a wall clock', () => {
  it.each([['threads'], ['tcp'], ['threads', '--workers', '1'], ['tcp', '--trackers', '2']])(
    '%s %s %s: a line for each message each rank counted in, in time order, an ACK per segment',
    (transport, ...more) => {
      const { doc, text } = tracedRun(transport, 'jsonl', ...more);
      const lines = text
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Line);
      for (const rank of doc.ranks) expect(lines.filter((line) => line.to === rank.rank).length, `rank ${rank.rank}`).toBe(rank.messagesIn);
      expect(lines.filter((line) => line.tag === 'ACK').length).toBe(doc.run.segmentsTransferred);
      // Each client registers once, with the primary: a standby hears of it from the primary.
      expect(lines.filter((line) => line.tag === 'INIT').length).toBe(doc.ranks.filter((rank) => rank.role === 'client').length);
      const times = lines.map((line) => line.t);
      expect(times.every((t, i) => t >= 0 && (i === 0 || t >= times[i - 1]))).toBe(true);
      expect(times[times.length - 1]).toBeLessThan(doc.run.wallSeconds);
    },
    60_000,
  );

  it('over TCP in the Perfetto format: a flow arrow per segment transferred', () => {
    const { doc, text } = tracedRun('tcp', 'perfetto');
    const events = (JSON.parse(text) as { traceEvents: { ph: string }[] }).traceEvents;
    expect(events.filter((event) => event.ph === 's').length).toBe(doc.run.segmentsTransferred);
    expect(events.filter((event) => event.ph === 'f').length).toBe(doc.run.segmentsTransferred);
  }, 60_000);

  it('under a launcher: rank 0 writes what every rank sends it', async () => {
    const dir = tempDir();
    const trace = join(dir, 'trace.jsonl');
    const port = await freePort();
    const env = { ...process.env, SIM_JOB_KEY: 'trace-test-job-key-0123456789' };
    const start = (rank: number, ...more: string[]) =>
      startSim(
        [
          'rank',
          'inputs',
          '--rank',
          String(rank),
          '--size',
          '6',
          '--coordinator',
          `127.0.0.1:${port}`,
          '--out',
          join(dir, 'out'),
          '--no-report',
          ...more,
        ],
        env,
      );
    const rank0 = start(0, '--trace', trace, '--json');
    const others = [1, 2, 3, 4, 5].map((rank) => start(rank));
    const [end0, ...ends] = await Promise.all([rank0.exited, ...others.map((rank) => rank.exited)]);
    expect(end0.status, end0.stderr).toBe(0);
    expect(ends.map((end) => end.status)).toEqual([0, 0, 0, 0, 0]);
    const doc = JSON.parse(end0.stdout) as MetricsDocument;
    const lines = readFileSync(trace, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Line);
    for (const rank of doc.ranks) expect(lines.filter((line) => line.to === rank.rank).length, `rank ${rank.rank}`).toBe(rank.messagesIn);
    expect(lines.filter((line) => line.tag === 'ACK').length).toBe(doc.run.segmentsTransferred);
  }, 60_000);

  it('is refused where one file would take many runs, and where its folder cannot be made', () => {
    const check = sim('check', 'test/suite/r03-tiny', '--trace', join(tempDir(), 'trace.jsonl'));
    expect(check.status).toBe(2);
    expect(check.stderr).toBe('sim: --trace: applies to --transport virtual only\n');
    const run = sim('run', 'inputs', '--trace', '/proc/nope/trace.jsonl', '--out', tempDir(), '--no-report');
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/^sim: --trace \/proc\/nope\/trace\.jsonl: cannot create the folder/);
    const folder = tempDir();
    const onFolder = sim('run', 'inputs', '--trace', folder, '--out', tempDir(), '--no-report');
    expect({ status: onFolder.status, stderr: onFolder.stderr }).toEqual({
      status: 2,
      stderr: `sim: --trace ${folder}: is a folder: name a file\n`,
    });
    const out = tempDir();
    const clash = sim(
      'run',
      'inputs',
      '--transport',
      'virtual',
      '--out',
      out,
      '--trace',
      join(out, 'trace.jsonl'),
      '--trace-format',
      'perfetto',
      '--check-determinism',
      '--no-report',
    );
    expect({ status: clash.status, stderr: clash.stderr }).toEqual({
      status: 2,
      stderr: `sim: --trace: ${join(out, 'trace.jsonl')} is where --check-determinism keeps the JSON Lines it compares: name another file\n`,
    });
    const two = sim('run', 'inputs', '--strategy', 'round-robin,least-loaded', '--trace', join(tempDir(), 't.jsonl'), '--out', tempDir());
    expect({ status: two.status, stderr: two.stderr }).toEqual({
      status: 2,
      stderr: 'sim: --trace: one file holds one run: give one --strategy\n',
    });
  });
});
