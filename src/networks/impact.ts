import { fail, finishConversion } from './conversion';
import { type FieldValue, type Fields, parseBody, pickIgnoringCase, queryFields, textOf, withQuery } from './fields';
import { normalizeStatus } from './status';
import type { NetworkPreset } from './types';

/** Impact's postback macros; each parameter carries the macro of the same name (`Payout={Payout}`). */
const IMPACT_PARAMS = [
	'SubId1',
	'ActionId',
	'ActionTrackerId',
	'ActionTrackerName',
	'CampaignId',
	'MediaPartnerId',
	'Payout',
	'Amount',
	'Currency',
	'Status',
	'StatusDetail',
	'EventDate',
	'PromoCode',
	'SubId2',
	'SubId3',
	'SharedId',
	'DeltaPayout',
	'DeltaAmount',
] as const;

/** Extra network fields kept verbatim in subIds (the deltas and originals matter on a modified action). */
const EXTRA_PARAMS = ['SubId2', 'SubId3', 'SharedId', 'DeltaPayout', 'DeltaAmount', 'OriginalAmount', 'OriginalCurrency', 'StatusDetail'] as const;

/** The key in `fields` matching `name` without regard to case. */
function keyFor(fields: Fields, name: string): string | undefined {
	const lower = name.toLowerCase();
	return Object.keys(fields).find((key) => key.toLowerCase() === lower);
}

/** Text of a parameter, whatever its case; a JSON number becomes exact decimal text. */
function valueOf(fields: Fields, name: string): FieldValue | undefined {
	const key = keyFor(fields, name);
	if (key === undefined) return undefined;
	const raw = fields[key];
	const value = textOf(raw);
	return value === undefined ? undefined : { value, field: key };
}

export const impact: NetworkPreset = {
	id: 'impact',
	name: 'Impact',
	subidParam: 'subId1',
	clickIdMacro: '{SubId1}',
	setupHint:
		"On Impact the brand sets up partner postbacks: send this URL to your contact there (GET is recommended; a JSON or form POST with the same names works too). Offer links must carry subId1=<click id>. Impact's macros are case-sensitive: keep {SubId1}, {Payout}… exactly as written.",
	postbackUrlTemplate: (baseUrl) =>
		withQuery(
			baseUrl,
			IMPACT_PARAMS.map((name) => [name, `{${name}}`] as const),
		),
	parse(request, options) {
		const body = parseBody(request);
		if (!body.ok) return fail('invalid_body', `Impact postback: ${body.message}.`);
		const fields = { ...queryFields(request), ...body.fields };
		// Names are read case-insensitively: senders lowercase or camel-case them (subid1, actionId).
		const get = (...names: string[]) => pickIgnoringCase(fields, names);

		const status = get('Status');
		const normalizedStatus = status ? normalizeStatus(status.value) : undefined;
		if (status && !normalizedStatus) {
			return fail('invalid_status', `"${status.field}" must be PENDING, APPROVED or REVERSED, got "${status.value}".`, status.field);
		}

		const subIds: Record<string, string> = {};
		for (const name of EXTRA_PARAMS) {
			const value = valueOf(fields, name);
			if (value) subIds[name] = value.value;
		}

		return finishConversion(
			{
				clickId: get('SubId1'),
				transactionId: get('ActionId'),
				networkEventType: get('ActionTrackerName', 'ActionTrackerId'),
				merchantId: get('CampaignId'),
				affiliateId: get('MediaPartnerId'),
				commission: valueOf(fields, 'Payout'),
				amount: valueOf(fields, 'Amount'),
				currency: get('Currency'),
				occurredAt: get('EventDate'),
				couponCode: get('PromoCode'),
				status: normalizedStatus,
				subIds,
			},
			{ network: 'impact', request, options, bodyAsReceived: body.asReceived, clickIdParam: 'SubId1' },
		);
	},
};
