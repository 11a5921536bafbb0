// A strategy of your own, as `sim run inputs/ --strategy ./examples/least-asked.js` loads it:
// ask the holder this client has asked least so far, so that each client spreads its own
// requests evenly whatever the others do. Ties keep rank order (the sort is stable).
import { defineStrategy } from 'swarmsim/strategy';

export default defineStrategy({
  create() {
    const asked = new Map();
    const count = (holder) => asked.get(holder) ?? 0;
    return {
      // `members` is sorted by rank; write the order into `out` and change no state here:
      // the client may look at several segments before it sends one request.
      order(_file, members, out) {
        out.length = 0;
        out.push(...members);
        return out.sort((a, b) => count(a) - count(b));
      },
      sent(_file, holder) {
        asked.set(holder, count(holder) + 1);
      },
      answered() {},
      abandoned() {},
    };
  },
});
