import { type Consent, mergeConsent, parseConsentValue } from '../model/consent';
import { collect, finishConversion, splitFullName, userFrom } from './conversion';
import { type FieldValue, parseBody, pick, queryFields, withQuery } from './fields';
import { normalizeStatus } from './status';
import { type CustomParam, type NetworkPreset, customParams } from './types';

/**
 * The standard parameters of a custom integration (seed 002): the sender uses our names, in the
 * query or the body (JSON or form), with GET or POST. `fieldMap` lets a sender that shapes its own
 * JSON keep its names.
 */
export const DEFAULT_CUSTOM_TEMPLATE: Partial<Record<CustomParam, string>> = {
	click_id: '{click_id}',
	commission: '{commission}',
	currency: '{currency}',
	transaction_id: '{transaction_id}',
};

/** Postback URL for a custom sender: each standard parameter carries the sender's own placeholder. */
export function customPostbackUrl(baseUrl: string, placeholders: Partial<Record<CustomParam, string>> = DEFAULT_CUSTOM_TEMPLATE): string {
	const pairs = customParams
		.filter((name) => placeholders[name] !== undefined && placeholders[name]!.trim() !== '')
		.map((name) => [name, placeholders[name]!.trim()] as const);
	return withQuery(baseUrl, pairs);
}

/**
 * The consent a custom postback carries: `consent` speaks for both signals, `ad_user_data` / `ad_personalization`
 * for one each (granted/denied, yes/no, true/false, 1/0), merged so a denial wins. A value it cannot read says
 * nothing (the click's consent stands), never a grant.
 */
function postbackConsent(both: FieldValue | undefined, adUserData: FieldValue | undefined, adPersonalization: FieldValue | undefined): Consent | undefined {
	const value = (field: FieldValue | undefined) => (field ? parseConsentValue(field.value) : undefined);
	const all = value(both);
	return mergeConsent(
		all ? { adUserData: all, adPersonalization: all, source: 'postback' } : undefined,
		value(adUserData) ? { adUserData: value(adUserData), source: 'postback' } : undefined,
		value(adPersonalization) ? { adPersonalization: value(adPersonalization), source: 'postback' } : undefined,
	);
}

export const custom: NetworkPreset = {
	id: 'custom',
	name: 'Custom',
	subidParam: 'click_id',
	clickIdMacro: '{click_id}',
	setupHint:
		'Replace each {placeholder} with the macro your platform uses (for example {sub1} for the click id and {payout} for the commission). Only click_id and the conversion value are required; GET or POST, query, form or JSON all work.',
	postbackUrlTemplate: (baseUrl) => customPostbackUrl(baseUrl),
	parse(request, options) {
		const body = parseBody(request);
		if (!body.ok) return { ok: false, error: { code: 'invalid_body', message: `Postback body: ${body.message}.` } };
		const fields = { ...queryFields(request), ...body.fields };
		const get = (name: CustomParam, ...aliases: string[]): FieldValue | undefined => {
			const mapped = options.fieldMap?.[name];
			return pick(fields, mapped ? [mapped] : [name, ...aliases]);
		};
		const status = get('status');
		let normalizedStatus;
		if (status) {
			normalizedStatus = normalizeStatus(status.value);
			if (!normalizedStatus) {
				return {
					ok: false,
					error: {
						code: 'invalid_status',
						message: `"${status.field}" must be approved, pending, rejected or reversed, got "${status.value}".`,
						field: status.field,
					},
				};
			}
		}
		const fullName = get('name');
		const split = fullName ? splitFullName(fullName.value) : {};
		return finishConversion(
			{
				clickId: get('click_id', 'clickid', 'clickId'),
				commission: get('commission', 'payout'),
				amount: get('amount', 'sale_amount', 'value'),
				currency: get('currency'),
				transactionId: get('transaction_id', 'txid'),
				orderId: get('order_id'),
				brandName: get('brand_name'),
				eventName: get('event_name'),
				status: normalizedStatus,
				affiliateId: get('affiliate_id'),
				offerId: get('offer_id'),
				occurredAt: get('occurred_at'),
				couponCode: get('coupon'),
				user: userFrom({
					email: get('email'),
					// An explicit first_name / last_name wins over the halves of `name`.
					firstName: get('first_name') ?? split.firstName,
					lastName: get('last_name') ?? split.lastName,
					phone: get('phone'),
					birthdate: get('birthdate'),
					city: get('city'),
					state: get('state'),
					zip: get('zipcode', 'zip'),
					country: get('country'),
					externalId: get('external_id'),
				}),
				subIds: collect(fields, ['sub1', 'sub2', 'sub3', 'sub4', 'sub5']),
				consent: postbackConsent(get('consent'), get('ad_user_data'), get('ad_personalization')),
			},
			{ network: 'custom', request, options, bodyAsReceived: body.asReceived, clickIdParam: options.fieldMap?.click_id ?? 'click_id' },
		);
	},
};
