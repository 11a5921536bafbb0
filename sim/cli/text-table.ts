/** A plain-text table: the first column left-aligned, the others right-aligned. */
export function textTable(header: string[], rows: (string | number)[][], firstColumnLeft = false): string {
  const widths = header.map((h) => h.length);
  for (const row of rows) row.forEach((cell, c) => (widths[c] = Math.max(widths[c], String(cell).length)));
  const line = (cells: (string | number)[]): string =>
    cells.map((cell, c) => (c === 0 && firstColumnLeft ? String(cell).padEnd(widths[c]) : String(cell).padStart(widths[c]))).join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}
