/**
 * What happened to an item at the platform, as the node's output says it (the `forward` field) and as the
 * conversion log records it.
 */
import type { DeliveryOutcome, DeliveryRecord } from '../../store/types';
import type { EventOutcome, EventResult } from '../types';

/** The `forward` field of an output item (a type, not an interface, so it is plain JSON to the node). */
export type Forward = {
	platform: string;
	outcome: EventOutcome;
	eventId?: string;
	code?: string;
	reason?: string;
	retryAt?: string;
	/** The platform's request id, for its diagnostics (Google's Data Manager API: requestStatus:retrieve). */
	requestId?: string;
};

/** Why an item failed before the platform answered: it could not be read, or its batch could not be sent. */
export type LocalFailure = 'configuration' | 'send_error';

/** The platform's result for one event as the item's `forward`; only what the result says is kept. */
export function forwardOf(platform: string, result: EventResult): Forward {
	const forward: Forward = { platform, outcome: result.outcome };
	if (result.eventId) forward.eventId = result.eventId;
	if (result.code) forward.code = result.code;
	if (result.reason) forward.reason = result.reason;
	if (result.retryAt) forward.retryAt = result.retryAt;
	if (result.requestId) forward.requestId = result.requestId;
	return forward;
}

/** The same shape for an item that failed here, so `$json.forward.outcome` works on every Failed item. */
export function failedForward(platform: string, code: LocalFailure, reason: string): Forward {
	return { platform, outcome: 'failed', code, reason };
}

/** Sent goes to the Sent output; everything else (failed, retry later, skipped) to Failed, for alerting. */
export function isSent(forward: Pick<Forward, 'outcome'>): boolean {
	return forward.outcome === 'sent';
}

/** The conversion log line for an item's `forward` (read loosely: it is the item's JSON by then). */
export function deliveryOf(platform: string, forward: Record<string, unknown>): Omit<DeliveryRecord, 'conversionId'> {
	const code = typeof forward.code === 'string' ? forward.code : undefined;
	let outcome: DeliveryOutcome;
	if (forward.outcome === 'sent') outcome = 'sent';
	else if (forward.outcome === 'retry_later') outcome = 'retry_later';
	// A reversal or a click handed to a platform that takes conversions only: not for this destination.
	else if (code === 'not_a_conversion') outcome = 'skipped';
	else outcome = 'failed';
	return {
		destination: platform,
		outcome,
		...(typeof forward.eventId === 'string' ? { eventId: forward.eventId } : {}),
		...(code ? { code } : {}),
		...(typeof forward.reason === 'string' ? { reason: forward.reason } : {}),
	};
}
