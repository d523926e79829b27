/**
 * Snapchat Conversions API v3 destination: Conversion Funnel items as Snap web (or offline) events, hashed by
 * Snap's rules, the ScCid of the matched click as sc_click_id, deduplicated by event_id.
 */
import type { Destination } from '../types';
import { SNAPCHAT_MAX_BATCH, type SnapchatConfig, planSnapchatRequests } from './build';
import { snapchatIdentityRules } from './identity';
import { readSnapchatResponse } from './response';

export const snapchat: Destination<'snapchat', SnapchatConfig> = {
	platform: 'snapchat',
	maxBatch: SNAPCHAT_MAX_BATCH,
	identity: snapchatIdentityRules,
	planRequests: planSnapchatRequests,
	readResponse: readSnapchatResponse,
};

export {
	SNAPCHAT_ACTION_SOURCES,
	SNAPCHAT_BASE_URL,
	SNAPCHAT_MAX_BATCH,
	SNAPCHAT_MAX_FUTURE_MS,
	SNAPCHAT_WINDOW_DAYS,
	type SnapchatActionSource,
	type SnapchatBody,
	type SnapchatConfig,
	type SnapchatEvent,
	type SnapchatUserData,
	type SnapchatValueFrom,
	planSnapchatRequests,
	snapchatEventsUrl,
} from './build';
export { snapchatIdentityRules } from './identity';
export { SNAPCHAT_CREDENTIAL_HINT, readSnapchatResponse } from './response';
