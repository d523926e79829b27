import { type IExecuteFunctions, type INodeExecutionData, NodeOperationError, sleep } from 'n8n-workflow';
import { n8nEngineSend } from './http';
import { sendToPlatform } from '../../src/destinations';
import type { ForwardableEvent, Platform, PlatformConfigs, PlatformRequest, PlatformResponse, SendDependencies } from '../../src/destinations';
import { SettingError } from '../../src/destinations/definition';
import {
	type CommonOverrides,
	applyOverrides,
	conversionIdOf,
	deliveryOf,
	enqueueAttempts,
	forwardEvents,
	isSent,
	misroutedRedelivery,
	readForwardableEvent,
	redeliveryMarkOf,
	resolveOverrides,
	settleAttempts,
	valueFromOf,
} from '../../src/destinations/forward';
import { funnelItemSchema } from '../../src/funnel';
import { nodeClock } from './clock';
import { destinationOutbox, destinationRedeliveryPolicy } from './outbox';
import { recordDeliveries } from './store';

/**
 * The n8n side of forwarding (src/destinations/forward): reads each item's parameters, hands the engine
 * n8n's HTTP and sleep, turns the engine's errors into NodeOperationError for their item, and shapes the
 * Sent and Failed items.
 */

/**
 * The side effects a destination node hands to src/destinations/send.ts: n8n's HTTP helper (axios,
 * honouring the operator's proxy; credentials are already inside the built request) and n8n's `sleep`.
 */
export function n8nSendDependencies(context: IExecuteFunctions): SendDependencies {
	const send = n8nEngineSend(context, { json: true, timeout: 30_000 });
	return {
		sleep: async (ms) => await sleep(ms),
		now: () => nodeClock.now(),
		send: async (request: PlatformRequest): Promise<PlatformResponse> => await send(request),
	};
}

/** Runs `read` for an item; what the engine refuses (a SettingError or ItemError) becomes the node's error for it. */
export function forItem<T>(context: IExecuteFunctions, itemIndex: number, read: () => T): T {
	try {
		return read();
	} catch (error) {
		// The message names the setting or field, the description (when there is one) says what to do.
		const refused = error instanceof SettingError ? error : undefined;
		throw new NodeOperationError(context.getNode(), refused ? refused.message : (error as Error), {
			itemIndex,
			...(refused?.description ? { description: refused.description } : {}),
		});
	}
}

const UNSETTLED_REDELIVERY =
	'This item came from the Redelivery Trigger, but Record in Conversion Log is off, so its outbox entry was not settled: the trigger will emit it again. Turn the conversion log on, with the same tracking store.';

/**
 * The execute loop every destination node shares (forwardEvents in src/destinations/forward): one output item
 * per input item, its JSON plus `forward`, with pairedItem; Sent and Failed on separate outputs, in input order,
 * so operators can alert on failures without expressions. An item that cannot be read, or a batch that cannot be
 * sent, stops the node, or with continue-on-fail becomes a Failed item saying why.
 *
 * With the conversion log on, conversions also go through the redelivery outbox (src/destinations/forward/outbox.ts):
 * written before the send, settled after it. Like the log, the outbox never fails the send: what goes wrong with it
 * is noted on the item as `conversionLogError`.
 */
