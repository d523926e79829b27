import {
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeProperties,
	type INodeType,
	type INodeTypeDescription,
	NodeConnectionTypes,
	NodeOperationError,
} from 'n8n-workflow';
import { linkNetworks, mintClickId, tagLink, type ClickError } from '../../src/clicks';

const properties: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'Mint Click ID',
				value: 'mintClickId',
				action: 'Mint a click ID',
				description: 'A new random click ID (130 bits; lowercase letters and digits, accepted by every network)',
			},
			{
				name: 'Tag Link',
				value: 'tagLink',
				action: 'Tag an offer link with a click ID',
				description: "Put a click ID into an offer link: the network's subid parameter, or in place of --CLICK-ID--",
			},
		],
		default: 'tagLink',
	},
	{
		displayName: 'Offer URL',
		name: 'url',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'https://shareasale.com/r.cfm?b=394686&u=1011620&m=41388&urllink=&afftrack=',
		description: 'The affiliate link to tag',
		displayOptions: { show: { operation: ['tagLink'] } },
	},
	{
		displayName: 'Click ID',
		name: 'clickId',
		type: 'string',
		default: '',
		placeholder: '={{ $json.clickId }}',
		description: 'The click ID to put in the link. Leave empty to mint a new one.',
		displayOptions: { show: { operation: ['tagLink'] } },
	},
	{
		displayName: 'Network',
		name: 'network',
		type: 'options',
		options: [
			{ name: 'Detect From Link', value: 'auto', description: 'Known network domains, or --CLICK-ID-- in the link' },
			...linkNetworks().map((network) => ({ name: network.name, value: network.id, description: `Subid parameter: ${network.subidParam}` })),
			{ name: 'Other (Enter Parameter)', value: 'customParam', description: 'Type the query parameter that carries the click ID' },
		],
		default: 'auto',
		description: 'Whose subid parameter carries the click ID',
		displayOptions: { show: { operation: ['tagLink'] } },
	},
	{
		displayName: 'Subid Parameter',
		name: 'subidParam',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'sub1',
		description: 'Query parameter that carries the click ID',
		displayOptions: { show: { operation: ['tagLink'], network: ['customParam'] } },
	},
	{
		displayName: 'Click ID Prefix',
		name: 'prefix',
		type: 'string',
		default: '',
		placeholder: 'c',
		description: 'Lowercase letters and digits put before the minted click ID',
		displayOptions: { show: { operation: ['mintClickId'] } },
	},
];

/** One item's operation: the fields to add, or the reason it cannot be done. Never throws for bad input. */
function runOperation(context: IExecuteFunctions, itemIndex: number): { added: IDataObject } | { error: ClickError } {
	const operation = context.getNodeParameter('operation', itemIndex) as string;
	if (operation === 'mintClickId') {
		const prefix = String(context.getNodeParameter('prefix', itemIndex, '') ?? '').trim();
		if (!/^[a-z0-9]{0,12}$/.test(prefix)) {
			return { error: { code: 'misconfigured', message: 'The click ID prefix may only hold lowercase letters and digits (at most 12).', field: 'prefix' } };
		}
		return { added: { clickId: mintClickId(prefix) } };
	}
	const url = String(context.getNodeParameter('url', itemIndex, '') ?? '').trim();
	const suppliedId = String(context.getNodeParameter('clickId', itemIndex, '') ?? '').trim();
	const network = context.getNodeParameter('network', itemIndex, 'auto') as string;
	const subidParam = network === 'customParam' ? String(context.getNodeParameter('subidParam', itemIndex, '') ?? '').trim() : undefined;
	if (network === 'customParam' && !subidParam) {
		return { error: { code: 'misconfigured', message: 'Enter the subid parameter that carries the click ID.', field: 'subidParam' } };
	}
	const result = tagLink(url, suppliedId || mintClickId(), {
		network: network === 'auto' || network === 'customParam' ? undefined : network,
		subidParam,
	});
	if (!result.ok) return { error: result.error };
	return {
		added: {
			taggedUrl: result.url,
			clickId: result.clickId,
			mintedClickId: suppliedId === '',
			...(result.subidParam ? { subidParam: result.subidParam } : {}),
			...(result.network ? { network: result.network } : {}),
		},
	};
}

export class PostbackTools implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Postback Tools',
		name: 'postbackTools',
		icon: { light: 'file:postbackTools.svg', dark: 'file:postbackTools.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{$parameter["operation"]}}',
		description: 'Tag offer links with a click ID and mint click IDs, for landing pages you build yourself',
		defaults: { name: 'Postback Tools' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		usableAsTool: true,
		properties,
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = this.getInputData();
		const returnData: INodeExecutionData[] = [];

		for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
			let outcome: ReturnType<typeof runOperation>;
			try {
				outcome = runOperation(this, itemIndex);
			} catch (error) {
				// An expression in a parameter that cannot be evaluated, for instance.
				if (!this.continueOnFail()) throw new NodeOperationError(this.getNode(), error as Error, { itemIndex });
				outcome = { error: { code: 'misconfigured', message: error instanceof Error ? error.message : String(error) } };
			}
			if ('error' in outcome) {
				if (this.continueOnFail()) {
					returnData.push({
						json: { ...items[itemIndex].json, error: outcome.error.message, errorCode: outcome.error.code },
						pairedItem: { item: itemIndex },
					});
					continue;
				}
				throw new NodeOperationError(this.getNode(), outcome.error.message, {
					itemIndex,
					...(outcome.error.field ? { description: `Check the "${outcome.error.field}" parameter.` } : {}),
				});
			}
			returnData.push({ json: { ...items[itemIndex].json, ...outcome.added }, pairedItem: { item: itemIndex } });
		}
		return [returnData];
	}
}
