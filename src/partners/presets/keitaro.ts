import type { PartnerPreset } from '../types';

/**
 * Keitaro's postback: `https://<tracker>/<postback key>/postback` with subid (Keitaro's click id, required),
 * status (lead, sale, rejected, rebill), payout (or revenue), tid (transaction id, needed for rebills) and
 * currency, per Keitaro's documentation and reference/networks.md. The postback key is a secret in the path:
 * the default takes it from the {postback_key} macro (map it under Values), so it is redacted from what the node
 * shows. Our statuses become Keitaro's words: approved → sale, pending → lead, rejected and reversed → rejected.
 */
export const keitaro: PartnerPreset = {
	id: 'keitaro',
	name: 'Keitaro',
	description:
		'Keitaro tracker postback: subid is Keitaro’s click id (our click id; required), status lead / sale / rejected, payout the commission, tid the transaction id. Replace YOUR-KEITARO-DOMAIN and map postback_key under Values (it is never shown).',
	template: 'https://YOUR-KEITARO-DOMAIN/{postback_key}/postback?subid={click_id}&status={status}&payout={commission}&tid={transaction_id}&currency={currency}',
	method: 'GET',
	emptyParameters: 'omit',
	required: [['click_id']],
	macros: { postback_key: 'Your Keitaro postback key (from Maintenance → Postback URL)' },
	aliases: { subid: 'click_id', payout: 'commission', revenue: 'commission', tid: 'transaction_id' },
	statusWords: { approved: 'sale', pending: 'lead', rejected: 'rejected', reversed: 'rejected' },
	setupPlaceholders: ['YOUR-KEITARO-DOMAIN'],
};
