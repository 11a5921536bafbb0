import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { addressSpaceLimit, tooManyWorkers, workersThatFit } from '../sim/transports/threads/address-space.js';
import { automaticWorkers } from '../sim/transports/threads/placement.js';
import { CLI_PATH, generated } from './helpers/cli.js';

const LIMITS = (soft: string): string =>
  `Limit                     Soft Limit           Hard Limit           Units\nMax address space         ${soft}            unlimited            bytes\n`;
const STATUS = (kib: number): string => `Name:\tnode\nVmSize:\t ${kib} kB\nVmRSS:\t  50000 kB\n`;

describe('worker threads under an address-space limit (ulimit -v)', () => {
  it('reads the soft limit, and none when unlimited', () => {
    expect(addressSpaceLimit(LIMITS('4294967296'))).toBe(4 * 2 ** 30);
    expect(addressSpaceLimit(LIMITS('unlimited'))).toBeUndefined();
    expect(addressSpaceLimit('')).toBeUndefined();
  });

  it('counts the workers that fit beside what the process uses, spares already booted included', () => {
    const limit = 4 * 2 ** 30;
    // 1 GiB used, 0.25 GiB kept back: 2.75 GiB left, 0.7 GiB a worker.
    expect(workersThatFit(limit, 0, STATUS(1024 * 1024))).toBe(3);
    expect(workersThatFit(limit, 1, STATUS(1024 * 1024))).toBe(4);
    expect(workersThatFit(limit, 0, STATUS(4 * 1024 * 1024))).toBe(0);
    expect(workersThatFit(undefined)).toBe(Infinity);
    expect(automaticWorkers(8, 2)).toBe(2);
    expect(automaticWorkers(8, 0)).toBe(1);
    expect(tooManyWorkers(19, 3, limit)).toBe(
      '19 worker threads need about 13.4 GiB of address space, but the limit (ulimit -v) of 4.0 GiB leaves room for 3: pass --workers 3 or fewer, or raise the limit',
    );
  });

  function underLimit(gib: number, args: string[]) {
    const command = `ulimit -v ${gib * 1024 * 1024} && exec "$0" "$@"`;
    return spawnSync('bash', ['-c', command, process.execPath, CLI_PATH, ...args], { encoding: 'utf8', timeout: 120_000 });
  }

  it('refuses --workers the limit has no room for before anything starts (exit 2), and runs the default within it', () => {
    const dir = generated(['--ranks', '20', '--files', '4', '--segments', '10', '--wants', '2', '--seed', 'vm']);
    const refused = underLimit(4, ['run', dir, '--out', join(dir, 'out'), '--workers', 'all', '--no-report']);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(
      /^sim: --workers all: 19 worker threads need about 13\.4 GiB of address space, but the limit \(ulimit -v\) of 4\.0 GiB leaves room for \d: pass --workers \d or fewer, or raise the limit\n$/,
    );
    const fine = underLimit(4, ['run', dir, '--out', join(dir, 'out'), '--no-report', '--quiet']);
    expect(fine.status, fine.stderr).toBe(0);
  });
});
