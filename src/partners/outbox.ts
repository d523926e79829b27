/**
 * Send Postback's side of the redelivery outbox (issue 16), without n8n: the outbox destination of a partner
 * target and how a postback's result settles its entry. Writing and settling entries is the destination nodes'
 * code (src/destinations/forward/outbox.ts), shared.
 */
import { createHash } from 'node:crypto';
import type { AttemptResult } from '../destinations/redelivery';
import type { PartnerPostbackResult } from './send';

/** Every partner target's outbox destination starts with this; the Redelivery Trigger selects them all by it. */
export const POSTBACK_DESTINATION_PREFIX = 'postback:';

/**
 * The outbox destination of one Send Postback target: `postback:<Target ID>` when the operator named the target,
 * else `postback:<preset>~<8 hex of SHA-256 of the URL template as written>`. The operator's name wins because it
 * is what they chose to identify the partner (and it survives a change of template). Without one, the preset alone
 * would make two Custom URL nodes to different partners share entries, so the template (the raw parameter, an
 * expression unresolved, so it does not vary per item) tells them apart, while every other setting (method, values,
 * retries, timeout) can be edited without orphaning pending entries. Editing the template of an unnamed target
 * starts a new destination: entries already pending keep the old one and are redelivered by nothing that settles
 * them until they give up, which is why the editor says to name targets.
 */
export function postbackDestination(preset: string, template: string, target?: string): string {
	const named = target?.trim();
	if (named) return `${POSTBACK_DESTINATION_PREFIX}${named}`;
	const hash = createHash('sha256').update(template, 'utf8').digest('hex').slice(0, 8);
	return `${POSTBACK_DESTINATION_PREFIX}${preset}~${hash}`;
}

/**
 * A postback's result as the redelivery policy reads it. Sent, and a duplicate whose claim is done (the partner
 * already has it: a run that died between sending and settling), settle as sent. A refusal (a 4xx other than
 * 429) is failed. What may succeed later (network errors, 429, 5xx after the last attempt) is retried after the
 * backoff; a duplicate another execution is still sending, once that execution's claim can be taken over.
 */
export function postbackAttempt(
	result: Pick<PartnerPostbackResult, 'status' | 'retryable' | 'inFlight' | 'inFlightUntil'>,
	now: Date = new Date(),
): AttemptResult {
	if (result.status === 'sent') return { outcome: 'sent' };
	if (result.status === 'duplicate' && result.inFlight) {
		// Not before the other execution's claim can be taken over (a dead run's send is then redone).
		const until = result.inFlightUntil ? Date.parse(result.inFlightUntil) : Number.NaN;
		return Number.isFinite(until) ? { outcome: 'retry', retryAfterMs: Math.max(0, until - now.getTime() + 1000) } : { outcome: 'retry' };
	}
	if (result.status === 'duplicate') return { outcome: 'sent' };
	return { outcome: result.retryable ? 'retry' : 'failed' };
}
