export type TransportName = 'threads' | 'tcp' | 'virtual';
export const TRANSPORT_NAMES: readonly TransportName[] = ['threads', 'tcp', 'virtual'];
