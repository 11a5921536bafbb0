/**
 * One rank's end of the TCP mesh: a listener, a TLS connection per peer it talks to
 * (secure-socket.ts) whose rank is proved (handshake.ts, link-keys.ts), and protocol
 * messages batched per destination. Connections are made on first use; what this rank
 * sends a peer goes on one of them at a time (peer-link.ts), so it stays in order. A rank
 * is bound to the first accepted connection that carried a frame (rank-binding.ts). Frames
 * are checked (schema, size) before anything is delivered; a connection that fails a check
 * is closed, and its peer lost. One that breaks is resumed (link-resumption.ts). Ranks of
 * one process (a rank group) hand each other protocol messages in its event loop.
 */
import type { Letter, Mailbox } from '../../comm/mailbox.js';
import { FlushQueue, LocalLink } from '../batched-link.js';
import { takeBatch } from './batch-check.js';
import { FrameKind, type Frame } from './frames.js';
import { describeAddress, FramedSocket } from './framed-socket.js';
import { acceptHandshake, connectHandshake, HANDSHAKE_TIMEOUT_MS, HandshakeError } from './handshake.js';
import { LinkLists, type ListsTable } from './job-lists.js';
import type { LinkKeys } from './link-keys.js';
import { countIn, LinkResumption } from './link-resumption.js';
import type { Neighbour, NetworkEvents } from './network-events.js';
import { PeerLink } from './peer-link.js';
import { RankBindings } from './rank-binding.js';
import { RefusalLog } from './refusal-log.js';
import { peerMayAnswer, retryUntil } from './retry.js';
import { listenAt } from '../../net/ports.js';
import { linkSecurity, openSecureSocket, secureServer, type LinkSecurity, type SecureServer } from './secure-socket.js';

/** How long a refused connection may stay half-open while its refusal goes out. */
const REFUSAL_GRACE_MS = 1000;

export class TcpNetwork implements Neighbour {
  private readonly flusher = new FlushQueue();
  private readonly links: (PeerLink | undefined)[];
  /**
   * Per rank hosted in this process, the link that hands it messages in this event loop;
   * null for a rank elsewhere, undefined until first looked up (the neighbours are all known
   * before the first protocol message, so a rank is looked up once).
   */
  private readonly near: (LocalLink | null | undefined)[] = [];
  private readonly bindings: RankBindings;
  private readonly sockets = new Set<FramedSocket>();
  private readonly security: LinkSecurity;
  private listener: SecureServer | undefined;
  private addresses: (readonly [string, number])[] = [];
  private closing = false;
  private readonly refusals: RefusalLog;
  private readonly resumption: LinkResumption;
  private readonly lists: LinkLists;
  /** Messages delivered from every peer, for the watchdog and progress. */
  delivered = 0;

  constructor(
    readonly rank: number,
    readonly size: number,
    readonly keys: LinkKeys,
    /** Where protocol messages from peers are delivered; a test fault may swap in one nobody reads. */
    public intake: Mailbox,
    private readonly events: NetworkEvents,
  ) {
    this.links = new Array<PeerLink | undefined>(size);
    this.lists = new LinkLists(events.lists);
    this.refusals = new RefusalLog((line) => events.log(line));
    this.bindings = new RankBindings((line) => this.refusals.refused(line));
    this.security = linkSecurity(keys.jobKey, events.certificates);
    this.resumption = new LinkResumption({
      closing: () => this.closing,
      redial: (peer, withinMs) => this.reach(peer, withinMs, true),
      carrying: (peer) => this.links[peer]?.socket,
      adopt: (socket, peer, peerHas) => this.adopt(socket, peer, false, peerHas),
      lost: (peer, reason, tampered) => {
        this.links[peer]?.lose();
        events.lost(peer, reason, tampered);
      },
      log: (line) => events.log(line),
      refused: (line) => this.refusals.refused(line),
    });
    events.neighbours?.set(rank, this);
  }

  /** Listens on host:port (port 0: any free port); resolves with the port. */
  listen(host: string, port: number): Promise<number> {
    const listener = secureServer(
      this.security,
      (socket) => this.handshake(this.track(new FramedSocket(socket))),
      // One this rank closed itself as the job ended is nobody's fault.
      (reason, remote) => this.closing || this.refusals.refused(`refused a connection from ${remote}: ${reason}`),
    );
    this.listener = listener;
    return listenAt(listener.server, host, port);
  }

