import { type ConversionStatus, normalizeDecimal } from '../model';
import { collect, fail, finishConversion } from './conversion';
import { type FieldValue, parseBody, pickIgnoringCase, queryFields, withQuery } from './fields';
import { normalizeStatus } from './status';
import type { NetworkPreset } from './types';

/**
 * Post Affiliate Pro's sale tracking request (scripts/sale.php, seed 003): the merchant's cart or
 * payment gateway sends the sale with the visitor id PAP stored in its PAPVisitorId cookie, or with
 * the referring affiliate's id when no cookie was read.
 */
const TEMPLATE_PARAMS = [
	'visitorId',
	'TotalCost',
	'OrderID',
	'ProductID',
	'Commission',
	'Currency',
	'PStatus',
	'ActionCode',
	'Coupon',
	'data1',
	'data2',
	'data3',
	'data4',
	'data5',
] as const;

/** PAP's one-letter statuses. */
const PSTATUS: Record<string, ConversionStatus> = { A: 'approved', P: 'pending', D: 'rejected' };

function isNegative(value: FieldValue | undefined): boolean {
	return value !== undefined && (normalizeDecimal(value.value)?.startsWith('-') ?? false);
}

export const pap: NetworkPreset = {
	id: 'pap',
	name: 'Post Affiliate Pro',
	subidParam: 'visitorId',
	clickIdMacro: '{visitorId}',
	setupHint:
		"Call this URL from your cart or payment gateway after each sale, replacing each {placeholder} with your cart's value: visitorId is the PAPVisitorId cookie (or send AffiliateID instead), PStatus is A, P or D. Refunds and chargebacks are sent as a negative TotalCost.",
	postbackUrlTemplate: (baseUrl) =>
		withQuery(
			baseUrl,
			TEMPLATE_PARAMS.map((name) => [name, `{${name}}`] as const),
		),
	parse(request, options) {
		const body = parseBody(request);
		if (!body.ok) return fail('invalid_body', `Post Affiliate Pro sale request: ${body.message}.`);
		const fields = { ...queryFields(request), ...body.fields };
		const get = (name: string) => pickIgnoringCase(fields, [name]);

		// PAP attributes a sale by visitor id, or directly to an affiliate: one of the two must be there.
		const visitorId = get('visitorId');
		const affiliateId = get('AffiliateID');
		if (!visitorId && !affiliateId) {
			return fail(
				'missing_click_id',
				'No visitor: the "visitorId" parameter (the PAPVisitorId cookie) is missing, empty or still a placeholder, and no "AffiliateID" was sent as the alternative. Send one of them.',
				'visitorId',
			);
		}

		const pstatus = get('PStatus');
		let status: ConversionStatus | undefined;
		if (pstatus) {
			status = PSTATUS[pstatus.value.toUpperCase()] ?? normalizeStatus(pstatus.value);
			if (!status) {
				return fail('invalid_status', `"${pstatus.field}" must be A (approved), P (pending) or D (declined), got "${pstatus.value}".`, pstatus.field);
			}
		}
		const amount = get('TotalCost');
		const commission = get('Commission');
		// PAP records a refund or chargeback as a negative transaction: a negative total (or
		// commission) reverses, whatever PStatus says.
		if (isNegative(amount) || isNegative(commission)) status = 'reversed';

		const orderId = get('OrderID');
		return finishConversion(
			{
				clickId: visitorId,
				transactionId: orderId,
				orderId,
				offerId: get('ProductID'),
				amount,
				commission,
				currency: get('Currency'),
				status,
				affiliateId,
				couponCode: get('Coupon'),
				networkEventType: get('ActionCode'),
				// The conversion has no campaign slot; CampaignID travels with the data fields under its own name.
				subIds: collect(fields, ['data1', 'data2', 'data3', 'data4', 'data5', 'CampaignID']),
			},
			{
				network: 'pap',
				request,
				options,
				bodyAsReceived: body.asReceived,
				// Without a visitor id the affiliate id identifies the sale, which was checked above.
				clickIdParam: visitorId ? 'visitorId' : false,
			},
		);
	},
};
