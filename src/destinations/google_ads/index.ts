/**
 * Google Ads conversions as one platform definition: the engine is in this folder (plan and read in
 * ./data-manager.ts and ./data-manager-response.ts for Google's Data Manager API, ./build.ts and ./response.ts
 * for the Google Ads API); the node and its two OAuth2 credentials are declared here. Google's node has its own
 * layout (a conversion action per event, its own overrides), so its settings are declared as they are and it
 * reads items itself (readItem). Both credentials extend n8n's OAuth2, so the node sends through n8n's OAuth2
 * helper, which adds and refreshes the token.
 *
 * Node versions: version 1 sends through the Google Ads API unless its API setting says otherwise (a saved
 * workflow keeps doing what it did); version 2, what a new node gets, sends through the Data Manager API by
 * default, since the Google Ads API refuses click conversion imports from developer tokens not allowlisted for
 * them (CUSTOMER_NOT_ALLOWLISTED_FOR_THIS_FEATURE, from 15 June 2026).
 */
import { type CredentialDefinition, type PlatformDefinition, type RawSetting, SettingError, type SettingValues } from '../definition';
import { decimalFromNumber, normalizeDecimal } from '../../model';
import type { ForwardableEvent, GoogleAdsConfig } from '../types';
import {
	GOOGLE_ADS_MAX_CONVERSIONS,
	type GoogleAdsApi,
	type GoogleAdsConsent,
	type GoogleAdsOptions,
	type GoogleAdsValueSource,
	googleCustomerId,
	planGoogleAdsRequests,
} from './build';
import { googleAdsIdentityRules } from './identity';
import { readGoogleAdsResponse } from './response';
import { DATA_MANAGER_BASE_URL, DATA_MANAGER_SCOPE, planDataManagerRequests } from './data-manager';
import { isDataManagerRequest, readDataManagerResponse } from './data-manager-response';

const DOCS = 'https://github.com/n8n-nodes-postback/n8n-nodes-postback#google-ads-conversions';

/** The API setting of one node version: its choices are the same in every version, its default is not. */
function apiSetting(defaultApi: GoogleAdsApi, versions: number[]): RawSetting {
	return {
		type: 'raw',
		property: {
			displayName: 'API',
			name: 'api',
			type: 'options',
			options: [
				{
					name: 'Data Manager API',
					value: 'dataManager',
					description: "Google's API for offline conversions and enhanced conversions for leads: OAuth2, no developer token",
				},
				{
					name: 'Google Ads API (Allowlisted Developer Tokens)',
					value: 'googleAds',
					description: 'Click conversion uploads with a developer token; Google takes them only from tokens allowlisted for them',
				},
			],
			default: defaultApi,
			description: 'Which Google API carries the conversions; each has its own credential',
			displayOptions: { show: { '@version': versions } },
		},
	};
}

interface EventActionRow {
	event?: string;
	conversionAction?: string;
}

interface Overrides {
	gclid?: string;
	gbraid?: string;
	wbraid?: string;
	clickedAt?: unknown;
	occurredAt?: unknown;
	value?: unknown;
	currency?: string;
	email?: string;
	phone?: string;
}

/** An expression may hand over a Luxon DateTime or a Date; the funnel's fields are ISO strings. */
function isoText(value: unknown): string | undefined {
	if (value === undefined || value === null || value === '') return undefined;
	if (value instanceof Date) return value.toISOString();
	const luxon = value as { toISO?: () => string | null };
	if (typeof luxon.toISO === 'function') return luxon.toISO() ?? undefined;
	return String(value);
}

function decimalText(value: unknown): string | undefined {
	if (value === undefined || value === null || value === '') return undefined;
	return typeof value === 'number' ? decimalFromNumber(value) : normalizeDecimal(String(value));
}

const looksLikeConversion = (json: Record<string, unknown>) => typeof json.eventName === 'string' && typeof json.occurredAt === 'string';
const looksLikeClick = (json: Record<string, unknown>) => typeof json.clickId === 'string' && typeof json.clickedAt === 'string';

