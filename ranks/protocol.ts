/**
 * The swarm protocol's wire vocabulary: every tag and the payload it carries. Rank code
 * sends and receives only these; `SwarmComm` makes the compiler check each use.
 */
import { ALARM, RANK_LOST, type Comm, type Envelope, type TransportEnvelope } from '../sim/comm/comm.js';
import type { WireLayout } from '../sim/comm/wire-layout.js';

export const Tag = {
  INIT: 1,
  INIT_ACK: 2,
  SWARM_REQUEST: 3,
  SWARM_REPLY: 4,
  PEER_UPDATE: 5,
  SEGMENT_REQUEST: 6,
  ACK: 7,
  NACK: 8,
  SINGLE_FILE_DOWNLOAD_COMPLETED: 9,
  CLIENT_GOT_ALL_FILES: 10,
  TERMINATE: 11,
  /** A client tells the tracker that took over what it holds and has finished. */
  REJOIN: 12,
  /** A client gives up a file: some segment has no live holder. */
  FILE_UNAVAILABLE: 13,
  /** Primary tracker → standby: one state change, numbered. */
  REPLICATE: 14,
  /** Standby → primary: every change up to `seq` is applied. */
  REPLICA_ACK: 15,
  /** A restarted tracker asks the serving one for its whole log. */
  CATCH_UP: 16,
  /** A client that arrives later (`--arrivals`): the go-ahead does not wait for its registration. */
  ARRIVES_LATER: 17,
  /** A client that finished and seeded its while (`--seed-time`) leaves the swarm. */
  BYE: 18,
  /** A leaver's answer to a segment request: `rank` has left, stop asking it, as if it were lost. */
  PEER_LEFT: 19,
  /** A tracker restarted from its saved state (`--tracker-state`) is back: clients tell it again what it may have missed. */
  TRACKER_BACK: 20,
} as const;

export type Tag = (typeof Tag)[keyof typeof Tag];

export const TAG_NAMES: Readonly<Record<number, string>> = {
  ...Object.fromEntries(Object.entries(Tag).map(([name, tag]) => [tag, name])),
  [RANK_LOST]: 'RANK_LOST',
  [ALARM]: 'ALARM',
};

export interface OwnedFile {
  name: string;
  /** Segment hashes in segment order. */
  hashes: readonly string[];
}

/**
 * Reply to SEGMENT_REQUEST. `load` is how many segments the holder has served so far;
 * `from` and `held` say that it holds at least the `held` segments from index `from`
 * onwards (wrapping at the end of the file), so a requester can guess what to ask it next.
 */
export interface SegmentReply {
  file: string;
  index: number;
  load: number;
  from: number;
  held: number;
}

export type SwarmPayloads = {
  /** `uploadKbps`: the upload rate this client announces (0: not known), for strategies that weigh holders by it. */
  [Tag.INIT]: { files: OwnedFile[]; uploadKbps: number };
  [Tag.INIT_ACK]: null;
  /**
   * `withHashes: false` is a refresh: the client already has the hashes and wants only
   * the current members, which keeps the periodic refresh small for large files.
   */
  [Tag.SWARM_REQUEST]: { file: string; withHashes: boolean };
  /**
   * `rates`: the upload rate each member announced, seeds then peers (0: not known).
   * `arrivals`: per peer, how many downloaders had joined the swarm before it: where it
   * began its download, so others can guess what it holds before they ask it.
   */
  [Tag.SWARM_REPLY]: {
    file: string;
    /** Sorted by rank, as `peers` is. */
    seeds: readonly number[];
    peers: readonly number[];
    rates: readonly number[];
    arrivals: readonly number[];
    hashes: readonly string[] | null;
  };
  [Tag.PEER_UPDATE]: { file: string };
  [Tag.SEGMENT_REQUEST]: { file: string; index: number; hash: string };
  [Tag.ACK]: SegmentReply;
  [Tag.NACK]: SegmentReply;
  [Tag.SINGLE_FILE_DOWNLOAD_COMPLETED]: { file: string };
  [Tag.CLIENT_GOT_ALL_FILES]: null;
  [Tag.TERMINATE]: null;
  /** Owned files, wanted files complete and given up, and whether the client has finished them all. */
  [Tag.REJOIN]: { owned: OwnedFile[]; completed: string[]; gaveUp: string[]; done: boolean; uploadKbps: number };
  [Tag.FILE_UNAVAILABLE]: { file: string };
  [Tag.REPLICATE]: ReplicatedChange;
  [Tag.REPLICA_ACK]: { seq: number };
  [Tag.CATCH_UP]: null;
  [Tag.ARRIVES_LATER]: null;
  [Tag.BYE]: null;
  [Tag.PEER_LEFT]: { rank: number };
  [Tag.TRACKER_BACK]: null;
};

