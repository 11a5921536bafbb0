/** Keeps `client<R>_<name>` within the 255 bytes file systems allow for a name. */
export const MAX_NAME_LENGTH = 200;
/** Beyond anything a swarm here can hold; rejects counts that are typos or garbage. */
export const MAX_COUNT = 10_000_000;
/**
 * The largest in<R>.txt read: ~7.9 M segment lines, more than any client here holds. A
 * bigger one (a sparse file of gigabytes, say) is refused from its size, before it is read.
 */
export const MAX_INPUT_BYTES = 256 * 2 ** 20;
/** Timers hold at most 2^31 - 1 ms (24.8 days); a longer wait would fire at once. */
export const MAX_SECONDS = 2_000_000;
