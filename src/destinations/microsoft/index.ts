/**
 * Microsoft Advertising UET Conversions API destination: Conversion Funnel conversions as UET custom events,
 * email and phone hashed by Microsoft's rules, the msclkid of the matched click sent as is, deduplicated with
 * UET by eventId.
 */
import { given, withConfigCheck } from '../definition';
import { MICROSOFT_MAX_BATCH, type MicrosoftConfig, planMicrosoftRequests } from './build';
import { microsoftIdentityRules } from './identity';
import { readMicrosoftResponse } from './response';

const DOCS = 'https://github.com/n8n-nodes-postback/n8n-nodes-postback#microsoft-ads-conversions-api';

export const microsoft = withConfigCheck<'microsoft', MicrosoftConfig>({
	platform: 'microsoft',
	displayName: 'Microsoft',
	maxBatch: MICROSOFT_MAX_BATCH,
	identity: microsoftIdentityRules,
	planRequests: planMicrosoftRequests,
	readResponse: readMicrosoftResponse,
	node: {
		name: 'microsoftAdsConversions',
		className: 'MicrosoftAdsConversions',
		displayName: 'Microsoft Ads Conversions API',
		description: 'Sends conversions to Microsoft Advertising through the UET Conversions API: hashed, deduplicated by event ID, batched',
		subtitle: '={{"UET tag " + $parameter["tagId"]}}',
		icon: { light: 'microsoftAds.svg', dark: 'microsoftAds.dark.svg' },
		codex: {
			alias: ['Microsoft Advertising', 'Bing Ads', 'UET', 'Conversions API', 'CAPI', 'msclkid', 'enhanced conversions', 'conversion', 'affiliate'],
			documentationUrl: DOCS,
		},
	},
	settings: [
		{
			type: 'notice',
			text: 'Connect the Purchase, Lead or Other Event output of a Conversion Funnel: nothing to map. Conversions go to Microsoft as UET custom events with the msclkid of the matched click. Each item leaves on Sent or Failed with what Microsoft said under "forward".',
		},
		{
			type: 'string',
			name: 'tagId',
			label: 'UET Tag ID',
			required: { whereToFindIt: 'Copy it from Microsoft Advertising → Tools → UET tag (the tag ID column).' },
			pattern: { test: /^\d+$/, isNot: 'a number', hint: 'A UET tag ID is the number in the tag\'s tracking code (ti: "187654321").' },
			placeholder: '187654321',
			description: 'The UET tag the conversions belong to (Microsoft Advertising → Tools → UET tag); its conversion goals count them',
		},
		{ type: 'valueFrom' },
		{ type: 'defaultCountry', phoneForm: 'them in E.164, with +' },
		{
			type: 'collection',
			name: 'options',
			label: 'Options',
			placeholder: 'Add Option',
			settings: [
				{
					type: 'options',
					name: 'adStorageConsent',
					label: 'Ad Storage Consent',
					options: [
						{ name: 'Denied', value: 'D', description: 'Microsoft will not use the events for attribution or remarketing' },
						{ name: 'Granted', value: 'G' },
					],
					default: 'G',
					isNot: 'G (granted) or D (denied)',
					description: 'The consent sent with every event. Left out, Microsoft treats events as granted.',
				},
			],
		},
		{
			type: 'overrides',
			eventNameExample: 'purchase, generate_lead, sign_up… the event action your conversion goal matches',
			timeUnit: 'Unix seconds',
		},
	],
	configFrom: (settings, credentials) => ({
		tagId: settings.tagId as string,
		accessToken: credentials.accessToken as string,
		baseUrl: given(credentials.baseUrl),
		valueFrom: settings.valueFrom as MicrosoftConfig['valueFrom'],
		defaultCountry: settings.defaultCountry as string | undefined,
		...(settings.adStorageConsent ? { adStorageConsent: settings.adStorageConsent as MicrosoftConfig['adStorageConsent'] } : {}),
	}),
	credential: {
		name: 'microsoftAdsConversionsApi',
		className: 'MicrosoftAdsConversionsApi',
		displayName: 'Microsoft Ads Conversions API',
		documentationUrl: DOCS,
		fields: [
			{
				name: 'accessToken',
				label: 'API Token',
				type: 'string',
				password: true,
				default: '',
				required: true,
				description: 'In Microsoft Advertising open Tools → UET tag, choose the tag, then Use Conversions API to get its token',
			},
			{
				name: 'tagId',
				label: 'UET Tag ID',
				type: 'string',
				default: '',
				placeholder: '187654321',
				description: 'The UET tag the token was issued for. Used by the Test button only; the node has its own UET Tag ID setting.',
			},
			{
				name: 'baseUrl',
				label: 'Base URL',
				type: 'string',
				default: 'https://capi.uet.microsoft.com',
				description: 'Change only to go through a proxy or to point at a test double',
			},
		],
		authenticate: { headers: { Authorization: '=Bearer {{$credentials.accessToken}}' } },
		// Microsoft has no read-only endpoint to check a token, and a token only works for its own UET tag: the test
		// posts an EMPTY batch to the tag entered here, which records nothing and is answered 401 for a wrong token.
		test: {
			request: {
				baseURL: '={{$credentials.baseUrl.replace(/\\/+$/, "")}}',
				url: '=/v1/{{$credentials.tagId}}/events',
				method: 'POST',
				body: { data: [] },
			},
			rules: [
				{
					type: 'responseCode',
					properties: { value: 401, message: 'Microsoft refused the token: check it is the Conversions API token of this UET tag' },
				},
			],
		},
	},
	// Consent: https://learn.microsoft.com/en-us/advertising/guides/uet-conversion-api-integration
	consent: { field: 'adStorageConsent', docs: 'https://learn.microsoft.com/en-us/advertising/guides/uet-conversion-api-integration', browserIds: [] },
	clickFields: [{ field: 'msclkid', from: [{ query: 'msclkid' }] }],
	clickId: {
		field: 'msclkid',
		override: { label: 'Microsoft Click ID', description: 'The msclkid of the ad click, sent as is' },
	},
	events: {
		label: 'Microsoft Advertising',
		names: { Purchase: 'purchase', Lead: 'generate_lead', CompleteRegistration: 'sign_up' },
		keepsOtherNames: false,
	},
});

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
