// PLACEHOLDER while the reddit destination is being written: replaced by the real module.
import type { Destination } from '../types';

export const reddit: Destination<'reddit', Record<string, never>> = {
	platform: 'reddit',
	maxBatch: 1,
	identity: {},
	planRequests: () => {
		throw new Error('not built yet');
	},
	readResponse: () => [],
};
