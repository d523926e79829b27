import {
	type IDataObject,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
	type IPollFunctions,
	NodeConnectionTypes,
	NodeOperationError,
} from 'n8n-workflow';
import { DESTINATIONS, type Platform } from '../../src/destinations';
import { DEFAULT_DEAD_LETTER_LIMITS } from '../../src/destinations/redelivery';
import { INTAKE_DESTINATION } from '../../src/destinations/intake-journal';
import { pollRedeliveries } from '../../src/destinations/redelivery-poll';
import { POSTBACK_DESTINATION_PREFIX } from '../../src/partners/outbox';
import { nodeClock } from '../shared/clock';
import { outboxScope } from '../shared/outbox';
import { scopedOutbox } from '../../src/destinations/outbox-scope';
import { credentialShownFor } from '../shared/credential-display';
import { pollStoreFor, postbackStoreTest, storeProperties } from '../shared/store';

const DAY_MS = 24 * 60 * 60 * 1000;

const destinationOptions = [
	...(Object.keys(DESTINATIONS) as Platform[]).map((platform) => ({
		name: (DESTINATIONS[platform] as { displayName?: string }).displayName ?? platform,
		value: platform,
	})),
	// Send Postback targets are named per node (postback:<name>, src/partners/outbox.ts): the store's trailing *
	// selects them all, whatever their names.
	{ name: 'Partner Postbacks (All)', value: `${POSTBACK_DESTINATION_PREFIX}*` },
	// The Postback Trigger's journal (Resume If the Run Stops): accepted postbacks whose run died before the Funnel.
	{ name: 'Postbacks Not Yet Decided by the Funnel', value: INTAKE_DESTINATION },
];

/**
 * Sends again what the destination nodes could not deliver: polls the tracking store's redelivery outbox (written
 * by the destination nodes while their conversion log is on) and emits each due conversion as the funnel item it
 * was, on Due; postbacks the Postback Trigger journaled whose run stopped before the Funnel decided them come out
 * on Postbacks, for the Funnel; entries past the limits come out once on Gave Up. The work is
 * src/destinations/redelivery-poll.ts.
 */
export class RedeliveryTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Redelivery Trigger',
		name: 'redeliveryTrigger',
		icon: { light: 'file:redeliveryTrigger.svg', dark: 'file:redeliveryTrigger.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{$parameter["destinationScope"] === "selected" ? $parameter["destinations"].join(", ") : "All destinations"}}',
		description:
			'Emits conversions due to be sent again to an ad platform or a partner postback (throttled, failed runs, Google’s 6-hour rule), postbacks a stopped run left undecided, and those given up',
		defaults: { name: 'Redelivery Trigger' },
		polling: true,
		inputs: [],
		outputs: [NodeConnectionTypes.Main, NodeConnectionTypes.Main, NodeConnectionTypes.Main],
		outputNames: ['Due', 'Gave Up', 'Postbacks'],
		credentials: [
			{
				name: 'postbackStorePostgresApi',
				required: true,
				testedBy: 'postbackStoreTest',
				displayOptions: credentialShownFor({ store: ['postgres'] }),
			},
		],
		properties: [
			{
				displayName:
					'Connect Due to the platform node, or to Send Postback for partner postbacks (destinations postback:…; route on {{ $json.redelivery.destination }}): it sends the item again and settles it. Use the tracking store of the destination nodes, with their Record in Conversion Log on. Connect Postbacks to the Conversion Funnel: it carries postbacks a Postback Trigger with Resume If the Run Stops accepted whose run stopped before the Funnel decided them.',
				name: 'notice_usage',
				type: 'notice',
				default: '',
			},
			...storeProperties,
			{
				displayName: 'Destinations',
				name: 'destinationScope',
				type: 'options',
				noDataExpression: true,
				options: [
					{ name: 'All', value: 'all', description: 'Every destination with entries due' },
					{ name: 'Selected', value: 'selected', description: 'Only the destinations chosen below' },
				],
				default: 'all',
			},
			{
				displayName: 'Destination List',
				name: 'destinations',
				type: 'multiOptions',
				options: destinationOptions,
				default: [],
				description: 'The platforms, partner postbacks or undecided postbacks whose due entries this trigger emits',
				displayOptions: { show: { destinationScope: ['selected'] } },
			},
			{
				displayName: 'Batch Limit',
				name: 'batchSize',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: 1000 },
				default: 100,
				description: 'Max number of entries one poll emits; the rest come with the next polls',
			},
			{
				displayName: 'Lease (Minutes)',
				name: 'leaseMinutes',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: 1440 },
				default: 10,
				description:
					'How long an emitted entry is this run’s. An entry its destination node has not settled by then (the run failed) is emitted again. Longer than the workflow takes.',
			},
			{
				displayName: 'Options',
				name: 'options',
				type: 'collection',
				placeholder: 'Add Option',
				default: {},
				options: [
					{
						displayName: 'Max Attempts',
						name: 'maxAttempts',
						type: 'number',
						typeOptions: { minValue: 1 },
						// The policy's defaults (DEFAULT_DEAD_LETTER_LIMITS), as literals for the editor.
						default: 10,
						description: 'Attempts (the first send included) after which a conversion is given up',
					},
					{
						displayName: 'Max Age (Days)',
						name: 'maxAgeDays',
						type: 'number',
						typeOptions: { minValue: 0.01 },
						default: 7,
						description: 'Days after its first send at which a conversion not yet delivered is given up',
					},
				],
			},
		],
	};

	methods = { credentialTest: { postbackStoreTest } };

	async poll(this: IPollFunctions): Promise<INodeExecutionData[][] | null> {
		const shared = await pollStoreFor(this);
		// Only this workflow's entries: they are sent again through the nodes (and credentials) that wrote them.
		const store = { ...scopedOutbox(shared, outboxScope(this)), listDeliveries: shared.listDeliveries.bind(shared) };
		const scope = this.getNodeParameter('destinationScope', 'all') as string;
		const destinations = scope === 'selected' ? (this.getNodeParameter('destinations', []) as string[]) : [];
		if (scope === 'selected' && destinations.length === 0) {
			throw new NodeOperationError(this.getNode(), 'Choose at least one destination, or set Destinations to All');
		}
		const options = this.getNodeParameter('options', {}) as { maxAttempts?: number; maxAgeDays?: number };
		const { due, gaveUp, postbacks } = await pollRedeliveries(store, nodeClock.now(), {
			limit: Math.floor(this.getNodeParameter('batchSize', 100) as number),
			leaseMs: Math.round((this.getNodeParameter('leaseMinutes', 10) as number) * 60_000),
			destinations,
			limits: {
				maxAttempts: options.maxAttempts ?? DEFAULT_DEAD_LETTER_LIMITS.maxAttempts,
				maxAgeMs: options.maxAgeDays !== undefined ? options.maxAgeDays * DAY_MS : DEFAULT_DEAD_LETTER_LIMITS.maxAgeMs,
			},
		});
		if (due.length === 0 && gaveUp.length === 0 && postbacks.length === 0) return null;
		return [
			this.helpers.returnJsonArray(due as unknown as IDataObject[]),
			this.helpers.returnJsonArray(gaveUp as unknown as IDataObject[]),
			this.helpers.returnJsonArray(postbacks as unknown as IDataObject[]),
		];
	}
}
