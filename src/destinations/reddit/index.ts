/**
 * Reddit Conversions API v3 destination: Conversion Funnel items as Reddit conversion events for a pixel,
 * hashed by Reddit's rules (IP address included), deduplicated by metadata.conversion_id, batched by 1000.
 */
import type { Destination } from '../types';
import { REDDIT_MAX_BATCH, type RedditConfig, planRedditRequests } from './build';
import { redditIdentityRules } from './identity';
import { readRedditResponse } from './response';

export const reddit: Destination<'reddit', RedditConfig> = {
	platform: 'reddit',
	maxBatch: REDDIT_MAX_BATCH,
	identity: redditIdentityRules,
	planRequests: planRedditRequests,
	readResponse: readRedditResponse,
};

export {
	REDDIT_ACTION_SOURCE,
	REDDIT_BASE_URL,
	REDDIT_MAX_AGE_MS,
	REDDIT_MAX_BATCH,
	REDDIT_MAX_CUSTOM_EVENT_NAME,
	REDDIT_MAX_FUTURE_MS,
	REDDIT_TRACKING_TYPES,
	type RedditBody,
	type RedditConfig,
	type RedditEvent,
	type RedditTrackingType,
	type RedditUser,
	type RedditValueFrom,
	conversionEventsUrl,
	planRedditRequests,
	redditType,
} from './build';
export { redditEmail, redditIdentityRules } from './identity';
export { REDDIT_CREDENTIAL_HINT, REDDIT_PIXEL_HINT, blamedEvents, readRedditResponse } from './response';
