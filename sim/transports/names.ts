export type TransportName = 'threads' | 'tcp';
export const TRANSPORT_NAMES: readonly TransportName[] = ['threads', 'tcp'];
