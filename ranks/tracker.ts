import { ALARM, RANK_LOST } from '../sim/comm/comm.js';
import { ProtocolError, Tag, TAG_NAMES, type OwnedFile, type ReplicatedChange, type SwarmComm, type SwarmMessage } from './protocol.js';
import { Replicator } from './replication.js';
import { follow } from './standby.js';
import type { TrackerJournal } from './tracker-journal.js';
import { restoreState } from './tracker-snapshot.js';
import type { Roles } from './roles.js';
import { tellLeft } from './departures.js';
import { TrackerState, type FileSwarm, type SwarmObserver } from './tracker-state.js';

export { splitRoles, type FileSwarm, type Role, type SwarmObserver } from './tracker-state.js';

/**
 * How a tracker starts: serving (rank 0), following the primary as its standby, or
 * restarted after a crash, catching up from the tracker that serves now.
 */
export type TrackerStart = 'primary' | 'standby' | 'restarted';

export interface TrackerOptions {
  roles: Roles;
  start?: TrackerStart;
  observe?: SwarmObserver;
  /** Where changes are kept on disk (`--tracker-state`); a tracker restarted with no other tracker reloads from it. */
  journal?: TrackerJournal;
}

/**
 * A tracker: registers owners, answers swarm requests, and ends the job when every client
 * has finished or is gone. With two trackers the serving one replicates every change to
 * the other (see docs/faults.md); either can serve, and a standby serves once it learns
 * the primary is lost.
 */
export class Tracker {
  readonly state: TrackerState;
  /** Changes applied, in order, kept when a tracker may have to catch another one up. */
  private readonly log: ReplicatedChange[] | undefined;
  private readonly roles: Roles;
  private replicator: Replicator | undefined;
  /** Messages held until every live client has registered (see aboutUnknownFile). */
  private deferred: SwarmMessage[] = [];
  /** Files known when the held messages were last looked at: only a new one can release any. */
  private filesKnown = 0;
  /** True once this tracker has served (rather than only followed). */
  served = false;

  constructor(
    private readonly comm: SwarmComm,
    private readonly options: TrackerOptions,
  ) {
    this.roles = options.roles;
    this.state = new TrackerState(options.observe);
    this.log = this.roles.trackers === 2 ? [] : undefined;
  }

  get swarms(): ReadonlyMap<string, FileSwarm> {
    return this.state.swarms;
  }

  /**
   * Restarted, and still waiting for the serving tracker to send its log. If that tracker
   * ended the job before the request reached it, nothing will ever come: the harness stops
   * a tracker left waiting like this once every other rank has ended.
   */
  get awaitingCatchUp(): boolean {
    return this.options.start === 'restarted' && !this.served && (this.log?.length ?? 0) === 0;
  }

  /** The tracker this one replicates to, and tells when the job is over; none without one in step. */
  get follower(): number | undefined {
    return this.replicator?.follower;
  }

  /** What this tracker is doing, for stall reports. */
  describe(): string {
    const state = this.state;
    if (this.awaitingCatchUp) return 'restarted, waiting for the serving tracker to send its log';
    if (!this.replicator) return `following as standby, ${this.log?.length ?? 0} changes applied`;
    const parts = [
      `serving: ${state.registered.size} of ${this.roles.clients} clients registered, ${state.done.size} done, ${state.gone.size} gone`,
    ];
    if (state.later.size > 0) parts.push(`${state.later.size} yet to arrive`);
    if (state.left.size > 0) parts.push(`${state.left.size} left after seeding`);
    const held = this.replicator.describe();
    if (held) parts.push(held);
    if (this.deferred.length > 0) parts.push(`${this.deferred.length} messages held until every live client has registered`);
    return parts.join('; ');
  }

  async run(): Promise<void> {
    const start = this.options.start ?? 'primary';
    const other = this.roles.peerTracker(this.comm.rank);
    if (start !== 'primary') {
      // The only tracker, restarted: its saved state stands in for a serving tracker's log.
      const journal = this.options.journal;
      if (other === undefined && start === 'restarted' && journal)
        return this.serve(undefined, restoreState(this.state, journal.saved.snapshot, journal.saved.changes));
      if (other === undefined) throw new ProtocolError(`rank ${this.comm.rank} cannot be a ${start} tracker without another tracker`);
      if (start === 'restarted') this.comm.send(other, Tag.CATCH_UP, null);
      if (await follow(this.comm, other, this.log as ReplicatedChange[], this.state)) return;
    }
    await this.serve(start === 'primary' ? other : undefined);
  }

