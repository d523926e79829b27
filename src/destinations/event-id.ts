import { createHash } from 'node:crypto';
import { conversionIdFor } from '../model/ids';
import type { ForwardableEvent } from './types';

/**
 * The event id every platform dedups on: derived from (network, transactionId, eventName), so a replayed
 * postback carries the same id and the platform drops it too. Never a random suffix. Without a transaction
 * id the funnel's conversion id is used; a conversion with neither (one sent without the funnel) gets a
 * digest of what identifies it, and a click event its click id — never a key built from an empty part,
 * which would make unrelated events collide and be dropped by the platform as duplicates.
 */
export function eventIdFor(event: ForwardableEvent): string {
	if ('transactionId' in event && 'eventName' in event) {
		if (event.transactionId) return conversionIdFor({ network: event.network, transactionId: event.transactionId, eventName: event.eventName });
		if (event.conversionId) return event.conversionId;
		const identity = [event.network, event.eventName, event.clickId, event.orderId, event.occurredAt, event.amount, event.commission, event.currency];
		return `cv_${createHash('sha256').update(JSON.stringify(identity)).digest('hex').slice(0, 32)}`;
	}
	return `click_${event.clickId}`;
}
