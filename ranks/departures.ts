import { Tag, type SwarmComm } from './protocol.js';
import type { Roles } from './roles.js';
import type { FileSwarm } from './tracker-state.js';

/**
 * A graceful departure (`--seed-time`): the tracker tells the downloaders of the leaver's
 * swarms, once each, that it left (PEER_LEFT), and they take it as a loss. They must hear
 * it even if they never ask the leaver: a downloader that a member refused may otherwise
 * prove a segment lost from a listing taken after the leave, although that member got the
 * segment from the leaver in between (see FileDownload.provenLost); a loss notice starts a
 * new epoch, which forgets that refusal. The tracker sends the notice before any later
 * swarm reply to the same client. A member that is a seed of the file downloads nothing
 * of it and is not told; a client that is no member never had the leaver in its view.
 */
export function tellLeft(comm: SwarmComm, roles: Roles, swarms: readonly FileSwarm[], leaver: number): void {
  const told = new Set<number>([leaver]);
  for (const swarm of swarms) {
    for (const [member, role] of swarm.members) {
      if (role !== 'peer' || told.has(member) || !roles.isClient(member)) continue;
      told.add(member);
      comm.send(member, Tag.PEER_LEFT, { rank: leaver });
    }
  }
}
