import { fail, finishConversion } from './conversion';
import { type FieldValue, type Fields, parseBody, pick, queryFields, textOf, withQuery } from './fields';
import type { NetworkPreset } from './types';

/**
 * Aspire's instructions (seed 004) show plain capitalised words as placeholders, which the store
 * is told to replace. A word left as it is means the store had no value, never data.
 */
const ASPIRE_PLACEHOLDERS = ['OFFER_ID', 'AFFILIATE_ID', 'AMOUNT', 'ORDER_ID', 'TRANSACTION_ID'] as const;

/**
 * One URL serves both of Aspire's protocols: the store fills transaction_id (transaction-id
 * protocol) or aff_id (partner-id protocol) and leaves the other word unreplaced, which reads as missing.
 */
const ASPIRE_TEMPLATE = [
	['offer_id', 'OFFER_ID'],
	['aff_id', 'AFFILIATE_ID'],
	['amount', 'AMOUNT'],
	['adv_unique1', 'ORDER_ID'],
	['transaction_id', 'TRANSACTION_ID'],
] as const;

export const aspire: NetworkPreset = {
	id: 'aspire',
	name: 'Aspire',
	subidParam: 'transaction_id',
	clickIdMacro: 'TRANSACTION_ID',
	setupHint:
		"Your store calls this URL when an order completes, as it calls Aspire's postback. Replace OFFER_ID, AMOUNT and ORDER_ID with your values, then either TRANSACTION_ID with the transaction_id Aspire added to the landing URL (transaction-id protocol) or AFFILIATE_ID with the stored affiliate_id (partner-id protocol). A word left unreplaced counts as missing; a postback needs transaction_id or aff_id.",
	postbackUrlTemplate: (baseUrl) => withQuery(baseUrl, ASPIRE_TEMPLATE),
	parse(request, options) {
		const body = parseBody(request);
		if (!body.ok) return fail('invalid_body', `Aspire postback: ${body.message}.`);
		const fields: Fields = { ...queryFields(request), ...body.fields };
		const get = (...names: string[]) => pick(fields, names, ASPIRE_PLACEHOLDERS);
		const amountRaw = fields.amount;
		const amountText = textOf(amountRaw, ASPIRE_PLACEHOLDERS);
		const amount: FieldValue | undefined = amountText === undefined ? undefined : { value: amountText, field: 'amount' };

		const transactionId = get('transaction_id');
		// The seed's template says aff_id while its filled-in example says affiliate_id: accept both.
		const affiliateId = get('aff_id', 'affiliate_id');
		const orderId = get('adv_unique1');
		const offerId = get('offer_id');
		const context = { network: 'aspire', request, options, bodyAsReceived: body.asReceived };

		if (transactionId) {
			// Transaction-id protocol: Aspire's transaction id came in on the landing URL and is the click.
			return finishConversion(
				{
					clickId: transactionId,
					transactionId,
					orderId,
					amount,
					offerId,
					affiliateId,
					networkEventType: { value: 'transaction_id', field: 'transaction_id' },
				},
				{ ...context, clickIdParam: 'transaction_id' },
			);
		}
		if (!affiliateId) {
			return fail(
				'missing_field',
				'Aspire postback without a visitor: a partner-id postback needs aff_id or affiliate_id, a transaction-id postback needs transaction_id (both are missing, empty or still the placeholder word).',
				'aff_id',
			);
		}
		// Partner-id protocol: the store remembers the affiliate, not a click, so there is no click id;
		// the order id is the only dedup key.
		return finishConversion(
			{
				transactionId: orderId,
				orderId,
				amount,
				offerId,
				affiliateId,
				networkEventType: { value: 'partner_id', field: affiliateId.field },
			},
			{ ...context, clickIdParam: false },
		);
	},
};