  /**
   * Serves until the job is over. `reloaded`: the last change of a state reloaded from disk;
   * clients lost meanwhile are dropped, and every other one hears the tracker is back.
   */
  private async serve(standby: number | undefined, reloaded?: number): Promise<void> {
    const comm = this.comm;
    this.served = true;
    const replicator = new Replicator(comm, this.state, this.log, standby, this.options.journal, reloaded);
    this.replicator = replicator;
    if (reloaded !== undefined) this.comeBack(replicator);
    const clients = this.roles.clients;
    // With nothing left to read, changes go to disk (which may release replies) before the
    // wait; undefined then, and the loop looks again. Written out in each loop: an async
    // helper would add a microtask per message, and move events within a virtual instant.
    if (!this.state.started) {
      // A client rejoining after a failover proves the go-ahead was given: no need to wait.
      while (!this.state.started && !this.state.allRegistered(this.roles.clients, true))
        this.handleAny(comm.tryRecv() ?? (replicator.sync() ? undefined : await comm.recv()));
      if (!this.state.started) replicator.commit({ kind: 'go', rank: comm.rank, file: '', files: [], uploadKbps: 0 });
      // A client yet to arrive hears the go-ahead in answer to its INIT, once it has sent it.
      for (const client of this.liveClients()) if (this.state.registered.has(client)) replicator.reply(client, Tag.INIT_ACK, null);
    }
    // The standby acknowledges everything before the end, so both trackers end alike.
    for (;;) {
      const settled = this.state.settled(clients);
      if (settled && replicator.synced) break;
      this.handleAny(comm.tryRecv() ?? (replicator.sync(settled) ? undefined : await comm.recv()));
    }
    for (const client of this.liveClients()) comm.send(client, Tag.TERMINATE, null);
    const follower = replicator.follower;
    if (follower !== undefined) comm.send(follower, Tag.TERMINATE, null);
  }

  private comeBack(replicator: Replicator): void {
    for (const client of this.roles.clientRanks()) {
      if (this.state.gone.has(client)) continue;
      if (this.comm.isLost(client)) replicator.commit({ kind: 'drop', rank: client, file: '', files: [], uploadKbps: 0 });
      else this.comm.send(client, Tag.TRACKER_BACK, null);
    }
  }

  private handleAny(message: SwarmMessage | undefined): void {
    if (message) this.handle(message);
  }

  private everyoneRegistered(): boolean {
    return this.state.allRegistered(this.roles.clients, false);
  }

  private liveClients(): number[] {
    return this.roles.clientRanks().filter((rank) => !this.state.gone.has(rank));
  }

  private handle(message: SwarmMessage): void {
    if (this.aboutUnknownFile(message)) {
      this.deferred.push(message);
      return;
    }
    this.apply(message);
    // A late arrival's registration may name the file a held message is about.
    if (this.deferred.length > 0 && (this.state.swarms.size > this.filesKnown || this.everyoneRegistered())) {
      this.filesKnown = this.state.swarms.size;
      const deferred = this.deferred;
      this.deferred = [];
      for (const held of deferred) this.handle(held);
    }
  }

  /**
   * A message about a file no registration has named yet, while some live client has not
   * registered: after a takeover, the owner's registration may still be on its way.
   */
  private aboutUnknownFile(message: SwarmMessage): boolean {
    const files = (): string[] => {
      switch (message.tag) {
        case Tag.SWARM_REQUEST:
        case Tag.PEER_UPDATE:
        case Tag.SINGLE_FILE_DOWNLOAD_COMPLETED:
        case Tag.FILE_UNAVAILABLE:
          return [message.payload.file];
        case Tag.REJOIN:
          return [...message.payload.completed, ...message.payload.gaveUp];
        default:
          return [];
      }
    };
    const unknown = files().some((file) => !this.state.swarms.has(file));
    if (!unknown || this.everyoneRegistered()) return false;
    // Its own registration is news for everyone else: take it now, the rest when all are in.
    if (message.tag === Tag.REJOIN && !this.state.registered.has(message.source)) {
      const { owned: files, uploadKbps } = message.payload;
      (this.replicator as Replicator).commit({ kind: 'register', rank: message.source, file: '', files, uploadKbps });
      return !this.everyoneRegistered() && this.aboutUnknownFile(message);
    }
    return true;
  }

