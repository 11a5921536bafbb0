import type { TransportName } from './transport.js';

export type { TransportName } from './transport.js';
export const TRANSPORT_NAMES: readonly TransportName[] = ['threads', 'tcp', 'virtual'];
