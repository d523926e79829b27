import { type IDataObject, type IExecuteFunctions, type INodeExecutionData, sleep } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import { n8nEngineSend } from './http';
import { sendToPlatform } from '../../src/destinations';
import { type ItemDelivery, recordDeliveries } from './store';
import type { DeliveryOutcome } from '../../src/store';
import type { EventResult, ForwardableEvent, Platform, PlatformConfigs, PlatformRequest, PlatformResponse, SendDependencies } from '../../src/destinations';

/**
 * The side effects a destination node hands to src/destinations/send.ts: n8n's HTTP helper (axios,
 * honouring the operator's proxy; credentials are already inside the built request) and n8n's `sleep`.
 */
export function n8nSendDependencies(context: IExecuteFunctions): SendDependencies {
	const send = n8nEngineSend(context, { json: true, timeout: 30_000 });
	return {
		sleep: async (ms) => await sleep(ms),
		send: async (request: PlatformRequest): Promise<PlatformResponse> => await send(request),
	};
}

/**
 * One output item per input item: the input's JSON plus `forward` (what happened at the platform), with
 * pairedItem. Sent and failed go to separate outputs so operators can alert on failures without expressions.
 */
export function resultItems(
	platform: string,
	items: INodeExecutionData[],
	inputIndexes: number[],
	results: EventResult[],
): { sent: INodeExecutionData[]; failed: INodeExecutionData[] } {
	const sent: INodeExecutionData[] = [];
	const failed: INodeExecutionData[] = [];
	results.forEach((result, position) => {
		const itemIndex = inputIndexes[position];
		const forward: IDataObject = { platform, outcome: result.outcome };
		if (result.eventId) forward.eventId = result.eventId;
		if (result.code) forward.code = result.code;
		if (result.reason) forward.reason = result.reason;
		if (result.retryAt) forward.retryAt = result.retryAt;
		const item: INodeExecutionData = { json: { ...items[itemIndex].json, forward }, pairedItem: { item: itemIndex } };
		(result.outcome === 'sent' ? sent : failed).push(item);
	});
	return { sent, failed };
}

/**
 * The item continue-on-fail produces when an item cannot even be planned (bad settings, not a conversion)
 * or its batch could not be sent: the same `forward` shape as a platform failure, so `$json.forward.outcome`
 * works on every Failed item.
 */
export function failedItem(platform: string, items: INodeExecutionData[], itemIndex: number, code: string, reason: string): INodeExecutionData {
	return { json: { ...items[itemIndex].json, forward: { platform, outcome: 'failed', code, reason } }, pairedItem: { item: itemIndex } };
}

const byInputOrder = (a: INodeExecutionData, b: INodeExecutionData) =>
	((a.pairedItem as { item: number }).item ?? 0) - ((b.pairedItem as { item: number }).item ?? 0);

/**
 * The execute loop every destination node shares: read each item's settings and event (a node's own
 * adapter), batch items whose settings agree, send each batch through src/destinations, and return the
 * Sent and Failed outputs in input order. An item that cannot be read, or a batch that cannot be sent,
 * stops the node, or with continue-on-fail becomes a Failed item saying why: nothing is dropped.
 */
export async function forwardItems<P extends Platform>(
	context: IExecuteFunctions,
	platform: P,
	readItem: (itemIndex: number) => { config: PlatformConfigs[P]; event: ForwardableEvent },
	dependencies: SendDependencies = n8nSendDependencies(context),
): Promise<INodeExecutionData[][]> {
	const items = context.getInputData();
	const sent: INodeExecutionData[] = [];
	const failed: INodeExecutionData[] = [];
	// Items whose settings agree share requests (up to the platform's batch limit); usually that is all of them.
	const groups = new Map<string, { config: PlatformConfigs[P]; events: ForwardableEvent[]; indexes: number[] }>();

	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		try {
			const { config, event } = readItem(itemIndex);
			const key = JSON.stringify(config);
			const group = groups.get(key) ?? { config, events: [], indexes: [] };
			group.events.push(event);
			group.indexes.push(itemIndex);
			groups.set(key, group);
		} catch (error) {
			if (!context.continueOnFail()) {
				throw error instanceof NodeOperationError ? error : new NodeOperationError(context.getNode(), error as Error, { itemIndex });
			}
			failed.push(failedItem(platform, items, itemIndex, 'configuration', (error as Error).message));
		}
	}

	for (const group of groups.values()) {
		try {
			const outcome = resultItems(platform, items, group.indexes, await sendToPlatform(platform, group.events, group.config, dependencies));
			sent.push(...outcome.sent);
			failed.push(...outcome.failed);
		} catch (error) {
			if (!context.continueOnFail()) throw new NodeOperationError(context.getNode(), error as Error, { itemIndex: group.indexes[0] });
			for (const itemIndex of group.indexes) failed.push(failedItem(platform, items, itemIndex, 'send_error', (error as Error).message));
		}
	}
	sent.sort(byInputOrder);
	failed.sort(byInputOrder);
	await recordDeliveries(
		context,
		[...sent, ...failed].sort(byInputOrder).map((item) => deliveryOf(platform, item)),
	);
	return [sent, failed];
}

/** The conversion log line for one output item, from its `forward` field. */
function deliveryOf(platform: string, item: INodeExecutionData): ItemDelivery {
	const forward = (item.json.forward ?? {}) as IDataObject;
	const code = typeof forward.code === 'string' ? forward.code : undefined;
	let outcome: DeliveryOutcome;
	if (forward.outcome === 'sent') outcome = 'sent';
	else if (forward.outcome === 'retry_later') outcome = 'retry_later';
	// A reversal or a click handed to a platform that takes conversions only: not for this destination.
	else if (code === 'not_a_conversion') outcome = 'skipped';
	else outcome = 'failed';
	return {
		item,
		delivery: {
			destination: platform,
			outcome,
			...(typeof forward.eventId === 'string' ? { eventId: forward.eventId } : {}),
			...(code ? { code } : {}),
			...(typeof forward.reason === 'string' ? { reason: forward.reason } : {}),
		},
	};
}
