/**
 * Microsoft Advertising UET Conversions API destination: Conversion Funnel conversions as UET custom events,
 * email and phone hashed by Microsoft's rules, the msclkid of the matched click sent as is, deduplicated with
 * UET by eventId.
 */
import type { Destination } from '../types';
import { MICROSOFT_MAX_BATCH, type MicrosoftConfig, planMicrosoftRequests } from './build';
import { microsoftIdentityRules } from './identity';
import { readMicrosoftResponse } from './response';

export const microsoft: Destination<'microsoft', MicrosoftConfig> = {
	platform: 'microsoft',
	maxBatch: MICROSOFT_MAX_BATCH,
	identity: microsoftIdentityRules,
	planRequests: planMicrosoftRequests,
	readResponse: readMicrosoftResponse,
};

export {
	MICROSOFT_BASE_URL,
	MICROSOFT_CONSENT_VALUES,
	MICROSOFT_MAX_BATCH,
	MICROSOFT_MAX_EVENT_AGE_DAYS,
	MICROSOFT_MAX_FUTURE_MS,
	type MicrosoftBody,
	type MicrosoftConfig,
	type MicrosoftCustomData,
	type MicrosoftEvent,
	type MicrosoftUserData,
	type MicrosoftValueFrom,
	eventsUrl,
	planMicrosoftRequests,
} from './build';
export { microsoftEmail, microsoftIdentityRules } from './identity';
export { MICROSOFT_CREDENTIAL_HINT, readMicrosoftResponse } from './response';