export async function forwardItems<P extends Platform>(
	context: IExecuteFunctions,
	platform: P,
	readItem: (itemIndex: number) => { config: PlatformConfigs[P]; event: ForwardableEvent },
	dependencies: SendDependencies = n8nSendDependencies(context),
): Promise<INodeExecutionData[][]> {
	const items = context.getInputData();
	const { outbox, error: outboxError } = await destinationOutbox(context);
	const policy = destinationRedeliveryPolicy();
	const outboxErrors = new Map<number, string>();
	const enqueued = new Set<number>();
	const forwards = await forwardEvents<PlatformConfigs[P]>({
		platform,
		count: items.length,
		readItem: (itemIndex) => {
			const misrouted = misroutedRedelivery(items[itemIndex].json, platform);
			if (misrouted) throw new NodeOperationError(context.getNode(), misrouted, { itemIndex });
			return readItem(itemIndex);
		},
		send: async (events, config) => await sendToPlatform(platform, events, config, dependencies),
		onError: (error, itemIndex) => {
			// A NodeOperationError (an item forItem refused) is thrown as it is: n8n's constructor hands it back.
			if (!context.continueOnFail()) throw new NodeOperationError(context.getNode(), error as Error, { itemIndex });
		},
		beforeSend: async (itemIndexes) => {
			const conversions = itemIndexes.filter((itemIndex) => conversionIdOf(items[itemIndex].json) !== undefined);
			if (!outbox) {
				for (const itemIndex of conversions) {
					if (outboxError) outboxErrors.set(itemIndex, outboxError);
					// Unsettled, the trigger's entry is emitted again after every lease until it is too old: say so.
					else if (redeliveryMarkOf(items[itemIndex].json)?.destination === platform) outboxErrors.set(itemIndex, UNSETTLED_REDELIVERY);
				}
				return;
			}
			try {
				await enqueueAttempts(
					outbox,
					platform,
					conversions.map((itemIndex) => ({ itemIndex, json: items[itemIndex].json })),
					nodeClock.now(),
					policy,
				);
				for (const itemIndex of conversions) enqueued.add(itemIndex);
			} catch (error) {
				for (const itemIndex of conversions) outboxErrors.set(itemIndex, `Could not write the redelivery outbox: ${(error as Error).message}`);
			}
		},
	});
	if (outbox) {
		const settled = await settleAttempts(
			outbox,
			platform,
			forwards.map(({ itemIndex }) => ({ itemIndex, json: items[itemIndex].json })),
			forwards,
			enqueued,
			nodeClock.now(),
			policy,
		);
		for (const [itemIndex, message] of settled) outboxErrors.set(itemIndex, message);
	}
	const sent: INodeExecutionData[] = [];
	const failed: INodeExecutionData[] = [];
	const deliveries = forwards.map(({ itemIndex, forward }) => {
		const item: INodeExecutionData = { json: { ...items[itemIndex].json, forward }, pairedItem: { item: itemIndex } };
		const outboxProblem = outboxErrors.get(itemIndex);
		if (outboxProblem) item.json.conversionLogError = outboxProblem;
		(isSent(forward) ? sent : failed).push(item);
		return { item, delivery: deliveryOf(platform, forward) };
	});
	await recordDeliveries(context, deliveries);
	return [sent, failed];
}

/**
 * The execute body of a node that reads items the shared way: each item's settings (`readConfig`), the item
 * read as a conversion or a click with the Override Fields applied (the Click ID override sets `clickIdField`),
 * then forwardItems.
 */
export async function forwardWithOverrides<P extends Platform, K extends object>(
	context: IExecuteFunctions,
	platform: P,
	credentialName: string,
	readConfig: (itemIndex: number, credentials: K) => PlatformConfigs[P],
	clickIdField?: string,
): Promise<INodeExecutionData[][]> {
	const items = context.getInputData();
	const credentials = await context.getCredentials<K>(credentialName);
	return await forwardItems(context, platform, (itemIndex) => {
		const config = readConfig(itemIndex, credentials);
		const saved = context.getNodeParameter('overrides', itemIndex, {}) as CommonOverrides & Record<string, unknown>;
		const event = forItem(context, itemIndex, () =>
			applyOverrides(
				readForwardableEvent(items[itemIndex].json, itemIndex, funnelItemSchema, saved.eventName),
				resolveOverrides(saved, clickIdField),
				{ platform, valueFrom: valueFromOf(config), clickIdField },
				itemIndex,
			),
		);
		return { config, event };
	});
}
