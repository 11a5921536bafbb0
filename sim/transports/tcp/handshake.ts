/**
 * Mutual proof of a key, and of which rank each end is, before any other frame is read.
 * The acceptor sends a fresh nonce; the connector answers with its rank, its own nonce and
 * an HMAC over both; the acceptor checks it and answers with an HMAC over the nonces the
 * other way round. The key never travels; a recorded exchange is useless because every
 * nonce is new; and each proof covers the TLS channel it travels in (its exported keying
 * material), so a proof relayed from another connection fails. Which key a claimed rank
 * must prove is link-keys.ts's to say.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { FrameKind, MAX_FRAME_BYTES, type Frame } from './frames.js';
import type { FramedSocket } from './framed-socket.js';
import type { AcceptKey } from './link-keys.js';

const NONCE_BYTES = 32;
const MAC_BYTES = 32;
export const HANDSHAKE_TIMEOUT_MS = 5000;

/** The remote end failed the handshake; the message is the reason to log. */
export class HandshakeError extends Error {}

/** No challenge came: the acceptor is busy or not listening yet, not refusing. Worth another try. */
export class HandshakeBusy extends Error {}

function proof(key: Buffer, role: 'connect' | 'accept', theirs: Buffer, mine: Buffer, rank: number, channel: Buffer): Buffer {
  const rankBytes = Buffer.alloc(4);
  rankBytes.writeUInt32BE(rank);
  return createHmac('sha256', key).update(`swarmsim-${role}`).update(theirs).update(mine).update(rankBytes).update(channel).digest();
}

/** The key a claimed rank must prove: one for all (the job key), or looked up per rank. */
export type KeyFor = Buffer | ((peer: number) => Promise<AcceptKey>);

/** Runs the acceptor's side; resolves with the connector's rank. */
export async function acceptHandshake(socket: FramedSocket, key: KeyFor, rank: number, timeoutMs = HANDSHAKE_TIMEOUT_MS): Promise<number> {
  const challenge = randomBytes(NONCE_BYTES);
  socket.write(FrameKind.CHALLENGE, challenge);
  const frame = await socket.next(timeoutMs, 'proof of the job key');
  if (frame.kind !== FrameKind.PROOF || frame.body.length !== 4 + NONCE_BYTES + MAC_BYTES) {
    throw new HandshakeError('sent something other than a proof of the job key');
  }
  const theirRank = frame.body.readUInt32BE(0);
  const theirNonce = frame.body.subarray(4, 4 + NONCE_BYTES);
  const mac = frame.body.subarray(4 + NONCE_BYTES);
  const expected = Buffer.isBuffer(key) ? { key, wrong: 'wrong job key' } : await key(theirRank);
  if ('refused' in expected) {
    socket.write(FrameKind.REFUSED, 'not taken');
    throw new HandshakeError(expected.refused);
  }
  const channel = socket.channelBinding();
  if (!timingSafeEqual(mac, proof(expected.key, 'connect', challenge, theirNonce, theirRank, channel))) {
    socket.write(FrameKind.REFUSED, 'wrong job key');
    throw new HandshakeError(expected.wrong);
  }
  const rankBytes = Buffer.alloc(4);
  rankBytes.writeUInt32BE(rank);
  socket.write(FrameKind.WELCOME, Buffer.concat([rankBytes, proof(expected.key, 'accept', theirNonce, challenge, rank, channel)]));
  socket.setLimit(MAX_FRAME_BYTES);
  return theirRank;
}

/**
 * The acceptor's next frame. A refusal is final; no frame (a timeout, or a close with no
 * refusal, as when the acceptor gave up waiting for us on a starved machine) is busy.
 */
async function nextOrBusy(socket: FramedSocket, timeoutMs: number, waitingFor: string): Promise<Frame> {
  const frame = await socket.next(timeoutMs, waitingFor).catch((error: unknown) => {
    throw new HandshakeBusy((error as Error).message);
  });
  if (frame.kind === FrameKind.REFUSED) throw new HandshakeError(`refused this rank: ${frame.body.toString('utf8').slice(0, 60)}`);
  return frame;
}

/** Runs the connector's side; resolves with the acceptor's rank, which must be `expected` when given. */
export async function connectHandshake(
  socket: FramedSocket,
  key: Buffer,
  rank: number,
  expected?: number,
  timeoutMs = HANDSHAKE_TIMEOUT_MS,
): Promise<number> {
  const frame = await nextOrBusy(socket, timeoutMs, 'a challenge');
  if (frame.kind !== FrameKind.CHALLENGE || frame.body.length !== NONCE_BYTES) throw new HandshakeError('did not send a challenge');
  const nonce = randomBytes(NONCE_BYTES);
  const rankBytes = Buffer.alloc(4);
  rankBytes.writeUInt32BE(rank);
  const channel = socket.channelBinding();
  socket.write(FrameKind.PROOF, Buffer.concat([rankBytes, nonce, proof(key, 'connect', frame.body, nonce, rank, channel)]));
  const welcome = await nextOrBusy(socket, timeoutMs, 'proof of the job key');
  if (welcome.kind !== FrameKind.WELCOME || welcome.body.length !== 4 + MAC_BYTES) throw new HandshakeError('refused our proof');
  const theirRank = welcome.body.readUInt32BE(0);
  if (!timingSafeEqual(welcome.body.subarray(4), proof(key, 'accept', nonce, frame.body, theirRank, channel))) {
    throw new HandshakeError(`answered with a wrong proof: it is not rank ${theirRank} of this job`);
  }
  if (expected !== undefined && theirRank !== expected) throw new HandshakeError(`is rank ${theirRank}, not rank ${expected}`);
  socket.setLimit(MAX_FRAME_BYTES);
  return theirRank;
}
