import {
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
	NodeConnectionTypes,
	NodeOperationError,
} from 'n8n-workflow';
import { type AmountPrecisionPolicy, conversionSchema } from '../../src/model';
import {
	type AttributionModel,
	type AttributionWindow,
	type MappedPlatform as Destination,
	type EventMappingOverrides,
	type Fallback,
	type FunnelOptions,
	type StatusPolicy,
	destinations,
	funnelOutputs,
	runFunnel,
} from '../../src/funnel';
import { type CommissionRule, validateCommissionRules } from '../../src/model/commission';
import type { OutboxStore, TrackingStore } from '../../src/store';
import { postbackStoreTest, storeFor } from '../shared/store';
import { conversionFunnelProperties } from './description';
import { optionLabel } from '../shared/expression';
import { credentialShownFor } from '../shared/credential-display';
import { errorItem } from '../shared/on-error';
import { nodeClock } from '../shared/clock';
import { destinationRedeliveryPolicy, outboxScope } from '../shared/outbox';
import { scopedOutbox } from '../../src/destinations/outbox-scope';
import { destinationsByOutput } from './queue';
import { alreadyQueued, queueConversion } from '../../src/funnel/queue';
import { journalEntryOf, settleJournal, withoutJournalMarks } from '../../src/destinations/intake-journal';

const OUTPUT_NAMES: Record<(typeof funnelOutputs)[number], string> = {
	lead: 'Lead',
	purchase: 'Purchase',
	other: 'Other Event',
	reversal: 'Reversal',
	pending: 'Pending',
	rejected: 'Rejected',
	duplicate: 'Duplicate',
	unattributed: 'Unattributed',
};

const REJECTED = funnelOutputs.indexOf('rejected');

interface OverrideRow {
	event?: string;
	destination?: string;
	name?: string;
}

/** The per-platform event name overrides from the fixed collection. */
function overridesFrom(rows: OverrideRow[]): EventMappingOverrides {
	const overrides: EventMappingOverrides = {};
	for (const row of rows) {
		const event = row.event?.trim();
		if (!event || !destinations.includes(row.destination as Destination)) continue;
		overrides[event] = { ...overrides[event], [row.destination as Destination]: row.name ?? '' };
	}
	return overrides;
}

interface RuleRow {
	affiliateId?: string;
	offerId?: string;
	actionCode?: string;
	type?: 'percent' | 'fixed';
	value?: string;
	currency?: string;
}

/** The commission rules from the fixed collection (validated: a bad rule stops the node, naming it). */
function commissionRulesFrom(rows: RuleRow[]): CommissionRule[] {
	const rules = rows.map((row): CommissionRule => {
		const trimmed = (value: string | undefined) => (value ?? '').trim() || undefined;
		const value = trimmed(row.value) ?? '';
		return {
			...(trimmed(row.affiliateId) ? { affiliateId: trimmed(row.affiliateId) } : {}),
			...(trimmed(row.offerId) ? { offerId: trimmed(row.offerId) } : {}),
			...(trimmed(row.actionCode) ? { actionCode: trimmed(row.actionCode) } : {}),
			...(row.type === 'fixed' ? { fixed: value } : { percent: value }),
			...(trimmed(row.currency) ? { currency: trimmed(row.currency)!.toUpperCase() } : {}),
		};
	});
	validateCommissionRules(rules);
	return rules;
}

function readOptions(context: IExecuteFunctions, itemIndex: number): FunnelOptions {
	const options = context.getNodeParameter('options', itemIndex, {}) as {
		ipUserAgentHours?: number;
		userAgent?: string;
		amountPrecision?: AmountPrecisionPolicy;
		trustPostbackAffiliate?: string[];
		withoutTransactionId?: 'derive' | 'hold';
	};
	const rows = context.getNodeParameter('eventMapping.override', itemIndex, []) as OverrideRow[];
	return {
		statusPolicy: context.getNodeParameter('statusPolicy', itemIndex, 'approved') as StatusPolicy,
		window: context.getNodeParameter('attributionWindow', itemIndex, '30d') as AttributionWindow,
		model: context.getNodeParameter('attributionModel', itemIndex, 'lastClick') as AttributionModel,
		fallbacks: context.getNodeParameter('fallbacks', itemIndex, []) as Fallback[],
		forwardUnattributed: context.getNodeParameter('forwardUnattributed', itemIndex, false) as boolean,
		repeatSequence: context.getNodeParameter('repeatSequence', itemIndex, false) as boolean,
		eventMapping: overridesFrom(rows ?? []),
		commissionRules: commissionRulesFrom(context.getNodeParameter('commissionRules.rule', itemIndex, []) as RuleRow[]),
		ipUserAgentHours: options.ipUserAgentHours,
		userAgent: options.userAgent,
		amountPrecision: options.amountPrecision ?? 'reject',
		trustPostbackAffiliate: options.trustPostbackAffiliate ?? [],
		withoutTransactionId: options.withoutTransactionId ?? 'derive',
	};
}

