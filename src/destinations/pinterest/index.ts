/**
 * Pinterest Conversions API (v5) destination: Conversion Funnel items as Pinterest web (or offline) events,
 * hashed by Pinterest's rules, the ad click's epik as click_id, deduplicated by event_id.
 */
import { given, withConfigCheck } from '../definition';
import { PINTEREST_ACTION_SOURCES, PINTEREST_MAX_BATCH, type PinterestConfig, planPinterestRequests } from './build';
import { pinterestIdentityRules } from './identity';
import { readPinterestResponse } from './response';

const DOCS = 'https://github.com/n8n-nodes-postback/n8n-nodes-postback#pinterest-conversions-api';

export const pinterest = withConfigCheck<'pinterest', PinterestConfig>({
	platform: 'pinterest',
	displayName: 'Pinterest',
	maxBatch: PINTEREST_MAX_BATCH,
	identity: pinterestIdentityRules,
	planRequests: (events, config, now) => planPinterestRequests(events, config, now),
	readResponse: readPinterestResponse,
	node: {
		name: 'pinterestConversions',
		className: 'PinterestConversions',
		displayName: 'Pinterest Conversions API',
		description: 'Sends conversions to Pinterest through the Conversions API: hashed, deduplicated by event ID, batched',
		subtitle: '={{$parameter["testMode"] ? "test events: " + $parameter["adAccountId"] : $parameter["adAccountId"]}}',
		icon: { light: 'pinterest.svg', dark: 'pinterest.dark.svg' },
		codex: {
			alias: ['Pinterest', 'Conversions API', 'CAPI', 'epik', 'checkout', 'lead', 'signup', 'conversion', 'affiliate', 'ads'],
			documentationUrl: DOCS,
		},
	},
	settings: [
		{
			type: 'notice',
			text: 'Connect the Purchase, Lead or Other Event output of a Conversion Funnel: nothing to map. Pinterest takes conversions only: clicks and reversals leave on Failed with the code not_a_conversion. Each item leaves on Sent or Failed with what Pinterest said under "forward".',
		},
		{
			type: 'string',
			name: 'adAccountId',
			label: 'Ad Account ID',
			required: { whereToFindIt: 'Copy the numeric ad account ID from Pinterest Ads Manager.' },
			pattern: { test: /^\d{1,18}$/, isNot: 'a Pinterest ad account ID', hint: 'It is a number of up to 18 digits, shown in Pinterest Ads Manager.' },
			placeholder: '549755885175',
			description: 'The numeric ID of the Pinterest ad account the conversions belong to (Ads Manager shows it in the account menu and in the URL)',
		},
		{
			type: 'boolean',
			name: 'testMode',
			label: 'Test Mode',
			default: false,
			description: 'Whether to send the events with ?test=true: Pinterest checks them and answers as usual but records nothing. Turn off in production.',
		},
		{
			type: 'options',
			name: 'actionSource',
			label: 'Action Source',
			options: [
				{ name: 'Offline', value: 'offline', description: 'Conversions that did not happen on a website' },
				{ name: 'Web', value: 'web', description: 'A website conversion (affiliate sites and landing pages)' },
			],
			default: 'web',
			isNot: `one of ${PINTEREST_ACTION_SOURCES.join(', ')}`,
			description: 'Where the conversions happened, sent as action_source',
		},
		{ type: 'valueFrom' },
		{ type: 'defaultCountry', phoneForm: 'them as digits with the country code, without +' },
		{ type: 'overrides', eventNameExample: 'checkout, lead, signup, custom…', timeUnit: 'Unix seconds; at most 7 days old' },
	],
	configFrom: (settings, credentials) => ({
		adAccountId: settings.adAccountId as string,
		accessToken: credentials.accessToken as string,
		baseUrl: given(credentials.baseUrl),
		testMode: settings.testMode as boolean,
		actionSource: settings.actionSource as PinterestConfig['actionSource'],
		valueFrom: settings.valueFrom as PinterestConfig['valueFrom'],
		defaultCountry: settings.defaultCountry as string | undefined,
	}),
	credential: {
		name: 'pinterestConversionsApi',
		className: 'PinterestConversionsApi',
		displayName: 'Pinterest Conversions API',
		documentationUrl: DOCS,
		fields: [
			{
				name: 'accessToken',
				label: 'Conversion Access Token',
				type: 'string',
				password: true,
				default: '',
				required: true,
				description: 'In Pinterest Ads Manager open Conversions → Conversions API, then Generate new token',
			},
			{
				name: 'testAdAccountId',
				label: 'Ad Account ID for the Test Button',
				type: 'string',
				default: '',
				required: true,
				forTestOnly: true,
				placeholder: '549755885175',
				description:
					'An ad account this token may send to. The Test button sends it one test event, which Pinterest checks but does not record. Where conversions go is set in the node.',
			},
			{
				name: 'baseUrl',
				label: 'Base URL',
				type: 'string',
				default: 'https://api.pinterest.com',
				description: 'Change only to send through a proxy or to a test server',
			},
		],
		authenticate: { headers: { Authorization: '=Bearer {{$credentials.accessToken}}' } },
		// One event with ?test=true: Pinterest checks the token and the event but records nothing.
		test: {
			request: {
				baseURL: '={{$credentials.baseUrl.replace(/\\/+$/, "")}}',
				url: '=/v5/ad_accounts/{{$credentials.testAdAccountId.trim()}}/events',
				method: 'POST',
				qs: { test: 'true' },
				body: {
					data: [
						{
							event_name: 'page_visit',
							action_source: 'web',
							event_time: '={{Math.floor(Date.now() / 1000)}}',
							event_id: 'n8n-credential-test',
							user_data: { client_ip_address: '192.0.2.1', client_user_agent: 'n8n credential test' },
						},
					],
				},
				json: true,
			},
		},
	},
	// Consent: https://developers.pinterest.com/docs/track-conversions/use-limited-data-processing-flag/
	consent: {
		field: 'opt_out_type LDP (Limited Data Processing)',
		docs: 'https://developers.pinterest.com/docs/track-conversions/use-limited-data-processing-flag/',
		browserIds: [],
	},
	clickFields: [{ field: 'epik', from: [{ query: 'epik' }, { cookie: '_epik' }] }],
	clickId: {
		field: 'epik',
		override: { label: 'Pinterest Click ID', description: 'The epik of the ad click (the epik URL parameter or _epik cookie), sent as is' },
	},
	events: {
		label: 'Pinterest',
		names: { Purchase: 'checkout', Lead: 'lead', CompleteRegistration: 'signup' },
		keepsOtherNames: false,
	},
});

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
