/**
 * A destination node's side of the redelivery outbox (issue 16), without n8n: before the send, one pending entry
 * per (conversion, destination) holding the item, due after the grace period (so a run that dies mid-send is
 * picked up by the Redelivery Trigger); after it, each entry settled by the redelivery policy. Items the trigger
 * emitted carry `redelivery: { destination, attempt, token }` and are settled with their claim's token.
 */
import type { OutboxStore } from '../../store/types';
import { DEFAULT_REDELIVERY_POLICY, type RedeliveryPolicy, attemptSettlement, firstDueAt } from '../redelivery';
import type { ItemForward } from './forward-events';

/** What the Redelivery Trigger adds to an item it emits. */
export type RedeliveryMark = { destination: string; attempt: number; token: string };

/** An input item: its index and its JSON. */
export interface OutboxItem {
	itemIndex: number;
	json: Record<string, unknown>;
}

/** The item's conversion id; Click Tracker clicks (no conversionId) never enter the outbox. */
export function conversionIdOf(json: Record<string, unknown>): string | undefined {
	return typeof json.conversionId === 'string' && json.conversionId.trim() !== '' ? json.conversionId : undefined;
}

/** The trigger's mark, when the item carries a well-formed one. */
export function redeliveryMarkOf(json: Record<string, unknown>): RedeliveryMark | undefined {
	const mark = json.redelivery as Partial<RedeliveryMark> | undefined;
	if (!mark || typeof mark !== 'object') return undefined;
	if (typeof mark.destination !== 'string' || typeof mark.token !== 'string' || typeof mark.attempt !== 'number') return undefined;
	return { destination: mark.destination, attempt: mark.attempt, token: mark.token };
}

/**
 * Why an item must not be sent by the node for `destination`: the Redelivery Trigger emitted it for another
 * destination (its Due output wired to the wrong node, or a Switch routing wrongly). Sending it would deliver a
 * conversion where the workflow never meant it to go, with this node's credential; undefined when it is this
 * node's (or carries no mark).
 */
export function misroutedRedelivery(json: Record<string, unknown>, destination: string): string | undefined {
	const mark = redeliveryMarkOf(json);
	if (!mark || mark.destination === destination) return undefined;
	return (
		`This item was emitted by the Redelivery Trigger for "${mark.destination}", not for "${destination}": it was not sent. ` +
		'Route the trigger’s Due output on {{ $json.redelivery.destination }} (a Switch) so each item reaches its own node; its entry comes back after the lease.'
	);
}

/** The JSON kept in the outbox: the item without a previous claim's mark (each claim adds its own). */
export function outboxItemOf(json: Record<string, unknown>): Record<string, unknown> {
	const item = { ...json };
	delete item.redelivery;
	return item;
}

/**
 * Writes a pending entry for each item with a conversion id (first item of a conversion wins), due at
 * now + grace. An entry that exists is left as it is (a redelivered item, or a conversion sent again).
 */
export async function enqueueAttempts(
	outbox: Pick<OutboxStore, 'enqueueDeliveries'>,
	destination: string,
	items: OutboxItem[],
	now: Date,
	policy: RedeliveryPolicy = DEFAULT_REDELIVERY_POLICY,
): Promise<void> {
	const dueAt = firstDueAt(now, policy);
	const seen = new Set<string>();
	const entries: Array<{ conversionId: string; destination: string; item: unknown; dueAt: string }> = [];
	for (const { json } of items) {
		const conversionId = conversionIdOf(json);
		if (!conversionId || seen.has(conversionId)) continue;
		seen.add(conversionId);
		entries.push({ conversionId, destination, item: outboxItemOf(json), dueAt });
	}
	if (entries.length > 0) await outbox.enqueueDeliveries(entries);
}

/**
 * Settles each attempt by the policy: the items this run enqueued (`enqueued`, settled as the inline send, no
 * token) and the items the trigger emitted for this destination (with their token, even when they could not be
 * read: a refused item is failed, not redelivered for ever). Returns the error per item index for what could not
 * be settled (a stale token is no error: another run has it by now).
 */
export async function settleAttempts(
	outbox: Pick<OutboxStore, 'settleDelivery'>,
	destination: string,
	items: OutboxItem[],
	forwards: ItemForward[],
	enqueued: ReadonlySet<number>,
	now: Date,
	policy: RedeliveryPolicy = DEFAULT_REDELIVERY_POLICY,
): Promise<Map<number, string>> {
	const errors = new Map<number, string>();
	const jsonOf = new Map(items.map((item) => [item.itemIndex, item.json]));
	for (const { itemIndex, forward, retryAfterMs } of forwards) {
		const json = jsonOf.get(itemIndex);
		const conversionId = json && conversionIdOf(json);
		if (!json || !conversionId) continue;
		const mark = redeliveryMarkOf(json);
		const claimed = mark?.destination === destination ? mark : undefined;
		if (!claimed && !enqueued.has(itemIndex)) continue;
		// A group that could not be sent at all (`send_error`: no answer from the platform, e.g. an OAuth refresh or a
		// proxy that failed) was never refused for its data: it is tried again later, not settled failed.
		const outcome = forward.code === 'send_error' ? 'retry' : forward.outcome;
		const settlement = attemptSettlement(
			{ outcome, ...(forward.retryAt ? { retryAt: forward.retryAt } : {}), ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) },
			claimed?.attempt ?? 1,
			now,
			policy,
		);
		try {
			await outbox.settleDelivery({ conversionId, destination }, settlement, {
				...(forward.code ? { code: forward.code } : {}),
				...(forward.reason ? { reason: forward.reason.slice(0, 1000) } : {}),
				...(claimed ? { token: claimed.token } : {}),
				at: now.toISOString(),
			});
		} catch (error) {
			errors.set(itemIndex, `Could not settle the redelivery outbox entry: ${(error as Error).message}`);
		}
	}
	return errors;
}
