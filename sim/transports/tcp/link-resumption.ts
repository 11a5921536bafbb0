/**
 * A link whose connection broke while both of its ranks' processes live is resumed, not
 * lost: a flipped byte that TLS refuses, or a connection cut on the way, ends one
 * connection, not a rank. Each end numbers the BATCH and CONTROL frames it sends on a link
 * and holds them until the other acknowledges them (peer-link.ts). When a connection
 * breaks, the end that dialed it dials again (a busy listener is tried again for
 * REDIAL_MS) and opens with RESUME and its count of frames taken; the other answers with
 * its own; each sends again what the other did not take. The end that accepted it waits
 * RESUME_WAIT_MS for that before it takes the peer for lost; a dialer that cannot connect
 * again (a refused connection: the process is gone) takes it for lost. Only the dialer
 * knows to resume, so the dialer writes a PING to its link's connection whenever it wrote
 * nothing else for PROBE_MS: a break only the accepting end saw (a cut on one side, by a
 * proxy or a NAT on the way) is then found within the wait, as the write is reset, if
 * packets still get through. A connection this end closed itself (a peer that broke the
 * rules) is never resumed.
 */
import { FrameKind, type Frame } from './frames.js';
import type { FramedSocket } from './framed-socket.js';
import { HANDSHAKE_TIMEOUT_MS, HandshakeError } from './handshake.js';

/** How long the dialer of a broken connection keeps trying a busy listener. */
const REDIAL_MS = 3000;
/** How long the accepting end waits for it: longer, as the dialer may see the break later. */
export const RESUME_WAIT_MS = 5000;
/** How often a connection this end dialed is pinged when it carries nothing else: well within RESUME_WAIT_MS. */
const PROBE_MS = 1000;
/** How long a refused resumption's connection may stay half-open while its refusal goes out. */
const REFUSAL_GRACE_MS = 1000;
/**
 * Acknowledged every this many frames taken, or this many bytes, whichever comes first: the
 * sender holds at most about that much per link (peer-link.ts), for one small frame back.
 */
const ACK_FRAMES = 64;
const ACK_BYTES = 4 * 2 ** 20;

/** A count in a RESUME or ACK frame: a decimal integer, or undefined. */
export function countIn(body: Buffer): number | undefined {
  const text = body.toString('latin1');
  return /^[0-9]{1,15}$/.test(text) ? Number(text) : undefined;
}

/** The frames taken from each peer, counted across its connections, and acknowledged. */
class ReceivedFrames {
  private readonly counts: number[] = [];
  private readonly unacked: number[] = [];
  private readonly unackedBytes: number[] = [];

  /** A frame of `bytes` from `peer` on `socket` was taken; acknowledged there when due. */
  taken(peer: number, socket: FramedSocket, bytes: number): void {
    this.counts[peer] = this.count(peer) + 1;
    this.unacked[peer] = (this.unacked[peer] ?? 0) + 1;
    this.unackedBytes[peer] = (this.unackedBytes[peer] ?? 0) + bytes;
    if (this.unacked[peer] < ACK_FRAMES && this.unackedBytes[peer] < ACK_BYTES) return;
    socket.write(FrameKind.ACK, String(this.counts[peer]));
    this.unacked[peer] = 0;
    this.unackedBytes[peer] = 0;
  }

  count(peer: number): number {
    return this.counts[peer] ?? 0;
  }

  /** The peer's rank runs in a new process, whose stream starts again from its first frame. */
  restart(peer: number): void {
    this.counts[peer] = 0;
    this.unacked[peer] = 0;
    this.unackedBytes[peer] = 0;
  }
}

/** Peers whose accepted connection broke, each given RESUME_WAIT_MS to come back. */
class ResumeWaits {
  private readonly waiting = new Map<number, NodeJS.Timeout>();

  wait(peer: number, lost: () => void): void {
    if (this.waiting.has(peer)) return;
    this.waiting.set(peer, setTimeout(() => this.resumed(peer) && lost(), RESUME_WAIT_MS).unref());
  }

  /** The peer came back; false if it was not awaited. */
  resumed(peer: number): boolean {
    clearTimeout(this.waiting.get(peer));
    return this.waiting.delete(peer);
  }

  clear(): void {
    for (const timer of this.waiting.values()) clearTimeout(timer);
    this.waiting.clear();
  }
}

/** What resuming needs of its rank's network (network.ts). */
export interface ResumingNetwork {
  closing(): boolean;
  /** Dials `peer` where the table says it listens, trying a busy listener for `withinMs`, and resumes its link. */
  redial(peer: number, withinMs: number): Promise<unknown>;
  /** The connection that carries this end's frames to `peer`, if any. */
  carrying(peer: number): FramedSocket | undefined;
  /** Takes an accepted connection as `peer`'s link again, which took `peerHas` frames of it; false if refused. */
  adopt(socket: FramedSocket, peer: number, peerHas: number): boolean;
  lost(peer: number, reason: string, tampered: boolean): void;
  log(line: string): void;
  refused(line: string): void;
}

