import {
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
	NodeConnectionTypes,
	NodeOperationError,
	sleep,
} from 'n8n-workflow';
import {
	type EmptyParameters,
	type PartnerMethod,
	type PartnerPostbackResult,
	type PartnerRequest,
	type PartnerResponse,
	type PartnerSendDependencies,
	type PostbackItem,
	PartnerPostbackError,
	postbackLeaseMs,
	postbackToPartner,
	withoutBraces,
} from '../../src/partners';
import { postbackAttempt, postbackDestination } from '../../src/partners/outbox';
import { conversionIdOf, enqueueAttempts, misroutedRedelivery, redeliveryMarkOf, settleAttempts } from '../../src/destinations/forward';
import type { EventOutcome } from '../../src/destinations';
import type { AttemptResult } from '../../src/destinations/redelivery';
import type { OutboxStore, TrackingStore } from '../../src/store';
import { nodeClock } from '../shared/clock';
import { destinationOutbox, destinationRedeliveryPolicy } from '../shared/outbox';
import { n8nEngineSend } from '../shared/http';
import { type ItemDelivery, postbackStoreTest, recordDeliveries, storeFor } from '../shared/store';
import { sendPostbackProperties } from './description';
import { optionLabel } from '../shared/expression';
import { credentialShownFor } from '../shared/credential-display';
import { errorItem, failedItemRoute } from '../shared/on-error';

interface NodeOptions {
	emptyParameters?: EmptyParameters | 'preset';
	target?: string;
	timeout?: number;
}

/** The Values rows as macro name → value (rows without a name are ignored; a later row wins). */
function valuesFrom(rows: Array<{ name?: string; value?: unknown }>): Record<string, unknown> {
	const values: Record<string, unknown> = {};
	for (const row of rows) {
		const name = withoutBraces(String(row.name ?? '').trim());
		if (name) values[name] = row.value;
	}
	return values;
}

/** n8n's HTTP helper (axios, honouring the operator's proxy) as the engine's `send`: every answer resolves, whatever its status. */
function n8nPartnerDependencies(context: IExecuteFunctions, timeout: number): PartnerSendDependencies {
	const send = n8nEngineSend(context, { json: false, timeout });
	return {
		sleep: async (ms) => await sleep(ms),
		send: async (request: PartnerRequest): Promise<PartnerResponse> => (await send(request)) as PartnerResponse,
	};
}

/** The `postback` field of an output item. */
function postbackField(preset: string, result: PartnerPostbackResult): IDataObject {
	const field: IDataObject = {
		status: result.status,
		preset,
		method: result.method,
		url: result.url,
		attempts: result.attempts,
		emptyMacros: result.emptyMacros,
	};
	if (result.httpStatus !== undefined) field.httpStatus = result.httpStatus;
	if (result.responseExcerpt !== undefined) field.responseExcerpt = result.responseExcerpt;
	if (result.body !== undefined) field.body = result.body;
	if (result.omittedParameters.length > 0) field.omittedParameters = result.omittedParameters;
	if (result.reason !== undefined) field.reason = result.reason;
	if (result.retryable !== undefined) field.retryable = result.retryable;
	if (result.dedup) field.dedup = result.dedup as unknown as IDataObject;
	return field;
}

