/** The defaults: a 5 ms network of home links (20 Mbit/s up, 100 down) and 256 KiB segments. */
export const NETWORK_DEFAULTS = {
  latencyMs: 5,
  uploadMbps: 20,
  downloadMbps: 100,
  segmentKiB: 256,
} as const;