  /**
   * Every rank's listener, by rank: where to connect on first use; at a rank, its row of
   * pair keys; and the ranks that hold the job's lists of digest `lists.digest` (job-lists.ts).
   */
  setTable(
    addresses: readonly (readonly [string, number])[],
    keys?: readonly string[],
    lists: ListsTable = { digest: null, ranks: [] },
  ): void {
    this.addresses = [...addresses];
    if (keys) this.keys.learn(keys);
    this.lists.learn(lists);
    this.links.forEach((link, peer) => link && (link.interned = this.lists.towards(peer)));
  }

  /** A rank started again listens at host:port (its new process `holdsLists` or not): what is sent to it from now on goes there. */
  moved(rank: number, host: string, port: number, holdsLists = false): void {
    this.addresses[rank] = [host, port];
    this.lists.set(rank, holdsLists);
    // A link on the old process's connection is dropped; one the new process opened stays.
    if (this.links[rank]?.socket?.closed) {
      this.links[rank] = undefined;
      this.resumption.newProcess(rank);
    } else if (this.links[rank]) (this.links[rank] as PeerLink).interned = this.lists.towards(rank);
  }

  /** Batched until the end of this event-loop turn. */
  post(dest: number, tag: number, payload: unknown): void {
    const near = this.near[dest] === undefined ? this.nearLink(dest) : this.near[dest];
    (near ?? this.linkTo(dest)).push(tag, payload);
  }

  /** Sends a control frame after whatever protocol messages to `dest` are queued, in this process or on the way. */
  control(dest: number, message: object): void {
    this.near[dest]?.flush();
    this.linkTo(dest).control(message);
  }

  /** A batch from a rank of this process. */
  receiveLocal(batch: readonly Letter[]): void {
    for (const letter of batch) this.intake.deliver(letter);
    this.delivered += batch.length;
  }

  /** Writes every queued batch now, those waiting for a later turn too (peer-link.ts). */
  flushAll(): void {
    this.flusher.flushAll();
    for (const link of this.links) link?.flushNow();
  }

  /**
   * Connects to `host:port`, proves the key and adopts the connection as the link to the
   * rank that answers (`expected` when given). Rejects if the connection cannot be made.
   */
  async connect(host: string, port: number, expected?: number, resume = false): Promise<{ peer: number; localAddress: string }> {
    if (this.closing) throw new Error('the network closed');
    const key = this.keys.forDial(expected ?? this.keys.coordinator);
    const socket = await openSecureSocket(host, port, this.security);
    if (this.closing) {
      socket.destroy();
      throw new Error('the network closed while connecting');
    }
    const framed = this.track(new FramedSocket(socket));
    try {
      const peer = await connectHandshake(framed, key, this.rank, expected);
      const peerHas = resume ? await this.resumption.dialled(framed, peer) : undefined;
      // Closed meanwhile (the coordinator went silent, the job ended): a late link would keep the process alive.
      if (this.closing) throw new Error('the network closed while connecting');
      if (!this.adopt(framed, peer, true, peerHas)) throw new HandshakeError(`rank ${peer}'s link is out of step`);
      return { peer, localAddress: socket.localAddress ?? host };
    } catch (error) {
      framed.destroy(String(error));
      throw error;
    }
  }

  /** Closes every connection and the listener, after flushing what is queued. */
  close(): void {
    this.stopListening();
    this.flushAll();
    for (const socket of this.sockets) socket.finish();
  }

  /** Closes everything at once. */
  destroy(): void {
    this.stopListening();
    for (const socket of this.sockets) socket.destroy('shut down');
  }

  private stopListening(): void {
    this.closing = true;
    this.resumption.stop();
    this.refusals.flush();
    this.listener?.server.close();
    this.listener?.dropHandshakes();
  }

  private nearLink(dest: number): LocalLink | null {
    const neighbour = this.events.neighbours?.get(dest);
    const link = neighbour && dest !== this.rank ? new LocalLink(this.flusher, this.rank, (batch) => neighbour.receiveLocal(batch)) : null;
    return (this.near[dest] = link);
  }

  private linkTo(dest: number): PeerLink {
    let link = this.links[dest];
    if (!link) {
      this.links[dest] = link = new PeerLink(this.flusher, this.lists.towards(dest));
      this.dial(dest);
    }
    return link;
  }

  private dial(dest: number): void {
    this.reach(dest, this.events.connectTimeoutMs ?? 30_000).catch((error: unknown) => this.events.lost(dest, (error as Error).message));
  }

