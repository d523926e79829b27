import type { PartnerPreset } from '../types';

/**
 * Post Affiliate Pro's sale tracking (seed 003): the shop's server tells PAP about a sale "along with the visitor
 * ID value" PAP stored in the visitor's cookie; PAP then credits the referring affiliate. Seed 003 describes the
 * flow but gives no URL. The endpoint and parameter names (scripts/sale.php with TotalCost, OrderID, ProductID,
 * Currency, PStatus, AffiliateID, visitorId, data1…data5, ActionCode) are from our reference
 * (reference/networks.md) and PAP's public tracking pages. Unverified: AccountId=default1 for a plain PAP account
 * (PAN merchants have their own id); that PAP computes the commission itself when Commission is absent (it is
 * left out of the default for that reason); the status letter for a reversal (we send D, declined).
 */
export const pap: PartnerPreset = {
	id: 'pap',
	name: 'Post Affiliate Pro',
	description:
		'Post Affiliate Pro server-to-server sale tracking (scripts/sale.php). visitorId is the PAPVisitorId the sale came with (our click id); without it PAP needs AffiliateID. Replace YOUR-ACCOUNT with your PAP address. {status} becomes PAP’s PStatus letter (A approved, P pending, D declined).',
	template:
		'https://YOUR-ACCOUNT.postaffiliatepro.com/scripts/sale.php?AccountId=default1&visitorId={click_id}&TotalCost={amount}&OrderID={order_id}&ProductID={offer_id}&Currency={currency}&PStatus={status}&AffiliateID={affiliate_id}',
	method: 'GET',
	emptyParameters: 'omit',
	required: [['click_id', 'affiliate_id']],
	macros: { action_code: 'PAP action code, for an action commission instead of a sale (map it under Values)' },
	aliases: {
		visitorId: 'click_id',
		TotalCost: 'amount',
		OrderID: 'order_id',
		ProductID: 'offer_id',
		Currency: 'currency',
		AffiliateID: 'affiliate_id',
		Commission: 'commission',
	},
	statusWords: { approved: 'A', pending: 'P', rejected: 'D', reversed: 'D' },
	setupPlaceholders: ['YOUR-ACCOUNT'],
};
