import type { PartnerPreset } from '../types';

/**
 * Aspire's sales tracking runs on TUNE (HasOffers). Seed 004 (Aspire, "Server Postback with Partner ID") gives the
 * postback the store calls on a conversion:
 *   https://aspireiq.go2cloud.org/aff_lsr?offer_id=1&aff_id=AFFILIATE_ID&amount=AMOUNT&adv_unique1=ORDER_ID
 * with the capitalised words replaced by the store's values. The transaction-id protocol (a separate Aspire article,
 * not among our seeds) calls the same aff_lsr endpoint with transaction_id (the id TUNE put on the landing URL,
 * which comes back to us as the click id). Unverified: that both protocols share aff_lsr, and how TUNE treats a
 * postback carrying both aff_id and transaction_id; empty parameters are left out so each call carries one protocol.
 *
 * The seed's own example result reads `affiliate_id=123456` where its template says `aff_id=`; we keep the
 * template's `aff_id` and accept either spelling's placeholder.
 */
export const aspire: PartnerPreset = {
	id: 'aspire',
	name: 'Aspire / TUNE',
	description:
		'Aspire (TUNE/HasOffers) server postback (aff_lsr). Partner-ID protocol: offer_id, aff_id, amount and adv_unique1 (the order id); transaction-ID protocol: transaction_id (the id Aspire added to the landing URL, our click id). Set offer_id to your Aspire offer id. Aspire’s own placeholders (AFFILIATE_ID, AMOUNT, ORDER_ID, OFFER_ID, TRANSACTION_ID) are accepted as they are.',
	template: 'https://aspireiq.go2cloud.org/aff_lsr?offer_id={offer_id}&aff_id={affiliate_id}&amount={amount}&adv_unique1={order_id}&transaction_id={click_id}',
	method: 'GET',
	emptyParameters: 'omit',
	required: [['affiliate_id', 'click_id']],
	aliases: { payout: 'commission', sale_amount: 'amount', aff_id: 'affiliate_id' },
	placeholders: [
		{ placeholder: 'AFFILIATE_ID', macro: 'affiliate_id' },
		{ placeholder: 'AMOUNT', macro: 'amount' },
		{ placeholder: 'ORDER_ID', macro: 'order_id' },
		{ placeholder: 'OFFER_ID', macro: 'offer_id' },
		{ placeholder: 'TRANSACTION_ID', macro: 'click_id' },
	],
};
