import { Worker } from 'node:worker_threads';

/**
 * The baseline: one-way postMessage of small objects, one message per object, from the
 * main thread to a worker that counts them. Messages per second.
 */
export async function rawPostMessageRate(count: number): Promise<number> {
  const worker = new Worker(
    `const { parentPort } = require('node:worker_threads');
     let seen = 0;
     parentPort.on('message', (m) => { if (m === 'ready?') { parentPort.postMessage('ready'); return; }
       if (++seen === ${count}) parentPort.postMessage('done'); });`,
    { eval: true },
  );
  const reply = (): Promise<unknown> => new Promise((resolve) => worker.once('message', resolve));
  worker.postMessage('ready?');
  await reply();
  const done = reply();
  const started = performance.now();
  for (let i = 0; i < count; i++) worker.postMessage({ tag: 6, file: 'file1', index: i });
  await done;
  const seconds = (performance.now() - started) / 1000;
  await worker.terminate();
  return count / seconds;
}