/**
 * What changes a tracker's state, in the order the primary applied it. One flat record
 * for every kind, unused fields empty, so it travels in the wire layout:
 * - `register`: `rank` owns `files` (seed of each) and announced `uploadKbps`;
 * - `peer` / `seed`: `rank` joined `file` in that role; `complete`: it downloaded the whole file;
 * - `give-up`: `rank` gave `file` up; `done`: `rank` has finished; `drop`: `rank` is gone;
 * - `go`: the go-ahead was given;
 * - `later`: `rank` arrives later, so the go-ahead does not wait for it; `leave`: `rank` finished and left.
 */
export type ChangeKind = 'register' | 'peer' | 'seed' | 'complete' | 'give-up' | 'done' | 'drop' | 'go' | 'later' | 'leave';
export interface TrackerChange {
  kind: ChangeKind;
  rank: number;
  file: string;
  files: OwnedFile[];
  uploadKbps: number;
}
export interface ReplicatedChange extends TrackerChange {
  seq: number;
}

const REPLY = [
  ['file', 'string'],
  ['index', 'int'],
  ['load', 'int'],
  ['from', 'int'],
  ['held', 'int'],
] as const;

/** Field order and kinds of every payload, for transports that send flat values or check input. */
export const SWARM_LAYOUT = {
  [Tag.INIT]: [
    [
      'files',
      {
        records: [
          ['name', 'string'],
          ['hashes', 'string[]'],
        ],
      },
    ],
    ['uploadKbps', 'int'],
  ],
  [Tag.INIT_ACK]: null,
  [Tag.SWARM_REQUEST]: [
    ['file', 'string'],
    ['withHashes', 'bool'],
  ],
  [Tag.SWARM_REPLY]: [
    ['file', 'string'],
    ['seeds', 'int[]'],
    ['peers', 'int[]'],
    ['rates', 'int[]'],
    ['arrivals', 'int[]'],
    ['hashes', 'string[]?'],
  ],
  [Tag.PEER_UPDATE]: [['file', 'string']],
  [Tag.SEGMENT_REQUEST]: [
    ['file', 'string'],
    ['index', 'int'],
    ['hash', 'string'],
  ],
  [Tag.ACK]: REPLY,
  [Tag.NACK]: REPLY,
  [Tag.SINGLE_FILE_DOWNLOAD_COMPLETED]: [['file', 'string']],
  [Tag.CLIENT_GOT_ALL_FILES]: null,
  [Tag.TERMINATE]: null,
  [Tag.REJOIN]: [
    [
      'owned',
      {
        records: [
          ['name', 'string'],
          ['hashes', 'string[]'],
        ],
      },
    ],
    ['completed', 'string[]'],
    ['gaveUp', 'string[]'],
    ['done', 'bool'],
    ['uploadKbps', 'int'],
  ],
  [Tag.FILE_UNAVAILABLE]: [['file', 'string']],
  [Tag.REPLICATE]: [
    ['seq', 'int'],
    ['kind', 'string'],
    ['rank', 'int'],
    ['file', 'string'],
    [
      'files',
      {
        records: [
          ['name', 'string'],
          ['hashes', 'string[]'],
        ],
      },
    ],
    ['uploadKbps', 'int'],
  ],
  [Tag.REPLICA_ACK]: [['seq', 'int']],
  [Tag.CATCH_UP]: null,
  [Tag.ARRIVES_LATER]: null,
  [Tag.BYE]: null,
  [Tag.PEER_LEFT]: [['rank', 'int']],
  [Tag.TRACKER_BACK]: null,
} as const satisfies WireLayout<SwarmPayloads>;

export type SwarmComm = Comm<SwarmPayloads>;
export type SwarmMessage = Envelope<SwarmPayloads> | TransportEnvelope;

/** A peer or the tracker received a message the protocol does not allow at that point. */
export class ProtocolError extends Error {}

/** Rank 0 is the tracker (the primary one when there are two). */
export const TRACKER = 0;

/** What one client starts with: the parsed `in<R>.txt`. */
export interface ClientFiles {
  owned: OwnedFile[];
  wanted: string[];
}

/** A client tells the tracker after this many segments obtained (and refreshes its swarm). */
export const UPDATE_EVERY = 10;
