import { collect, fail, finishConversion } from './conversion';
import { parseBody, pick, queryFields, withQuery } from './fields';
import { normalizeStatus } from './status';
import type { NetworkPreset } from './types';

/**
 * TUNE (HasOffers) postback macros we ask for. Each parameter is named after its macro, so the
 * URL reads `payout={payout}` and a value that comes back still wrapped in braces is plainly unreplaced.
 */
const TUNE_PARAMS = [
	'aff_click_id',
	'transaction_id',
	'payout',
	'sale_amount',
	'currency',
	'datetime',
	'affiliate_id',
	'offer_id',
	'goal_id',
	'advertiser_id',
	'aff_sub',
	'aff_sub2',
	'aff_sub3',
	'aff_sub4',
	'aff_sub5',
	'session_ip',
] as const;

const SUB_PARAMS = ['aff_sub', 'aff_sub2', 'aff_sub3', 'aff_sub4', 'aff_sub5'] as const;

export const tune: NetworkPreset = {
	id: 'tune',
	name: 'TUNE / HasOffers',
	subidParam: 'aff_click_id',
	clickIdMacro: '{aff_click_id}',
	setupHint:
		"Paste this URL as a global or offer postback in TUNE (HasOffers). Offer links must carry aff_click_id=<click id>; aff_sub…aff_sub5 are for non-unique values. TUNE sends local times without a zone: set the time zone option to your network's zone.",
	postbackUrlTemplate: (baseUrl) =>
		withQuery(
			baseUrl,
			TUNE_PARAMS.map((name) => [name, `{${name}}`] as const),
		),
	parse(request, options) {
		const body = parseBody(request);
		if (!body.ok) return fail('invalid_body', `TUNE postback: ${body.message}.`);
		const fields = { ...queryFields(request), ...body.fields };
		const get = (...names: string[]) => pick(fields, names);

		const status = get('status');
		const normalizedStatus = status ? normalizeStatus(status.value) : undefined;
		if (status && !normalizedStatus) {
			return fail('invalid_status', `"${status.field}" must be approved, pending or rejected, got "${status.value}".`, status.field);
		}

		return finishConversion(
			{
				clickId: get('aff_click_id'),
				transactionId: get('transaction_id'),
				// `commission` is not a TUNE macro, but AnyTrack's TUNE logs carry one; it is only a fallback.
				commission: pick(fields, ['payout', 'commission']),
				amount: pick(fields, ['sale_amount']),
				currency: get('currency'),
				occurredAt: get('datetime'),
				affiliateId: get('affiliate_id'),
				offerId: get('offer_id'),
				merchantId: get('advertiser_id'),
				networkEventType: get('goal_id'),
				orderId: get('adv_sub'),
				// session_ip is the visitor's; `ip` is the TUNE server that fired the postback.
				ip: get('session_ip'),
				status: normalizedStatus,
				subIds: collect(fields, SUB_PARAMS),
			},
			{ network: 'tune', request, options, bodyAsReceived: body.asReceived, clickIdParam: 'aff_click_id' },
		);
	},
};
