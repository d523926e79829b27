import type { IDataObject, IExecuteFunctions, INodeCredentialDescription, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import type { ForwardableClick, ForwardableConversion, ForwardableEvent, Platform, PlatformConfigs } from '../../src/destinations';
import { forwardItems } from './destination';
import { funnelItemSchema } from '../../src/funnel';
import { conversionSchema, isKnownCurrency, normalizeDecimal } from '../../src/model';
import { conversionLogProperty, conversionLogStoreProperties } from './store';
import { credentialShownFor } from './credential-display';

/**
 * The parts every ad-platform node shares, so a platform's node is its own settings and nothing else: reading
 * an item as a conversion or a click, the Override Fields every platform offers, and the Conversion Log
 * settings. The execute loop itself is forwardItems in ./destination.ts.
 */

/** A string parameter with something in it, trimmed; numbers (from expressions) as their text. */
export function given(value: unknown): string | undefined {
	if (typeof value === 'number' && Number.isFinite(value)) return String(value);
	return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/** The overrides every platform node offers (see overrideFieldsProperty); a node may add its own keys. */
export interface CommonOverrides {
	eventName?: string;
	eventTime?: string;
	email?: string;
	phone?: string;
	externalId?: string;
	value?: string | number;
	currency?: string;
	orderId?: string;
	clickId?: string;
	ip?: string;
	userAgent?: string;
	pageUrl?: string;
}

function describeIssues(issues: Array<{ path: Array<string | number>; message: string }>): string {
	const listed = issues
		.slice(0, 5)
		.map((issue) => `${issue.path.join('.') || '(item)'}: ${issue.message}`)
		.join('; ');
	return issues.length > 5 ? `${listed}; and ${issues.length - 5} more` : listed;
}

/** A Click Tracker item: a click id and time, and no transaction (conversions always carry the key). */
export function isClickItem(json: IDataObject): boolean {
	return typeof json.clickId === 'string' && typeof json.clickedAt === 'string' && !('transactionId' in json);
}

/**
 * The item as a destination takes it: a Conversion Funnel item, a Postback Trigger conversion (it needs an
 * event name, from the item or from `eventNameOverride`), or a Click Tracker click. Keys other nodes added on
 * the way (a previous destination's `forward`, a Set node's fields) are dropped.
 */
export function readForwardableEvent(context: IExecuteFunctions, json: IDataObject, itemIndex: number, eventNameOverride?: string): ForwardableEvent {
	if (isClickItem(json)) return { ...(json as unknown as ForwardableClick) };
	const funnel = funnelItemSchema.strip().safeParse(json);
	if (funnel.success) return { ...(funnel.data as unknown as ForwardableConversion) };
	const plain = conversionSchema.strip().safeParse(json);
	if (plain.success) {
		const eventName = given(eventNameOverride) ?? plain.data.eventName;
		if (!eventName) {
			throw new NodeOperationError(context.getNode(), `Item ${itemIndex} is a conversion without an event name`, {
				itemIndex,
				description: 'Send it through the Conversion Funnel first, or set Override Fields → Event Name.',
			});
		}
		return { ...plain.data, eventName } as ForwardableConversion;
	}
	const issues = 'route' in json ? funnel.error.issues : plain.error.issues;
	throw new NodeOperationError(context.getNode(), `Item ${itemIndex} is neither a conversion nor a Click Tracker click: ${describeIssues(issues)}`, {
		itemIndex,
		description: 'Connect an output of the Conversion Funnel (or of a Click Tracker), or pass items of the same shape.',
	});
}

/** What applyOverrides needs to know about the platform. */
export interface OverrideTarget {
	platform: Platform;
	/** The money field the platform's value comes from ('commission' or 'amount'). */
	valueFrom: 'commission' | 'amount';
	/** The click field the Click ID override sets (ttclid, sccid, epik, rdtCid, msclkid…). */
	clickIdField?: string;
}

/**
 * Applies the Override Fields to a copy of the event: the platform's event name, the time, the person's
 * email, phone and external id, the value, currency and order id, and the click's id, IP, user agent and page.
 * Bad values stop the item with a message naming the field.
 */
export function applyOverrides(
	context: IExecuteFunctions,
	input: ForwardableEvent,
	overrides: CommonOverrides,
	target: OverrideTarget,
	itemIndex: number,
): ForwardableEvent {
	const fail = (message: string) => new NodeOperationError(context.getNode(), message, { itemIndex });
	const isClick = !('transactionId' in input);
	const event = { ...input } as Record<string, unknown>;

	const eventName = given(overrides.eventName);
	if (eventName)
		event.destinationEvents = {
			...(event.destinationEvents as object | undefined),
			[target.platform]: eventName,
		};

	const eventTime = given(overrides.eventTime);
	if (eventTime) {
		const at = Date.parse(eventTime);
		if (Number.isNaN(at)) throw fail(`Event Time "${eventTime}" is not a date`);
		event[isClick ? 'clickedAt' : 'occurredAt'] = new Date(at).toISOString();
	}

	const user = { ...(event.user as object | undefined) } as Record<string, string>;
	for (const field of ['email', 'phone', 'externalId'] as const) {
		const value = given(overrides[field]);
		if (value) user[field] = value;
	}
	if (Object.keys(user).length > 0) event.user = user;

	if (!isClick) {
		const value = given(overrides.value);
		if (value) {
			const decimal = normalizeDecimal(value);
			if (decimal === undefined || decimal.startsWith('-')) throw fail(`Value "${value}" is not a non-negative decimal number such as 39.50`);
			event[target.valueFrom] = decimal;
		}
		const currency = given(overrides.currency)?.toUpperCase();
		if (currency) {
			if (!/^[A-Z]{3}$/.test(currency) || !isKnownCurrency(currency)) throw fail(`Currency "${currency}" is not an ISO 4217 code such as USD`);
			event.currency = currency;
		}
		const orderId = given(overrides.orderId);
		if (orderId) event.orderId = orderId;
	}

	const pageUrl = given(overrides.pageUrl);
	if (pageUrl && !URL.canParse(pageUrl)) throw fail(`Page URL "${pageUrl}" is not an absolute URL`);
	const clickFields: Record<string, string | undefined> = {
		...(target.clickIdField ? { [target.clickIdField]: given(overrides.clickId) } : {}),
		ip: given(overrides.ip),
		userAgent: given(overrides.userAgent),
		landingUrl: pageUrl,
	};
	const setClickFields = Object.fromEntries(Object.entries(clickFields).filter(([, value]) => value !== undefined));
	if (Object.keys(setClickFields).length > 0) {
		if (isClick) Object.assign(event, setClickFields);
		else {
			const conversion = input as ForwardableConversion;
			event.click = {
				clickId: conversion.clickId ?? '',
				clickedAt: conversion.occurredAt,
				...conversion.click,
				...setClickFields,
			};
		}
	}
	return event as unknown as ForwardableEvent;
}

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

/** The Override Fields collection, keys as in CommonOverrides, sorted by name as n8n lists them. */
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

/** The platform's credential, then the PostgreSQL store credential the Conversion Log may need. */
export function destinationCredentials(credentialName: string): INodeCredentialDescription[] {
	return [
		{ name: credentialName, required: true },
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

/**
 * The execute body every conversions-API node shares: the platform's credential, each item's settings
 * (`readConfig`), the item read as a conversion or a click with the Override Fields applied (the Click ID override
 * sets `clickIdField`), then forwardItems (batching, sending, Sent and Failed).
 */
export async function forwardWithOverrides<P extends Platform, K extends object>(
	context: IExecuteFunctions,
	platform: P,
	credentialName: string,
	readConfig: (itemIndex: number, credentials: K) => PlatformConfigs[P],
	clickIdField?: string,
): Promise<INodeExecutionData[][]> {
	const items = context.getInputData();
	const credentials = await context.getCredentials<K>(credentialName);
	return await forwardItems(context, platform, (itemIndex) => {
		const config = readConfig(itemIndex, credentials);
		const overrides = context.getNodeParameter('overrides', itemIndex, {}) as CommonOverrides & Record<string, unknown>;
		// A node may keep its click id override under the click field's own name (TikTok's `ttclid`).
		const clickId = clickIdField ? (overrides.clickId ?? (overrides[clickIdField] as string | undefined)) : undefined;
		const valueFrom = (config as { valueFrom?: 'commission' | 'amount' }).valueFrom ?? 'commission';
		const event = applyOverrides(
			context,
			readForwardableEvent(context, items[itemIndex].json, itemIndex, overrides.eventName),
			{ ...overrides, clickId },
			{ platform, valueFrom, clickIdField },
			itemIndex,
		);
		return { config, event };
	});
}
