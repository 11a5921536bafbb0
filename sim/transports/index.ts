/**
 * Choosing a transport is a lookup in this table. Each entry loads its transport only when
 * chosen: a run over threads never pays for loading the TCP or virtual-time code.
 */
import type { Transport, TransportName } from './transport.js';

export const TRANSPORTS: Record<TransportName, () => Promise<Transport>> = {
  threads: async () => (await import('./threads/transport.js')).threadsTransport,
  tcp: async () => (await import('./tcp/transport.js')).tcpTransport,
  virtual: async () => (await import('./virtual/transport.js')).virtualTransport,
};
