/**
 * Meta Conversions API as one platform definition: the engine is in this folder (plan and read in ./build.ts,
 * ./event.ts and ./response.ts); the node, credential, click id and event names are declared here. Meta's node
 * keeps its own layout (an Override Fields collection named `fields`, the event name under Options), so its
 * settings are mostly declared as they are and it reads items itself (readItem).
 */
import { type PlatformDefinition, SettingError, type SettingValues, withConsent } from '../definition';
import { decimalFromNumber, isKnownCurrency, normalizeDecimal } from '../../model/money';
import type { ForwardableEvent } from '../types';
import type { MetaDestinationConfig, MetaEventFields, MetaForwardableEvent } from './event';
import { META_MAX_BATCH } from './constants';
import { checkMetaConfig, planMetaRequests } from './build';
import { metaIdentityRules } from './identity';
import { readMetaResponse } from './response';

const DOCS = 'https://github.com/n8n-nodes-postback/n8n-nodes-postback#meta-conversions-api';

interface FieldOverrides {
	email?: string;
	phone?: string;
	externalId?: string;
	eventSourceUrl?: string;
	value?: string | number;
	currency?: string;
}

const trimmed = (value: unknown): string | undefined => {
	if (value === undefined || value === null) return undefined;
	const text = String(value).trim();
	return text === '' ? undefined : text;
};

/** The destination settings for one item (parameters may be expressions, so each item has its own). */
function readConfig(settings: SettingValues, credentials: SettingValues): MetaDestinationConfig {
	const config: MetaDestinationConfig = {
		pixelId: trimmed(settings.pixelId) ?? '',
		accessToken: trimmed(credentials.accessToken) ?? '',
		apiVersion: trimmed(credentials.apiVersion),
		baseUrl: trimmed(credentials.baseUrl),
		testEventCode: trimmed(settings.testEventCode),
		actionSource: trimmed(settings.actionSource),
		valueFrom: settings.valueFrom as MetaDestinationConfig['valueFrom'],
		clickEventName: settings.clickEventName as string | undefined,
		defaultCountry: settings.defaultCountry as string | undefined,
	};
	try {
		checkMetaConfig(config);
	} catch (error) {
		throw new SettingError((error as Error).message, 'Check the node settings and the Meta Conversions API credential.');
	}
	return config;
}

/** The item as the Meta destination reads it, with this item's overrides under `metaFields`. */
function readEvent(json: Record<string, unknown>, settings: SettingValues, itemIndex: number): MetaForwardableEvent {
	const isConversion = typeof json.eventName === 'string' && typeof json.occurredAt === 'string';
	const isClick = typeof json.clickId === 'string' && typeof json.clickedAt === 'string' && !('transactionId' in json);
	if (!isConversion && !isClick) {
		throw new SettingError(
			`Item ${itemIndex} is neither a conversion from the Conversion Funnel nor a click from the Click Tracker`,
			'Connect the Lead, Purchase or Other Event output of a Conversion Funnel, or the Clicks output of a Click Tracker.',
		);
	}
	const fields = (settings.fields ?? {}) as FieldOverrides;
	const metaFields: MetaEventFields = {};
	const eventName = trimmed(settings.eventName);
	if (eventName) metaFields.eventName = eventName;
	for (const key of ['email', 'phone', 'externalId'] as const) {
		const value = trimmed(fields[key]);
		if (value) metaFields[key] = value;
	}
	const eventSourceUrl = trimmed(fields.eventSourceUrl);
	if (eventSourceUrl) {
		if (!/^https?:\/\/[^\s]+$/i.test(eventSourceUrl) || !URL.canParse(eventSourceUrl)) {
			throw new SettingError(`Event Source URL "${eventSourceUrl}" is not an absolute http(s) URL`);
		}
		metaFields.eventSourceUrl = eventSourceUrl;
	}
	if (fields.value !== undefined && trimmed(fields.value) !== undefined) {
		const value = typeof fields.value === 'number' ? decimalFromNumber(fields.value) : normalizeDecimal(String(fields.value));
		if (value === undefined || value.startsWith('-')) {
			throw new SettingError(`Value "${String(fields.value)}" is not a non-negative decimal number such as 39.50`);
		}
		metaFields.value = value;
	}
	const currency = trimmed(fields.currency)?.toUpperCase();
	if (currency) {
		if (!/^[A-Z]{3}$/.test(currency) || !isKnownCurrency(currency)) {
			throw new SettingError(`Currency "${currency}" is not an ISO 4217 code such as USD`);
		}
		metaFields.currency = currency;
	}
	return { ...(json as unknown as MetaForwardableEvent), metaFields };
}

