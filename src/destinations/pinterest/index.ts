/**
 * Pinterest Conversions API (v5) destination: Conversion Funnel items as Pinterest web (or offline) events,
 * hashed by Pinterest's rules, the ad click's epik as click_id, deduplicated by event_id.
 */
import type { Destination } from '../types';
import { PINTEREST_MAX_BATCH, type PinterestConfig, planPinterestRequests } from './build';
import { pinterestIdentityRules } from './identity';
import { readPinterestResponse } from './response';

export const pinterest: Destination<'pinterest', PinterestConfig> = {
	platform: 'pinterest',
	maxBatch: PINTEREST_MAX_BATCH,
	identity: pinterestIdentityRules,
	planRequests: (events, config, now) => planPinterestRequests(events, config, now),
	readResponse: readPinterestResponse,
};

export {
	PINTEREST_ACTION_SOURCES,
	PINTEREST_BASE_URL,
	PINTEREST_FUTURE_TOLERANCE_MS,
	PINTEREST_MAX_AGE_DAYS,
	PINTEREST_MAX_BATCH,
	type PinterestActionSource,
	type PinterestBody,
	type PinterestConfig,
	type PinterestEvent,
	type PinterestUserData,
	type PinterestValueFrom,
	buildPinterestEvent,
	pinterestAdAccountId,
	pinterestEventsUrl,
	planPinterestRequests,
} from './build';
export { pinterestIdentityRules } from './identity';
export {
	PINTEREST_ACCESS_HINT,
	PINTEREST_AUTH_FAILED,
	PINTEREST_CREDENTIAL_HINT,
	PINTEREST_FORBIDDEN,
	PINTEREST_RATE_LIMITED,
	readPinterestResponse,
	safeMessage,
} from './response';