  /** Connects to `dest` where the table says it listens, trying a busy listener for `withinMs`; rejects saying why not. */
  private async reach(dest: number, withinMs: number, resume = false): Promise<void> {
    const address = this.addresses[dest];
    if (!address) throw new Error('no address known for it');
    const mayAnswer = (error: unknown): boolean => !this.closing && peerMayAnswer(error);
    await retryUntil(Date.now() + withinMs, mayAnswer, () => this.connect(address[0], address[1], dest, resume)).catch((error: unknown) => {
      throw new Error(`cannot connect to ${describeAddress(address[0], address[1])}: ${(error as Error).message}`);
    });
  }

  private track(socket: FramedSocket): FramedSocket {
    this.sockets.add(socket);
    socket.onClose(() => this.sockets.delete(socket));
    return socket;
  }

  private handshake(socket: FramedSocket): void {
    if (this.closing) {
      socket.write(FrameKind.REFUSED, 'the job is ending');
      socket.finish(REFUSAL_GRACE_MS);
      return;
    }
    acceptHandshake(socket, (peer) => this.keys.forAccept(peer, HANDSHAKE_TIMEOUT_MS), this.rank).then(
      (peer) => {
        if (peer === this.rank || peer >= this.size) {
          this.refusals.refused(
            `refused a connection from ${socket.remote}: it claims rank ${peer}, not a rank of this ${this.size}-rank job`,
          );
          socket.destroy('bad rank');
          return;
        }
        // Adopted on its first frame: a connector whose side of the handshake timed out on a
        // starved machine closes this connection and dials again, and a connection that never
        // carried a frame is no link to lose.
        socket.listen((first) => {
          if (!this.bindings.bind(socket, peer, first.kind === FrameKind.RESUME)) return;
          if (first.kind === FrameKind.RESUME) this.resumption.accepted(socket, peer, first);
          else this.adopt(socket, peer, false, undefined, first);
        });
      },
      (error: unknown) => {
        // Closed by its dialer, which gave up on a busy machine and dials again: no refusal.
        if (socket.reason !== 'closed') this.refusals.refused(`refused a connection from ${socket.remote}: ${(error as Error).message}`);
        // A refusal frame written is let out before the close; anything else ends at once.
        if (error instanceof HandshakeError) socket.finish(REFUSAL_GRACE_MS);
        else socket.destroy('failed the handshake');
      },
    );
  }

  /** `peerHas`: the connection resumes a link of the same process, whose peer took that many frames of it. */
  private adopt(socket: FramedSocket, peer: number, dialed: boolean, peerHas?: number, first?: Frame): boolean {
    // Before anything can close it: a connection refused here is a loss of the peer, said once.
    socket.onClose((reason) => this.resumption.broken(peer, socket, reason, dialed));
    if (dialed) this.resumption.dialed(peer, socket);
    const link = (this.links[peer] ??= new PeerLink(this.flusher, this.lists.towards(peer)));
    const taken = link.take(socket, dialed, peerHas);
    if (taken === 'refused') {
      this.refuse(socket, peer, 'a resumption out of step with the frames it was sent');
      return false;
    }
    if (taken === 'new process') {
      // Its table is not known until the coordinator's word of it (moved): lists go by value until then.
      link.interned = undefined;
      this.resumption.newProcess(peer);
      this.events.returned?.(peer);
    }
    const take = (frame: Frame): void => {
      if (frame.kind === FrameKind.ACK) {
        const acknowledged = this.links[peer]?.acknowledge(countIn(frame.body) ?? -1); // -1: out of step, always
        if (!acknowledged) this.refuse(socket, peer, 'an acknowledgement out of step with the frames it was sent');
        return;
      }
      if (frame.kind === FrameKind.CONTROL || frame.kind === FrameKind.BATCH)
        this.resumption.received.taken(peer, socket, frame.body.length);
      if (frame.kind === FrameKind.CONTROL) return this.events.control(peer, frame.body);
      if (frame.kind !== FrameKind.BATCH) return this.refuse(socket, peer, `a handshake frame after the handshake`);
      const taken = takeBatch(frame.body, peer, this.intake, this.lists.own?.table);
      if (typeof taken === 'string') return this.refuse(socket, peer, taken);
      this.delivered += taken;
    };
    if (first) take(first);
    socket.listen(take);
    return true;
  }

  private refuse(socket: FramedSocket, peer: number, what: string): void {
    this.resumption.refusedPeer(peer);
    this.events.log(`closed the connection from rank ${peer} (${socket.remote}): it sent ${what}`);
    socket.destroy(`was closed: it sent ${what}`);
  }
}
