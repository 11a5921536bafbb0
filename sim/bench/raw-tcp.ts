import { randomBytes } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { encodeFrame, FrameKind, FrameReader } from '../transports/tcp/frames.js';
import { linkSecurity, openSecureSocket, secureServer } from '../transports/tcp/secure-socket.js';

/** Frames per write: the batching a transport can do at best. */
const FRAMES_PER_WRITE = 256;

/** A loopback listener handing each connection to `take`, and a connection to it: plain TCP, or TLS as the transport's links are. */
async function loopback(tls: boolean, take: (socket: Socket) => void): Promise<{ server: Server; client: Socket }> {
  const security = linkSecurity(randomBytes(32));
  const server = tls ? secureServer(security, take, (reason) => console.error(`raw TLS baseline: ${reason}`)).server : createServer(take);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  if (tls) return { server, client: await openSecureSocket('127.0.0.1', port, security) };
  const client = connect({ port, host: '127.0.0.1', noDelay: true });
  await new Promise((resolve) => client.once('connect', resolve));
  return { server, client };
}

/**
 * The TCP baseline: small frames (one segment request each) over a loopback connection,
 * written in batches of 256 and read back with the transport's own frame reader. Frames
 * per second. With `tls`, over TLS 1.3 with a PSK as every link of the transport is: the
 * two side by side say what encryption costs the data plane.
 */
export async function rawFramedLoopbackRate(count: number, tls = false): Promise<number> {
  let seen = 0;
  let finished: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (finished = resolve));
  const { server, client } = await loopback(tls, (socket) => {
    const reader = new FrameReader(1 << 20);
    socket.on('data', (chunk: Buffer) => {
      reader.push(chunk);
      while (reader.next()) seen++;
      if (seen >= count) finished();
    });
  });
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
