/**
 * The `{port}` of `sim check --exec`: a loopback port for the command's coordinator, free
 * when it is chosen and bound by the command a moment later.
 *
 * Invariant: it lies below the kernel's ephemeral range. In that moment every other rank
 * starts too, opens its own listener on port 0 and dials the coordinator again and again,
 * and the kernel gives each of those sockets a port from that range. A port drawn from the
 * range (as a listener on port 0 would give) was now and then handed to one of them first,
 * and rank 0 then found its own address taken.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** IANA's dynamic ports, the ephemeral range on BSD and macOS; Linux says its own. */
const IANA_EPHEMERAL_START = 49152;
/** The registered ports from here up are rarely bound by services that stay. */
const LOWEST = 20000;
const TRIES = 50;

/** The first port the kernel may hand out by itself (Linux: ip_local_port_range). */
export function ephemeralStart(): number {
  try {
    const first = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(first) && first > 0 ? first : IANA_EPHEMERAL_START;
  } catch {
    return IANA_EPHEMERAL_START;
  }
}

function listensOn(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(undefined));
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : undefined));
    });
  });
}

/** A free loopback port below the ephemeral range; any free one if that range starts too low to leave room. */
export async function commandPort(): Promise<number> {
  const below = ephemeralStart();
  if (below - LOWEST >= 1000) {
    for (let i = 0; i < TRIES; i++) {
      const port = await listensOn(LOWEST + Math.floor(Math.random() * (below - LOWEST)));
      if (port !== undefined) return port;
    }
  }
  const any = await listensOn(0);
  if (any === undefined) throw new Error('no free loopback TCP port for {port}');
  return any;
}
