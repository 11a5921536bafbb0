/**
 * Live progress while a run goes: segments obtained of the total, the rate, and the
 * slowest client. On a terminal a cli-progress bar redraws in place; otherwise a plain line
 * is printed every second. The figures are read from memory the ranks share with the main
 * thread, so showing them costs the ranks nothing.
 */
import { createRequire } from 'node:module';
import { count } from '../../reports/numbers.js';
import type { LiveRun } from '../transports/transport.js';

/** cli-progress costs ~25 ms to load: only a bar on a terminal needs it, so it loads then. */
const loadBar = (): typeof import('cli-progress') => createRequire(import.meta.url)('cli-progress') as typeof import('cli-progress');

export type ProgressMode = 'bar' | 'lines' | 'off';

const BAR_INTERVAL_MS = 200;
export const LINE_INTERVAL_MS = 1000;

export interface ProgressFigures {
  done: number;
  total: number;
  perSecond: number;
  /** The client furthest from done, with its share done; undefined when all are done. */
  slowest?: { rank: number; percent: number };
}

/** Pure: figures from per-client counts of segments obtained (index rank - 1). */
export function progressFigures(obtained: readonly number[], wanted: readonly number[], seconds: number): ProgressFigures {
  let done = 0;
  let total = 0;
  let slowest: ProgressFigures['slowest'];
  obtained.forEach((count, i) => {
    total += wanted[i];
    if (wanted[i] === 0) return;
    done += count;
    const percent = (100 * count) / wanted[i];
    if (percent < 100 && (!slowest || percent < slowest.percent)) slowest = { rank: i + 1, percent };
  });
  return { done, total, perSecond: seconds > 0 ? done / seconds : 0, slowest };
}

export function progressLine(f: ProgressFigures): string {
  const percent = f.total === 0 ? 100 : Math.floor((100 * f.done) / f.total);
  const slowest = f.slowest ? `, slowest rank ${f.slowest.rank} at ${Math.floor(f.slowest.percent)}%` : '';
  return `progress: ${count(f.done)}/${count(f.total)} segments (${percent}%), ${count(Math.round(f.perSecond))}/s${slowest}`;
}

/** Starts polling; the returned function stops the display (and clears the bar). */
export function showProgress(
  live: LiveRun,
  wanted: readonly number[],
  mode: ProgressMode,
  stream: NodeJS.WriteStream = process.stderr,
): () => void {
  if (mode === 'off') return () => undefined;
  const started = performance.now();
  const total = wanted.reduce((a, b) => a + b, 0);
  const bar =
    mode === 'bar'
      ? new (loadBar().SingleBar)({
          stream,
          format: '{bar} {percentage}% | {value}/{total} segments | {rate}/s | {slowest}',
          hideCursor: true,
          clearOnComplete: true,
          barsize: 30,
        })
      : undefined;
  bar?.start(total, 0, { rate: '0', slowest: '' });
  // Only a bar on a terminal hides the cursor: elsewhere the escape would be noise in a log.
  const releaseCursor = bar && stream.isTTY ? showCursorOnSignal(stream) : () => undefined;
  const poll = (): void => {
    const figures = progressFigures(live.progress(), wanted, (performance.now() - started) / 1000);
    if (bar) {
      const slowest = figures.slowest ? `slowest: rank ${figures.slowest.rank} (${Math.floor(figures.slowest.percent)}%)` : '';
      bar.update(figures.done, { rate: count(Math.round(figures.perSecond)), slowest });
    } else {
      stream.write(`${progressLine(figures)}\n`);
    }
  };
  const timer = setInterval(poll, mode === 'bar' ? BAR_INTERVAL_MS : LINE_INTERVAL_MS);
  timer.unref();
  return () => {
    clearInterval(timer);
    bar?.stop();
    releaseCursor();
  };
}

/** What turns the cursor back on (the bar hides it while it draws). */
const SHOW_CURSOR = '\x1b[?25h';

/**
 * The bar hides the cursor; a run ended by Ctrl-C or SIGTERM never reaches the bar's stop,
 * so the signal shows it again first. Another handler of the signal (one that reaps a
 * transport's processes) then ends the process; with none, the signal is raised again so
 * that it ends the process as it would have. The returned function removes the handlers.
 */
function showCursorOnSignal(stream: NodeJS.WriteStream): () => void {
  const onSignal = (signal: NodeJS.Signals): void => {
    stream.write(SHOW_CURSOR);
    // First in line (prepended), so another handler of this signal is still counted here.
    if (process.listenerCount(signal) > 1) return;
    remove();
    process.kill(process.pid, signal);
  };
  const onExit = (): void => void stream.write(SHOW_CURSOR);
  const remove = (): void => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('exit', onExit);
  };
  process.prependListener('SIGINT', onSignal);
  process.prependListener('SIGTERM', onSignal);
  // process.exit() from another handler runs no stop either.
  process.on('exit', onExit);
  return remove;
}
