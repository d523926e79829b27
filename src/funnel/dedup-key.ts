/**
 * The dedup key of a postback that carries no transaction id. A network retries a postback it got no 2xx for
 * (and some resend on a schedule), so without a key every delivery would be credited again: three retries,
 * three commissions. The key is derived from what the network itself put in the postback, and only from what
 * stays the same when it sends the same postback again:
 *
 * - in: the network, the click id, the order id, the network's event type and event name, the amount and the
 *   commission (their magnitude, so a refund of −X finds the sale of X and reverses it), the currency, the
 *   affiliate, offer, merchant, brand and coupon, the visitor's IP, the sub ids and the customer fields, and
 *   occurredAt when the postback carried it;
 * - out: receivedAt (our clock, new on every delivery), occurredAt when the postback carried no time (the
 *   trigger then fills it with receivedAt: read as "not carried" when the two are equal), the status (so a
 *   later "approved" for the same sale is a status update of it, as with a transaction id), and the raw
 *   request (header order, signatures, timestamps and nonces change between deliveries).
 *
 * The price of a key without a network id: two genuinely different sales that agree on every field above
 * (same click, same amounts, no time, no order id) are taken for one, and the second is reported as a
 * Duplicate (with this key and its basis on the item) rather than credited. Crediting once too few is
 * visible and can be corrected; crediting a retry as a new sale pays real money twice.
 */
import { createHash } from 'node:crypto';
import type { Conversion } from '../model';
import { absoluteDecimal } from './amounts';

/** Prefix of a derived key (in the claims and the stored conversion's transaction id): never sent by a network as such. */
export const DERIVED_KEY_PREFIX = 'derived:';

export type DedupBasis = 'transaction_id' | 'derived';

/** Whether a stored transaction id is a derived key rather than the network's own id. */
export function isDerivedKey(transactionId: string | null | undefined): boolean {
	return typeof transactionId === 'string' && transactionId.startsWith(DERIVED_KEY_PREFIX);
}

/** The conversion's fields that went into its derived key, by name, in key order. */
export function derivedKeyFields(conversion: Conversion): string[] {
	return keyParts(conversion).map(([name]) => name);
}

function keyParts(conversion: Conversion): Array<[string, string | Array<[string, string]>]> {
	const parts: Array<[string, string | Array<[string, string]>]> = [['network', conversion.network]];
	const text = (name: string, value: string | null | undefined) => {
		if (typeof value === 'string' && value !== '') parts.push([name, value]);
	};
	text('clickId', conversion.clickId);
	text('orderId', conversion.orderId);
	text('networkEventType', conversion.networkEventType);
	text('eventName', conversion.eventName);
	text('amount', conversion.amount === null ? null : absoluteDecimal(conversion.amount));
	text('commission', conversion.commission === null ? null : absoluteDecimal(conversion.commission));
	text('currency', conversion.currency);
	// Compared as instants: the trigger writes both as UTC ISO strings, a hand-built item may not.
	if (Date.parse(conversion.occurredAt) !== Date.parse(conversion.receivedAt)) text('occurredAt', new Date(Date.parse(conversion.occurredAt)).toISOString());
	text('affiliateId', conversion.affiliateId);
	text('offerId', conversion.offerId);
	text('merchantId', conversion.merchantId);
	text('brandName', conversion.brandName);
	text('couponCode', conversion.couponCode);
	text('ip', conversion.ip);
	const sorted = (record: Record<string, string | undefined>): Array<[string, string]> =>
		Object.entries(record)
			.filter((entry): entry is [string, string] => typeof entry[1] === 'string')
			.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
	const subIds = sorted(conversion.subIds);
	if (subIds.length) parts.push(['subIds', subIds]);
	const user = sorted(conversion.user);
	if (user.length) parts.push(['user', user]);
	return parts;
}

/**
 * The derived dedup key: `derived:` and 32 hex digits of a SHA-256 over the stable fields (named, so two
 * different fields holding the same text never collide). The customer's data only enters as part of the
 * digest: the key can be shown and stored without carrying it.
 */
export function derivedDedupKey(conversion: Conversion): string {
	const digest = createHash('sha256')
		.update(JSON.stringify(keyParts(conversion)))
		.digest('hex');
	return `${DERIVED_KEY_PREFIX}${digest.slice(0, 32)}`;
}
