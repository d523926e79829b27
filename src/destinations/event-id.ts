import { conversionIdFor } from '../store/open';
import type { ForwardableEvent } from './types';

/**
 * The event id every platform dedups on: derived from (network, transactionId, eventName), so a replayed
 * postback carries the same id and the platform drops it too. Never a random suffix. Without a transaction
 * id the funnel's conversion id (or the click id for click events) is used, which is still stable for the item.
 */
export function eventIdFor(event: ForwardableEvent): string {
	if ('transactionId' in event && 'eventName' in event) {
		if (event.transactionId) return conversionIdFor({ network: event.network, transactionId: event.transactionId, eventName: event.eventName });
		if (event.conversionId) return event.conversionId;
	}
	return `click_${event.clickId ?? 'unknown'}`;
}
