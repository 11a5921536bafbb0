import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';

export function hash(n: number): string {
  return n.toString(16).padStart(32, '0');
}

export function tempDir(prefix = 'swarmsim-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Writes `in<R>.txt` files (index R - 1) into a fresh folder. */
export function writeInputs(texts: string[], dir = tempDir()): string {
  texts.forEach((text, i) => writeFileSync(join(dir, `in${i + 1}.txt`), text));
  return dir;
}

/** An input text from parts: owned files with their hash numbers, then wanted names. */
export function inputText(owned: [string, number[]][], wanted: string[]): string {
  const lines = [String(owned.length)];
  for (const [name, hashes] of owned) lines.push(`${name} ${hashes.length}`, ...hashes.map(hash));
  lines.push(String(wanted.length), ...wanted);
  return `${lines.join('\n')}\n`;
}

/** Every file in a folder, by name. */
export function filesOf(dir: string): Map<string, string> {
  return new Map(readdirSync(dir).map((name) => [name, readFileSync(join(dir, name), 'utf8')]));
}

/** Every `client<R>_<file>` output in a folder, by name. */
export function outputsOf(dir: string): Map<string, string> {
  const names = readdirSync(dir).filter((name) => name.startsWith('client'));
  return new Map(names.map((name) => [name, readFileSync(join(dir, name), 'utf8')]));
}

/** A stream that passes for a terminal (cli-progress draws a bar only on one), and what was written to it. */
export function fakeTerminal(): { stream: NodeJS.WriteStream; text: () => string } {
  const stream = Object.assign(new PassThrough(), {
    isTTY: true,
    columns: 120,
    cursorTo: () => true,
    clearLine: () => true,
    moveCursor: () => true,
  });
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { stream: stream as unknown as NodeJS.WriteStream, text: () => text };
}
