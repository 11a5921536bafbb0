/** Keeps `client<R>_<name>` within the 255 bytes file systems allow for a name. */
export const MAX_NAME_LENGTH = 200;
/** Beyond anything a swarm here can hold; rejects counts that are typos or garbage. */
export const MAX_COUNT = 10_000_000;