/** One item's upload: its conversion action (per event when a row names it), settings and overrides applied. */
function readItem(
	json: Record<string, unknown>,
	settings: SettingValues,
	credentials: SettingValues,
	itemIndex: number,
): { config: GoogleAdsOptions; event: ForwardableEvent } {
	if (!looksLikeConversion(json) && !looksLikeClick(json)) {
		throw new SettingError(
			`Item ${itemIndex} is not a conversion: eventName and occurredAt are missing`,
			'Connect the Lead, Purchase or Other Event output of a Conversion Funnel (or pass items of the same shape).',
		);
	}
	const customerId = String(settings.customerId ?? '');
	const loginCustomerId = String(settings.loginCustomerId ?? '').trim();
	googleCustomerId(customerId);
	if (loginCustomerId) googleCustomerId(loginCustomerId, 'login customer ID');
	const overrides = (settings.overrides ?? {}) as Overrides;
	const options = (settings.options ?? {}) as {
		defaultCountry?: string;
		adUserDataConsent?: string;
		adPersonalizationConsent?: string;
		loginAccountType?: string;
		linkedAccountId?: string;
	};
	const api: GoogleAdsApi = settings.api === 'dataManager' ? 'dataManager' : 'googleAds';
	const linkedAccountId = String(options.linkedAccountId ?? '').trim();
	if (linkedAccountId) googleCustomerId(linkedAccountId, 'linked account ID');
	const rows = (settings.eventActions as { action?: EventActionRow[] } | undefined)?.action ?? [];
	let valueFrom = (settings.valueFrom ?? 'commission') as GoogleAdsValueSource;

	const event = { ...json, user: { ...((json.user as Record<string, unknown>) ?? {}) } } as Record<string, unknown> & {
		click?: Record<string, unknown>;
		user: Record<string, unknown>;
	};
	if (json.click && typeof json.click === 'object') event.click = { ...(json.click as Record<string, unknown>) };
	const clickOverride = { gclid: overrides.gclid, gbraid: overrides.gbraid, wbraid: overrides.wbraid, clickedAt: isoText(overrides.clickedAt) };
	for (const [field, value] of Object.entries(clickOverride)) {
		if (!value?.trim()) continue;
		event.click ??= { clickId: String(json.clickId ?? 'override'), clickedAt: '' };
		event.click[field] = value.trim();
	}
	const occurredAt = isoText(overrides.occurredAt);
	if (occurredAt) event.occurredAt = occurredAt;
	if (overrides.currency?.trim()) event.currency = overrides.currency.trim().toUpperCase();
	if (overrides.email?.trim()) event.user.email = overrides.email.trim();
	if (overrides.phone?.trim()) event.user.phone = overrides.phone.trim();
	if (overrides.value !== undefined && overrides.value !== '') {
		const value = decimalText(overrides.value);
		if (value === undefined) throw new SettingError(`The conversion value override "${String(overrides.value)}" is not a number`);
		if (valueFrom === 'none') valueFrom = 'commission';
		event[valueFrom] = value;
	}

	const eventName = String(event.eventName ?? '');
	const perEvent = rows.find((row) => row.event?.trim() === eventName && row.conversionAction?.trim());
	const config: GoogleAdsOptions = {
		customerId,
		loginCustomerId: loginCustomerId || undefined,
		conversionAction: (perEvent?.conversionAction ?? String(settings.conversionAction ?? '')).trim(),
		// The Data Manager API takes no developer token (its credential has none).
		developerToken: api === 'googleAds' ? String(credentials.developerToken ?? '') : '',
		// Left empty: n8n's OAuth2 helper adds (and refreshes) the bearer token.
		accessToken: '',
		apiVersion: String(credentials.apiVersion ?? '') || undefined,
		baseUrl: String(credentials.baseUrl ?? '') || undefined,
		validateOnly: settings.validateOnly as boolean,
		defaultCountry: options.defaultCountry?.trim() || undefined,
		valueFrom,
		adUserDataConsent: (options.adUserDataConsent || undefined) as GoogleAdsConsent | undefined,
		adPersonalizationConsent: (options.adPersonalizationConsent || undefined) as GoogleAdsConsent | undefined,
		api,
		...(api === 'dataManager' && options.loginAccountType === 'DATA_PARTNER' ? { loginAccountType: 'DATA_PARTNER' as const } : {}),
		...(api === 'dataManager' && linkedAccountId ? { linkedAccountId } : {}),
	};
	return { config, event: event as unknown as ForwardableEvent };
}

