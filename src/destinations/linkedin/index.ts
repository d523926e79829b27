/**
 * LinkedIn Conversions API destination: Conversion Funnel conversions as conversion events of the rule the
 * operator picks (per event name if wanted), the email hashed by LinkedIn's rule, the li_fat_id click id sent as
 * it is, deduplicated with the Insight Tag by eventId, BATCH_CREATE batches of 5,000.
 */
import { given, withConfigCheck } from '../definition';
import {
	LINKEDIN_BASE_URL,
	LINKEDIN_DEFAULT_VERSION,
	LINKEDIN_MAX_BATCH,
	LINKEDIN_NODE_NOTICE,
	LINKEDIN_PROTOCOL_VERSION,
	type LinkedInConfig,
	type LinkedInValueFrom,
	planLinkedInRequests,
} from './build';
import { linkedinIdentityRules } from './identity';
import { readLinkedInResponse } from './response';

const DOCS = 'https://github.com/n8n-nodes-postback/n8n-nodes-postback#linkedin-conversions-api';

/** The rule per event: `{ Purchase: '123', '*': '789' }` from the node's rows and its default rule. */
function conversionRuleFrom(settings: Record<string, unknown>): LinkedInConfig['conversionRule'] {
	const rows = (settings.eventRules as { rule?: Array<{ event?: string; conversionRule?: string }> } | undefined)?.rule ?? [];
	const perEvent = rows.filter((row) => given(row.event) && given(row.conversionRule));
	const fallback = given(settings.conversionRule);
	if (perEvent.length === 0) return fallback ?? '';
	return {
		...Object.fromEntries(perEvent.map((row) => [given(row.event) as string, given(row.conversionRule) as string])),
		...(fallback ? { '*': fallback } : {}),
	};
}

export const linkedin = withConfigCheck<'linkedin', LinkedInConfig>({
	platform: 'linkedin',
	displayName: 'LinkedIn',
	maxBatch: LINKEDIN_MAX_BATCH,
	identity: linkedinIdentityRules,
	planRequests: planLinkedInRequests,
	readResponse: readLinkedInResponse,
	node: {
		name: 'linkedInConversions',
		className: 'LinkedInConversions',
		displayName: 'LinkedIn Conversions API',
		description: 'Sends conversions to LinkedIn through the Conversions API: email hashed, li_fat_id matched, deduplicated by event ID, batched',
		subtitle: '={{$parameter["conversionRule"] ? "rule " + $parameter["conversionRule"] : "rules per event"}}',
		icon: { light: 'linkedin.svg', dark: 'linkedin.dark.svg' },
		codex: {
			alias: ['LinkedIn', 'LinkedIn Ads', 'Campaign Manager', 'Conversions API', 'CAPI', 'li_fat_id', 'conversion rule', 'conversion', 'affiliate'],
			documentationUrl: DOCS,
		},
	},
	settings: [
		{ type: 'notice', text: LINKEDIN_NODE_NOTICE },
		{
			type: 'string',
			name: 'conversionRule',
			label: 'Conversion Rule ID',
			placeholder: '12345678',
			description:
				'The conversion rule every event goes to, unless it has its own below: its number from Campaign Manager → Analyze → Conversion tracking, or urn:lla:llaPartnerConversion:ID. Its method must be Conversions API.',
		},
		{
			type: 'raw',
			property: {
				displayName: 'Conversion Rule per Event',
				name: 'eventRules',
				type: 'fixedCollection',
				typeOptions: { multipleValues: true },
				placeholder: 'Add Event',
				default: {},
				description: 'A different conversion rule for some events (for example Lead and Purchase)',
				options: [
					{
						displayName: 'Event',
						name: 'rule',
						values: [
							{
								displayName: 'Event Name',
								name: 'event',
								type: 'string',
								default: '',
								placeholder: 'Purchase',
								description: 'The funnel event name (eventName), such as Lead, Purchase or CompleteRegistration',
							},
							{
								displayName: 'Conversion Rule ID',
								name: 'conversionRule',
								type: 'string',
								default: '',
								placeholder: '12345678',
								description: 'Its number or urn:lla:llaPartnerConversion:ID',
							},
						],
					},
				],
			},
		},
		{ type: 'valueFrom' },
		{
			type: 'string',
			name: 'apiVersion',
			label: 'API Version',
			default: LINKEDIN_DEFAULT_VERSION,
			placeholder: LINKEDIN_DEFAULT_VERSION,
			// https://learn.microsoft.com/en-us/linkedin/marketing/versioning: every version is YYYYMM and is served
			// for at least a year after its month.
			description: 'The LinkedIn-Version header, YYYYMM. LinkedIn serves each version for at least a year after its month.',
		},
		{
			type: 'overrides',
			eventNameExample: 'Purchase, Lead… the name that picks the conversion rule per event',
			timeUnit: 'Unix milliseconds',
		},
	],
	configFrom: (settings, credentials) => ({
		accessToken: credentials.accessToken as string,
		baseUrl: given(credentials.baseUrl),
		conversionRule: conversionRuleFrom(settings),
		apiVersion: given(settings.apiVersion),
		valueFrom: settings.valueFrom as LinkedInValueFrom,
	}),
	credential: {
		name: 'linkedInConversionsApi',
		className: 'LinkedInConversionsApi',
		displayName: 'LinkedIn Conversions API',
		documentationUrl: DOCS,
		fields: [
			{
				name: 'accessToken',
				label: 'Access Token',
				type: 'string',
				password: true,
				default: '',
				required: true,
				description:
					'An access token of a member with the rw_conversions scope on the ad account that owns the conversion rule (LinkedIn Developer Portal → your app → Auth → OAuth 2.0 tools). LinkedIn tokens expire after 60 days.',
			},
			{
				name: 'baseUrl',
				label: 'Base URL',
				type: 'string',
				default: LINKEDIN_BASE_URL,
				description: 'Change only to go through a proxy or to point at a test double',
			},
		],
		// A bearer token in the Authorization header (https://learn.microsoft.com/en-us/linkedin/shared/authentication/authorization-code-flow).
		authenticate: { headers: { Authorization: '=Bearer {{$credentials.accessToken}}' } },
		// The ad accounts the token's member may use: read-only, sends no event; 401 for a bad or expired token.
		test: {
			request: {
				baseURL: '={{$credentials.baseUrl.replace(/\\/+$/, "")}}',
				url: '/rest/adAccountUsers',
				method: 'GET',
				qs: { q: 'authenticatedUser' },
				headers: { 'LinkedIn-Version': LINKEDIN_DEFAULT_VERSION, 'X-Restli-Protocol-Version': LINKEDIN_PROTOCOL_VERSION },
			},
		},
	},
	// Consent: https://learn.microsoft.com/en-us/linkedin/marketing/integrations/ads-reporting/conversions-api
	consent: {
		field: 'no consent field (identifiers left out on a denial)',
		docs: 'https://learn.microsoft.com/en-us/linkedin/marketing/integrations/ads-reporting/conversions-api',
		browserIds: [],
	},
	clickFields: [{ field: 'liFatId', from: [{ query: 'li_fat_id' }, { cookie: 'li_fat_id' }] }],
	clickId: {
		field: 'liFatId',
		override: { label: 'LinkedIn Click ID', description: 'The li_fat_id of the ad click, sent as is' },
	},
});

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
