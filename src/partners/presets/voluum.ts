import type { PartnerPreset } from '../types';

/**
 * Voluum's conversion postback: `/postback` on the account's tracking domain with cid (Voluum's click id,
 * required), payout and txid (optional), currency and et (custom conversion type) per Voluum's documentation and
 * reference/networks.md. Voluum's copy-paste URL reads `cid=REPLACE&payout=OPTIONAL&txid=OPTIONAL`: those words
 * are accepted in place of our macros. `et` is left out of the default: an event type must exist in Voluum first
 * (unverified how Voluum treats an unknown one).
 */
export const voluum: PartnerPreset = {
	id: 'voluum',
	name: 'Voluum',
	description:
		'Voluum tracker postback: cid is Voluum’s click id (our click id; required), payout the commission, txid the transaction id (Voluum counts a repeated cid again only with a new txid). Replace YOUR-VOLUUM-DOMAIN with your tracking domain. Voluum’s REPLACE / OPTIONAL placeholders are accepted.',
	template: 'https://YOUR-VOLUUM-DOMAIN/postback?cid={click_id}&payout={commission}&txid={transaction_id}&currency={currency}',
	method: 'GET',
	emptyParameters: 'omit',
	required: [['click_id']],
	aliases: { clickid: 'click_id', cid: 'click_id', payout: 'commission', txid: 'transaction_id' },
	placeholders: [
		{ placeholder: 'REPLACE', macro: 'click_id', parameter: 'cid' },
		{ placeholder: 'OPTIONAL', macro: 'commission', parameter: 'payout' },
		{ placeholder: 'OPTIONAL', macro: 'transaction_id', parameter: 'txid' },
		{ placeholder: 'OPTIONAL', macro: 'currency', parameter: 'currency' },
	],
	setupPlaceholders: ['YOUR-VOLUUM-DOMAIN'],
};