/** The hidden fields of a Google OAuth2 credential (n8n's oAuth2Api), offline access so n8n can refresh the token. */
function googleOAuth2Fields(scope: string): CredentialDefinition['fields'] {
	return [
		{ name: 'grantType', label: 'Grant Type', type: 'hidden', default: 'authorizationCode' },
		{ name: 'authUrl', label: 'Authorization URL', type: 'hidden', default: 'https://accounts.google.com/o/oauth2/v2/auth' },
		{ name: 'accessTokenUrl', label: 'Access Token URL', type: 'hidden', default: 'https://oauth2.googleapis.com/token' },
		{ name: 'scope', label: 'Scope', type: 'hidden', default: scope },
		{ name: 'authQueryParameters', label: 'Auth URI Query Parameters', type: 'hidden', default: 'access_type=offline&prompt=consent' },
		{ name: 'authentication', label: 'Authentication', type: 'hidden', default: 'body' },
	];
}

/**
 * The Data Manager API's credential: Google OAuth2 with the Data Manager scope, no developer token
 * (https://developers.google.com/data-manager/api/get-started/set-up-access). Its Test lists one user list of
 * the account it names, a read-only call that proves the token, the scope and the access to that account
 * (https://developers.google.com/data-manager/api/reference/rest/v1/accountTypes.accounts.userLists/list).
 */
const dataManagerCredential: CredentialDefinition = {
	name: 'googleDataManagerOAuth2Api',
	className: 'GoogleDataManagerOAuth2Api',
	displayName: 'Google Data Manager OAuth2 API',
	documentationUrl: DOCS,
	extends: ['oAuth2Api'],
	fields: [
		...googleOAuth2Fields(DATA_MANAGER_SCOPE),
		{
			name: 'testAccountId',
			label: 'Google Ads Account ID (for the Test)',
			type: 'string',
			default: '',
			required: true,
			forTestOnly: true,
			placeholder: '123-456-7890',
			description: 'An account the signed-in user can reach: the Test button reads one of its user lists (nothing is changed). Digits only.',
		},
		{
			name: 'baseUrl',
			label: 'Base URL',
			type: 'string',
			default: DATA_MANAGER_BASE_URL,
			description: 'Change only for tests or a proxy',
		},
	],
	test: {
		request: {
			baseURL: '={{$credentials.baseUrl.replace(/\\/+$/, "")}}',
			url: '=/v1/accountTypes/GOOGLE_ADS/accounts/{{$credentials.testAccountId.replace(/[^0-9]/g, "")}}/userLists',
			method: 'GET',
			qs: { pageSize: '1' },
			headers: { Authorization: '=Bearer {{$credentials.oauthTokenData.access_token}}' },
		},
	},
};

