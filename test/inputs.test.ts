import { renameSync } from 'node:fs';
import { naturalOrder } from '../sim/check/cases.js';
import { describe, expect, it } from 'vitest';
import { InputError, loadJob, parseClient } from '../sim/job/inputs.js';
import { MAX_COUNT } from '../sim/job/limits.js';
import { hash, inputText, writeInputs } from './helpers/files.js';

function parseError(text: string): string {
  try {
    parseClient('in3.txt', text);
  } catch (error) {
    if (error instanceof InputError) return error.message;
    throw error;
  }
  throw new Error('parsed without error');
}

function jobError(texts: string[], ranks?: number): string {
  const dir = writeInputs(texts);
  try {
    loadJob(dir, ranks);
  } catch (error) {
    if (error instanceof InputError) return error.message.replaceAll(`${dir}/`, '');
    throw error;
  }
  throw new Error('loaded without error');
}

describe('parseClient', () => {
  it('reads owned files with their hashes in order, then wanted names', () => {
    const client = parseClient(
      'in1.txt',
      inputText(
        [
          ['file1', [1, 2, 3]],
          ['file2', [4]],
        ],
        ['file3', 'file4'],
      ),
    );
    expect(client.owned).toEqual([
      { name: 'file1', hashes: [hash(1), hash(2), hash(3)] },
      { name: 'file2', hashes: [hash(4)] },
    ]);
    expect(client.wanted).toEqual(['file3', 'file4']);
    expect(client.ownedLines).toEqual([2, 6]);
    expect(client.wantedLines).toEqual([9, 10]);
  });

  it('accepts CRLF line ends and a missing final newline', () => {
    const text = inputText([['file1', [1, 2]]], ['file2']);
    const crlf = parseClient('in1.txt', text.replace(/\n/g, '\r\n'));
    const bare = parseClient('in1.txt', text.trimEnd());
    expect(crlf.owned).toEqual(bare.owned);
    expect(crlf.wanted).toEqual(['file2']);
    expect(bare.wanted).toEqual(['file2']);
  });

  it('parses a client that owns nothing and wants nothing', () => {
    expect(parseClient('in1.txt', '0\n0')).toMatchObject({ owned: [], wanted: [] });
  });

  it('parses far beyond the assignment limits', () => {
    const segments = 200_000;
    const lines = ['1', `big ${segments}`];
    for (let s = 0; s < segments; s++) lines.push(hash(s));
    lines.push('0');
    const client = parseClient('in1.txt', lines.join('\n'));
    expect(client.owned[0].hashes).toHaveLength(segments);
    expect(client.owned[0].hashes[segments - 1]).toBe(hash(segments - 1));
  });

  it.each([
    ['a short hash', '1\nfile1 2\n' + hash(1) + '\nxyz\n0\n', 'in3.txt:4: expected 32 hex characters (0-9, a-f), got "xyz"'],
    ['a non-hex hash', `1\nfile1 1\n${'g'.repeat(32)}\n0\n`, `in3.txt:3: expected 32 hex characters (0-9, a-f), got "${'g'.repeat(32)}"`],
    ['an upper-case hash', `1\nfile1 1\n${'A'.repeat(32)}\n0\n`, 'in3.txt:3: expected 32 hex characters'],
    ['a negative count', '-1\n0\n', 'in3.txt:1: expected the number of owned files (a whole number >= 0), got "-1"'],
    ['a word for a count', 'two\n', 'in3.txt:1: expected the number of owned files (a whole number >= 0), got "two"'],
    [
      'a huge count',
      `${MAX_COUNT + 1}\n`,
      `in3.txt:1: the number of owned files ${MAX_COUNT + 1} is larger than the limit of ${MAX_COUNT}`,
    ],
    ['a huge segment count', '1\nfile1 99999999999\n', 'in3.txt:2: 99999999999 segments is larger than the limit'],
    ['a zero segment count', '1\nfile1 0\n0\n', 'in3.txt:2: expected a number of segments >= 1 for file1, got "0"'],
    ['a header without a count', '1\nfile1\n', 'in3.txt:2: expected "<file name> <number of segments>", got "file1"'],
    [
      'fewer hashes than declared',
      `1\nfile1 3\n${hash(1)}\n0\n`,
      'in3.txt:2: declares 3 segment hashes for file1, but only 2 more lines follow',
    ],
    [
      'missing hash lines at the end',
      `1\nfile1 2\n${hash(1)}`,
      'in3.txt:2: declares 2 segment hashes for file1, but only 1 more lines follow',
    ],
    ['a missing wanted count', `1\nfile1 1\n${hash(1)}\n`, 'in3.txt:4: expected the number of wanted files, got end of file'],
    ['fewer wanted names than declared', '0\n2\nfile1\n', 'in3.txt:2: declares 2 wanted file names, but only 1 more lines follow'],
    ['an extra line', '0\n1\nfile1\nfile2\n', 'in3.txt:4: expected end of file, got "file2"'],
    ['a name with a slash', '0\n1\n../etc\n', `in3.txt:3: expected a wanted file name (letters, digits, '.', '_' or '-'), got "../etc"`],
    ['an owned file twice', `2\nfile1 1\n${hash(1)}\nfile1 1\n${hash(1)}\n0\n`, 'in3.txt:4: file1 is already owned at line 2'],
    ['a wanted file twice', '0\n2\nfile1\nfile1\n', 'in3.txt:4: file1 is already wanted at line 3'],
    ['a wanted file it owns', `1\nfile1 1\n${hash(1)}\n1\nfile1\n`, 'in3.txt:5: wants file1, which it already owns (line 2)'],
  ])('rejects %s', (_, text, message) => {
    expect(parseError(text)).toContain(message);
  });
});

