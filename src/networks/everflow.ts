import { collect, fail, finishConversion } from './conversion';
import { parseBody, pick, queryFields, withQuery } from './fields';
import { normalizeStatus } from './status';
import type { NetworkPreset } from './types';

/**
 * Everflow partner-postback macros. {sub1}…{sub5}, {transaction_id} (Everflow's own click id),
 * {event_id}, {affiliate_id}, {offer_id} and {sale_amount} are in Everflow's documentation.
 * The payout macro is uncertain: our reference says {payout}, other integrations use {payout_amount};
 * the URL asks for both and reads whichever Everflow filled (the other arrives unreplaced = missing).
 * {currency} is unverified.
 */
const EVERFLOW_TEMPLATE = [
	['sub1', '{sub1}'],
	['transaction_id', '{transaction_id}'],
	['payout', '{payout}'],
	['payout_amount', '{payout_amount}'],
	['sale_amount', '{sale_amount}'],
	['currency', '{currency}'],
	['event_id', '{event_id}'],
	['affiliate_id', '{affiliate_id}'],
	['offer_id', '{offer_id}'],
	['sub2', '{sub2}'],
	['sub3', '{sub3}'],
	['sub4', '{sub4}'],
	['sub5', '{sub5}'],
] as const;

const SUB_PARAMS = ['sub2', 'sub3', 'sub4', 'sub5'] as const;

export const everflow: NetworkPreset = {
	id: 'everflow',
	name: 'Everflow',
	subidParam: 'sub1',
	clickIdMacro: '{sub1}',
	setupHint:
		'In Everflow add this URL as a partner postback (Postbacks > Add, server-to-server). Offer links must carry sub1=<click id>. For reversals, add a second postback with &status=reversed if your network fires postbacks on reversal.',
	postbackUrlTemplate: (baseUrl) => withQuery(baseUrl, EVERFLOW_TEMPLATE),
	parse(request, options) {
		const body = parseBody(request);
		if (!body.ok) return fail('invalid_body', `Everflow postback: ${body.message}.`);
		const fields = { ...queryFields(request), ...body.fields };
		const get = (...names: string[]) => pick(fields, names);

		// Everflow documents no reversal marker in partner postbacks; a `status` the operator adds is honoured.
		const status = get('status');
		const normalizedStatus = status ? normalizeStatus(status.value) : undefined;
		if (status && !normalizedStatus) {
			return fail('invalid_status', `"${status.field}" must be approved, pending, rejected or reversed, got "${status.value}".`, status.field);
		}

		return finishConversion(
			{
				clickId: get('sub1'),
				transactionId: get('transaction_id'),
				commission: pick(fields, ['payout', 'payout_amount']),
				amount: pick(fields, ['sale_amount']),
				currency: get('currency'),
				networkEventType: get('event_id'),
				affiliateId: get('affiliate_id'),
				offerId: get('offer_id'),
				orderId: get('order_id'),
				status: normalizedStatus,
				subIds: collect(fields, SUB_PARAMS),
			},
			{ network: 'everflow', request, options, bodyAsReceived: body.asReceived, clickIdParam: 'sub1' },
		);
	},
};
