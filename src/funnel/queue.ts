/**
 * Issue 16: queueing a decided conversion in the redelivery outbox for the destinations the workflow wires to the
 * output it leaves on (the Conversion Funnel node finds them; this writes the entries), and what a resumed run
 * hands on when its earlier run had already queued it.
 */
import { firstDueAt, type RedeliveryPolicy } from '../destinations/redelivery';
import type { OutboxStore } from '../store/types';

/**
 * Queues a decided conversion for `destinations` (entries already there are left as they are). Returns whether
 * every destination already had its entry (false when there are none to queue).
 */
export async function queueConversion(
	outbox: Pick<OutboxStore, 'enqueueDeliveries'>,
	item: Record<string, unknown>,
	destinations: readonly string[],
	now: Date,
	policy: RedeliveryPolicy,
): Promise<boolean> {
	const conversionId = typeof item.conversionId === 'string' ? item.conversionId.trim() : '';
	if (!conversionId || destinations.length === 0) return false;
	const dueAt = firstDueAt(now, policy);
	const created = await outbox.enqueueDeliveries(destinations.map((destination) => ({ conversionId, destination, item, dueAt })));
	return created.every((isNew) => !isNew);
}

/**
 * A resumed decision whose destinations the earlier execution had already queued: the outbox delivers it (or has),
 * so handing it on again would send it twice. It leaves on Duplicate, saying so.
 */
export function alreadyQueued<T extends { output: string; item: { route?: unknown; dedup?: object } }>(result: T, destinations: readonly string[]): T {
	return {
		...result,
		output: 'duplicate',
		item: {
			...result.item,
			route: 'duplicate',
			dedup: {
				...result.item.dedup,
				status: 'duplicate',
				reason: `An earlier execution of this postback decided it and queued it for ${destinations.join(', ')}; the redelivery outbox delivers it there, so it is not handed on again.`,
			},
		},
	};
}
