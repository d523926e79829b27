// PLACEHOLDER while the pinterest destination is being written: replaced by the real module.
import type { Destination } from '../types';

export const pinterest: Destination<'pinterest', Record<string, never>> = {
	platform: 'pinterest',
	maxBatch: 1,
	identity: {},
	planRequests: () => {
		throw new Error('not built yet');
	},
	readResponse: () => [],
};
