import { connect as tcpConnect, type Socket } from 'node:net';

/** How long a TCP connect may take before it counts as refused (and is tried again: retry.ts). */
export const CONNECT_TIMEOUT_MS = 5000;

/** A TCP connection to host:port with Nagle off, or a rejection within CONNECT_TIMEOUT_MS. */
export function openSocket(host: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = tcpConnect({ host, port, noDelay: true });
    const timer = setTimeout(() => {
      const error: NodeJS.ErrnoException = new Error(`no answer within ${CONNECT_TIMEOUT_MS / 1000} s`);
      error.code = 'ETIMEDOUT';
      socket.destroy(error);
    }, CONNECT_TIMEOUT_MS);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}