export class SendPostback implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Send Postback',
		name: 'sendPostback',
		icon: { light: 'file:sendPostback.svg', dark: 'file:sendPostback.dark.svg' },
		group: ['output'],
		version: 1,
		subtitle: `={{${optionLabel(sendPostbackProperties, 'preset')} + " · " + ${optionLabel(sendPostbackProperties, 'method')}}}`,
		description:
			'Fires a server-to-server postback to a partner URL (Aspire/TUNE, Post Affiliate Pro, Everflow, Voluum, Keitaro, custom) with macros filled from the conversion',
		defaults: { name: 'Send Postback' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [
			{
				name: 'postbackStorePostgresApi',
				required: true,
				testedBy: 'postbackStoreTest',
				// The store is shown while dedup or the conversion log is on (see description.ts).
				displayOptions: credentialShownFor({ store: ['postgres'] }),
			},
		],
		usableAsTool: true,
		properties: sendPostbackProperties,
	};

	methods = { credentialTest: { postbackStoreTest } };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = this.getInputData();
		const output: INodeExecutionData[] = [];
		// One store per process (storeFor keeps it open across executions); looked up once per execution.
		let store: TrackingStore | undefined;
		const deliveries: ItemDelivery[] = [];
		// With the conversion log on, each conversion goes through the redelivery outbox, as on the destination nodes.
		const { outbox, error: outboxError } = await destinationOutbox(this);

		for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
			const preset = this.getNodeParameter('preset', itemIndex, 'custom') as string;
			const attempt = new OutboxAttempt(outbox, outboxError, itemIndex, items[itemIndex].json);
			let misrouted: string | undefined;
			try {
				const options = this.getNodeParameter('options', itemIndex, {}) as NodeOptions;
				const destination = postbackDestination(preset, rawTemplate(this), options.target);
				// Another target's (or platform's) redelivered item: not sent, not settled, not logged as this target's.
				misrouted = misroutedRedelivery(items[itemIndex].json, destination);
				if (misrouted) throw new NodeOperationError(this.getNode(), misrouted, { itemIndex });
				attempt.destination = destination;
				await attempt.enqueue();
				const retries = Math.max(0, Math.floor(Number(this.getNodeParameter('retries', itemIndex, 3)) || 0));
				const dedup = this.getNodeParameter('dedup', itemIndex, true) as boolean;
				if (dedup) store ??= await storeFor(this, 0);
				const emptyParameters = options.emptyParameters && options.emptyParameters !== 'preset' ? options.emptyParameters : undefined;
				const result = await postbackToPartner(preset, items[itemIndex].json as PostbackItem, n8nPartnerDependencies(this, options.timeout || 30_000), {
					template: String(this.getNodeParameter('urlTemplate', itemIndex, '')),
					method: this.getNodeParameter('method', itemIndex, 'GET') as PartnerMethod,
					values: valuesFrom((this.getNodeParameter('values.value', itemIndex, []) as Array<{ name?: string; value?: unknown }>) ?? []),
					...(emptyParameters ? { emptyParameters } : {}),
					retry: { maxAttempts: retries + 1 },
					...(dedup && store
						? {
								dedup: {
									store,
									...(options.target?.trim() ? { target: options.target.trim() } : {}),
									// The claim holds while a send with these settings can still be under way, no longer.
									leaseMs: postbackLeaseMs(retries + 1, options.timeout || 30_000),
								},
							}
						: {}),
				});
				await attempt.settle(postbackAttempt(result, nodeClock.now()), result.reason);
				const item: INodeExecutionData = { json: { ...items[itemIndex].json, postback: postbackField(preset, result) }, pairedItem: { item: itemIndex } };
				if (attempt.error) item.json.conversionLogError = attempt.error;
				output.push(item);
				deliveries.push({
					item,
					delivery: {
						destination: `postback:${options.target?.trim() || preset}`,
						outcome: result.status,
						...(result.httpStatus !== undefined ? { httpStatus: result.httpStatus } : {}),
						...(result.reason !== undefined ? { reason: result.reason } : {}),
					},
				});
			} catch (error) {
				const message = (error as Error).message;
				// A postback that cannot be built from this item never will be: its entry is failed, not redelivered.
				if (error instanceof PartnerPostbackError) await attempt.settle('failed', message, error.code);
				const route = failedItemRoute(this);
				if (route !== 'stop') {
					const code = error instanceof PartnerPostbackError ? error.code : 'error';
					const item: INodeExecutionData = {
						json: { ...items[itemIndex].json, error: message, postback: { status: 'failed', preset, code, reason: message } },
						pairedItem: { item: itemIndex },
					};
					if (attempt.error) item.json.conversionLogError = attempt.error;
					// With the Error output, an item carrying the conversion's fields would stay on Success (n8n
					// moves JSON-only error items): the Error output gets the error, n8n adds the input's fields.
					output.push(route === 'errorOutput' ? errorItem(message, itemIndex, { postback: { status: 'failed', preset, code } }) : item);
					if (!misrouted)
						deliveries.push({ item, delivery: { destination: `postback:${targetOf(this, itemIndex, preset)}`, outcome: 'failed', code, reason: message } });
					continue;
				}
				// A NodeOperationError passes through unchanged (with its itemIndex); anything else is wrapped.
				throw new NodeOperationError(this.getNode(), error as Error, {
					itemIndex,
					...(error instanceof PartnerPostbackError ? { description: 'Check the URL template, the Values and the item (Send Postback node).' } : {}),
				});
			}
		}
		await recordDeliveries(this, deliveries);
		return [output];
	}
}

