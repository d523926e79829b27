import { scopedOutbox } from '../../src/destinations/outbox-scope';
import { outboxScope } from '../shared/outbox';
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
import { DESTINATIONS, type Platform } from '../../src/destinations';
import type { ConversionListFilter, PersonKey, ReplayRequest, RetentionPolicy } from '../../src/store';
import { conversionLogHtml, readConversionLog } from '../../src/store/conversion-log';
import { postbackStoreTest, storeFor, storeProperties } from '../shared/store';
import { optionLabel } from '../shared/expression';
import { credentialShownFor } from '../shared/credential-display';
import { errorItem, failedItemRoute } from '../shared/on-error';

const LOG = { show: { operation: ['conversionLog'] } };
const RETENTION = { show: { operation: ['applyRetention'] } };
const ERASE = { show: { operation: ['erasePerson'] } };
const REPLAY = { show: { operation: ['replayDeliveries'] } };
/** The operations that work on the tracking store (and show its settings). */
const STORE_OPERATIONS = ['conversionLog', 'applyRetention', 'erasePerson', 'replayDeliveries'];

/** Replay Deliveries' destinations: the registry's platforms, and a Send Postback target (`postback:<target>`). */
const REPLAY_DESTINATIONS = [
	...(Object.keys(DESTINATIONS) as Platform[]).map((platform) => ({
		name: (DESTINATIONS[platform] as { displayName?: string }).displayName ?? platform,
		value: platform,
	})),
	{ name: 'Send Postback Target', value: 'postback', description: 'A network Send Postback reports to (enter its target below)' },
];

/** The retention fields, by store kind: days kept; a kind not added is kept for ever. */
const RETENTION_FIELDS: Array<{ name: keyof RetentionPolicy; displayName: string; description: string }> = [
	{
		name: 'clicks',
		displayName: 'Clicks (Days)',
		description:
			'Clicks (IP, user agent, landing URL, ad click IDs) older than this are deleted. Keep them at least as long as your longest attribution window; conversions already recorded keep their attribution.',
	},
	{
		name: 'rawPostbacks',
		displayName: 'Raw Postbacks (Days)',
		description: "The raw postback (query, body, headers) of conversions and status changes older than this is redacted; the conversion's ids and money stay",
	},
	{
		name: 'customerData',
		displayName: 'Customer Data (Days)',
		description:
			"All personal data of conversions older than this is redacted (email, phone, names, address, external ID, IP, sub IDs, the click's visit, the raw postback, delivery reasons), and lifetime customer links older than this are deleted",
	},
	{
		name: 'replayMemory',
		displayName: 'Replay Memory (Days)',
		description: 'HMAC replay memory that expired more than this many days ago is deleted (memory still valid is never deleted)',
	},
	{
		name: 'deliveries',
		displayName: 'Delivery Records (Days)',
		description: 'Conversion-log delivery lines (what each destination was told) older than this are deleted',
	},
];

