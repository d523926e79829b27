import type { INodeCredentialDescription, INodeProperties } from 'n8n-workflow';
import { conversionLogProperty, conversionLogStoreProperties } from './store';
import { credentialShownFor } from './credential-display';
import type { AlternateCredential } from '../../src/destinations/definition';

/**
 * The editor parameters and credentials every ad-platform node shares: the Override Fields, Value From, Default
 * Phone Country and the Conversion Log settings. What the overrides do is src/destinations/forward/overrides.ts;
 * the execute loop is ./forward-items.ts.
 */

/** How a platform names things in the Override Fields collection. */
export interface OverrideFieldsOptions {
	/** 'TikTok', 'Snapchat'… */
	platformName: string;
	/** Examples of the platform's event names, for the Event Name override. */
	eventNameExample: string;
	/** The Click ID override: its label and what it is ('ScCid of the ad click'); leave out when the platform has none. */
	clickId?: {
		displayName: string;
		description: string;
		/** The key, when not 'clickId' (TikTok's saved workflows use 'ttclid'). */ name?: string;
	};
	/** How the platform wants the time, for the Event Time description ('Unix seconds'). */
	timeUnit: string;
	/** Fields only this platform has. */
	extra?: INodeProperties[];
}

/** The Override Fields collection, keys as in src's CommonOverrides, sorted by name as n8n lists them. */
export function overrideFieldsProperty(options: OverrideFieldsOptions): INodeProperties {
	const fields: INodeProperties[] = [
		{
			displayName: 'Currency',
			name: 'currency',
			type: 'string',
			default: '',
			placeholder: 'USD',
			description: 'ISO 4217 code',
		},
		{
			displayName: 'Email',
			name: 'email',
			type: 'string',
			placeholder: 'name@email.com',
			default: '',
		},
		{
			displayName: 'Event Name',
			name: 'eventName',
			type: 'string',
			default: '',
			placeholder: options.eventNameExample.split(/[ ,]/)[0],
			description: `A ${options.platformName} event name (${options.eventNameExample}), sent exactly as written`,
		},
		{
			displayName: 'Event Time',
			name: 'eventTime',
			type: 'dateTime',
			default: '',
			description: `When it happened (sent to ${options.platformName} in ${options.timeUnit})`,
		},
		{
			displayName: 'External ID',
			name: 'externalId',
			type: 'string',
			default: '',
			description: 'Your ID for the person (customer or visitor ID)',
		},
		{
			displayName: 'IP Address',
			name: 'ip',
			type: 'string',
			default: '',
			description: "The visitor's IP address",
		},
		{ displayName: 'Order ID', name: 'orderId', type: 'string', default: '' },
		{
			displayName: 'Page URL',
			name: 'pageUrl',
			type: 'string',
			default: '',
			description: 'The page where it happened (the landing page of the click)',
		},
		{
			displayName: 'Phone',
			name: 'phone',
			type: 'string',
			default: '',
			description: 'Any format; numbers without a country code use the Default Phone Country',
		},
		{
			displayName: 'User Agent',
			name: 'userAgent',
			type: 'string',
			default: '',
			description: "The visitor's browser user agent, sent as is",
		},
		{
			displayName: 'Value',
			name: 'value',
			type: 'string',
			default: '',
			placeholder: '39.50',
			description: 'A plain decimal number such as 39.50; replaces the amount chosen in Value From',
		},
	];
	if (options.clickId)
		fields.push({
			displayName: options.clickId.displayName,
			name: options.clickId.name ?? 'clickId',
			type: 'string',
			default: '',
			description: options.clickId.description,
		});
	fields.push(...(options.extra ?? []));
	fields.sort((a, b) => a.displayName.localeCompare(b.displayName));
	return {
		displayName: 'Override Fields',
		name: 'overrides',
		type: 'collection',
		placeholder: 'Add Field',
		default: {},
		description: `Replace what the item says, for example with an expression. Empty values are ignored. Personal data is hashed by ${options.platformName}'s rules before it is sent.`,
		options: fields,
	};
}

/** The Value From setting every platform node has. */
export const valueFromProperty: INodeProperties = {
	displayName: 'Value From',
	name: 'valueFrom',
	type: 'options',
	options: [
		{
			name: 'Commission',
			value: 'commission',
			description: 'What you earned: optimise campaigns for your revenue',
		},
		{
			name: 'Sale Amount',
			value: 'amount',
			description: 'What the customer paid the merchant',
		},
	],
	default: 'commission',
	description: 'Which amount of the conversion becomes the event value. Conversions without it are sent without a value.',
};

/** The Default Phone Country setting: numbers without a country code get this one. */
export function defaultCountryProperty(platformName: string, phoneForm: string): INodeProperties {
	return {
		displayName: 'Default Phone Country',
		name: 'defaultCountry',
		type: 'string',
		default: 'US',
		placeholder: 'US',
		description: `Two-letter country for phone numbers written without a country code (${platformName} wants ${phoneForm})`,
	};
}

/** The Consent Default setting (src/destinations/consent.ts): what an item without consent of its own is taken to say. */
export function consentDefaultProperty(platformName: string, field: string): INodeProperties {
	const choice = (what: string): INodeProperties['options'] => [
		{ name: 'Granted', value: 'granted', description: `The visitor allowed ${what}` },
		{ name: 'Denied', value: 'denied', description: `The visitor refused ${what}` },
	];
	return {
		displayName: 'Consent Default',
		name: 'consentDefault',
		type: 'collection',
		placeholder: 'Add Consent Default',
		default: {},
		description: `For items that carry no consent of their own (the Click Tracker, the postback or an expression sets "consent" on the item, which wins value by value). Sent to ${platformName} as ${field}. With Ad User Data denied, the person's email, phone, name, address, external ID, IP address and browser cookies are left out.`,
		options: [
			{
				displayName: 'Ad Personalization',
				name: 'adPersonalization',
				type: 'options',
				options: choice('personalised advertising'),
				default: 'granted',
			},
			{
				displayName: 'Ad User Data',
				name: 'adUserData',
				type: 'options',
				options: choice('sending their data for advertising'),
				default: 'granted',
			},
		],
	};
}

/** The platform's credential, then the PostgreSQL store credential the Conversion Log may need. */
export function destinationCredentials(credentialName: string, alternates: AlternateCredential[] = []): INodeCredentialDescription[] {
	// With alternates, each credential shows only for its API: the first for every value no alternate takes.
	const byValue = (when: AlternateCredential['when']) => ({ [when.setting]: [when.value] });
	const own: INodeCredentialDescription = { name: credentialName, required: true };
	if (alternates.length > 0) {
		const settings = [...new Set(alternates.map(({ when }) => when.setting))];
		own.displayOptions = {
			hide: Object.fromEntries(
				settings.map((setting) => [`/${setting}`, alternates.filter(({ when }) => when.setting === setting).map(({ when }) => when.value)]),
			),
		};
	}
	return [
		own,
		...alternates.map(({ when, credential }) => ({ name: credential.name, required: true, displayOptions: credentialShownFor(byValue(when)) })),
		{
			name: 'postbackStorePostgresApi',
			required: true,
			testedBy: 'postbackStoreTest',
			displayOptions: credentialShownFor({ conversionLog: [true], store: ['postgres'] }),
		},
	];
}

/** The platform's own properties, then the Conversion Log settings every destination node ends with. */
export function withConversionLog(properties: INodeProperties[]): INodeProperties[] {
	return [...properties, conversionLogProperty, ...conversionLogStoreProperties()];
}
