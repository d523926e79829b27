import { fail, finishConversion } from './conversion';
import { type FieldValue, type Fields, parseBody, pickIgnoringCase, queryFields, textOf, withQuery } from './fields';
import { normalizeStatus } from './status';
import type { NetworkPreset } from './types';

/**
 * Awin publisher "Transaction Notifications" (Toolbox > Transaction Notifications).
 *
 * From Awin's developer docs (Request Types page, GET placeholders, case-sensitive): !!!clickRef!!!,
 * !!!clickRef2!!!…!!!clickRef6!!!, !!!commission!!!, !!!commissionGroups!!! (JSON), !!!merchantId!!!,
 * !!!affiliateId!!!, !!!clickTime!!! (`%Y-%m-%d %H:%i:%s`, UTC).
 * Seen in secondary sources only (a catalogue of the same page and receivers in public code), not read
 * on Awin's page itself: !!!transactionId!!!, !!!transactionDate!!!, !!!transactionAmount!!!,
 * !!!transactionCurrency!!!, and the POST form: a single `AwinTransactionPush` field holding the
 * transaction as JSON with the same names.
 * Unverified: any status in a notification (notifications fire when a transaction is recorded; the
 * pending/approved/declined/deleted words are the API's `commissionStatus`). Read here when sent.
 */
const AWIN_TEMPLATE = [
	['clickref', '!!!clickRef!!!'],
	['clickref2', '!!!clickRef2!!!'],
	['clickref3', '!!!clickRef3!!!'],
	['transactionid', '!!!transactionId!!!'],
	['transactiondate', '!!!transactionDate!!!'],
	['transactionamount', '!!!transactionAmount!!!'],
	['transactioncurrency', '!!!transactionCurrency!!!'],
	['commission', '!!!commission!!!'],
	['merchantid', '!!!merchantId!!!'],
	['affiliateid', '!!!affiliateId!!!'],
	['clicktime', '!!!clickTime!!!'],
	// Awin substitutes !!!commissionGroups!!! only when it is the whole value, so it stands alone.
	['commissiongroups', '!!!commissionGroups!!!'],
] as const;

const SUB_PARAMS = ['clickRef2', 'clickRef3', 'clickRef4', 'clickRef5', 'clickRef6', 'clickTime', 'trackedAmount', 'trackedCurrency'] as const;

function keyFor(fields: Fields, name: string): string | undefined {
	const lower = name.toLowerCase();
	return Object.keys(fields).find((key) => key.toLowerCase() === lower);
}

/** Text of a parameter, whatever its case (textOf turns a JSON number into exact decimal text). */
function valueOf(fields: Fields, name: string): FieldValue | undefined {
	const key = keyFor(fields, name);
	if (key === undefined) return undefined;
	const raw = fields[key];
	const value = textOf(raw);
	return value === undefined ? undefined : { value, field: key };
}

export const awin: NetworkPreset = {
	id: 'awin',
	name: 'Awin',
	subidParam: 'clickref',
	clickIdMacro: '!!!clickRef!!!',
	setupHint:
		"In Awin go to Toolbox > Transaction Notifications (ask Awin support to enable it if it is missing) and paste this URL as the call-back URL; GET fills the !!!macros!!!; POST sends the transaction as JSON (the AwinTransactionPush form field or a JSON body). Offer links must carry clickref=<click id>. Awin's times are UTC.",
	postbackUrlTemplate: (baseUrl) => withQuery(baseUrl, AWIN_TEMPLATE),
	parse(request, options) {
		const body = parseBody(request);
		if (!body.ok) return fail('invalid_body', `Awin postback: ${body.message}.`);
		// Awin's POST is a form with one field, AwinTransactionPush, whose value is the transaction as JSON.
		let pushed: Fields = {};
		const pushKey = keyFor(body.fields, 'AwinTransactionPush');
		if (pushKey !== undefined) {
			let parsed: unknown = body.fields[pushKey];
			if (typeof parsed === 'string') {
				try {
					parsed = JSON.parse(parsed);
				} catch {
					return fail('invalid_body', `Awin postback: "${pushKey}" is not valid JSON.`, pushKey);
				}
			}
			if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
				return fail('invalid_body', `Awin postback: "${pushKey}" must be a JSON object with one transaction.`, pushKey);
			}
			pushed = parsed as Fields;
		}
		const fields = { ...queryFields(request), ...body.fields, ...pushed };
		const get = (...names: string[]) => pickIgnoringCase(fields, names);

		const status = get('status', 'commissionStatus');
		const normalizedStatus = status ? normalizeStatus(status.value) : undefined;
		if (status && !normalizedStatus) {
			return fail('invalid_status', `"${status.field}" must be pending, approved, declined or deleted, got "${status.value}".`, status.field);
		}

		const subIds: Record<string, string> = {};
		for (const name of SUB_PARAMS) {
			const value = valueOf(fields, name);
			if (value) subIds[name] = value.value;
		}
		// Commission groups are JSON: text in a GET, an array in the POSTed JSON. Kept as the JSON text.
		const groupsKey = keyFor(fields, 'commissionGroups');
		const groups = groupsKey === undefined ? undefined : fields[groupsKey];
		if (Array.isArray(groups) || (groups !== null && typeof groups === 'object')) {
			subIds.commissionGroups = JSON.stringify(groups);
		} else {
			const text = textOf(groups);
			if (text !== undefined) subIds.commissionGroups = text;
		}

		return finishConversion(
			{
				clickId: get('clickRef'),
				transactionId: get('transactionId'),
				commission: valueOf(fields, 'commission'),
				amount: valueOf(fields, 'transactionAmount'),
				currency: get('transactionCurrency'),
				merchantId: get('merchantId'),
				affiliateId: get('affiliateId'),
				// The conversion time; clickTime is the click's and stays in subIds.
				occurredAt: get('transactionDate'),
				status: normalizedStatus,
				subIds,
			},
			{
				network: 'awin',
				request,
				options,
				bodyAsReceived: body.asReceived,
				clickIdParam: 'clickref',
				networkTimezone: 'UTC',
			},
		);
	},
};
