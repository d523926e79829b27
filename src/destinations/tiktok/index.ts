/**
 * TikTok Events API 2.0 as one platform definition: Conversion Funnel items and Click Tracker clicks as TikTok web
 * (or app/offline/CRM) events, hashed by TikTok's rules, deduplicated by event + event_id. Plan and read are in
 * ./build.ts and ./response.ts; the node, credential, click id and event names are declared here.
 */
import { given, withConfigCheck } from '../definition';
import type { TikTokConfig } from '../types';
import { TIKTOK_EVENT_SOURCES, TIKTOK_MAX_BATCH, type TikTokOptions, planTikTokRequests } from './build';
import { tiktokIdentityRules } from './identity';
import { readTikTokResponse } from './response';

const DOCS = 'https://github.com/n8n-nodes-postback/n8n-nodes-postback#tiktok-events-api';

export const tiktok = withConfigCheck<'tiktok', TikTokConfig>({
	platform: 'tiktok',
	maxBatch: TIKTOK_MAX_BATCH,
	identity: tiktokIdentityRules,
	planRequests: (events, config, now) => planTikTokRequests(events, config as TikTokOptions, now),
	readResponse: readTikTokResponse,
	displayName: 'TikTok',
	node: {
		name: 'tikTokEvents',
		className: 'TikTokEvents',
		displayName: 'TikTok Events API',
		description: 'Sends conversions and clicks to TikTok through the Events API: hashed, deduplicated by event ID, batched',
		subtitle: '={{$parameter["testEventCode"] ? "test events: " + $parameter["pixelCode"] : $parameter["pixelCode"]}}',
		icon: { light: 'tiktok.svg', dark: 'tiktok.dark.svg' },
		codex: {
			alias: ['TikTok', 'Events API', 'conversions API', 'CAPI', 'pixel', 'ttclid', 'CompletePayment', 'OutboundClick', 'conversion', 'affiliate'],
			documentationUrl: DOCS,
		},
	},
	settings: [
		{
			type: 'notice',
			text: 'Connect the Purchase, Lead or Other Event output of a Conversion Funnel: nothing to map. Click Tracker clicks are sent as an OutboundClick event. Each item leaves on Sent or Failed with what TikTok said under "forward".',
		},
		{
			type: 'string',
			name: 'pixelCode',
			label: 'Pixel Code',
			required: { whereToFindIt: 'Copy it from TikTok Events Manager (the pixel ID).' },
			placeholder: 'C4ABCDEFGHIJ1234567',
			description: 'The pixel (event source ID) in TikTok Events Manager that the events belong to',
		},
		{
			type: 'string',
			name: 'testEventCode',
			label: 'Test Event Code',
			placeholder: 'TEST12345',
			description:
				'From Events Manager → the pixel → Test Events. While set, the events only show up under Test Events and do not count for campaigns. Leave empty in production.',
		},
		{
			type: 'options',
			name: 'eventSource',
			label: 'Event Source',
			options: [
				{ name: 'Web', value: 'web', description: 'A website pixel (affiliate sites and landing pages)' },
				{ name: 'App', value: 'app', description: 'A mobile app' },
				{ name: 'Offline', value: 'offline', description: 'Offline events; TikTok refuses them after 28 days' },
				{ name: 'CRM', value: 'crm', description: 'CRM events; TikTok refuses them after 28 days' },
			],
			default: 'web',
			isNot: `one of ${TIKTOK_EVENT_SOURCES.join(', ')}`,
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
					type: 'string',
					name: 'clickEventName',
					label: 'Click Event Name',
					default: 'OutboundClick',
					description: 'The TikTok event for Click Tracker clicks. Custom names are case-sensitive.',
				},
			],
		},
		{
			type: 'overrides',
			eventNameExample: 'CompletePayment, Lead, CompleteRegistration… or a custom name; custom names are case-sensitive',
			timeUnit: 'Unix seconds',
		},
	],
	configFrom: (settings, credentials) => ({
		pixelCode: settings.pixelCode as string,
		accessToken: credentials.accessToken as string,
		baseUrl: given(credentials.baseUrl),
		testEventCode: settings.testEventCode as string | undefined,
		eventSource: settings.eventSource as TikTokConfig['eventSource'],
		valueFrom: settings.valueFrom as TikTokConfig['valueFrom'],
		defaultCountry: settings.defaultCountry as string | undefined,
		clickEventName: settings.clickEventName as string | undefined,
	}),
	credential: {
		name: 'tikTokEventsApi',
		className: 'TikTokEventsApi',
		displayName: 'TikTok Events API',
		documentationUrl: DOCS,
		fields: [
			{
				name: 'accessToken',
				label: 'Access Token',
				type: 'string',
				password: true,
				default: '',
				required: true,
				description: 'In TikTok Events Manager open the pixel, then Settings → Events API → Generate Access Token',
			},
			{
				name: 'baseUrl',
				label: 'Base URL',
				type: 'string',
				default: 'https://business-api.tiktok.com',
				description: 'Change only to go through a proxy or to point at a test double',
			},
		],
		authenticate: { headers: { 'Access-Token': '={{$credentials.accessToken}}' } },
		// The token's user info: read-only; TikTok answers HTTP 200 with an error code in the body for a bad token.
		test: {
			request: {
				baseURL: '={{$credentials.baseUrl.replace(/\\/+$/, "")}}',
				url: '/open_api/v1.3/user/info/',
				method: 'GET',
			},
			rules: [
				{ type: 'responseSuccessBody', properties: { key: 'code', value: 40104, message: 'TikTok received no access token' } },
				{ type: 'responseSuccessBody', properties: { key: 'code', value: 40105, message: 'TikTok says the access token is incorrect or has been revoked' } },
				{
					type: 'responseSuccessBody',
					properties: { key: 'code', value: 40102, message: 'The access token has expired: generate a new one in TikTok Events Manager' },
				},
			],
		},
	},
	// Consent: https://business-api.tiktok.com/portal/docs?id=1771101303285761
	consent: { field: 'limited_data_use', docs: 'https://business-api.tiktok.com/portal/docs?id=1771101303285761', browserIds: ['ttp'] },
	clickFields: [
		{ field: 'ttclid', from: [{ query: 'ttclid' }] },
		{ field: 'ttp', from: [{ cookie: '_ttp' }, { query: 'ttp' }] },
	],
	clickId: {
		field: 'ttclid',
		override: { label: 'TikTok Click ID', description: 'The ttclid of the ad click, sent as is', name: 'ttclid' },
	},
	events: {
		label: 'TikTok',
		names: { Purchase: 'CompletePayment', Lead: 'Lead', CompleteRegistration: 'CompleteRegistration' },
		keepsOtherNames: false,
	},
});

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
