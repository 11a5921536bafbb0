import { ALARM, RANK_LOST } from '../sim/comm/comm.js';
import { ProtocolError, Tag, TAG_NAMES, type ReplicatedChange, type SwarmComm, type SwarmMessage } from './protocol.js';
import type { TrackerState } from './tracker-state.js';

/**
 * The standby's side of replication: applies the serving tracker's changes to `state`
 * strictly in order, keeping them in `log`, and acknowledges each batch. True if the
 * serving tracker ended the job, false if it was lost.
 */
export async function follow(comm: SwarmComm, primary: number, log: ReplicatedChange[], state: TrackerState): Promise<boolean> {
  for (;;) {
    let message: SwarmMessage | undefined = await comm.recv({ source: primary });
    let applied = false;
    while (message) {
      switch (message.tag) {
        case Tag.REPLICATE: {
          const change = message.payload;
          if (change.seq !== log.length + 1) throw new ProtocolError(`tracker got change ${change.seq} after change ${log.length}`);
          log.push(change);
          state.apply(change);
          applied = true;
          break;
        }
        case Tag.TERMINATE:
          return true;
        case RANK_LOST:
          return false;
        // An acknowledgement the serving tracker sent to this rank's earlier life.
        case Tag.REPLICA_ACK:
        case ALARM:
          break;
        default:
          throw new ProtocolError(`standby got unexpected ${TAG_NAMES[message.tag] ?? message.tag} from rank ${primary}`);
      }
      message = comm.tryRecv({ source: primary });
    }
    // One acknowledgement per batch of changes: it covers every change before it.
    if (applied) comm.send(primary, Tag.REPLICA_ACK, { seq: log.length });
  }
}
