import {
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
	NodeConnectionTypes,
	NodeOperationError,
} from 'n8n-workflow';
import { TIKTOK_EVENT_SOURCES, type TikTokOptions } from '../../src/destinations/tiktok';
import { postbackStoreTest } from '../shared/store';
import {
	destinationCredentials,
	forwardWithOverrides,
	given,
	readDefaultCountry,
	readValueFrom,
	requiredText,
	withConversionLog,
} from '../shared/destination-node';
import { tikTokEventsProperties } from './description';

interface TikTokCredentials {
	accessToken: string;
	baseUrl?: string;
}

/** The batch-level settings for one item (expressions may differ per item; items with equal settings share requests). */
function configFor(context: IExecuteFunctions, itemIndex: number, credentials: TikTokCredentials): TikTokOptions {
	const pixelCode = requiredText(context, 'pixelCode', itemIndex, 'Pixel Code', 'Copy it from TikTok Events Manager (the pixel ID).');
	const eventSource = context.getNodeParameter('eventSource', itemIndex, 'web') as TikTokOptions['eventSource'];
	if (!TIKTOK_EVENT_SOURCES.includes(eventSource ?? 'web'))
		throw new NodeOperationError(context.getNode(), `Event Source "${String(eventSource)}" is not one of ${TIKTOK_EVENT_SOURCES.join(', ')}`, { itemIndex });
	const options = context.getNodeParameter('options', itemIndex, {}) as {
		clickEventName?: string;
	};
	return {
		pixelCode,
		accessToken: credentials.accessToken,
		baseUrl: given(credentials.baseUrl),
		testEventCode: given(context.getNodeParameter('testEventCode', itemIndex, '')),
		eventSource,
		valueFrom: readValueFrom(context, itemIndex),
		defaultCountry: readDefaultCountry(context, itemIndex),
		clickEventName: given(options.clickEventName),
	};
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
		credentials: destinationCredentials('tikTokEventsApi'),
		usableAsTool: true,
		properties: withConversionLog(tikTokEventsProperties),
	};

	methods = { credentialTest: { postbackStoreTest } };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await forwardWithOverrides(
			this,
			'tiktok',
			'tikTokEventsApi',
			(itemIndex, credentials: TikTokCredentials) => configFor(this, itemIndex, credentials),
			'ttclid',
		);
	}
}
