/**
 * One self-contained HTML page: tables, and the same chart specs as the PNG files drawn
 * live by chart.js (inlined, with the matrix plugin), so hovering shows values and
 * clicking a legend entry toggles its series. Nothing is fetched from the network.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import type { ChartSpec } from './chart-kit.js';
import { PAGE_FUNCTIONS } from './hydrate.js';

function libraryFile(specifier: string, file: string): string {
  // The package's CommonJS entry: the CLI is bundled as CommonJS, which has no import.meta.resolve.
  const entry = createRequire(import.meta.url).resolve(specifier);
  return readFileSync(join(dirname(entry), file), 'utf8');
}

let libraries: string | undefined;
/** chart.js and the matrix plugin as browser scripts, read once from their packages. */
function inlineLibraries(): string {
  libraries ??= [libraryFile('chart.js', 'chart.umd.min.js'), libraryFile('chartjs-chart-matrix', 'chartjs-chart-matrix.min.js')]
    .map((code) => code.replace(/<\/script/gi, '<\\/script'))
    .join('\n');
  return libraries;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export type Cell = string | number | null;

/** A table in a box of its own that scrolls sideways when the table is wider than the screen. */
export function htmlTable(header: string[], rows: Cell[][], caption?: string): string {
  const cell = (value: Cell): string => (value === null ? '&ndash;' : escapeHtml(String(value)));
  return [
    '<div class="table-box"><table>',
    caption ? `<caption>${escapeHtml(caption)}</caption>` : '',
    `<thead><tr>${header.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead>`,
    `<tbody>${rows.map((row) => `<tr>${row.map((v) => `<td>${cell(v)}</td>`).join('')}</tr>`).join('')}</tbody>`,
    '</table></div>',
  ].join('');
}

const STYLE = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 1100px; color: #222; background: #fff; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; } h2 { font-size: 1.2rem; margin-top: 2rem; }
h1, p, li, summary { overflow-wrap: break-word; }
.meta { color: #555; }
.table-box { max-width: 100%; overflow-x: auto; margin: .5rem 0 1rem; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
caption { text-align: left; font-weight: 600; padding: .3rem 0; }
th, td { border-bottom: 1px solid #ddd; padding: .25rem .7rem; text-align: right; }
th:first-child, td:first-child { text-align: left; }
.scroll { max-height: 24rem; max-width: 100%; overflow: auto; margin: .5rem 0 1rem; }
.scroll .table-box { overflow: visible; margin: 0; }
figure { margin: 1rem 0 2.5rem; }
.chart { position: relative; width: 100%; min-height: 280px; }
.chart canvas { display: block; }
figcaption { color: #555; margin-top: .4rem; }
@media (max-width: 600px) { body { margin: 1rem auto; padding: 0 .6rem; } th, td { padding: .2rem .45rem; } }
.ok { color: #2a7a2a; } .bad { color: #b22; }
`;

/** A number with fixed decimals for the page, or null (shown as a dash). */
export function fixed(value: number | null, digits = 3): string | null {
  return value === null ? null : value.toFixed(digits);
}

export function renderPage(title: string, sections: string[], charts: ChartSpec[]): string {
  const figures = charts
    .map(
      (spec) =>
        `<figure><div class="chart" style="max-width: ${spec.width}px; aspect-ratio: ${spec.width} / ${spec.height}"><canvas id="chart-${escapeHtml(spec.id)}" role="img" aria-label="${escapeHtml(spec.title)}"></canvas></div><figcaption>${escapeHtml(spec.caption)}</figcaption></figure>`,
    )
    .join('\n');
  const specs = JSON.stringify(charts).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
${sections.join('\n')}
<h2>Charts</h2>
${figures}
<script>${inlineLibraries()}</script>
<script>
${PAGE_FUNCTIONS.map((f) => f.toString()).join('\n')}
Chart.register(window['chartjs-chart-matrix'].MatrixController, window['chartjs-chart-matrix'].MatrixElement);
for (const spec of ${specs}) {
  hydrate(spec.config);
  // The chart fills its box instead of being scaled down with it, so its text keeps its size on a narrow screen.
  spec.config.options.responsive = true;
  spec.config.options.maintainAspectRatio = false;
  const title = spec.config.options.plugins.title;
  if (title) title.font = (context) => ({ size: context.chart.width < 600 ? 13 : 16 });
  new Chart(document.getElementById('chart-' + spec.id), spec.config);
}
</script>
</body>
</html>
`;
}
