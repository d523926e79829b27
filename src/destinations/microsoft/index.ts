// PLACEHOLDER while the microsoft destination is being written: replaced by the real module.
import type { Destination } from '../types';

export const microsoft: Destination<'microsoft', Record<string, never>> = {
	platform: 'microsoft',
	maxBatch: 1,
	identity: {},
	planRequests: () => {
		throw new Error('not built yet');
	},
	readResponse: () => [],
};
