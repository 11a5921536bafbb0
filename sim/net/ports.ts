/**
 * Listening on TCP ports, for every part of the harness that listens: the TCP transport's
 * listeners, and the loopback port `sim check --exec` hands a command as `{port}`.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';

/** IANA's dynamic ports, the ephemeral range on BSD and macOS; Linux says its own. */
const IANA_EPHEMERAL_START = 49152;
/** The registered ports from here up are rarely bound by services that stay. */
const LOWEST = 20000;
const TRIES = 50;

/** Listens on `host:port` (0: any free port), exclusively; resolves to the port bound. */
export function listenAt(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port, exclusive: true }, () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}

/** The first port the kernel may hand out by itself (Linux: ip_local_port_range). */
export function ephemeralStart(): number {
  try {
    const first = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(first) && first > 0 ? first : IANA_EPHEMERAL_START;
  } catch {
    return IANA_EPHEMERAL_START;
  }
}

/** The loopback port, if it could be listened on (and was let go again); undefined if taken. */
async function freeAt(port: number): Promise<number | undefined> {
  const server = createServer();
  try {
    const bound = await listenAt(server, '127.0.0.1', port);
    await new Promise((resolve) => server.close(resolve));
    return bound;
  } catch {
    return undefined;
  }
}

/**
 * A loopback port free when chosen, for a process started a moment later to listen on.
 *
 * Invariant: it lies below the kernel's ephemeral range. In that moment every other rank of
 * the job starts too, opens its own listener on port 0 and dials the coordinator again and
 * again, and the kernel gives each of those sockets a port from that range. A port drawn
 * from the range (as listening on port 0 gives) was now and then handed to one of them
 * first, and rank 0 then found its own address taken. If the range starts too low to leave
 * room below it, any free port.
 */
export async function freeLoopbackPort(): Promise<number> {
  const below = ephemeralStart();
  if (below - LOWEST >= 1000) {
    for (let i = 0; i < TRIES; i++) {
      const port = await freeAt(LOWEST + Math.floor(Math.random() * (below - LOWEST)));
      if (port !== undefined) return port;
    }
  }
  const any = await freeAt(0);
  if (any === undefined) throw new Error('no free loopback TCP port');
  return any;
}
