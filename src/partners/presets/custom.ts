import type { PartnerPreset } from '../types';

/** Any partner: the operator writes the URL with our macros (and their own under Values). Nothing is required. */
export const custom: PartnerPreset = {
	id: 'custom',
	name: 'Custom',
	description:
		'Any partner URL. Use {click_id}, {transaction_id}, {order_id}, {amount}, {commission}, {currency}, {affiliate_id}, {offer_id}, {event}, {status}, and any name you map under Values.',
	template:
		'https://partner.example.com/postback?click_id={click_id}&transaction_id={transaction_id}&amount={amount}&commission={commission}&currency={currency}&event={event}&status={status}',
	method: 'GET',
	emptyParameters: 'keep',
	required: [],
	setupPlaceholders: ['partner.example.com'],
};