const properties: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'Apply Retention',
				value: 'applyRetention',
				action: 'Delete or redact personal data older than its retention',
				description:
					'Removes what is kept no longer, per kind (clicks, raw postbacks, customer data, replay memory, delivery records); run it from a Schedule Trigger',
			},
			{
				name: 'Conversion Log',
				value: 'conversionLog',
				action: 'List the latest conversions and their deliveries',
				description: 'The latest stored conversions, each with its status history, ledger lines and what every destination was told (sent, failed, …)',
			},
			{
				name: 'Erase Person',
				value: 'erasePerson',
				action: 'Erase one person from the tracking store',
				description: "Deletes or irreversibly redacts one person's data (by email, phone, external ID or click ID) everywhere; amounts and IDs stay",
			},
			{
				name: 'Mint Click ID',
				value: 'mintClickId',
				action: 'Mint a click ID',
				description: 'A new random click ID (130 bits; lowercase letters and digits, accepted by every network)',
			},
			{
				name: 'Replay Deliveries',
				value: 'replayDeliveries',
				action: 'Send conversions to one destination again',
				description:
					'Makes the redelivery outbox entries of one destination due now (one conversion, a network or a time range), e.g. after fixing a credential; the Redelivery Trigger sends them',
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
	{
		displayName: 'Keep For',
		name: 'retention',
		type: 'collection',
		placeholder: 'Add Kind',
		default: {},
		description: 'How many days each kind of data is kept. A kind not added is kept for ever; 0 removes all of it.',
		displayOptions: RETENTION,
		options: RETENTION_FIELDS.map((field) => ({
			displayName: field.displayName,
			name: field.name,
			type: 'number' as const,
			typeOptions: { minValue: 0, maxValue: 36500, numberPrecision: 0 },
			default: 90,
			description: field.description,
		})),
	},
	{
		displayName:
			"Erasing is irreversible: the person's clicks and lifetime link are deleted, and their conversions keep only IDs, amounts and statuses. Give at least one key; each item erases one person.",
		name: 'eraseNotice',
		type: 'notice',
		default: '',
		displayOptions: ERASE,
	},
	{
		displayName: 'Email',
		name: 'email',
		type: 'string',
		placeholder: 'name@email.com',
		default: '',
		description: 'Compared normalized (case, spaces, Gmail dots): every conversion carrying it, anywhere in its data, and its lifetime link',
		displayOptions: ERASE,
	},
	{
		displayName: 'Phone',
		name: 'phone',
		type: 'string',
		default: '',
		placeholder: '+1 650 555 1212',
		description: 'Compared in E.164 form: every conversion carrying this number in any format',
		displayOptions: ERASE,
	},
	{
		displayName: 'Default Country',
		name: 'defaultCountry',
		type: 'string',
		default: '',
		placeholder: 'US',
		description: 'Two-letter country for reading phone numbers written without their country code (here and in the stored data)',
		displayOptions: ERASE,
	},
	{
		displayName: 'External ID',
		name: 'externalId',
		type: 'string',
		default: '',
		description: "Your own customer ID, as the conversions' user external ID carries it",
		displayOptions: ERASE,
	},
	{
		displayName: 'Click ID',
		name: 'eraseClickId',
		type: 'string',
		default: '',
		description: 'A click ID: that click, every click of the same browser, and the conversions attributed to them',
		displayOptions: ERASE,
	},
	{
		displayName:
			"The Redelivery Trigger sends replayed entries on its next poll, with attempts counted from one again. A delivery already settled gets the funnel's item back from the stored conversion (what the funnel recorded, without changes a workflow made before the platform node); one erased, stripped by retention, or not in this tracking store is skipped with the reason. The event ID stays the same, so a platform that already has the conversion drops the replay as a duplicate.",
		name: 'replayNotice',
		type: 'notice',
		default: '',
		displayOptions: REPLAY,
	},
	{
		displayName: 'Destination',
		name: 'replayDestination',
		type: 'options',
		options: REPLAY_DESTINATIONS,
		default: 'meta',
		description: 'The one destination to send to again',
		displayOptions: REPLAY,
	},
	{
		displayName: 'Postback Target',
		name: 'postbackTarget',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'shareasale',
		description: 'The Send Postback target (or preset) the deliveries were recorded for',
		displayOptions: { show: { operation: ['replayDeliveries'], replayDestination: ['postback'] } },
	},
	{
		displayName: 'Workflow ID',
		name: 'replayWorkflowId',
		type: 'string',
		default: '',
		placeholder: 'Bv3Xq9Tz1kLmN2pQ',
		description:
			'The workflow whose deliveries to send again (the ID in its URL): they go out through its nodes and credentials. Leave empty for this workflow.',
		displayOptions: REPLAY,
	},
	{
		displayName: 'Select By',
		name: 'replaySelect',
		type: 'options',
		noDataExpression: true,
		options: [
			{ name: 'Conversion IDs', value: 'conversionIds', description: 'One or more conversions by their ID' },
			{ name: 'Network', value: 'network', description: 'Every conversion of one network preset' },
			{ name: 'Time Range', value: 'timeRange', description: 'Every conversion recorded in a time range' },
		],
		default: 'conversionIds',
		displayOptions: REPLAY,
	},
	{
		displayName: 'Conversion IDs',
		name: 'replayConversionIds',
		type: 'string',
		default: '',
		required: true,
		placeholder: '={{ $json.conversionId }}',
		description: 'Conversion IDs, separated by commas',
		displayOptions: { show: { operation: ['replayDeliveries'], replaySelect: ['conversionIds'] } },
	},
	{
		displayName: 'Network',
		name: 'replayNetwork',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'shareasale',
		description: 'The network preset, as in the conversion’s "network" field',
		displayOptions: { show: { operation: ['replayDeliveries'], replaySelect: ['network'] } },
	},
	{
		displayName: 'Recorded From',
		name: 'recordedFrom',
		type: 'dateTime',
		default: '',
		description: 'Conversions recorded at or after this time (UTC when no offset is given); empty: from the first (give at least one of the two)',
		displayOptions: { show: { operation: ['replayDeliveries'], replaySelect: ['timeRange'] } },
	},
	{
		displayName: 'Recorded Before',
		name: 'recordedBefore',
		type: 'dateTime',
		default: '',
		description: 'Conversions recorded before this time (UTC when no offset is given); empty: up to now',
		displayOptions: { show: { operation: ['replayDeliveries'], replaySelect: ['timeRange'] } },
	},
	...storeProperties.map((property) => ({
		...property,
		displayOptions: { ...property.displayOptions, show: { ...property.displayOptions?.show, operation: STORE_OPERATIONS } },
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
		throw new NodeOperationError(context.getNode(), error as Error, {
			itemIndex: 0,
			description: 'Check the Limit, the Filters and the Tracking Store settings.',
		});
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

/** The Apply Retention operation: runs once per execution (the first item's parameters); one item with counts per kind. */
async function applyRetention(context: IExecuteFunctions): Promise<INodeExecutionData[]> {
	const chosen = context.getNodeParameter('retention', 0, {}) as Record<string, unknown>;
	const policy: RetentionPolicy = {};
	for (const field of RETENTION_FIELDS) {
		const days = chosen[field.name];
		if (days === undefined || days === null || days === '') continue;
		policy[field.name] = Number(days);
	}
	if (Object.keys(policy).length === 0) {
		throw new NodeOperationError(context.getNode(), 'Add at least one kind to "Keep For": nothing would be removed.', { itemIndex: 0 });
	}
	let report;
	try {
		report = await (await storeFor(context, 0)).applyRetention(policy);
	} catch (error) {
		throw new NodeOperationError(context.getNode(), error as Error, { itemIndex: 0, description: 'Check "Keep For" and the Tracking Store settings.' });
	}
	return [{ json: { retention: policy, ...report } as unknown as IDataObject, pairedItem: { item: 0 } }];
}

/**
 * The Erase Person operation for one item. The output never repeats the input item (it may hold the very email
 * being erased): only which keys were used and what was changed, per table.
 */
async function erasePerson(context: IExecuteFunctions, itemIndex: number): Promise<IDataObject> {
	const text = (name: string) => String(context.getNodeParameter(name, itemIndex, '') ?? '').trim();
	const person: PersonKey = {};
	for (const [key, parameter] of [
		['email', 'email'],
		['phone', 'phone'],
		['defaultCountry', 'defaultCountry'],
		['externalId', 'externalId'],
		['clickId', 'eraseClickId'],
	] as const) {
		const value = text(parameter);
		if (value !== '') person[key] = value;
	}
	if (!person.email && !person.phone && !person.externalId && !person.clickId) {
		throw new NodeOperationError(context.getNode(), 'Give at least one of Email, Phone, External ID or Click ID to say who to erase.', { itemIndex });
	}
	const store = await storeFor(context, itemIndex);
	const report = await store.erasePerson(person);
	return { erased: true, ...report, erasedAt: new Date().toISOString() } as unknown as IDataObject;
}

/** The Replay Deliveries operation for one item: the store's report (counts, ids and reasons; never an item's data). */
async function replayDeliveries(context: IExecuteFunctions, itemIndex: number): Promise<IDataObject> {
	const text = (name: string) => String(context.getNodeParameter(name, itemIndex, '') ?? '').trim();
	const chosen = text('replayDestination');
	const destination = chosen === 'postback' ? `postback:${text('postbackTarget')}` : chosen;
	if (destination === 'postback:') throw new NodeOperationError(context.getNode(), 'Enter the Send Postback target to replay.', { itemIndex });
	const request: ReplayRequest = { destination, now: new Date().toISOString() };
	const select = context.getNodeParameter('replaySelect', itemIndex, 'conversionIds') as string;
	if (select === 'network') {
		request.network = text('replayNetwork');
		if (!request.network) throw new NodeOperationError(context.getNode(), 'Enter the network whose conversions to replay.', { itemIndex });
	} else if (select === 'timeRange') {
		const from = sinceTime(context.getNodeParameter('recordedFrom', itemIndex, ''));
		const before = sinceTime(context.getNodeParameter('recordedBefore', itemIndex, ''));
		// Both empty would replay every conversion: that has to be asked for with a bound.
		if (!from && !before)
			throw new NodeOperationError(context.getNode(), 'Enter Recorded From or Recorded Before (or both) to choose the time range.', { itemIndex });
		if (from) request.recordedFrom = from;
		if (before) request.recordedBefore = before;
	} else {
		const ids = text('replayConversionIds')
			.split(',')
			.map((id) => id.trim())
			.filter((id) => id !== '');
		if (ids.length === 0) throw new NodeOperationError(context.getNode(), 'Enter at least one conversion ID to replay.', { itemIndex });
		request.conversionIds = ids;
	}
	// Entries are kept per workflow (src/destinations/outbox-scope.ts): the pipeline's, or this one's.
	const scope = text('replayWorkflowId') || outboxScope(context);
	const report = await scopedOutbox(await storeFor(context, itemIndex), scope).replayDeliveries(request);
	return { ...report, skippedCount: report.skipped.length } as unknown as IDataObject;
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
		subtitle: `={{${optionLabel(properties, 'operation')}}}`,
		description:
			'Tag offer links with a click ID, mint click IDs, list the latest conversions with what each destination was told (conversion log), replay deliveries, apply data retention and erase a person',
		defaults: { name: 'Postback Tools' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [
			{
				name: 'postbackStorePostgresApi',
				required: true,
				testedBy: 'postbackStoreTest',
				displayOptions: credentialShownFor({ operation: STORE_OPERATIONS, store: ['postgres'] }),
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
				if (!this.continueOnFail())
					throw error instanceof NodeOperationError ? error : new NodeOperationError(this.getNode(), error as Error, { itemIndex: 0 });
				// With the Error output, n8n moves only JSON-only error items there (adding the input's fields).
				if (failedItemRoute(this) === 'errorOutput') return [[errorItem((error as Error).message, 0)]];
				return [[{ json: { ...items[0].json, error: (error as Error).message }, pairedItem: { item: 0 } }]];
			}
		}

		if (items.length > 0 && this.getNodeParameter('operation', 0) === 'applyRetention') {
			try {
				return [await applyRetention(this)];
			} catch (error) {
				if (!this.continueOnFail())
					throw error instanceof NodeOperationError ? error : new NodeOperationError(this.getNode(), error as Error, { itemIndex: 0 });
				return [[{ json: { error: (error as Error).message }, pairedItem: { item: 0 } }]];
			}
		}

		if (items.length > 0 && this.getNodeParameter('operation', 0) === 'erasePerson') {
			for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
				try {
					returnData.push({ json: await erasePerson(this, itemIndex), pairedItem: { item: itemIndex } });
				} catch (error) {
					// Store errors never carry the values asked for; the item's own data is not passed on (it may be the person's).
					if (!this.continueOnFail()) {
						throw error instanceof NodeOperationError ? error : new NodeOperationError(this.getNode(), error as Error, { itemIndex });
					}
					// Left on the regular output even with the Error output, where n8n would add the input's fields.
					returnData.push({ json: { erased: false, error: (error as Error).message }, pairedItem: { item: itemIndex } });
				}
			}
			return [returnData];
		}

		if (items.length > 0 && this.getNodeParameter('operation', 0) === 'replayDeliveries') {
			for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
				try {
					returnData.push({ json: await replayDeliveries(this, itemIndex), pairedItem: { item: itemIndex } });
				} catch (error) {
					if (!this.continueOnFail()) {
						throw error instanceof NodeOperationError ? error : new NodeOperationError(this.getNode(), error as Error, { itemIndex });
					}
					returnData.push({ json: { replayed: 0, error: (error as Error).message }, pairedItem: { item: itemIndex } });
				}
			}
			return [returnData];
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
				const route = failedItemRoute(this);
				if (route !== 'stop') {
					returnData.push(
						route === 'errorOutput'
							? errorItem(outcome.error.message, itemIndex, { errorCode: outcome.error.code })
							: { json: { ...items[itemIndex].json, error: outcome.error.message, errorCode: outcome.error.code }, pairedItem: { item: itemIndex } },
					);
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
