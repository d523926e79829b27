import {
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
	NodeConnectionTypes,
	NodeOperationError,
} from 'n8n-workflow';
import { PINTEREST_ACTION_SOURCES, type PinterestActionSource, type PinterestConfig } from '../../src/destinations/pinterest';
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
import { pinterestConversionsProperties } from './description';

interface PinterestCredentials {
	accessToken: string;
	baseUrl?: string;
}

/** The batch-level settings for one item (expressions may differ per item; items with equal settings share requests). */
function configFor(context: IExecuteFunctions, itemIndex: number, credentials: PinterestCredentials): PinterestConfig {
	const adAccountId = requiredText(context, 'adAccountId', itemIndex, 'Ad Account ID', 'Copy the numeric ad account ID from Pinterest Ads Manager.');
	if (!/^\d{1,18}$/.test(adAccountId))
		throw new NodeOperationError(context.getNode(), `Ad Account ID "${adAccountId}" is not a Pinterest ad account ID`, {
			itemIndex,
			description: 'It is a number of up to 18 digits, shown in Pinterest Ads Manager.',
		});
	const actionSource = context.getNodeParameter('actionSource', itemIndex, 'web') as PinterestActionSource;
	if (!PINTEREST_ACTION_SOURCES.includes(actionSource))
		throw new NodeOperationError(context.getNode(), `Action Source "${String(actionSource)}" is not one of ${PINTEREST_ACTION_SOURCES.join(', ')}`, {
			itemIndex,
		});
	return {
		adAccountId,
		accessToken: credentials.accessToken,
		baseUrl: given(credentials.baseUrl),
		testMode: context.getNodeParameter('testMode', itemIndex, false) === true,
		actionSource,
		valueFrom: readValueFrom(context, itemIndex),
		defaultCountry: readDefaultCountry(context, itemIndex),
	};
}

export class PinterestConversions implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Pinterest Conversions API',
		name: 'pinterestConversions',
		icon: { light: 'file:pinterest.svg', dark: 'file:pinterest.dark.svg' },
		group: ['output'],
		version: 1,
		subtitle: '={{$parameter["testMode"] ? "test events: " + $parameter["adAccountId"] : $parameter["adAccountId"]}}',
		description: 'Sends conversions to Pinterest through the Conversions API: hashed, deduplicated by event ID, batched',
		defaults: { name: 'Pinterest Conversions API' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main, NodeConnectionTypes.Main],
		outputNames: ['Sent', 'Failed'],
		credentials: destinationCredentials('pinterestConversionsApi'),
		usableAsTool: true,
		properties: withConversionLog(pinterestConversionsProperties),
	};

	methods = { credentialTest: { postbackStoreTest } };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await forwardWithOverrides(
			this,
			'pinterest',
			'pinterestConversionsApi',
			(itemIndex, credentials: PinterestCredentials) => configFor(this, itemIndex, credentials),
			'epik',
		);
	}
}
