import { Tag, type SwarmComm } from './protocol.js';
import type { Roles } from './roles.js';
import type { FileSwarm } from './tracker-state.js';

/**
 * A graceful departure (`--seed-time`): the tracker tells every member of the leaver's
 * swarms, once each, to stop asking it. Only those can have it in their view: a client
 * learns of holders from swarm replies alone, and the reply makes it a member. A swarm
 * reply sent after the leave never lists the leaver, so nobody learns of it afterwards.
 */
export function tellLeft(comm: SwarmComm, roles: Roles, swarms: readonly FileSwarm[], leaver: number): void {
  const told = new Set<number>([leaver]);
  for (const swarm of swarms) {
    for (const member of swarm.members.keys()) {
      if (told.has(member) || !roles.isClient(member)) continue;
      told.add(member);
      comm.send(member, Tag.PEER_LEFT, { rank: leaver });
    }
  }
}
