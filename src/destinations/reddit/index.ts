/**
 * Reddit Conversions API v3 destination: Conversion Funnel items as Reddit conversion events for a pixel,
 * hashed by Reddit's rules (IP address included), deduplicated by metadata.conversion_id, batched by 1000.
 */
import { given, withConfigCheck } from '../definition';
import { REDDIT_BASE_URL, REDDIT_MAX_BATCH, type RedditConfig, type RedditValueFrom, planRedditRequests } from './build';
import { redditIdentityRules } from './identity';
import { readRedditResponse } from './response';

const DOCS = 'https://github.com/n8n-nodes-postback/n8n-nodes-postback#reddit-conversions-api';

export const reddit = withConfigCheck<'reddit', RedditConfig>({
	platform: 'reddit',
	displayName: 'Reddit',
	maxBatch: REDDIT_MAX_BATCH,
	identity: redditIdentityRules,
	planRequests: planRedditRequests,
	readResponse: readRedditResponse,
	node: {
		name: 'redditConversions',
		className: 'RedditConversions',
		displayName: 'Reddit Conversions API',
		description: 'Sends conversions to Reddit through the Conversions API: hashed, deduplicated by conversion ID, batched',
		subtitle: '={{$parameter["testId"] ? "test events: " + $parameter["pixelId"] : $parameter["pixelId"]}}',
		icon: { light: 'reddit.svg', dark: 'reddit.dark.svg' },
		codex: {
			alias: ['Reddit', 'Reddit Ads', 'Conversions API', 'CAPI', 'pixel', 'rdt_cid', 'PURCHASE', 'LEAD', 'conversion', 'affiliate'],
			documentationUrl: DOCS,
		},
	},
	settings: [
		{
			type: 'notice',
			text: 'Connect the Purchase, Lead or Other Event output of a Conversion Funnel: nothing to map. Reversals and Click Tracker clicks are not sent (Reddit takes conversions only). Each item leaves on Sent or Failed with what Reddit said under "forward".',
		},
		{
			type: 'string',
			name: 'pixelId',
			label: 'Pixel ID',
			required: { whereToFindIt: "Copy it from Reddit Events Manager (the pixel's ID)." },
			placeholder: 't2_abc123',
			description: 'The pixel in Reddit Events Manager that the conversions belong to',
		},
		{
			type: 'string',
			name: 'testId',
			label: 'Test ID',
			placeholder: 't2_abc123',
			description:
				'From Events Manager → Event Testing. While set, the events only show up under Event Testing and do not count for campaigns. Leave empty in production.',
		},
		{ type: 'valueFrom' },
		{ type: 'defaultCountry', phoneForm: 'them in E.164, with +' },
		{
			type: 'overrides',
			eventNameExample: 'PURCHASE, LEAD, SIGN_UP… or a custom name; other names are sent as custom events, case-sensitive',
			timeUnit: 'Unix milliseconds',
		},
	],
	configFrom: (settings, credentials) => ({
		pixelId: settings.pixelId as string,
		accessToken: credentials.accessToken as string,
		baseUrl: given(credentials.baseUrl),
		testId: settings.testId as string | undefined,
		valueFrom: settings.valueFrom as RedditValueFrom,
		defaultCountry: settings.defaultCountry as string | undefined,
	}),
	credential: {
		name: 'redditConversionsApi',
		className: 'RedditConversionsApi',
		displayName: 'Reddit Conversions API',
		documentationUrl: DOCS,
		fields: [
			{
				name: 'accessToken',
				label: 'Conversion Access Token',
				type: 'string',
				password: true,
				default: '',
				required: true,
				description: 'In Reddit Events Manager open Conversions API, then Generate Access Token',
			},
			{
				name: 'baseUrl',
				label: 'Base URL',
				type: 'string',
				default: REDDIT_BASE_URL,
				description: 'Change only to go through a proxy or to point at a test double',
			},
		],
		// A conversion access token is sent as a bearer token, never in the query string.
		authenticate: { headers: { Authorization: '=Bearer {{$credentials.accessToken}}' } },
		// GET /api/v3/me on the Ads API: read-only, sends no event, and Reddit answers 401 for a missing or unknown
		// token. Reddit documents no read-only endpoint for conversion tokens; if it refuses /me to a token scoped to
		// conversions only, the test fails while sending still works (the node's Failed output then tells).
		test: {
			request: {
				baseURL: '={{$credentials.baseUrl.replace(/\\/+$/, "")}}',
				url: '/api/v3/me',
				method: 'GET',
			},
		},
	},
	// Consent: https://ads-api.reddit.com/docs/v3/operations/Post%20Conversion%20Events
	consent: {
		field: 'data_processing_options (LDU mode)',
		docs: 'https://ads-api.reddit.com/docs/v3/operations/Post%20Conversion%20Events',
		browserIds: ['rdtUuid'],
	},
	clickFields: [
		{ field: 'rdtCid', from: [{ query: 'rdt_cid' }] },
		{ field: 'rdtUuid', from: [{ cookie: '_rdt_uuid' }, { query: 'rdt_uuid' }] },
	],
	clickId: {
		field: 'rdtCid',
		override: { label: 'Reddit Click ID', description: 'The rdt_cid of the ad click, sent as is' },
	},
	events: {
		label: 'Reddit',
		names: { Purchase: 'PURCHASE', Lead: 'LEAD', CompleteRegistration: 'SIGN_UP' },
		keepsOtherNames: false,
	},
});

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
