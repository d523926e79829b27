import {
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
	NodeConnectionTypes,
	NodeOperationError,
} from 'n8n-workflow';
import type { ForwardableClick, ForwardableConversion, ForwardableEvent } from '../../src/destinations';
import { TIKTOK_EVENT_SOURCES, type TikTokOptions, type TikTokValueFrom } from '../../src/destinations/tiktok';
import { funnelItemSchema } from '../../src/funnel';
import { conversionSchema, normalizeDecimal } from '../../src/model';
import { conversionLogProperty, conversionLogStoreProperties, postbackStoreTest } from '../shared/store';
import { forwardItems } from '../shared/destination';
import { tikTokEventsProperties } from './description';

interface TikTokCredentials {
	accessToken: string;
	baseUrl?: string;
}

interface Overrides {
	eventName?: string;
	eventTime?: string;
	email?: string;
	phone?: string;
	externalId?: string;
	value?: string | number;
	currency?: string;
	orderId?: string;
	ttclid?: string;
	ip?: string;
	userAgent?: string;
	pageUrl?: string;
}


/** A string override with something in it, trimmed; numbers (from expressions) as their text. */
function given(value: unknown): string | undefined {
	if (typeof value === 'number' && Number.isFinite(value)) return String(value);
	return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/** The batch-level settings for one item (expressions may differ per item; items with equal settings share requests). */
function configFor(context: IExecuteFunctions, itemIndex: number, credentials: TikTokCredentials): TikTokOptions {
	const pixelCode = given(context.getNodeParameter('pixelCode', itemIndex, ''));
	if (!pixelCode) throw new NodeOperationError(context.getNode(), 'Pixel Code is empty', { itemIndex, description: 'Copy it from TikTok Events Manager (the pixel ID).' });
	const eventSource = context.getNodeParameter('eventSource', itemIndex, 'web') as TikTokOptions['eventSource'];
	if (!TIKTOK_EVENT_SOURCES.includes(eventSource ?? 'web')) throw new NodeOperationError(context.getNode(), `Event Source "${String(eventSource)}" is not one of ${TIKTOK_EVENT_SOURCES.join(', ')}`, { itemIndex });
	const valueFrom = context.getNodeParameter('valueFrom', itemIndex, 'commission') as TikTokValueFrom;
	if (valueFrom !== 'commission' && valueFrom !== 'amount') throw new NodeOperationError(context.getNode(), `Value From "${String(valueFrom)}" is not commission or amount`, { itemIndex });
	const country = given(context.getNodeParameter('defaultCountry', itemIndex, ''))?.toUpperCase();
	if (country && !/^[A-Z]{2}$/.test(country)) throw new NodeOperationError(context.getNode(), `Default Phone Country "${country}" is not a two-letter country code`, { itemIndex });
	const options = context.getNodeParameter('options', itemIndex, {}) as { clickEventName?: string };
	return {
		pixelCode,
		accessToken: credentials.accessToken,
		baseUrl: given(credentials.baseUrl),
		testEventCode: given(context.getNodeParameter('testEventCode', itemIndex, '')),
		eventSource,
		valueFrom,
		defaultCountry: country,
		clickEventName: given(options.clickEventName),
	};
}

function describeIssues(issues: Array<{ path: Array<string | number>; message: string }>): string {
	const listed = issues
		.slice(0, 5)
		.map((issue) => `${issue.path.join('.') || '(item)'}: ${issue.message}`)
		.join('; ');
	return issues.length > 5 ? `${listed}; and ${issues.length - 5} more` : listed;
}

/** A Click Tracker item: a click id and time, and no transaction (conversions always carry the key). */
function isClickItem(json: IDataObject): boolean {
	return typeof json.clickId === 'string' && typeof json.clickedAt === 'string' && !('transactionId' in json);
}

/** The item as the destination takes it: a funnel conversion, a Postback Trigger conversion, or a click. */
function eventFrom(context: IExecuteFunctions, json: IDataObject, itemIndex: number, overrides: Overrides): ForwardableEvent {
	if (isClickItem(json)) return { ...(json as unknown as ForwardableClick) };
	// Keys other nodes add on the way (a previous destination's `forward`, a Set node's fields) are dropped.
	const funnel = funnelItemSchema.strip().safeParse(json);
	if (funnel.success) return { ...(funnel.data as unknown as ForwardableConversion) };
	const plain = conversionSchema.strip().safeParse(json);
	if (plain.success) {
		const eventName = given(overrides.eventName) ?? plain.data.eventName;
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

/** Applies the Override Fields to a copy of the event. */
function withOverrides(context: IExecuteFunctions, input: ForwardableEvent, overrides: Overrides, valueFrom: TikTokValueFrom, itemIndex: number): ForwardableEvent {
	const fail = (message: string) => new NodeOperationError(context.getNode(), message, { itemIndex });
	const isClick = !('transactionId' in input);
	const event = { ...input } as Record<string, unknown>;

	const eventName = given(overrides.eventName);
	if (eventName) event.destinationEvents = { ...(event.destinationEvents as object | undefined), tiktok: eventName };

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
			if (decimal === undefined) throw fail(`Value "${value}" is not a plain decimal number such as 39.50`);
			event[valueFrom] = decimal;
		}
		const currency = given(overrides.currency)?.toUpperCase();
		if (currency) {
			if (!/^[A-Z]{3}$/.test(currency)) throw fail(`Currency "${currency}" is not an ISO 4217 code such as USD`);
			event.currency = currency;
		}
		const orderId = given(overrides.orderId);
		if (orderId) event.orderId = orderId;
	}

	const clickFields: Record<string, string | undefined> = {
		ttclid: given(overrides.ttclid),
		ip: given(overrides.ip),
		userAgent: given(overrides.userAgent),
		landingUrl: given(overrides.pageUrl),
	};
	const setClickFields = Object.fromEntries(Object.entries(clickFields).filter(([, value]) => value !== undefined));
	if (Object.keys(setClickFields).length > 0) {
		if (isClick) Object.assign(event, setClickFields);
		else {
			const conversion = input as ForwardableConversion;
			event.click = { clickId: conversion.clickId ?? '', clickedAt: conversion.occurredAt, ...conversion.click, ...setClickFields };
		}
	}
	return event as unknown as ForwardableEvent;
}



export class TikTokEvents implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'TikTok Events API',
		name: 'tikTokEvents',
		icon: { light: 'file:tiktok.svg', dark: 'file:tiktok.dark.svg' },
		group: ['output'],
		version: 1,
		subtitle: '={{$parameter["testEventCode"] ? "test events: " + $parameter["pixelCode"] : $parameter["pixelCode"]}}',
		description: 'Sends conversions and clicks to TikTok through the Events API: hashed, deduplicated by event ID, batched',
		defaults: { name: 'TikTok Events API' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main, NodeConnectionTypes.Main],
		outputNames: ['Sent', 'Failed'],
		credentials: [
			{ name: 'tikTokEventsApi', required: true },
			{
				name: 'postbackStorePostgresApi',
				required: true,
				testedBy: 'postbackStoreTest',
				displayOptions: { show: { conversionLog: [true], store: ['postgres'] } },
			},
		],
		usableAsTool: true,
		properties: [...tikTokEventsProperties, conversionLogProperty, ...conversionLogStoreProperties()],
	};

	methods = { credentialTest: { postbackStoreTest } };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = this.getInputData();
		const credentials = await this.getCredentials<TikTokCredentials>('tikTokEventsApi');
		return await forwardItems(this, 'tiktok', (itemIndex) => {
			const config = configFor(this, itemIndex, credentials);
			const overrides = this.getNodeParameter('overrides', itemIndex, {}) as Overrides;
			const event = withOverrides(this, eventFrom(this, items[itemIndex].json, itemIndex, overrides), overrides, config.valueFrom ?? 'commission', itemIndex);
			return { config, event };
		});
	}
}
