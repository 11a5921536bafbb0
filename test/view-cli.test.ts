import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { sim } from './helpers/cli.js';
import { tempDir } from './helpers/files.js';
import { tracedRun } from './helpers/replay.js';

describe('sim view', () => {
  let out: string;

  beforeAll(() => {
    out = tracedRun(5, 2, '10', 'view-cli').out;
  }, 60_000);

  it('writes the page where --out says, finds the trace where --trace says, and says so in --json', () => {
    const elsewhere = tempDir();
    cpSync(join(out, 'trace.jsonl'), join(elsewhere, 'run.trace'));
    const page = join(elsewhere, 'page.html');
    const result = sim('view', join(out, 'report'), '--trace', join(elsewhere, 'run.trace'), '--out', page, '--json');
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const doc = JSON.parse(readFileSync(join(out, 'report', 'metrics.json'), 'utf8')) as { run: { segmentsTransferred: number } };
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: true, exitCode: 0, file: page, transfers: doc.run.segmentsTransferred });
    const html = readFileSync(page, 'utf8');
    expect(html).toContain("default-src 'none'");
    expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)=/);
  });

  it('finds the run folder, its trace and where the page goes from the folder, its report/ or its metrics.json alike', () => {
    for (const named of [out, join(out, 'report'), join(out, 'report', 'metrics.json')]) {
      const result = sim('view', named, '--json');
      expect(result.status, result.stderr).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({ file: join(out, 'replay.html'), trace: join(out, 'trace.jsonl') });
    }
  });

  it('refuses a missing run folder, trace or inputs, or a broken trace line, in one line with exit 2', () => {
    const empty = tempDir();
    expect(sim('view', empty)).toMatchObject({
      status: 2,
      stdout: '',
      stderr: `sim: ${empty}: no metrics.json here (expected a run folder, its report/ folder, or the file)\n`,
    });
    const noTrace = tempDir();
    cpSync(join(out, 'report'), join(noTrace, 'report'), { recursive: true });
    const trace = join(noTrace, 'trace.jsonl');
    expect(sim('view', noTrace).stderr).toBe(
      `sim: ${trace} (the default --trace): missing: expected the trace of the run (sim run ... --trace ${trace}), or name one with --trace\n`,
    );
    writeFileSync(trace, '{"t":0,"from":1,"to":0,"tag":"INIT","p":"0 files"}\nnot json\n');
    expect(sim('view', noTrace)).toMatchObject({
      status: 2,
      stderr: `sim: ${trace} (the default --trace):2: not a JSON object: expected a trace line\n`,
    });
    cpSync(join(out, 'trace.jsonl'), trace);
    const metrics = join(noTrace, 'report', 'metrics.json');
    const doc = JSON.parse(readFileSync(metrics, 'utf8')) as { run: { inputDir: string } };
    doc.run.inputDir = join(noTrace, 'gone');
    writeFileSync(metrics, JSON.stringify(doc));
    const result = sim('view', noTrace);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^sim: .*gone.*run\.inputDir in its metrics\.json.*\n$/);
    expect(result.stderr.split('\n')).toHaveLength(2);
  });
});
