// PLACEHOLDER while the ga4 destination is being written: replaced by the real module.
import type { Destination } from '../types';

export const ga4: Destination<'ga4', Record<string, never>> = {
	platform: 'ga4',
	maxBatch: 1,
	identity: {},
	planRequests: () => {
		throw new Error('not built yet');
	},
	readResponse: () => [],
};
