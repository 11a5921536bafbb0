import { connect, createServer } from 'node:net';
import { encodeFrame, FrameKind, FrameReader } from '../transports/tcp/frames.js';

/** Frames per write: the batching a transport can do at best. */
const FRAMES_PER_WRITE = 256;

/**
 * The TCP baseline: small frames (one segment request each) over a loopback connection,
 * written in batches of 256 and read back with the transport's own frame reader. Frames
 * per second.
 */
export async function rawFramedLoopbackRate(count: number): Promise<number> {
  let seen = 0;
  let finished: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (finished = resolve));
  const server = createServer((socket) => {
    const reader = new FrameReader(1 << 20);
    socket.on('data', (chunk: Buffer) => {
      reader.push(chunk);
      while (reader.next()) seen++;
      if (seen >= count) finished();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const client = connect({ port, host: '127.0.0.1', noDelay: true });
  await new Promise((resolve) => client.once('connect', resolve));
  const started = performance.now();
  for (let sent = 0; sent < count;) {
    const frames: Buffer[] = [];
    for (let i = 0; i < FRAMES_PER_WRITE && sent < count; i++, sent++) {
      frames.push(encodeFrame(FrameKind.BATCH, JSON.stringify([6, 'file1', sent, 'd41d8cd98f00b204e9800998ecf8427e'])));
    }
    if (!client.write(Buffer.concat(frames))) await new Promise((resolve) => client.once('drain', resolve));
  }
  await done;
  const seconds = (performance.now() - started) / 1000;
  client.destroy();
  server.close();
  return count / seconds;
}
