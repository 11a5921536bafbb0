import { ProtocolError, Tag, TAG_NAMES, type OwnedFile, type SwarmComm, type SwarmMessage } from './protocol.js';

export type Role = 'seed' | 'peer';

/**
 * Everything the tracker knows of a file. It never records which segments a client
 * holds: only the hashes and who is in the swarm.
 */
export interface FileSwarm {
  readonly hashes: readonly string[];
  readonly members: Map<number, Role>;
  /** Clients that reported the whole file downloaded. */
  completed: number;
}

/** A swarm's members by role, each list in the order they joined. */
export function splitRoles(members: ReadonlyMap<number, Role>): { seeds: number[]; peers: number[] } {
  const seeds: number[] = [];
  const peers: number[] = [];
  for (const [rank, role] of members) (role === 'seed' ? seeds : peers).push(rank);
  return { seeds, peers };
}

/** Told of every change of a swarm: a client joined `file` in `role`, or became its seed. */
export type SwarmObserver = (file: string, rank: number, role: Role) => void;

/** Rank 0: registers owners, answers swarm requests, and ends the job when every client is done. */
export class Tracker {
  readonly swarms = new Map<string, FileSwarm>();
  private clientsDone = 0;

  constructor(
    private readonly comm: SwarmComm,
    private readonly observe: SwarmObserver = () => undefined,
  ) {}

  async run(): Promise<void> {
    const comm = this.comm;
    const clients = comm.size - 1;
    for (let heard = 0; heard < clients; heard++) {
      const init = await comm.recv({ tag: Tag.INIT });
      this.register(init.source, init.payload.files);
    }
    for (let rank = 1; rank < comm.size; rank++) comm.send(rank, Tag.INIT_ACK, null);
    while (this.clientsDone < clients) {
      this.handle(comm.tryRecv() ?? (await comm.recv()));
    }
    for (let rank = 1; rank < comm.size; rank++) comm.send(rank, Tag.TERMINATE, null);
  }

  private register(owner: number, files: readonly OwnedFile[]): void {
    for (const { name, hashes } of files) {
      let swarm = this.swarms.get(name);
      if (!swarm) this.swarms.set(name, (swarm = { hashes, members: new Map(), completed: 0 }));
      this.setRole(name, swarm, owner, 'seed');
    }
  }

  private handle(message: SwarmMessage): void {
    const { source } = message;
    switch (message.tag) {
      case Tag.SWARM_REQUEST: {
        const { file, withHashes } = message.payload;
        const swarm = this.swarmOf(file, source);
        if (!swarm.members.has(source)) this.setRole(file, swarm, source, 'peer');
        const { seeds, peers } = splitRoles(swarm.members);
        const hashes = withHashes ? swarm.hashes : null;
        this.comm.send(source, Tag.SWARM_REPLY, { file, seeds, peers, hashes });
        break;
      }
      case Tag.PEER_UPDATE: {
        const swarm = this.swarmOf(message.payload.file, source);
        if (!swarm.members.has(source)) this.setRole(message.payload.file, swarm, source, 'peer');
        break;
      }
      case Tag.SINGLE_FILE_DOWNLOAD_COMPLETED: {
        const swarm = this.swarmOf(message.payload.file, source);
        this.setRole(message.payload.file, swarm, source, 'seed');
        swarm.completed++;
        break;
      }
      case Tag.CLIENT_GOT_ALL_FILES:
        this.clientsDone++;
        break;
      default:
        throw new ProtocolError(`tracker got unexpected ${TAG_NAMES[message.tag] ?? message.tag} from rank ${source}`);
    }
  }

  private setRole(file: string, swarm: FileSwarm, rank: number, role: Role): void {
    swarm.members.set(rank, role);
    this.observe(file, rank, role);
  }

  private swarmOf(file: string, asker: number): FileSwarm {
    const swarm = this.swarms.get(file);
    if (!swarm) throw new ProtocolError(`rank ${asker} asked about ${file}, which no client owns`);
    return swarm;
  }
}
