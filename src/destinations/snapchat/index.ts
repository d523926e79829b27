// PLACEHOLDER while the snapchat destination is being written: replaced by the real module.
import type { Destination } from '../types';

export const snapchat: Destination<'snapchat', Record<string, never>> = {
	platform: 'snapchat',
	maxBatch: 1,
	identity: {},
	planRequests: () => {
		throw new Error('not built yet');
	},
	readResponse: () => [],
};
