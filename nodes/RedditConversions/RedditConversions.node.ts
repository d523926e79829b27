import { type IExecuteFunctions, type INodeExecutionData, type INodeType, type INodeTypeDescription, NodeConnectionTypes } from 'n8n-workflow';
import type { RedditConfig } from '../../src/destinations/reddit';
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
import { redditConversionsProperties } from './description';

interface RedditCredentials {
	accessToken: string;
	baseUrl?: string;
}

/** The batch-level settings for one item (expressions may differ per item; items with equal settings share requests). */
function configFor(context: IExecuteFunctions, itemIndex: number, credentials: RedditCredentials): RedditConfig {
	return {
		pixelId: requiredText(context, 'pixelId', itemIndex, 'Pixel ID', "Copy it from Reddit Events Manager (the pixel's ID)."),
		accessToken: credentials.accessToken,
		baseUrl: given(credentials.baseUrl),
		testId: given(context.getNodeParameter('testId', itemIndex, '')),
		valueFrom: readValueFrom(context, itemIndex),
		defaultCountry: readDefaultCountry(context, itemIndex),
	};
}

export class RedditConversions implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Reddit Conversions API',
		name: 'redditConversions',
		icon: { light: 'file:reddit.svg', dark: 'file:reddit.dark.svg' },
		group: ['output'],
		version: 1,
		subtitle: '={{$parameter["testId"] ? "test events: " + $parameter["pixelId"] : $parameter["pixelId"]}}',
		description: 'Sends conversions to Reddit through the Conversions API: hashed, deduplicated by conversion ID, batched',
		defaults: { name: 'Reddit Conversions API' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main, NodeConnectionTypes.Main],
		outputNames: ['Sent', 'Failed'],
		credentials: destinationCredentials('redditConversionsApi'),
		usableAsTool: true,
		properties: withConversionLog(redditConversionsProperties),
	};

	methods = { credentialTest: { postbackStoreTest } };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await forwardWithOverrides(
			this,
			'reddit',
			'redditConversionsApi',
			(itemIndex, credentials: RedditCredentials) => configFor(this, itemIndex, credentials),
			'rdtCid',
		);
	}
}
