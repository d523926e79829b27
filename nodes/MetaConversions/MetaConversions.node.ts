import {
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
	NodeConnectionTypes,
	NodeOperationError,
} from 'n8n-workflow';
import { type MetaDestinationConfig, type MetaEventFields, type MetaForwardableEvent, checkMetaConfig } from '../../src/destinations/meta';
import { decimalFromNumber, isKnownCurrency, normalizeDecimal } from '../../src/model/money';
import { conversionLogProperty, conversionLogStoreProperties, postbackStoreTest } from '../shared/store';
import { forwardItems } from '../shared/destination';
import { metaConversionsProperties } from './description';
import { credentialShownFor } from '../shared/credential-display';

interface FieldOverrides {
	email?: string;
	phone?: string;
	externalId?: string;
	eventSourceUrl?: string;
	value?: string | number;
	currency?: string;
}

interface NodeOptions {
	clickEventName?: string;
	defaultCountry?: string;
	eventName?: string;
}

const trimmed = (value: unknown): string | undefined => {
	if (value === undefined || value === null) return undefined;
	const text = String(value).trim();
	return text === '' ? undefined : text;
};

/** The destination settings for one item (parameters may be expressions, so each item has its own). */
function readConfig(context: IExecuteFunctions, itemIndex: number, credentials: IDataObject): MetaDestinationConfig {
	const options = context.getNodeParameter('options', itemIndex, {}) as NodeOptions;
	const defaultCountry = trimmed(options.defaultCountry)?.toUpperCase();
	if (defaultCountry !== undefined && !/^[A-Z]{2}$/.test(defaultCountry)) {
		throw new NodeOperationError(context.getNode(), `Default Country "${defaultCountry}" is not a two-letter country code`, { itemIndex });
	}
	const config: MetaDestinationConfig = {
		pixelId: trimmed(context.getNodeParameter('pixelId', itemIndex, '')) ?? '',
		accessToken: trimmed(credentials.accessToken) ?? '',
		apiVersion: trimmed(credentials.apiVersion),
		baseUrl: trimmed(credentials.baseUrl),
		testEventCode: trimmed(context.getNodeParameter('testEventCode', itemIndex, '')),
		actionSource: trimmed(context.getNodeParameter('actionSource', itemIndex, 'website')),
		valueFrom: context.getNodeParameter('valueFrom', itemIndex, 'commission') as MetaDestinationConfig['valueFrom'],
		clickEventName: trimmed(options.clickEventName),
		defaultCountry,
	};
	try {
		checkMetaConfig(config);
	} catch (error) {
		throw new NodeOperationError(context.getNode(), error as Error, {
			itemIndex,
			description: 'Check the node settings and the Meta Conversions API credential.',
		});
	}
	return config;
}

/** The item as the Meta destination reads it, with this item's overrides under `metaFields`. */
function readEvent(context: IExecuteFunctions, json: IDataObject, itemIndex: number): MetaForwardableEvent {
	const isConversion = typeof json.eventName === 'string' && typeof json.occurredAt === 'string';
	const isClick = typeof json.clickId === 'string' && typeof json.clickedAt === 'string' && !('transactionId' in json);
	if (!isConversion && !isClick) {
		throw new NodeOperationError(context.getNode(), `Item ${itemIndex} is neither a conversion from the Conversion Funnel nor a click from the Click Tracker`, {
			itemIndex,
			description: 'Connect the Lead, Purchase or Other Event output of a Conversion Funnel, or the Clicks output of a Click Tracker.',
		});
	}
	const fields = context.getNodeParameter('fields', itemIndex, {}) as FieldOverrides;
	const options = context.getNodeParameter('options', itemIndex, {}) as NodeOptions;
	const metaFields: MetaEventFields = {};
	const eventName = trimmed(options.eventName);
	if (eventName) metaFields.eventName = eventName;
	for (const key of ['email', 'phone', 'externalId'] as const) {
		const value = trimmed(fields[key]);
		if (value) metaFields[key] = value;
	}
	const eventSourceUrl = trimmed(fields.eventSourceUrl);
	if (eventSourceUrl) {
		if (!/^https?:\/\/[^\s]+$/i.test(eventSourceUrl) || !URL.canParse(eventSourceUrl)) {
			throw new NodeOperationError(context.getNode(), `Event Source URL "${eventSourceUrl}" is not an absolute http(s) URL`, { itemIndex });
		}
		metaFields.eventSourceUrl = eventSourceUrl;
	}
	if (fields.value !== undefined && trimmed(fields.value) !== undefined) {
		const value = typeof fields.value === 'number' ? decimalFromNumber(fields.value) : normalizeDecimal(String(fields.value));
		if (value === undefined || value.startsWith('-')) {
			throw new NodeOperationError(context.getNode(), `Value "${String(fields.value)}" is not a non-negative decimal number such as 39.50`, { itemIndex });
		}
		metaFields.value = value;
	}
	const currency = trimmed(fields.currency)?.toUpperCase();
	if (currency) {
		if (!/^[A-Z]{3}$/.test(currency) || !isKnownCurrency(currency)) {
			throw new NodeOperationError(context.getNode(), `Currency "${currency}" is not an ISO 4217 code such as USD`, { itemIndex });
		}
		metaFields.currency = currency;
	}
	return { ...(json as unknown as MetaForwardableEvent), metaFields };
}

export class MetaConversions implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Meta Conversions API',
		name: 'metaConversions',
		icon: { light: 'file:metaConversions.svg', dark: 'file:metaConversions.dark.svg' },
		group: ['output'],
		version: 1,
		subtitle: '={{$parameter["testEventCode"] ? "test events" : "pixel " + $parameter["pixelId"]}}',
		description: 'Sends conversions and clicks to Meta (Facebook, Instagram) through the Conversions API, hashed, batched and deduplicated',
		defaults: { name: 'Meta Conversions API' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main, NodeConnectionTypes.Main],
		outputNames: ['Sent', 'Failed'],
		credentials: [
			{ name: 'metaConversionsApi', required: true },
			{
				name: 'postbackStorePostgresApi',
				required: true,
				testedBy: 'postbackStoreTest',
				displayOptions: credentialShownFor({ conversionLog: [true], store: ['postgres'] }),
			},
		],
		usableAsTool: true,
		properties: [...metaConversionsProperties, conversionLogProperty, ...conversionLogStoreProperties()],
	};

	methods = { credentialTest: { postbackStoreTest } };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = this.getInputData();
		const credentials = await this.getCredentials('metaConversionsApi');
		return await forwardItems(this, 'meta', (itemIndex) => ({
			config: readConfig(this, itemIndex, credentials),
			event: readEvent(this, items[itemIndex].json, itemIndex),
		}));
	}
}