describe('loadJob', () => {
  const owner = inputText([['file1', [1, 2]]], []);
  const leecher = inputText([], ['file1']);

  it('takes the rank count from the in*.txt present', () => {
    const dir = writeInputs([owner, leecher, leecher]);
    const job = loadJob(dir);
    expect(job.ranks).toBe(4);
    expect(job.files.get('file1')).toEqual([hash(1), hash(2)]);
    expect(loadJob(dir, 4).ranks).toBe(4);
  });

  it('rejects --ranks that does not match the inputs', () => {
    expect(jobError([owner, leecher, leecher], 6)).toBe('in4.txt: missing: 6 ranks need in1.txt .. in5.txt');
    expect(jobError([owner, leecher, leecher], 3)).toBe('in3.txt: 3 ranks take in1.txt .. in2.txt only; this file has no rank');
  });

  it('rejects a gap in the in<R>.txt files', () => {
    const dir = writeInputs([owner, leecher, leecher]);
    renameSync(`${dir}/in2.txt`, `${dir}/in5.txt`);
    expect(() => loadJob(dir)).toThrow(`${dir}/in2.txt: missing: 6 ranks need in1.txt .. in5.txt`);
  });

  it('rejects a job of fewer than 3 ranks', () => {
    expect(jobError([owner])).toContain('a job needs at least 3 ranks (a tracker and two clients), got 2');
  });

  it('rejects a wanted file nobody owns', () => {
    expect(jobError([owner, inputText([], ['file1', 'file9'])])).toBe('in2.txt:4: wants file9, which no client owns');
  });

  it('rejects one file with different hashes at two owners', () => {
    const other = inputText([['file1', [1, 7]]], []);
    expect(jobError([owner, other, leecher])).toBe(`in2.txt:2: file1 segment 2 has hash ${hash(7)} here but ${hash(2)} at in1.txt:2`);
  });

  it('rejects one file with different segment counts at two owners', () => {
    const other = inputText([['file1', [1, 2, 3]]], []);
    expect(jobError([owner, other, leecher])).toBe('in2.txt:2: file1 has 3 segments here but 2 at in1.txt:2');
  });

  it('rejects a folder without inputs and a folder that does not exist', () => {
    expect(jobError([])).toMatch(/: no in<R>\.txt files found$/);
    expect(() => loadJob('/nonexistent/swarm')).toThrow('/nonexistent/swarm: no such folder');
  });
});

describe('naturalOrder', () => {
  it('orders case folders as a person counts them', () => {
    const names = ['test10', 'test2', 'r03-tiny', 'test1', 'r16-kseg', 'b', 'a10b', 'a9c', 'test02'];
    expect(names.sort(naturalOrder)).toEqual(['a9c', 'a10b', 'b', 'r03-tiny', 'r16-kseg', 'test1', 'test02', 'test2', 'test10']);
  });
});
