import type { PartnerPreset } from '../types';

/**
 * Everflow's advertiser (server) postback. Everflow's `transaction_id` is Everflow's own click id (reference/networks.md),
 * the one Everflow put on the landing URL, which comes back to us as the click id: the default sends {click_id} there
 * and requires it. amount, order_id, coupon_code, adv_event_id, event_id and adv1…adv5 are the conversion parameters
 * Everflow's SDK documents. Unverified: the host/path form (`https://<tracking domain>/?nid=<network id>&…`) of the
 * server postback; whether an empty parameter is harmless (they are left out).
 */
export const everflow: PartnerPreset = {
	id: 'everflow',
	name: 'Everflow',
	description:
		'Everflow advertiser server postback. transaction_id is Everflow’s click id (sent as our click id; required). For a post-conversion event map adv_event_id (or event_id) under Values to the Everflow event id; a verification_token is redacted from everything shown. Replace YOUR-TRACKING-DOMAIN and NETWORK_ID.',
	template: 'https://YOUR-TRACKING-DOMAIN/?nid=NETWORK_ID&transaction_id={click_id}&amount={amount}&order_id={order_id}&adv_event_id={adv_event_id}',
	method: 'GET',
	emptyParameters: 'omit',
	required: [['click_id']],
	macros: {
		adv_event_id: 'Everflow advertiser event id for post-conversion events (map it under Values)',
		event_id: 'Everflow event id (map it under Values)',
		verification_token: 'Everflow verification token, if the advertiser uses one (map it under Values; never shown)',
	},
	aliases: { sale_amount: 'amount', payout: 'commission' },
	setupPlaceholders: ['YOUR-TRACKING-DOMAIN', 'NETWORK_ID'],
};
