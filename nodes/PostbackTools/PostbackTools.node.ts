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
import type { ConversionListFilter } from '../../src/store';
import { conversionLogHtml, readConversionLog } from '../../src/store/conversion-log';
import { postbackStoreTest, storeFor, storeProperties } from '../shared/store';

const LOG = { show: { operation: ['conversionLog'] } };

const properties: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'Conversion Log',
				value: 'conversionLog',
				action: 'List the latest conversions and their deliveries',
				description: 'The latest stored conversions, each with its status history, ledger lines and what every destination was told (sent, failed, …)',
			},
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
	{
		displayName: 'Limit',
		name: 'limit',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: 1000 },
		default: 50,
		description: 'Max number of results to return',
		displayOptions: LOG,
	},
	{
		displayName: 'Filters',
		name: 'filters',
		type: 'collection',
		placeholder: 'Add Filter',
		default: {},
		displayOptions: LOG,
		options: [
			{
				displayName: 'Affiliate ID',
				name: 'affiliateId',
				type: 'string',
				default: '',
				description: 'Only conversions attributed to this affiliate',
			},
			{
				displayName: 'Network',
				name: 'network',
				type: 'string',
				default: '',
				placeholder: 'shareasale',
				description: 'Only conversions from this network preset (as in the conversion’s "network" field)',
			},
			{
				displayName: 'Since',
				name: 'since',
				type: 'dateTime',
				default: '',
				description: 'Only conversions recorded at or after this time (UTC when no offset is given)',
			},
		],
	},
	{
		displayName: 'Output',
		name: 'logOutput',
		type: 'options',
		noDataExpression: true,
		options: [
			{ name: 'HTML Page', value: 'html', description: 'One item with the page in "html" and as binary "data" (text/html), for a Respond to Webhook node' },
			{ name: 'One Item per Conversion', value: 'items', description: 'Each conversion as JSON, newest first' },
			{ name: 'One Item per Conversion and an HTML Page', value: 'itemsAndHtml', description: 'The conversion items, then the page as one more item' },
		],
		default: 'items',
		displayOptions: LOG,
	},
	...storeProperties.map((property) => ({
		...property,
		displayOptions: { ...property.displayOptions, show: { ...property.displayOptions?.show, operation: ['conversionLog'] } },
	})),
];

/** A time from the Since filter as ISO 8601 with an offset: a date alone is midnight UTC, a time without an offset is UTC. */
function sinceTime(value: unknown): string | undefined {
	if (value === undefined || value === null || value === '') return undefined;
	const text = (typeof value === 'object' && 'toISO' in value && typeof value.toISO === 'function' ? String(value.toISO()) : String(value)).trim();
	if (text === '') return undefined;
	if (/^\d{4}-\d{2}-\d{2}$/.test(text)) return `${text}T00:00:00Z`;
	if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/i.test(text)) return `${text}Z`;
	return text;
}

/** The Conversion Log operation: runs once per execution (the first item's parameters), whatever the input. */
async function conversionLog(context: IExecuteFunctions): Promise<INodeExecutionData[]> {
	const limit = Number(context.getNodeParameter('limit', 0, 50));
	const filters = context.getNodeParameter('filters', 0, {}) as { affiliateId?: string; network?: string; since?: unknown };
	const output = context.getNodeParameter('logOutput', 0, 'items') as 'items' | 'html' | 'itemsAndHtml';
	const filter: ConversionListFilter = { limit: Number.isInteger(limit) ? limit : Math.floor(limit) };
	const affiliateId = String(filters.affiliateId ?? '').trim();
	const network = String(filters.network ?? '').trim();
	const since = sinceTime(filters.since);
	if (affiliateId) filter.affiliateId = affiliateId;
	if (network) filter.network = network;
	if (since) filter.since = since;
	let entries;
	try {
		entries = await readConversionLog(await storeFor(context, 0), filter);
	} catch (error) {
		throw new NodeOperationError(context.getNode(), error as Error, { itemIndex: 0, description: 'Check the Limit, the Filters and the Tracking Store settings.' });
	}
	const items: INodeExecutionData[] = [];
	if (output !== 'html') {
		for (const entry of entries) items.push({ json: entry as unknown as IDataObject, pairedItem: { item: 0 } });
	}
	if (output !== 'items') {
		const generatedAt = new Date().toISOString();
		const html = conversionLogHtml(entries, { generatedAt });
		const binary = await context.helpers.prepareBinaryData(Buffer.from(html, 'utf8'), 'conversion-log.html', 'text/html');
		items.push({ json: { html, count: entries.length, generatedAt }, binary: { data: binary }, pairedItem: { item: 0 } });
	}
	return items;
}

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
		description: 'Tag offer links with a click ID, mint click IDs, and list the latest conversions with what each destination was told (conversion log)',
		defaults: { name: 'Postback Tools' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [
			{
				name: 'postbackStorePostgresApi',
				required: true,
				testedBy: 'postbackStoreTest',
				displayOptions: { show: { operation: ['conversionLog'], store: ['postgres'] } },
			},
		],
		usableAsTool: true,
		properties,
	};

	methods = { credentialTest: { postbackStoreTest } };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = this.getInputData();
		const returnData: INodeExecutionData[] = [];
		if (items.length > 0 && this.getNodeParameter('operation', 0) === 'conversionLog') {
			try {
				return [await conversionLog(this)];
			} catch (error) {
				if (!this.continueOnFail()) throw error instanceof NodeOperationError ? error : new NodeOperationError(this.getNode(), error as Error, { itemIndex: 0 });
				return [[{ json: { ...items[0].json, error: (error as Error).message }, pairedItem: { item: 0 } }]];
			}
		}

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
