import type { FramedSocket } from './framed-socket.js';

/**
 * Which accepted connection each peer's rank is bound to: the first that carried a frame.
 * While it lives, a second process claiming that rank (it holds the keys, or replays a
 * registration) is refused and logged, and its close is no loss of the rank. A connection
 * that resumes the rank's link (link-resumption.ts) takes the binding over, closing the old
 * one as broken if it still looks open here.
 */
export class RankBindings {
  private readonly bound: (FramedSocket | undefined)[] = [];

  constructor(private readonly refused: (line: string) => void) {}

  /**
   * Binds `peer` to `socket`, or refuses and closes `socket`. A connection that `resumes`
   * the rank's link (it proved the rank's key) shows the bound one dead, though this end may
   * not have seen it close yet: that one is dropped as broken instead.
   */
  bind(socket: FramedSocket, peer: number, resumes = false): boolean {
    const bound = this.bound[peer];
    if (bound && !bound.closed && resumes) bound.drop('broke: the rank resumed its link on a new connection');
    else if (bound && !bound.closed) {
      this.refused(`refused a connection from ${socket.remote}: it claims rank ${peer}, already connected from ${bound.remote}`);
      socket.destroy('a second connection claiming a bound rank');
      return false;
    }
    this.bound[peer] = socket;
    return true;
  }
}
