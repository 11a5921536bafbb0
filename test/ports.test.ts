import { connect, createServer, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ephemeralStart, freeLoopbackPort } from '../sim/net/ports.js';
import { refuseSelfConnection } from '../sim/transports/tcp/secure-socket.js';

function freeEphemeralPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

describe("sim check --exec's {port}", () => {
  it('is drawn below the ephemeral range, where no rank socket of the command can be given it first', async () => {
    const below = ephemeralStart();
    expect(below).toBeGreaterThan(1024);
    const ports: number[] = [];
    for (let i = 0; i < 20; i++) ports.push(await freeLoopbackPort());
    for (const port of ports) expect(port).toBeLessThan(below);
    // And free: the command can listen there.
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(ports[0], '127.0.0.1', resolve);
    });
    await new Promise((resolve) => server.close(resolve));
  });
});

describe('a dial that connected to itself', () => {
  it('is ended as a refusal, and the port is free for its listener again', async () => {
    const port = await freeEphemeralPort();
    // The kernel picks the source port itself in real runs; here it is forced to the one dialled.
    const socket: Socket = connect({ host: '127.0.0.1', port, localAddress: '127.0.0.1', localPort: port });
    const error = await new Promise<NodeJS.ErrnoException>((resolve) => {
      socket.once('connect', () => {
        expect(socket.remotePort).toBe(port);
        refuseSelfConnection(socket);
      });
      socket.once('error', resolve);
    });
    expect(error.code).toBe('ECONNREFUSED');
    expect(error.message).toBe(`connected to itself at 127.0.0.1:${port}: nothing listens there yet`);
    expect(socket.destroyed).toBe(true);
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', resolve);
    });
    await new Promise((resolve) => server.close(resolve));
  });
});