  private apply(message: SwarmMessage): void {
    const replicator = this.replicator as Replicator;
    const { source } = message;
    const commit = (kind: ReplicatedChange['kind'], file = '', files: OwnedFile[] = [], uploadKbps = 0): void =>
      replicator.commit({ kind, rank: source, file, files, uploadKbps });
    switch (message.tag) {
      case Tag.INIT:
        if (!this.state.registered.has(source)) commit('register', '', message.payload.files, message.payload.uploadKbps);
        // A client that did not hear the go-ahead before a failover asks again.
        if (this.state.started) replicator.reply(source, Tag.INIT_ACK, null);
        break;
      case Tag.SWARM_REQUEST: {
        const { file, withHashes } = message.payload;
        const swarm = this.swarmOf(file, source);
        if (!swarm) {
          // Its only owners were lost before they registered: an empty swarm says so.
          replicator.reply(source, Tag.SWARM_REPLY, { file, seeds: [], peers: [], rates: [], arrivals: [], hashes: [] });
          break;
        }
        if (!swarm.members.has(source)) commit('peer', file);
        const { seeds, peers, arrivals } = swarm.listing;
        const rates = swarm.listing.ratesOf(this.state.uploadKbps);
        replicator.reply(source, Tag.SWARM_REPLY, { file, seeds, peers, rates, arrivals, hashes: withHashes ? swarm.hashes : null });
        break;
      }
      case Tag.PEER_UPDATE:
        if (this.swarmOf(message.payload.file, source)?.members.has(source) === false) commit('peer', message.payload.file);
        break;
      case Tag.SINGLE_FILE_DOWNLOAD_COMPLETED:
        if (this.swarmOf(message.payload.file, source)?.completedBy.has(source) === false) commit('complete', message.payload.file);
        break;
      case Tag.FILE_UNAVAILABLE:
        if (this.swarmOf(message.payload.file, source)?.gaveUpBy.has(source) === false) commit('give-up', message.payload.file);
        break;
      case Tag.CLIENT_GOT_ALL_FILES:
        if (!this.state.done.has(source)) commit('done');
        break;
      case Tag.REJOIN: {
        const { owned, completed, gaveUp, done, uploadKbps } = message.payload;
        // A tracker that took over before it was in step may have missed the registration, or the go-ahead.
        if (!this.state.registered.has(source)) commit('register', '', owned, uploadKbps);
        if (!this.state.started) commit('go');
        for (const file of completed) if (this.swarmOf(file, source)?.completedBy.has(source) === false) commit('complete', file);
        for (const file of gaveUp) if (this.swarmOf(file, source)?.gaveUpBy.has(source) === false) commit('give-up', file);
        if (done && !this.state.done.has(source)) commit('done');
        break;
      }
      case Tag.ARRIVES_LATER:
        if (!this.state.registered.has(source)) commit('later');
        break;
      case Tag.BYE: {
        if (this.state.left.has(source)) break;
        // A client that left proves the go-ahead was given, to a tracker that took over before it was in step.
        if (!this.state.started) commit('go');
        const swarms = this.state.swarmsOf(source);
        commit('leave');
        tellLeft(this.comm, this.roles, swarms, source);
        break;
      }
      case Tag.REPLICA_ACK:
        replicator.acknowledged(source, message.payload.seq);
        break;
      // A change the other tracker sent before it was lost, delayed past the notice: this
      // tracker serves now, and what the change said comes back with the clients' rejoins.
      case Tag.REPLICATE:
        break;
      case Tag.CATCH_UP:
        if (source === this.roles.peerTracker(this.comm.rank)) replicator.catchUp(source);
        break;
      case RANK_LOST:
        if (this.roles.isTracker(source)) replicator.standbyLost(source);
        else if (!this.state.gone.has(source)) commit('drop');
        break;
      case ALARM:
        break;
      default:
        throw new ProtocolError(`tracker got unexpected ${TAG_NAMES[message.tag] ?? message.tag} from rank ${source}`);
    }
  }

  /**
   * The file's swarm. Owners are checked before a job starts, so an unknown file is a
   * protocol error, unless a client was lost or left: a tracker that took over may never
   * have heard its files registered.
   */
  private swarmOf(file: string, asker: number): FileSwarm | undefined {
    const swarm = this.state.swarms.get(file);
    if (!swarm && this.state.gone.size === 0 && this.state.left.size === 0)
      throw new ProtocolError(`rank ${asker} asked about ${file}, which no client owns`);
    return swarm;
  }
}