export class LinkResumption {
  readonly received = new ReceivedFrames();
  private readonly waits = new ResumeWaits();
  /** Peers not to take back: a connection was closed on them for breaking the rules, or they were lost here. */
  private readonly shut = new Set<number>();
  /** Per peer, how many new processes of its rank came: a loss found for an older one is not the new one's. */
  private readonly lives: number[] = [];
  /** Per peer, the latest connection this end dialed to it: pinged while it carries the link and is idle. */
  private readonly dialedTo = new Map<number, FramedSocket>();
  private probes: NodeJS.Timeout | undefined;

  constructor(private readonly network: ResumingNetwork) {}

  /** This end closed a connection of `peer`'s for breaking the rules. */
  refusedPeer(peer: number): void {
    this.shut.add(peer);
  }

  /** A connection to `peer` ended: resumed if it broke and this end dialed it, awaited if the peer did, else the peer is lost. */
  broken(peer: number, socket: FramedSocket, reason: string, dialed: boolean): void {
    const { network } = this;
    if (network.closing()) return;
    const life = this.lives[peer] ?? 0;
    const lost = (): void => {
      if ((this.lives[peer] ?? 0) !== life || network.closing()) return;
      this.shut.add(peer);
      network.lost(peer, `its connection ${reason}`, socket.endedByTls);
    };
    if (!socket.broke || this.shut.has(peer)) return lost();
    // Said at once: the link may come back, but what broke it is news.
    if (socket.endedByTls) network.log(`the connection with rank ${peer} (${socket.remote}) ${reason}: resuming the link`);
    if (!dialed) return this.waits.wait(peer, lost);
    network.redial(peer, REDIAL_MS).then(() => network.log(`resumed the link to rank ${peer}`), lost);
  }

  /** This end dialed `socket` to `peer`: while it carries the link, it is pinged whenever it stays idle for PROBE_MS. */
  dialed(peer: number, socket: FramedSocket): void {
    this.dialedTo.set(peer, socket);
    this.probes ??= setInterval(() => this.probe(), PROBE_MS).unref();
  }

  private probe(): void {
    if (this.network.closing()) return;
    for (const [peer, socket] of this.dialedTo) {
      if (socket.closed) this.dialedTo.delete(peer);
      // Not a crossed dial's spare connection, which the peer never took up as a link.
      else if (this.network.carrying(peer) === socket) socket.pingIfQuiet();
    }
  }

  /** The dialer's side of RESUME: says how far it took the peer's frames; resolves with how far the peer took its own. */
  async dialled(socket: FramedSocket, peer: number): Promise<number> {
    socket.write(FrameKind.RESUME, String(this.received.count(peer)));
    const answer = await socket.next(HANDSHAKE_TIMEOUT_MS, 'the answer to resuming the link');
    const count = answer.kind === FrameKind.RESUME ? countIn(answer.body) : undefined;
    if (count !== undefined) return count;
    throw new HandshakeError(
      answer.kind === FrameKind.REFUSED ? `refused to resume: ${answer.body.toString('utf8').slice(0, 80)}` : 'did not resume the link',
    );
  }

  /**
   * The acceptor's side of RESUME: a peer whose broken connection is awaited comes back, as
   * does one whose connection broke before this end took a frame from it (it never knew to
   * wait); one lost or shut out here does not.
   */
  accepted(socket: FramedSocket, peer: number, first: Frame): void {
    const peerHas = countIn(first.body);
    const awaited = this.waits.resumed(peer) || (this.received.count(peer) === 0 && !this.shut.has(peer));
    if (peerHas === undefined || !awaited) {
      this.network.refused(`refused a connection from ${socket.remote}: it resumes rank ${peer}'s link, which is not broken here`);
      socket.write(FrameKind.REFUSED, 'no broken link to resume');
      socket.finish(REFUSAL_GRACE_MS);
      return;
    }
    socket.write(FrameKind.RESUME, String(this.received.count(peer)));
    if (this.network.adopt(socket, peer, peerHas)) this.network.log(`resumed the link from rank ${peer} (${socket.remote})`);
  }

  /**
   * The peer's rank runs in a new process (it connected, or the coordinator said where it
   * listens): its stream starts anew, and a loss found for the old one (a wait, a redial)
   * is dropped. Only the coordinator restarts a rank, and it has told every rank of the
   * loss; told again now, late, the loss would be taken for the new process's.
   */
  newProcess(peer: number): void {
    this.lives[peer] = (this.lives[peer] ?? 0) + 1;
    this.waits.resumed(peer);
    this.received.restart(peer);
    this.shut.delete(peer);
  }

  stop(): void {
    this.waits.clear();
    clearInterval(this.probes);
    this.dialedTo.clear();
  }
}
