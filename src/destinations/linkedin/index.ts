/**
 * LinkedIn Conversions API destination: Conversion Funnel conversions as conversion events of the rule the
 * operator picks (per event name if wanted), the email hashed by LinkedIn's rule, the li_fat_id click id sent as
 * it is, deduplicated with the Insight Tag by eventId, BATCH_CREATE batches of 5,000.
 */
import type { Destination } from '../types';
import { LINKEDIN_MAX_BATCH, type LinkedInConfig, planLinkedInRequests } from './build';
import { linkedinIdentityRules } from './identity';
import { readLinkedInResponse } from './response';

export const linkedin: Destination<'linkedin', LinkedInConfig> = {
	platform: 'linkedin',
	maxBatch: LINKEDIN_MAX_BATCH,
	identity: linkedinIdentityRules,
	planRequests: planLinkedInRequests,
	readResponse: readLinkedInResponse,
};

export {
	LINKEDIN_BASE_URL,
	LINKEDIN_DEFAULT_VERSION,
	LINKEDIN_ID_TYPES,
	LINKEDIN_MAX_AGE_DAYS,
	LINKEDIN_MAX_BATCH,
	LINKEDIN_MAX_FUTURE_MS,
	LINKEDIN_NODE_NOTICE,
	LINKEDIN_PROTOCOL_VERSION,
	LINKEDIN_RULE_URN_PREFIX,
	type LinkedInBody,
	type LinkedInConfig,
	type LinkedInEvent,
	type LinkedInIdType,
	type LinkedInUserId,
	type LinkedInUserInfo,
	type LinkedInValueFrom,
	conversionEventsUrl,
	conversionRuleUrn,
	linkedinVersion,
	planLinkedInRequests,
} from './build';
export { linkedinIdentityRules } from './identity';
export { LINKEDIN_CREDENTIAL_HINT, LINKEDIN_PERMISSION_HINT, elementPosition, readLinkedInResponse } from './response';
