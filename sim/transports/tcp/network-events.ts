/** What a rank's end of the TCP mesh (network.ts) is told to do and tells its owner. */
import type { SiteCertificates } from './site-certificates.js';
import type { SharedLists } from './job-lists.js';
import type { Letter } from '../../comm/mailbox.js';

/** A rank of this process, as the others of its group hand it messages. */
export interface Neighbour {
  /** Messages from a rank of this process, delivered as a socket's batch would be. */
  receiveLocal(batch: readonly Letter[]): void;
}

export interface NetworkEvents {
  /** A control frame from an authenticated peer (not yet schema-checked: that is the caller's job). */
  control(from: number, body: Buffer): void;
  /** A link to a job member is gone: its connection could not be resumed, or was closed for a bad frame; `tampered`: TLS ended it (FramedSocket.endedByTls). */
  lost(peer: number, reason: string, tampered?: boolean): void;
  /** A line for the log: a refused connection and why. */
  log(line: string): void;
  /** A peer whose connection had closed connected again: a new process for its rank. */
  returned?(peer: number): void;
  /** How long a connection to a peer keeps being tried while its listener is busy; default 30 s. */
  connectTimeoutMs?: number;
  /** A site's certificates for TLS, in place of the job key's PSK. */
  certificates?: SiteCertificates;
  /** The networks of the ranks hosted in this process (a rank group), this one's included: messages to them never touch a socket. */
  neighbours?: Map<number, Neighbour>;
  /** The job's hash lists, when this process loaded the whole job: sent by number to peers that hold them too. */
  lists?: SharedLists;
}

/**
 * A dropped connection as the coordinator logs it: one TLS ended (tampered with) says why
 * itself; any other most likely means a dead process or an unreachable host.
 */
export function droppedConnection(reason: string, tampered = false): string {
  return tampered ? reason : `${reason} (its process died or its host became unreachable)`;
}
