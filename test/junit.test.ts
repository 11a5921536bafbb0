import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SaxesParser } from 'saxes';
import { describe, expect, it } from 'vitest';
import { junitXml } from '../sim/check/verdict.js';
import { generated, sim } from './helpers/cli.js';
import { tempDir } from './helpers/files.js';

/** Every control character below U+0020: XML 1.0 allows only tab, line feed and carriage return, escaped or not. */
const CONTROLS = Array.from({ length: 0x20 }, (_, code) => String.fromCharCode(code))
  .filter((c) => c !== '\n')
  .join('');

interface Parsed {
  /** Attributes of each element, by element name, in document order. */
  elements: { name: string; attributes: Record<string, string> }[];
  text: string;
}

/** Parses with a conforming XML 1.0 parser: any character XML forbids is an error. */
function parseXml(xml: string): Parsed {
  const parser = new SaxesParser();
  const parsed: Parsed = { elements: [], text: '' };
  let error: Error | undefined;
  parser.on('error', (e) => (error ??= e));
  parser.on('opentag', (tag) => {
    const attributes = Object.fromEntries(Object.entries(tag.attributes).map(([name, value]) => [name, String(value)]));
    parsed.elements.push({ name: tag.name, attributes });
  });
  parser.on('text', (text) => (parsed.text += text));
  parser.write(xml).close();
  if (error) throw error;
  return parsed;
}

describe('JUnit XML', () => {
  it("stays well-formed when an implementation's stderr holds colour codes and control characters", () => {
    const dir = generated(['--ranks', '3', '--files', '1', '--segments', '2', '--wants', '1', '--seed', 'junit']);
    const script = join(tempDir(), 'noisy.mjs');
    writeFileSync(script, `process.stderr.write(${JSON.stringify(`\x1b[31mboom\x1b[0m <&"> ${CONTROLS} end\n`)});\nprocess.exit(3);\n`);
    const junit = join(tempDir(), 'junit.xml');
    const result = sim('check', dir, '--exec', `node ${script}`, '--junit', junit);
    expect(result.status).toBe(1);
    const xml = readFileSync(junit, 'utf8');
    // The old writer copied these bytes as they came; a parser then refused the file.
    expect([...xml].filter((c) => c < ' ' && !'\t\n\r'.includes(c))).toEqual([]);
    const { elements, text } = parseXml(xml);
    expect(elements.map((e) => e.name)).toEqual(['testsuites', 'testsuite', 'testcase', 'failure']);
    const failure = elements[3].attributes;
    expect(failure.type).toBe('exit code');
    // Colour codes go whole; the characters XML cannot hold become U+FFFD.
    expect(failure.message).toMatch(/^exited with code 3; stderr ends: boom <&"> [\uFFFD\s]{20,} end$/);
    expect(text).toContain('exit code: exited with code 3; stderr ends: boom <&">');
  });

  it('holds any text a failure detail can have, lone surrogates included', () => {
    const detail = `${CONTROLS}\ud800 \udfff \ufffe ]]> done`;
    const xml = junitXml([
      { dir: `case ${CONTROLS}`, name: 'c', strategy: 'least-loaded', runs: [{ seconds: 1, failures: [{ kind: 'failed run', detail }] }] },
    ]);
    const { elements, text } = parseXml(xml);
    expect(elements[2].attributes.name).toBe('c (least-loaded) run 1');
    expect(elements[3].attributes.message).toMatch(/ \]\]> done$/);
    expect(text).toMatch(/failed run: .* \]\]> done/s);
  });
});
