/**
 * Snapchat Conversions API v3 destination: Conversion Funnel items as Snap web (or offline) events, hashed by
 * Snap's rules, the ScCid of the matched click as sc_click_id, deduplicated by event_id.
 */
import { given, withConfigCheck } from '../definition';
import { SNAPCHAT_ACTION_SOURCES, SNAPCHAT_MAX_BATCH, type SnapchatConfig, planSnapchatRequests } from './build';
import { snapchatIdentityRules } from './identity';
import { readSnapchatResponse } from './response';

const DOCS = 'https://github.com/n8n-nodes-postback/n8n-nodes-postback#snapchat-conversions-api';

export const snapchat = withConfigCheck<'snapchat', SnapchatConfig>({
	platform: 'snapchat',
	displayName: 'Snapchat',
	maxBatch: SNAPCHAT_MAX_BATCH,
	identity: snapchatIdentityRules,
	planRequests: planSnapchatRequests,
	readResponse: readSnapchatResponse,
	node: {
		name: 'snapchatConversions',
		className: 'SnapchatConversions',
		displayName: 'Snapchat Conversions API',
		description: 'Sends conversions to Snapchat through the Conversions API: hashed, deduplicated by event ID, batched',
		subtitle: '={{$parameter["validateOnly"] ? "validate only: " + $parameter["pixelId"] : $parameter["pixelId"]}}',
		icon: { light: 'snapchat.svg', dark: 'snapchat.dark.svg' },
		codex: {
			alias: ['Snapchat', 'Snap', 'Conversions API', 'CAPI', 'Snap Pixel', 'ScCid', 'sc_click_id', 'PURCHASE', 'SIGN_UP', 'conversion', 'affiliate'],
			documentationUrl: DOCS,
		},
	},
	settings: [
		{
			type: 'notice',
			text: 'Connect the Purchase, Lead or Other Event output of a Conversion Funnel: nothing to map. Click Tracker clicks are not sent (Snapchat takes conversions only). Each item leaves on Sent or Failed with what Snapchat said under "forward".',
		},
		{
			type: 'string',
			name: 'pixelId',
			label: 'Pixel ID',
			required: { whereToFindIt: 'Copy it from Snapchat Ads Manager → Events Manager.' },
			placeholder: '1ec32188-754e-4be2-8e55-c949a984a39f',
			description: 'The Snap Pixel the events belong to (Snapchat Ads Manager → Events Manager)',
		},
		{
			type: 'boolean',
			name: 'validateOnly',
			label: 'Validate Only',
			default: false,
			description:
				"Whether to send the events to Snapchat's Test Event Tool (events/validate) instead: Snapchat checks them and shows them in Events Manager, but they do not count for campaigns. Turn off in production.",
		},
		{
			type: 'options',
			name: 'actionSource',
			label: 'Action Source',
			options: [
				{ name: 'Offline', value: 'OFFLINE', description: 'Conversions that happened offline (no web page needed)' },
				{ name: 'Web', value: 'WEB', description: 'Conversions on a website (affiliate sites and landing pages)' },
			],
			default: 'WEB',
			isNot: `one of ${SNAPCHAT_ACTION_SOURCES.join(', ')}`,
			description: "Where the conversions happened, as Snapchat's action_source",
		},
		{
			type: 'string',
			name: 'eventSourceUrl',
			label: 'Event Source URL',
			url: true,
			placeholder: 'https://deals.example.com/',
			description:
				'The page sent as event_source_url when the matched click has no landing page. Snapchat requires one for web events: without either, the conversion is not sent.',
		},
		{ type: 'valueFrom' },
		{ type: 'defaultCountry', phoneForm: 'digits with the country code, without +' },
		{ type: 'overrides', eventNameExample: 'PURCHASE, SIGN_UP, CUSTOM_EVENT_1…', timeUnit: 'Unix seconds' },
	],
	configFrom: (settings, credentials) => ({
		pixelId: settings.pixelId as string,
		accessToken: credentials.accessToken as string,
		baseUrl: given(credentials.baseUrl),
		validateOnly: settings.validateOnly as boolean,
		actionSource: settings.actionSource as SnapchatConfig['actionSource'],
		eventSourceUrl: settings.eventSourceUrl as string | undefined,
		valueFrom: settings.valueFrom as SnapchatConfig['valueFrom'],
		defaultCountry: settings.defaultCountry as string | undefined,
	}),
	credential: {
		name: 'snapchatConversionsApi',
		className: 'SnapchatConversionsApi',
		displayName: 'Snapchat Conversions API',
		documentationUrl: DOCS,
		fields: [
			{
				name: 'accessToken',
				label: 'Access Token',
				type: 'string',
				password: true,
				default: '',
				required: true,
				description: 'In Snapchat Ads Manager open Events Manager, the pixel, then Conversions API → Generate Token',
			},
			{
				name: 'testPixelId',
				label: 'Pixel ID for the Test',
				type: 'string',
				default: '',
				placeholder: '1ec32188-754e-4be2-8e55-c949a984a39f',
				description: 'A pixel this token may send to, used only by the Test button (the nodes use their own Pixel ID setting)',
			},
			{
				name: 'baseUrl',
				label: 'Base URL',
				type: 'string',
				default: 'https://tr.snapchat.com',
				description: 'Change only to go through a proxy or to point at a test double',
			},
		],
		authenticate: { qs: { access_token: '={{$credentials.accessToken}}' } },
		// The validation stats of the test pixel: read-only, and Snapchat answers status FAILURE for a token it refuses.
		test: {
			request: {
				baseURL: '={{$credentials.baseUrl.replace(/\\/+$/, "")}}',
				url: '=/v3/{{encodeURIComponent($credentials.testPixelId.trim())}}/events/validate/stats',
				method: 'GET',
			},
			rules: [
				{
					type: 'responseSuccessBody',
					properties: { key: 'status', value: 'FAILURE', message: 'Snapchat refused the token for this pixel' },
				},
			],
		},
	},
	// Consent: https://developers.snap.com/api/marketing-api/Conversions-API/Parameters
	consent: {
		field: 'data_processing_options (Limited Data Use)',
		docs: 'https://developers.snap.com/api/marketing-api/Conversions-API/Parameters',
		browserIds: ['scCookie1'],
	},
	clickFields: [
		{ field: 'sccid', from: [{ query: 'ScCid', ignoreCase: true }] },
		{ field: 'scCookie1', from: [{ cookie: '_scid' }, { query: 'scid' }] },
	],
	clickId: {
		field: 'sccid',
		override: { label: 'Snapchat Click ID', description: 'The ScCid of the ad click, sent as sc_click_id as is' },
	},
	events: {
		label: 'Snapchat',
		names: { Purchase: 'PURCHASE', Lead: 'SIGN_UP', CompleteRegistration: 'SIGN_UP' },
		keepsOtherNames: false,
	},
});

export {
	SNAPCHAT_ACTION_SOURCES,
	SNAPCHAT_BASE_URL,
	SNAPCHAT_MAX_BATCH,
	SNAPCHAT_MAX_FUTURE_MS,
	SNAPCHAT_WINDOW_DAYS,
	type SnapchatActionSource,
	type SnapchatBody,
	type SnapchatConfig,
	type SnapchatEvent,
	type SnapchatUserData,
	type SnapchatValueFrom,
	planSnapchatRequests,
	snapchatEventsUrl,
} from './build';
export { snapchatIdentityRules } from './identity';
export { SNAPCHAT_CREDENTIAL_HINT, readSnapchatResponse } from './response';
