import type { ConversionStatus } from '../model';
import type { PartnerPreset, PostbackItem } from './types';

/** The standard macros every preset understands, with what fills them. */
export const STANDARD_MACROS: Readonly<Record<string, string>> = {
	click_id: 'The click id (the subid the partner gave us), or the matched click’s id',
	transaction_id: 'The network’s transaction id of the conversion',
	order_id: 'The order id',
	amount: 'The sale amount (exact decimal, e.g. 79.5)',
	commission: 'The commission (payout)',
	currency: 'ISO 4217 currency code',
	affiliate_id:
		'The affiliate (partner) credited with the conversion: the one whose commission the funnel wrote, else the one attribution found, else the id the network sent',
	offer_id: 'The offer id',
	event: 'The event name (Lead, Purchase, …)',
	event_name: 'The event name (same as {event})',
	status: 'The status: approved, pending, rejected or reversed (in the partner’s own words where the preset knows them)',
	network: 'The network preset the conversion came from',
	conversion_id: 'The Conversion Funnel’s id of the stored conversion',
	occurred_at: 'When the conversion happened (ISO 8601)',
};

/** One value as macro text: numbers and booleans as text, objects as JSON, nothing as undefined; trimmed. */
export function macroText(value: unknown): string | undefined {
	if (value === undefined || value === null) return undefined;
	let text: string;
	if (typeof value === 'string') text = value;
	else if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') text = String(value);
	else text = JSON.stringify(value) ?? '';
	const trimmed = text.trim();
	return trimmed === '' ? undefined : trimmed;
}

const statusText = (status: unknown, preset: PartnerPreset): string | undefined => {
	const text = macroText(status);
	if (text === undefined) return undefined;
	return preset.statusWords?.[text as ConversionStatus] ?? text;
};

/** The standard macros' values for one item (undefined where the item has none). */
export function standardValues(item: PostbackItem, preset: PartnerPreset): Record<string, string | undefined> {
	const event = macroText(item.eventName);
	return {
		click_id: macroText(item.clickId) ?? macroText(item.click?.clickId),
		transaction_id: macroText(item.transactionId),
		order_id: macroText(item.orderId),
		amount: macroText(item.amount),
		commission: macroText(item.commission),
		currency: macroText(item.currency),
		// The partner to notify is the affiliate the funnel credited (from the click's link), not the network's own
		// publisher id, which for the operator's network account is the operator itself (Impact's MediaPartnerId).
		affiliate_id: macroText(item.ledger?.affiliateId) ?? macroText(item.attribution?.affiliateId) ?? macroText(item.affiliateId),
		offer_id: macroText(item.offerId),
		event,
		event_name: event,
		status: statusText(item.status, preset),
		network: macroText(item.network),
		conversion_id: macroText(item.conversionId),
		occurred_at: macroText(item.occurredAt),
	};
}
