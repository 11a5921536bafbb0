import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MetricsDocument } from '../reports/document.js';
import { loadJob } from '../sim/job/inputs.js';
import { CLI_PATH, generated } from './helpers/cli.js';
import { outputsOf } from './helpers/files.js';

/**
 * A job with many more outputs than the process may open files at once: every output must
 * be written and read back, and a correct run reported correct, on every transport.
 */
describe('a low limit of open files (ulimit -n)', () => {
  const LIMIT = 100;
  const cases: [string, string[], string[]][] = [
    // 40 clients wanting every file they do not own: over 300 outputs, three times the limit.
    ['virtual', ['--ranks', '41'], []],
    ['threads', ['--ranks', '41'], ['--workers', '2']],
    // 20 processes: fewer outputs, each process under the same limit.
    ['tcp', ['--ranks', '21'], []],
  ];
  for (const [transport, size, extra] of cases) {
    it(`${transport}: every output written and read back, the run reported correct`, () => {
      const dir = generated([...size, '--files', '10', '--segments', '5', '--wants', '10', '--seeders', '2', '--seed', 'files']);
      const out = join(dir, 'out');
      const command = `ulimit -n ${LIMIT} && exec "$0" "$@"`;
      const args = [CLI_PATH, 'run', dir, '--out', out, '--transport', transport, '--quiet', '--json', ...extra];
      const result = spawnSync('bash', ['-c', command, process.execPath, ...args], { encoding: 'utf8', timeout: 120_000 });
      expect(result.status, result.stderr).toBe(0);
      const doc = JSON.parse(result.stdout) as MetricsDocument;
      expect(doc.outputs.problems).toEqual([]);
      const wanted = loadJob(dir).clients.reduce((n, client) => n + client.wanted.length, 0);
      expect(wanted).toBeGreaterThan(LIMIT);
      expect(doc.outputs.written).toBe(wanted);
      expect(outputsOf(out).size).toBe(wanted);
    });
  }
});
