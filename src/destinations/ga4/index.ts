/**
 * GA4 Measurement Protocol destination: Conversion Funnel items as GA4 events (purchase, generate_lead, sign_up…)
 * on a web stream, user data hashed by Google's rules, batched per client id, deduplicated by transaction_id.
 */
import type { Destination } from '../types';
import { GA4_MAX_EVENTS, type Ga4Config, planGa4Requests } from './build';
import { ga4IdentityRules } from './identity';
import { readGa4Response } from './response';

export const ga4: Destination<'ga4', Ga4Config> = {
	platform: 'ga4',
	maxBatch: GA4_MAX_EVENTS,
	identity: ga4IdentityRules,
	planRequests: planGa4Requests,
	readResponse: readGa4Response,
};

export {
	GA4_BASE_URL,
	GA4_COLLECT_PATH,
	GA4_DEBUG_COLLECT_PATH,
	GA4_EVENT_NAME,
	GA4_FUTURE_TOLERANCE_MS,
	GA4_MAX_AGE_MS,
	GA4_MAX_EVENTS,
	GA4_MAX_EVENT_NAME_LENGTH,
	GA4_MAX_PAGE_LOCATION_LENGTH,
	GA4_MAX_PARAMS,
	GA4_MAX_PARAM_VALUE_LENGTH,
	GA4_MEASUREMENT_ID,
	GA4_RESERVED_EVENT_NAMES,
	GA4_RESERVED_PREFIXES,
	type Ga4Address,
	type Ga4Body,
	type Ga4Config,
	type Ga4Event,
	type Ga4EventParams,
	type Ga4UserData,
	type Ga4ValueFrom,
	clientIdFor,
	collectUrl,
	eventNameProblem,
	planGa4Requests,
	userDataFor,
} from './build';
export { ga4IdentityRules, ga4PostalCode, lettersLowerCase } from './identity';
export { GA4_CREDENTIAL_HINT, type Ga4ValidationMessage, messagePosition, readGa4Response } from './response';
