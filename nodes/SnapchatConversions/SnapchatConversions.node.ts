import {
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
	NodeConnectionTypes,
	NodeOperationError,
} from 'n8n-workflow';
import { SNAPCHAT_ACTION_SOURCES, type SnapchatActionSource, type SnapchatConfig } from '../../src/destinations/snapchat';
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
import { snapchatConversionsProperties } from './description';

interface SnapchatCredentials {
	accessToken: string;
	baseUrl?: string;
}

/** The batch-level settings for one item (expressions may differ per item; items with equal settings share requests). */
function configFor(context: IExecuteFunctions, itemIndex: number, credentials: SnapchatCredentials): SnapchatConfig {
	const pixelId = requiredText(context, 'pixelId', itemIndex, 'Pixel ID', 'Copy it from Snapchat Ads Manager → Events Manager.');
	const actionSource = context.getNodeParameter('actionSource', itemIndex, 'WEB') as SnapchatActionSource;
	if (!SNAPCHAT_ACTION_SOURCES.includes(actionSource))
		throw new NodeOperationError(context.getNode(), `Action Source "${String(actionSource)}" is not one of ${SNAPCHAT_ACTION_SOURCES.join(', ')}`, {
			itemIndex,
		});
	const eventSourceUrl = given(context.getNodeParameter('eventSourceUrl', itemIndex, ''));
	if (eventSourceUrl && !URL.canParse(eventSourceUrl))
		throw new NodeOperationError(context.getNode(), `Event Source URL "${eventSourceUrl}" is not an absolute URL`, { itemIndex });
	return {
		pixelId,
		accessToken: credentials.accessToken,
		baseUrl: given(credentials.baseUrl),
		validateOnly: context.getNodeParameter('validateOnly', itemIndex, false) === true,
		actionSource,
		eventSourceUrl,
		valueFrom: readValueFrom(context, itemIndex),
		defaultCountry: readDefaultCountry(context, itemIndex),
	};
}

export class SnapchatConversions implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Snapchat Conversions API',
		name: 'snapchatConversions',
		icon: { light: 'file:snapchat.svg', dark: 'file:snapchat.dark.svg' },
		group: ['output'],
		version: 1,
		subtitle: '={{$parameter["validateOnly"] ? "validate only: " + $parameter["pixelId"] : $parameter["pixelId"]}}',
		description: 'Sends conversions to Snapchat through the Conversions API: hashed, deduplicated by event ID, batched',
		defaults: { name: 'Snapchat Conversions API' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main, NodeConnectionTypes.Main],
		outputNames: ['Sent', 'Failed'],
		credentials: destinationCredentials('snapchatConversionsApi'),
		usableAsTool: true,
		properties: withConversionLog(snapchatConversionsProperties),
	};

	methods = { credentialTest: { postbackStoreTest } };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await forwardWithOverrides(
			this,
			'snapchat',
			'snapchatConversionsApi',
			(itemIndex, credentials: SnapchatCredentials) => configFor(this, itemIndex, credentials),
			'sccid',
		);
	}
}
