/**
 * Picking the line of a failed process's stderr that says why it failed. A launcher
 * (mpirun) ends a failed job with boxes of its own between border lines of dashes or
 * stars; the cause, the rank's own last words, comes before them.
 */

/** A border: one of `-`, `*` or `=` repeated, nothing else. */
const BORDER = /^([-*=])\1{7,}$/;

const isBorder = (line: string): boolean => BORDER.test(line.trim());

/**
 * The last line that is neither blank, nor a border, nor inside a box (from a border line
 * to the border line before it); when there is no such line, the last line of a box.
 */
export function lastMeaningfulLine(lines: readonly string[]): string {
  let fallback = '';
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i].trim();
    if (line === '') continue;
    if (!isBorder(line)) return line;
    let open = i - 1;
    while (open >= 0 && !isBorder(lines[open])) {
      if (fallback === '' && lines[open].trim() !== '') fallback = lines[open].trim();
      open--;
    }
    // A lone border closes no box: only the border itself is skipped.
    if (open >= 0) i = open;
    else fallback = '';
  }
  return fallback;
}
