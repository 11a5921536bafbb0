/**
 * Calls `onStall` once when `moved()` (a count of messages delivered anywhere in the
 * job) has not changed for `timeoutMs`. Polls, so it costs nothing on the data plane.
 */
export function startWatchdog(timeoutMs: number, moved: () => number, onStall: () => void): () => void {
  let last = moved();
  let lastChange = Date.now();
  const timer = setInterval(
    () => {
      const now = moved();
      if (now !== last) {
        last = now;
        lastChange = Date.now();
      } else if (Date.now() - lastChange >= timeoutMs) {
        clearInterval(timer);
        onStall();
      }
    },
    Math.max(10, Math.min(1000, timeoutMs / 4)),
  );
  timer.unref();
  return () => clearInterval(timer);
}
