/**
 * Every connection of a job is TLS 1.3 keyed by the job key (TLS-PSK, no certificates):
 * after the handshake every byte is encrypted and integrity-checked, so nobody on the path
 * can read, change, inject or replay a frame, and the key never travels. Each handshake
 * makes fresh (EC)DHE keys, so a recorded connection is no use later either.
 */
import { hkdfSync } from 'node:crypto';
import type { Socket } from 'node:net';
import {
  connect as tlsConnect,
  createSecureContext,
  createServer,
  type SecureContext,
  type SecureContextOptions,
  type Server,
  type TLSSocket,
} from 'node:tls';
import { describeAddress } from './framed-socket.js';
import { encodeFrame, FrameKind } from './frames.js';
import { HandshakeBusy, HandshakeError } from './handshake.js';
import type { SiteCertificates } from './site-certificates.js';
import { tlsProblem } from './tls-errors.js';

/** How long a connect, TLS handshake included, may take before it counts as busy (and is tried again: retry.ts). */
export const CONNECT_TIMEOUT_MS = 5000;
/** How long an accepted connection has to finish its TLS handshake. */
export const TLS_HANDSHAKE_TIMEOUT_MS = 5000;

/** Every rank of a job names itself the same: who it is, it proves inside the channel (handshake.ts). */
const IDENTITY = 'swarmsim-job';
/** OpenSSL's TLS 1.3 PSK through Node's callback needs a SHA-256 suite. */
const CIPHERS = 'TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256';
const VERSIONS = { minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3', ciphers: CIPHERS } as const satisfies SecureContextOptions;

/** The TLS side of a job key. */
export interface LinkSecurity {
  readonly psk: Buffer;
  /** A site's own, in place of the PSK (site-certificates.ts). */
  readonly certificates?: SiteCertificates;
  /** One context for every connection this process opens: a fresh one per connect costs a fifth of a handshake. */
  readonly context: SecureContext;
}

/** The last one made from a job key alone: the ranks of one process (a rank group) share it, which cost each ~0.5 ms of its start. */
let lastMade: { key: Buffer; security: LinkSecurity } | undefined;

/**
 * The PSK is derived from the key, not the key itself: a key of any length fits TLS's
 * limit, and the channel never shares a key with the handshake's HMAC.
 */
export function linkSecurity(jobKey: Buffer, certificates?: SiteCertificates): LinkSecurity {
  if (!certificates && lastMade?.key.equals(jobKey)) return lastMade.security;
  const psk = Buffer.from(hkdfSync('sha256', jobKey, 'swarmsim', 'tls-1.3 psk', 32));
  const security = { psk, certificates, context: createSecureContext({ ...VERSIONS, ...certificates }) };
  if (!certificates) lastMade = { key: Buffer.from(jobKey), security };
  return security;
}

/** A TLS listener, and the connections still in their handshake, which `dropHandshakes` closes (the job is ending). */
export interface SecureServer {
  server: Server;
  dropHandshakes(): void;
}

/**
 * A listener that speaks TLS with the job's PSK (or the site's certificates): `secured` gets
 * each connection that finished its handshake, `refused` the reason for each that did not
 * (closed here at once).
 */
export function secureServer(
  security: LinkSecurity,
  secured: (socket: TLSSocket) => void,
  refused: (reason: string, remote: string) => void,
): SecureServer {
  // By remote address: the TLS socket a raw one becomes has the same.
  const handshaking = new Map<string, Socket>();
  const server = createServer(
    {
      ...VERSIONS,
      // A silent peer (slowloris, a port scan) holds nothing past this.
      handshakeTimeout: TLS_HANDSHAKE_TIMEOUT_MS,
      ...(security.certificates
        ? // Checked below, not by Node, which would close a foreign certificate's connection without a word.
          { ...security.certificates, requestCert: true, rejectUnauthorized: false }
        : { pskCallback: (_: TLSSocket, identity: string) => (identity === IDENTITY ? security.psk : null) }),
    },
    (socket) => {
      const remote = describeAddress(socket.remoteAddress, socket.remotePort);
      handshaking.delete(remote);
      if (!security.certificates || socket.authorized) {
        secured(socket);
        return;
      }
      const reason = `its certificate is not one --tls-ca signed (${String(socket.authorizationError)})`;
      // Said to the dialer too, which would otherwise see only a close and take us for busy.
      socket.end(encodeFrame(FrameKind.REFUSED, reason));
      refused(reason, remote);
    },
  );
  server.on('connection', (raw: Socket) => {
    const remote = describeAddress(raw.remoteAddress, raw.remotePort);
    handshaking.set(remote, raw);
    raw.once('close', () => handshaking.delete(remote));
  });
  server.on('tlsClientError', (error: NodeJS.ErrnoException, socket) => {
    const remote = describeAddress(socket.remoteAddress, socket.remotePort);
    // Node leaves a connection that failed its handshake open (a timed-out one, too).
    socket.destroy();
    // One its dialer gave up on (a busy machine; it dials again) is no refusal.
    if (error.code === 'ECONNRESET') return;
    refused(
      error.code === 'ERR_TLS_HANDSHAKE_TIMEOUT'
        ? `the TLS handshake did not finish within ${TLS_HANDSHAKE_TIMEOUT_MS / 1000} s`
        : (tlsProblem(error) ?? error.message),
      remote,
    );
  });
  return { server, dropHandshakes: () => handshaking.forEach((raw) => raw.destroy()) };
}

/**
 * Dialling a loopback port nobody listens on yet connects the socket to itself when the
 * kernel happens to pick that very port as its source (TCP's simultaneous open). Left
 * open, it would hold the port its listener is about to bind: it is ended as a refusal,
 * which the coordinator's dialler tries again.
 */
export function refuseSelfConnection(socket: Socket): void {
  if (socket.localPort !== socket.remotePort || socket.localAddress !== socket.remoteAddress) return;
  const error: NodeJS.ErrnoException = new Error(
    `connected to itself at ${describeAddress(socket.remoteAddress, socket.remotePort)}: nothing listens there yet`,
  );
  error.code = 'ECONNREFUSED';
  socket.destroy(error);
}

/**
 * A TLS connection to host:port with Nagle off. A wrong key is final (HandshakeError); a
 * connection closed or timed out before the handshake ends is a busy listener
 * (HandshakeBusy, or the socket's own code), worth another try.
 */
export function openSecureSocket(host: string, port: number, security: LinkSecurity): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({
      ...VERSIONS,
      secureContext: security.context,
      host,
      port,
      // Ranks are dialled at the addresses they registered, rarely in their certificates: the
      // CA's signature is checked here, and which rank answers is proved inside (handshake.ts).
      ...(security.certificates
        ? { checkServerIdentity: () => undefined }
        : { pskCallback: () => ({ psk: security.psk, identity: IDENTITY }) }),
    });
    socket.setNoDelay(true);
    socket.once('connect', () => refuseSelfConnection(socket));
    const timer = setTimeout(() => {
      const error: NodeJS.ErrnoException = new Error(`no answer within ${CONNECT_TIMEOUT_MS / 1000} s`);
      error.code = 'ETIMEDOUT';
      socket.destroy(error);
    }, CONNECT_TIMEOUT_MS);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const problem = tlsProblem(error);
      if (problem === 'wrong job key') reject(new HandshakeError(`refused this rank: ${problem}`));
      else if (problem) reject(new HandshakeError(problem));
      // Closed by a listener too busy to answer (it gave up waiting for us) once TCP was up.
      else if (error.code === 'ECONNRESET' && socket.connecting === false) reject(new HandshakeBusy(error.message));
      else reject(error);
    });
  });
}
