/**
 * GA4 Measurement Protocol destination: Conversion Funnel items as GA4 events (purchase, generate_lead, sign_up…)
 * on a web stream, user data hashed by Google's rules, batched per client id, deduplicated by transaction_id.
 */
import { given, withConfigCheck } from '../definition';
import { GA4_BASE_URL, GA4_EU_BASE_URL } from './build';

/** The credential's Base URL when it was changed (a proxy, a test double); else the chosen collection endpoint. */
function baseUrlFor(region: string | undefined, credentialBase: string | undefined): string {
	const changed = credentialBase && credentialBase.replace(/\/+$/, '') !== GA4_BASE_URL ? credentialBase : undefined;
	return changed ?? (region === 'eu' ? GA4_EU_BASE_URL : GA4_BASE_URL);
}
import { GA4_MAX_EVENTS, GA4_MEASUREMENT_ID, type Ga4Config, planGa4Requests } from './build';
import { ga4IdentityRules } from './identity';
import { readGa4Response } from './response';

const DOCS = 'https://github.com/n8n-nodes-postback/n8n-nodes-postback#ga4-measurement-protocol';

export const ga4 = withConfigCheck<'ga4', Ga4Config>({
	platform: 'ga4',
	displayName: 'GA4',
	maxBatch: GA4_MAX_EVENTS,
	identity: ga4IdentityRules,
	planRequests: planGa4Requests,
	readResponse: readGa4Response,
	node: {
		name: 'ga4MeasurementProtocol',
		className: 'Ga4MeasurementProtocol',
		displayName: 'GA4 Measurement Protocol',
		description:
			'Sends conversions to Google Analytics 4 through the Measurement Protocol: hashed user data, batched per client ID, checked against what GA4 would drop',
		subtitle: '={{$parameter["validateOnly"] ? "validate only: " + $parameter["measurementId"] : $parameter["measurementId"]}}',
		icon: { light: 'ga4.svg', dark: 'ga4.dark.svg' },
		codex: {
			alias: [
				'GA4',
				'Google Analytics',
				'Google Analytics 4',
				'Measurement Protocol',
				'mp/collect',
				'purchase',
				'generate_lead',
				'server-side',
				'conversion',
				'affiliate',
			],
			documentationUrl: DOCS,
		},
	},
	settings: [
		{
			type: 'notice',
			text: 'Connect the Purchase, Lead or Other Event output of a Conversion Funnel: nothing to map. GA4 accepts every request silently, so events GA4 would drop (too old, bad names, reversals) are held back here and leave on Failed with the reason under "forward". Click Tracker clicks are not sent.',
		},
		{
			type: 'string',
			name: 'measurementId',
			label: 'Measurement ID',
			required: { whereToFindIt: 'Copy it from Google Analytics: Admin → Data streams → the web stream → Measurement ID (G-…).' },
			upperCase: true,
			pattern: {
				test: GA4_MEASUREMENT_ID,
				isNot: 'a GA4 Measurement ID such as G-XXXXXXXXXX',
				hint: "Use the web stream's Measurement ID (G-…), not its stream ID or a Universal Analytics UA- ID.",
			},
			placeholder: 'G-XXXXXXXXXX',
			description:
				'The Measurement ID of the GA4 web stream (Admin → Data streams → the stream), not the stream ID. The API secret in the credential must belong to this stream.',
		},
		{
			type: 'string',
			name: 'clientId',
			label: 'Client ID',
			placeholder: '1234567890.1717236000',
			description:
				"The visitor's GA client ID (from the _ga cookie, e.g. through an expression) so the conversion joins their GA4 session. Empty: a stable ID derived from the matched click (or the transaction), which GA4 counts as a user of its own.",
		},
		{
			// https://developers.google.com/analytics/devguides/collection/protocol/ga4/reference (Transport): data to be
			// processed in the EU goes to region1.google-analytics.com.
			type: 'options',
			name: 'region',
			label: 'Collection Endpoint',
			default: 'global',
			options: [
				{ name: 'Global', value: 'global', description: 'www.google-analytics.com' },
				{ name: 'EU', value: 'eu', description: 'region1.google-analytics.com: the data is processed in the EU' },
			],
			description: 'Where GA4 receives the events. A Base URL set in the credential (a proxy or a test double) is used instead.',
		},
		{
			type: 'boolean',
			name: 'validateOnly',
			label: 'Validate Only (Debug Endpoint)',
			called: 'Validate Only',
			default: false,
			description:
				"Whether to send to GA4's validation server (/debug/mp/collect) instead: nothing is recorded, and each event GA4 would refuse leaves on Failed with GA4's message. Turn off in production.",
		},
		{ type: 'valueFrom' },
		{ type: 'defaultCountry', phoneForm: 'them in E.164, with +' },
		{
			type: 'overrides',
			eventNameExample: 'purchase, generate_lead, sign_up… or a custom name: a letter first, then letters, digits and underscores, at most 40 characters',
			timeUnit: 'microseconds, at most 72 hours back',
		},
	],
	configFrom: (settings, credentials) => ({
		measurementId: settings.measurementId as string,
		apiSecret: credentials.apiSecret as string,
		baseUrl: baseUrlFor(settings.region as string | undefined, given(credentials.baseUrl)),
		validateOnly: settings.validateOnly as boolean,
		clientId: settings.clientId as string | undefined,
		valueFrom: settings.valueFrom as Ga4Config['valueFrom'],
		defaultCountry: settings.defaultCountry as string | undefined,
	}),
	credential: {
		name: 'ga4MeasurementProtocolApi',
		className: 'Ga4MeasurementProtocolApi',
		displayName: 'GA4 Measurement Protocol API',
		documentationUrl: DOCS,
		fields: [
			{
				name: 'apiSecret',
				label: 'API Secret',
				type: 'string',
				password: true,
				default: '',
				required: true,
				description: 'In Google Analytics: Admin → Data streams → the web stream → Measurement Protocol API secrets → Create',
			},
			{
				name: 'baseUrl',
				label: 'Base URL',
				type: 'string',
				default: 'https://www.google-analytics.com',
				description: 'Change only to go through a proxy, to use the EU endpoint (https://region1.google-analytics.com) or to point at a test double',
			},
		],
		authenticate: { qs: { api_secret: '={{$credentials.apiSecret}}' } },
		// The validation server with no events: it records nothing (GA4 never refuses a secret, so this checks the URL).
		test: {
			request: {
				baseURL: '={{$credentials.baseUrl.replace(/\\/+$/, "")}}',
				url: '/debug/mp/collect',
				method: 'POST',
				body: { client_id: 'n8n-credential-test', events: [] },
			},
		},
	},
	// Consent: https://developers.google.com/analytics/devguides/collection/protocol/ga4/reference#payload_consent
	consent: {
		field: 'consent (ad_user_data, ad_personalization)',
		docs: 'https://developers.google.com/analytics/devguides/collection/protocol/ga4/reference#payload_consent',
		browserIds: [],
	},
	clickFields: [{ field: 'gaClientId', from: [{ cookie: '_ga' }, { query: 'ga' }], custom: true }],
	events: {
		label: 'GA4',
		names: { Purchase: 'purchase', Lead: 'generate_lead', CompleteRegistration: 'sign_up' },
		keepsOtherNames: false,
	},
});

export {
	GA4_BASE_URL,
	GA4_EU_BASE_URL,
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
	type Ga4Device,
	type Ga4Event,
	type Ga4EventParams,
	type Ga4UserData,
	type Ga4ValueFrom,
	clientIdFor,
	collectUrl,
	deviceCategory,
	eventNameProblem,
	planGa4Requests,
	userDataFor,
} from './build';
export { ga4IdentityRules, ga4PostalCode, lettersLowerCase } from './identity';
export { GA4_CREDENTIAL_HINT, type Ga4ValidationMessage, messagePosition, readGa4Response } from './response';
