/**
 * Churn in the report (`--arrivals`, `--seed-time`): how big the swarm was over time, and
 * how long each client took from its arrival to its last file, so a reader sees whether
 * late arrivals are served as well as the first ones.
 */
import { countScale, lineDataset, options, timeOptions, wideChart, type ChartSpec } from './chart-kit.js';
import type { MetricsDocument } from './document.js';
import { median } from './numbers.js';
import { timeAxis } from './time-axis.js';

/** Per client that finished: [arrival, seconds from arrival to completion]. */
function completions(doc: MetricsDocument): { rank: number; arrived: number; took: number }[] {
  const arrivals = doc.churn?.arrivalSeconds ?? [];
  return doc.ranks.flatMap((r) =>
    r.role === 'client' && r.completedSeconds !== null
      ? [{ rank: r.rank, arrived: arrivals[r.rank - 1] ?? 0, took: Math.max(0, r.completedSeconds - (arrivals[r.rank - 1] ?? 0)) }]
      : [],
  );
}

/** The largest of many (a spread of a million arguments would overflow the stack); 0 for none. */
function largest(values: readonly number[]): number {
  let most = 0;
  for (const value of values) most = Math.max(most, value);
  return most;
}

/** One sentence for the summary and the report; undefined without churn. */
export function churnSentence(doc: MetricsDocument): string | undefined {
  const churn = doc.churn;
  if (!churn) return undefined;
  const lastArrival = largest(churn.arrivalSeconds);
  const sizes = churn.clients.map((row) => row[1]);
  const peak = largest(sizes);
  const end = sizes.length > 0 ? sizes[sizes.length - 1] : 0;
  const took = completions(doc).map((c) => c.took);
  const stay =
    doc.run.seedTimeSeconds === undefined
      ? 'clients stayed to the end'
      : `a client that finished stayed ${doc.run.seedTimeSeconds} s, then left`;
  const median_ =
    took.length > 0 ? `; from arrival to last file: median ${median(took).toFixed(3)} s, longest ${largest(took).toFixed(3)} s` : '';
  return `churn: arrivals ${doc.run.arrivals ?? 'flash'} (the last at ${lastArrival.toFixed(3)} s); ${stay}; swarm size at most ${peak}, ${end} at the end${median_}`;
}

export function churnCharts(doc: MetricsDocument): ChartSpec[] {
  const churn = doc.churn;
  if (!churn) return [];
  const size = wideChart(
    'swarm-size',
    'Swarm size',
    'line',
    {
      datasets: [
        lineDataset(
          'clients in the swarm',
          churn.clients.map(([x, y]) => ({ x, y })),
          0,
          { stepped: true },
        ),
      ],
    },
    timeOptions('Clients in the swarm over time (arrivals add, departures and losses take away)', timeAxis([doc]), countScale('clients')),
    'A plateau means arrivals and departures balanced; a steady fall means clients left faster than they came.',
  );
  const points = completions(doc).map(({ arrived, took }) => ({ x: arrived, y: took }));
  const scatter = wideChart(
    'arrival-completion',
    'Completion against arrival',
    'scatter',
    { datasets: [{ type: 'scatter', label: 'one client', data: points, backgroundColor: '#4e79a7', pointRadius: 3 }] },
    options('Seconds from arrival to last file, by arrival time', {
      x: { type: 'linear', min: 0, title: { display: true, text: 'arrived at (seconds since start)' } },
      y: { type: 'linear', beginAtZero: true, title: { display: true, text: 'seconds to complete' } },
    }),
    'Points that rise to the right mean late arrivals waited longer than the first ones.',
  );
  return [size, scatter];
}
