/** Lines of a text as `diff -w` compares them: white space ignored, a final newline optional. */
export function comparableLines(text: string): string[] {
  const lines = text.split('\n').map((line) => line.replace(/\s+/g, ''));
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Compares two texts as `diff -w` would for our purposes; describes the first difference. */
export function compareLines(expected: string[], got: string[]): string | undefined {
  const n = Math.max(expected.length, got.length);
  for (let i = 0; i < n; i++) {
    if (expected[i] !== got[i]) {
      const want = i < expected.length ? JSON.stringify(expected[i]) : 'end of file';
      const have = i < got.length ? JSON.stringify(got[i]) : 'end of file';
      return `line ${i + 1}: expected ${want}, got ${have}`;
    }
  }
  return undefined;
}