/** The partner's name in the conversion log: the Target ID option, else the preset (as in the dedup key). */
function targetOf(context: IExecuteFunctions, itemIndex: number, preset: string): string {
	try {
		return (context.getNodeParameter('options', itemIndex, {}) as NodeOptions).target?.trim() || preset;
	} catch {
		return preset;
	}
}

/** The URL template as written (an expression unresolved): what the outbox destination hashes, the same for every item. */
function rawTemplate(context: IExecuteFunctions): string {
	const template = context.getNode().parameters.urlTemplate;
	return typeof template === 'string' ? template : '';
}

const UNSETTLED_REDELIVERY =
	'This item came from the Redelivery Trigger, but Record in Conversion Log is off, so its outbox entry was not settled: the trigger will emit it again. Turn the conversion log on, with the same tracking store.';

/**
 * One item's way through the redelivery outbox (src/destinations/forward/outbox.ts): written before the send,
 * settled right after it (with the trigger's token on a redelivered item). Like the conversion log, the outbox
 * never fails the postback: what goes wrong with it is kept in `error`, for the item's `conversionLogError`.
 */
class OutboxAttempt {
	destination: string | undefined;
	error: string | undefined;
	private enqueued = false;

	constructor(
		private readonly outbox: OutboxStore | undefined,
		outboxError: string | undefined,
		private readonly itemIndex: number,
		private readonly json: Record<string, unknown>,
	) {
		if (conversionIdOf(json) === undefined) return;
		if (outboxError) this.error = outboxError;
		else if (!outbox && redeliveryMarkOf(json)?.destination.startsWith('postback:')) this.error = UNSETTLED_REDELIVERY;
	}

	async enqueue(): Promise<void> {
		if (!this.outbox || !this.destination || conversionIdOf(this.json) === undefined) return;
		try {
			await enqueueAttempts(this.outbox, this.destination, [{ itemIndex: this.itemIndex, json: this.json }], nodeClock.now(), destinationRedeliveryPolicy());
			this.enqueued = true;
		} catch (error) {
			this.error = `Could not write the redelivery outbox: ${(error as Error).message}`;
		}
	}

	async settle(attempt: AttemptResult | EventOutcome, reason?: string, code?: string): Promise<void> {
		if (!this.outbox || !this.destination) return;
		const { outcome, retryAfterMs } = typeof attempt === 'string' ? { outcome: attempt, retryAfterMs: undefined } : attempt;
		const forward = { platform: this.destination, outcome, ...(code ? { code } : {}), ...(reason ? { reason } : {}) };
		const errors = await settleAttempts(
			this.outbox,
			this.destination,
			[{ itemIndex: this.itemIndex, json: this.json }],
			[{ itemIndex: this.itemIndex, forward, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) }],
			this.enqueued ? new Set([this.itemIndex]) : new Set<number>(),
			nodeClock.now(),
			destinationRedeliveryPolicy(),
		);
		const error = errors.get(this.itemIndex);
		if (error) this.error = error;
	}
}