/** What was wrong with an item that is not a canonical conversion, field by field. */
function describeIssues(issues: Array<{ path: Array<string | number>; message: string }>): string {
	const listed = issues
		.slice(0, 5)
		.map((issue) => `${issue.path.join('.') || '(item)'}: ${issue.message}`)
		.join('; ');
	return issues.length > 5 ? `${listed}; and ${issues.length - 5} more` : listed;
}

export class ConversionFunnel implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Conversion Funnel',
		name: 'conversionFunnel',
		icon: { light: 'file:funnel.svg', dark: 'file:funnel.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: `={{${optionLabel(conversionFunnelProperties, 'statusPolicy')}}}`,
		description: 'Classifies conversions (Lead, Purchase…), drops duplicates, attributes them to the stored click and writes the commission ledger',
		defaults: { name: 'Conversion Funnel' },
		inputs: [NodeConnectionTypes.Main],
		outputs: funnelOutputs.map(() => NodeConnectionTypes.Main),
		outputNames: funnelOutputs.map((output) => OUTPUT_NAMES[output]),
		credentials: [
			{
				name: 'postbackStorePostgresApi',
				required: true,
				testedBy: 'postbackStoreTest',
				displayOptions: credentialShownFor({ store: ['postgres'] }),
			},
		],
		usableAsTool: true,
		properties: conversionFunnelProperties,
	};

	methods = { credentialTest: { postbackStoreTest } };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = this.getInputData();
		const outputs: INodeExecutionData[][] = funnelOutputs.map(() => []);
		// One store per process (storeFor keeps it open across executions); looked up once per execution.
		let store: TrackingStore | undefined;
		let outbox: OutboxStore | undefined;
		const openOutbox = async () => (outbox ??= scopedOutbox((store ??= await storeFor(this, 0)), outboxScope(this)));
		// The destination nodes wired to each output, queued in the outbox before a decision is final (./queue.ts).
		const queuedFor = destinationsByOutput(this, funnelOutputs.length);
		const policy = destinationRedeliveryPolicy();

		for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
			const journal = journalEntryOf(items[itemIndex].json);
			try {
				const parsed = conversionSchema.safeParse(withoutJournalMarks(items[itemIndex].json));
				if (!parsed.success) {
					throw new NodeOperationError(this.getNode(), `Item ${itemIndex} is not a conversion: ${describeIssues(parsed.error.issues)}`, {
						itemIndex,
						description: 'Connect the Accepted output of a Postback Trigger (or pass items of the same shape).',
					});
				}
				store ??= await storeFor(this, 0);
				let queuedEarlier: string[] | undefined;
				const options: FunnelOptions = {
					...readOptions(this, itemIndex),
					beforeComplete: async (decided) => {
						const destinations = queuedFor[funnelOutputs.indexOf(decided.output)] ?? [];
						if (destinations.length === 0) return;
						const item = JSON.parse(JSON.stringify(decided.item)) as Record<string, unknown>;
						const existed = await queueConversion(await openOutbox(), item, destinations, nodeClock.now(), policy);
						if (decided.resumed && existed) queuedEarlier = destinations;
					},
				};
				const decided = await runFunnel(parsed.data, store, options);
				const result = queuedEarlier ? alreadyQueued(decided, queuedEarlier) : decided;
				const json = result.item as unknown as IDataObject;
				if (journal) {
					const inFlightUntil = result.item.dedup?.inFlightUntil;
					const problem = await settleJournal(await openOutbox(), journal, inFlightUntil ? { inFlightUntil } : {}, nodeClock.now(), policy);
					if (problem) json.conversionLogError = problem;
				}
				outputs[funnelOutputs.indexOf(result.output)].push({ json, pairedItem: { item: itemIndex } });
			} catch (error) {
				// Undecided: the journal entry stays due (after the backoff), so the postback is decided again later.
				if (journal) {
					try {
						await settleJournal(await openOutbox(), journal, { error: (error as Error).message }, nodeClock.now(), policy);
					} catch {
						// The store cannot be opened: the entry stays due as it was.
					}
				}
				if (this.continueOnFail()) {
					// Never on a conversion output (Lead, Purchase…), where it would be forwarded as a conversion:
					// on Rejected, from where n8n moves it to the Error output when On Error says so.
					outputs[REJECTED].push(errorItem((error as Error).message, itemIndex));
					continue;
				}
				// A NodeOperationError passes through unchanged (with its itemIndex); anything else is wrapped.
				throw new NodeOperationError(this.getNode(), error as Error, { itemIndex });
			}
		}
		return outputs;
	}
}