export const meta: PlatformDefinition<'meta', MetaDestinationConfig> = withConsent({
	platform: 'meta',
	maxBatch: META_MAX_BATCH,
	identity: metaIdentityRules,
	planRequests: planMetaRequests,
	readResponse: readMetaResponse,
	displayName: 'Meta',
	node: {
		name: 'metaConversions',
		className: 'MetaConversions',
		displayName: 'Meta Conversions API',
		description: 'Sends conversions and clicks to Meta (Facebook, Instagram) through the Conversions API, hashed, batched and deduplicated',
		subtitle: '={{$parameter["testEventCode"] ? "test events" : "pixel " + $parameter["pixelId"]}}',
		icon: { light: 'metaConversions.svg', dark: 'metaConversions.dark.svg' },
		codex: {
			alias: ['meta', 'facebook', 'instagram', 'capi', 'conversions api', 'pixel', 'purchase', 'lead', 'outboundclick', 'affiliate', 'server-side tracking'],
			documentationUrl: DOCS,
		},
	},
	settings: [
		{
			type: 'notice',
			text: 'Connect the Lead, Purchase or Other Event outputs of the Conversion Funnel (no mapping needed), or the Clicks output of the Click Tracker to send each click as an OutboundClick event. Every input item leaves on Sent or Failed with a "forward" field saying what happened.',
		},
		{
			type: 'raw',
			property: {
				displayName: 'Pixel ID',
				name: 'pixelId',
				type: 'string',
				default: '',
				required: true,
				placeholder: '1234567890123456',
				description: 'The pixel (dataset) ID from Events Manager',
			},
		},
		{
			type: 'raw',
			property: {
				displayName: 'Action Source',
				name: 'actionSource',
				type: 'options',
				options: [
					{
						name: 'App',
						value: 'app',
					},
					{
						name: 'Business Messaging',
						value: 'business_messaging',
					},
					{
						name: 'Chat',
						value: 'chat',
					},
					{
						name: 'Email',
						value: 'email',
					},
					{
						name: 'Other',
						value: 'other',
					},
					{
						name: 'Phone Call',
						value: 'phone_call',
					},
					{
						name: 'Physical Store',
						value: 'physical_store',
					},
					{
						name: 'System Generated',
						value: 'system_generated',
						description: 'For conversions reported by the network without the visitor’s browser data',
					},
					{
						name: 'Website',
						value: 'website',
						description:
							'The visitor clicked on your site. Meta then requires the user agent and the page URL, which come from the Click Tracker’s click; conversions without them are not sent (see Failed).',
					},
				],
				default: 'website',
				description: 'Where the conversion happened, as Meta classifies it',
			},
		},
		{
			type: 'raw',
			property: {
				displayName: 'Value From',
				name: 'valueFrom',
				type: 'options',
				options: [
					{
						name: 'Commission',
						value: 'commission',
						description: 'Your commission: the revenue the ad earned you',
					},
					{
						name: 'Sale Amount',
						value: 'amount',
						description: 'What the customer paid the merchant',
					},
				],
				default: 'commission',
				description: 'Which amount Meta receives as the conversion value. Purchase events need one.',
			},
		},
		{
			type: 'raw',
			property: {
				displayName: 'Test Event Code',
				name: 'testEventCode',
				type: 'string',
				default: '',
				placeholder: 'TEST12345',
				description: 'From Events Manager → Test Events. While set, events appear there and are not used for ads. Clear it to go live.',
			},
		},
		{
			type: 'raw',
			property: {
				displayName: 'Override Fields',
				name: 'fields',
				type: 'collection',
				placeholder: 'Add Field',
				default: {},
				description: 'Values to send instead of the ones on the item; use expressions to take them from elsewhere',
				options: [
					{
						displayName: 'Currency',
						name: 'currency',
						type: 'string',
						default: '',
						placeholder: 'USD',
						description: 'ISO 4217 code of the value',
					},
					{
						displayName: 'Email',
						name: 'email',
						type: 'string',
						placeholder: 'name@email.com',
						default: '',
						description: 'The customer’s email, plain or already SHA-256 hashed (it is hashed here when plain)',
					},
					{
						displayName: 'Event Source URL',
						name: 'eventSourceUrl',
						type: 'string',
						default: '',
						placeholder: 'https://blog.example.com/review',
						description: 'The page where the visitor clicked (defaults to the click’s landing page)',
					},
					{
						displayName: 'External ID',
						name: 'externalId',
						type: 'string',
						default: '',
						description: 'Your own ID for the customer, plain or already hashed',
					},
					{
						displayName: 'Phone',
						name: 'phone',
						type: 'string',
						default: '',
						description: 'The customer’s phone number with country code (or set Default Country)',
					},
					{
						displayName: 'Value',
						name: 'value',
						type: 'string',
						default: '',
						placeholder: '39.50',
						description: 'The conversion value as a decimal number, instead of the commission or sale amount',
					},
				],
			},
		},
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
					description: 'The custom event Click Tracker clicks are sent as',
				},
				{
					type: 'string',
					name: 'defaultCountry',
					label: 'Default Country',
					default: '',
					upperCase: true,
					pattern: { test: /^[A-Z]{2}$/, isNot: 'a two-letter country code' },
					placeholder: 'US',
					description: 'Two-letter country code for phone numbers written without a country code',
				},
				{
					type: 'string',
					name: 'eventName',
					label: 'Event Name',
					default: '',
					placeholder: 'Purchase',
					description: 'Sends every item as this Meta event instead of the one the Conversion Funnel mapped (Purchase, Lead, …)',
				},
			],
		},
	],
	readItem: (json, settings, credentials, itemIndex) => ({
		config: readConfig(settings, credentials),
		event: readEvent(json, settings, itemIndex) as ForwardableEvent,
	}),
	credential: {
		name: 'metaConversionsApi',
		className: 'MetaConversionsApi',
		displayName: 'Meta Conversions API',
		documentationUrl: DOCS,
		fields: [
			{
				name: 'accessToken',
				label: 'Access Token',
				type: 'string',
				password: true,
				default: '',
				required: true,
				description: 'Generated in Events Manager under Settings → Conversions API for the pixel (dataset) you send to',
			},
			{
				name: 'apiVersion',
				label: 'API Version',
				type: 'string',
				default: 'v26.0',
				description: 'The Graph API version, such as v26.0. Meta retires versions about two years after release: update it when Meta announces a retirement.',
			},
			{
				name: 'baseUrl',
				label: 'Base URL',
				type: 'string',
				default: 'https://graph.facebook.com',
				description: 'Change only to send through a proxy or to a test server',
			},
		],
		authenticate: { qs: { access_token: '={{$credentials.accessToken}}' } },
		// GET /me with the token: read-only, refused for a wrong token.
		test: { request: { baseURL: '={{$credentials.baseUrl}}', url: '=/{{$credentials.apiVersion}}/me', method: 'GET' } },
	},
	// Consent: https://developers.facebook.com/docs/marketing-apis/data-processing-options
	consent: {
		field: 'data_processing_options (Limited Data Use)',
		docs: 'https://developers.facebook.com/docs/marketing-apis/data-processing-options',
		browserIds: ['fbp'],
		eventFields: { metaFields: ['email', 'phone', 'externalId'] },
	},
	clickFields: [
		{ field: 'fbclid', from: [{ query: 'fbclid' }] },
		{ field: 'fbc', from: [{ cookie: '_fbc' }, { query: 'fbc' }], custom: true },
		{ field: 'fbp', from: [{ cookie: '_fbp' }, { query: 'fbp' }], custom: true },
	],
	clickId: {
		field: 'fbclid',
		override: { label: 'Meta Click ID', description: 'The fbclid of the ad click' },
	},
	events: {
		label: 'Meta',
		names: { Purchase: 'Purchase', Lead: 'Lead', CompleteRegistration: 'CompleteRegistration' },
		keepsOtherNames: true,
	},
});

export * from './constants';
export { checkMetaConfig, metaApiVersion, metaEventsUrl, planMetaRequests } from './build';
export { buildMetaEvent, decimalToMetaValue, hashBirthdate, isClickEvent } from './event';
export type { MetaCustomData, MetaDestinationConfig, MetaEventFields, MetaForwardableEvent, MetaServerEvent, MetaUserData } from './event';
export { readMetaResponse } from './response';
export type { MetaGraphError } from './response';
