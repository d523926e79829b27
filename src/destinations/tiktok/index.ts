/**
 * TikTok Events API 2.0 destination: Conversion Funnel items and Click Tracker clicks as TikTok web (or
 * app/offline/CRM) events, hashed by TikTok's rules, deduplicated by event + event_id.
 */
import { tiktokIdentityRules } from './identity';
import type { Destination, TikTokConfig } from '../types';
import { TIKTOK_MAX_BATCH, type TikTokOptions, planTikTokRequests } from './build';
import { readTikTokResponse } from './response';

export const tiktok: Destination<'tiktok', TikTokConfig> = {
	identity: tiktokIdentityRules,
	platform: 'tiktok',
	maxBatch: TIKTOK_MAX_BATCH,
	planRequests: (events, config, now) => planTikTokRequests(events, config as TikTokOptions, now),
	readResponse: readTikTokResponse,
};

export {
	DEFAULT_CLICK_EVENT,
	TIKTOK_BASE_URL,
	TIKTOK_EVENT_SOURCES,
	TIKTOK_MAX_BATCH,
	TIKTOK_OFFLINE_WINDOW_DAYS,
	TIKTOK_TRACK_PATH,
	TIKTOK_USER_INFO_PATH,
	type TikTokBody,
	type TikTokEvent,
	type TikTokOptions,
	type TikTokValueFrom,
	isConversion,
	planTikTokRequests,
	trackUrl,
} from './build';
export { TIKTOK_AUTH_CODES, TIKTOK_CREDENTIAL_HINT, TIKTOK_INVALID_DATA_CODES, TIKTOK_PARTIAL_SUCCESS, TIKTOK_RATE_LIMIT_CODES } from './codes';
export { blamedPositions, readTikTokResponse } from './response';