export const googleAds: PlatformDefinition<'google_ads', GoogleAdsConfig> = {
	platform: 'google_ads',
	maxBatch: GOOGLE_ADS_MAX_CONVERSIONS,
	identity: googleAdsIdentityRules,
	planRequests: (events, config, now) =>
		(config as GoogleAdsOptions).api === 'dataManager'
			? planDataManagerRequests(events, config as GoogleAdsOptions, now)
			: planGoogleAdsRequests(events, config as GoogleAdsOptions, now),
	readResponse: (request, response, now) =>
		isDataManagerRequest(request) ? readDataManagerResponse(request, response, now) : readGoogleAdsResponse(request, response, now),
	displayName: 'Google',
	node: {
		name: 'googleAdsConversions',
		className: 'GoogleAdsConversions',
		displayName: 'Google Ads Conversions',
		description: 'Uploads conversions with their Google click ID (gclid, gbraid, wbraid) to Google Ads',
		subtitle: '={{$parameter["validateOnly"] ? "validate only" : $parameter["api"] === "googleAds" ? "Google Ads API" : "Data Manager API"}}',
		icon: { light: 'googleAdsConversions.svg', dark: 'googleAdsConversions.dark.svg' },
		codex: {
			alias: [
				'Google Ads',
				'AdWords',
				'offline conversion',
				'click conversion',
				'gclid',
				'gbraid',
				'wbraid',
				'conversion upload',
				'enhanced conversions',
				'affiliate',
			],
			documentationUrl: DOCS,
		},
		versions: [1, 2],
	},
	settings: [
		{
			type: 'notice',
			text: 'Connect the Lead, Purchase or Other Event output of a Conversion Funnel: no mapping needed. Google matches a conversion on the Google click ID (gclid, gbraid or wbraid) of its ad click or, through the Data Manager API, on the hashed email or phone alone (enhanced conversions for leads); a click must be 6 hours old: younger ones leave on Failed with the time to send them again (forward.retryAt).',
		},
		// The API, declared once per node version: the same choices, a different default (see the module comment).
		apiSetting('googleAds', [1]),
		apiSetting('dataManager', [2]),
		{
			type: 'raw',
			property: {
				displayName: 'Customer ID',
				name: 'customerId',
				type: 'string',
				default: '',
				required: true,
				placeholder: '123-456-7890',
				description: 'The Google Ads account the conversions belong to, the operating account (dashes are removed)',
			},
		},
		{
			type: 'raw',
			property: {
				displayName: 'Login Customer ID',
				name: 'loginCustomerId',
				type: 'string',
				default: '',
				placeholder: '111-222-3333',
				description:
					'The manager account (or, with the Data Manager API, the data partner account) the signed-in user reaches the customer through. Empty for direct access.',
			},
		},
		{
			type: 'raw',
			property: {
				displayName: 'Conversion Action',
				name: 'conversionAction',
				type: 'string',
				default: '',
				required: true,
				placeholder: '987654321',
				description:
					'The conversion action (type Import from clicks) to upload to: its numeric ID or customers/{customer ID}/conversionActions/{ID}. Used for every event without its own action below.',
			},
		},
		{
			type: 'raw',
			property: {
				displayName: 'Conversion Action per Event',
				name: 'eventActions',
				type: 'fixedCollection',
				typeOptions: { multipleValues: true },
				placeholder: 'Add Event',
				default: {},
				description: 'A different conversion action for some events (for example Lead and Purchase)',
				options: [
					{
						displayName: 'Event',
						name: 'action',
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
								displayName: 'Conversion Action',
								name: 'conversionAction',
								type: 'string',
								default: '',
								placeholder: '987654321',
								description: 'Numeric ID or customers/{customer ID}/conversionActions/{ID}',
							},
						],
					},
				],
			},
		},
		{
			type: 'raw',
			property: {
				displayName: 'Conversion Value From',
				name: 'valueFrom',
				type: 'options',
				options: [
					{ name: 'Commission', value: 'commission', description: 'What the network pays you: the revenue to optimise ad spend against' },
					{ name: 'Sale Amount', value: 'amount', description: "The order's amount" },
					{ name: 'None', value: 'none', description: "No value: the conversion action's default value applies" },
				],
				default: 'commission',
				description: "Which amount becomes the conversion value (a zero or missing amount is left out, so the action's default value applies)",
			},
		},
		{
			type: 'raw',
			property: {
				displayName: 'Validate Only',
				name: 'validateOnly',
				type: 'boolean',
				default: false,
				description: 'Whether Google only checks the conversions without recording them (test mode)',
			},
		},
		{
			type: 'raw',
			property: {
				displayName: 'Options',
				name: 'options',
				type: 'collection',
				placeholder: 'Add Option',
				default: {},
				options: [
					{
						displayName: 'Ad Personalization Consent',
						name: 'adPersonalizationConsent',
						type: 'options',
						options: [
							{ name: 'Not Sent', value: '' },
							{ name: 'Granted', value: 'GRANTED' },
							{ name: 'Denied', value: 'DENIED' },
						],
						default: '',
						description: "The visitor's consent to ad personalization for conversions whose item does not carry its own consent (EU user consent policy)",
					},
					{
						displayName: 'Ad User Data Consent',
						name: 'adUserDataConsent',
						type: 'options',
						options: [
							{ name: 'Not Sent', value: '' },
							{ name: 'Granted', value: 'GRANTED' },
							{ name: 'Denied', value: 'DENIED' },
						],
						default: '',
						description:
							"The visitor's consent to sending user data to Google, for conversions whose item does not carry its own consent. Denied also leaves the hashed email and phone out.",
					},
					{
						displayName: 'Default Phone Country',
						name: 'defaultCountry',
						type: 'string',
						default: '',
						placeholder: 'US',
						description: 'Two-letter country for phone numbers written without a country code',
					},
					{
						displayName: 'Linked Account ID',
						name: 'linkedAccountId',
						type: 'string',
						default: '',
						placeholder: '555-666-7777',
						description: 'Data Manager API, data partners only: the advertiser account linked to the data partner login account',
						displayOptions: { show: { '/api': ['dataManager'] } },
					},
					{
						displayName: 'Login Account Type',
						name: 'loginAccountType',
						type: 'options',
						options: [
							{ name: 'Google Ads Manager Account', value: 'GOOGLE_ADS' },
							{ name: 'Data Partner', value: 'DATA_PARTNER' },
						],
						default: 'GOOGLE_ADS',
						description: 'Data Manager API: what kind of account the Login Customer ID is',
						displayOptions: { show: { '/api': ['dataManager'] } },
					},
				],
			},
		},
		{
			type: 'raw',
			property: {
				displayName: 'Overrides',
				name: 'overrides',
				type: 'collection',
				placeholder: 'Add Override',
				default: {},
				description: 'Replace what the Conversion Funnel item says, for items from elsewhere',
				options: [
					{ displayName: 'Click Time', name: 'clickedAt', type: 'string', default: '', description: 'When the ad was clicked (ISO 8601 with an offset)' },
					{
						displayName: 'Conversion Time',
						name: 'occurredAt',
						type: 'string',
						default: '',
						description: 'When the conversion happened (ISO 8601 with an offset)',
					},
					{
						displayName: 'Conversion Value',
						name: 'value',
						type: 'string',
						default: '',
						placeholder: '39.50',
						description: 'Replaces the amount Conversion Value From picks',
					},
					{ displayName: 'Currency', name: 'currency', type: 'string', default: '', placeholder: 'USD', description: 'ISO 4217 code of the value' },
					{
						displayName: 'Email',
						name: 'email',
						type: 'string',
						placeholder: 'name@email.com',
						default: '',
						description: 'Hashed (SHA-256) before it is sent',
					},
					{ displayName: 'GBRAID', name: 'gbraid', type: 'string', default: '', description: 'Used only when there is no GCLID' },
					{ displayName: 'GCLID', name: 'gclid', type: 'string', default: '', description: 'The Google click ID' },
					{ displayName: 'Phone', name: 'phone', type: 'string', default: '', description: 'Hashed (SHA-256, E.164) before it is sent' },
					{ displayName: 'WBRAID', name: 'wbraid', type: 'string', default: '', description: 'Used only when there is no GCLID' },
				],
			},
		},
	],
	readItem,
	credential: {
		name: 'googleAdsConversionsOAuth2Api',
		className: 'GoogleAdsConversionsOAuth2Api',
		displayName: 'Google Ads Conversions OAuth2 API',
		documentationUrl: DOCS,
		extends: ['oAuth2Api'],
		fields: [
			...googleOAuth2Fields('https://www.googleapis.com/auth/adwords'),
			{
				name: 'developerToken',
				label: 'Developer Token',
				type: 'string',
				password: true,
				default: '',
				required: true,
				description: 'From the API Center of your Google Ads manager account. A token with test access works with test accounts only.',
			},
			{
				name: 'apiVersion',
				label: 'API Version',
				type: 'string',
				default: 'v26',
				description: 'Google Ads API version, such as v26. Google retires old versions on a schedule: move to a current one when uploads answer 404.',
			},
			{
				name: 'baseUrl',
				label: 'Base URL',
				type: 'string',
				default: 'https://googleads.googleapis.com',
				description: 'Change only for tests or a proxy',
			},
		],
		// Lists the accounts the signed-in user reaches: proves the token, the developer token and the version.
		test: {
			request: {
				baseURL: '={{$credentials.baseUrl.replace(/\\/+$/, "")}}',
				url: '=/{{$credentials.apiVersion}}/customers:listAccessibleCustomers',
				method: 'GET',
				headers: {
					Authorization: '=Bearer {{$credentials.oauthTokenData.access_token}}',
					'developer-token': '={{$credentials.developerToken}}',
				},
			},
		},
	},
	alternateCredentials: [{ when: { setting: 'api', value: 'dataManager' }, credential: dataManagerCredential }],
	clickFields: [
		{ field: 'gclid', from: [{ query: 'gclid' }] },
		{ field: 'gbraid', from: [{ query: 'gbraid' }] },
		{ field: 'wbraid', from: [{ query: 'wbraid' }] },
	],
	clickId: {
		field: 'gclid',
		override: { label: 'GCLID', description: 'The gclid of the ad click' },
	},
};

export * from './build';
export * from './data-manager';
export { readGoogleAdsResponse, rowOf } from './response';
export { eventIndexOf, isDataManagerRequest, readDataManagerResponse, readRequestDiagnostics, requestStatusUrl } from './data-manager-response';
export type { RequestDiagnostics } from './data-manager-response';
export type { GoogleAdsError, GoogleAdsFieldPathElement } from './response';
