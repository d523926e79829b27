import { findConversionIssue, fitToMinorUnit, isJsonValue, isKnownCurrency, normalizeDecimal } from '../model';
import type { Consent, Conversion, ConversionStatus, UserData } from '../model';
import { isValidTimeZone, toUtcIso } from './dates';
import { type FieldValue, type Fields, safeHeaders, textOf } from './fields';
import type { ParseOptions, ParseResult, PostbackError, PostbackRequest } from './types';

/** What a preset read from a postback, before the shared checks turn it into a conversion. */
export interface ConversionDraft {
	clickId?: FieldValue;
	transactionId?: FieldValue;
	orderId?: FieldValue;
	networkEventType?: FieldValue;
	eventName?: FieldValue;
	status?: ConversionStatus;
	amount?: FieldValue;
	commission?: FieldValue;
	currency?: FieldValue;
	occurredAt?: FieldValue;
	affiliateId?: FieldValue;
	offerId?: FieldValue;
	merchantId?: FieldValue;
	brandName?: FieldValue;
	couponCode?: FieldValue;
	ip?: FieldValue;
	subIds?: Record<string, string>;
	user?: UserData;
	/** What the visitor allowed, when the postback says it (the Custom preset's consent parameters). */
	consent?: Consent;
}

export interface FinishContext {
	network: string;
	request: PostbackRequest;
	options: ParseOptions;
	/** The body as it arrived (text, or parsed JSON), for `raw`. */
	bodyAsReceived: unknown;
	/**
	 * The parameter that must carry the click id, for the error message; `false` when the preset
	 * identifies the visitor otherwise and has checked that itself.
	 */
	clickIdParam: string | false;
	/** The zone a network documents for its local times (Awin: UTC); it wins over the operator's option, which is for networks that do not say. */
	networkTimezone?: string;
}

export function fail(code: PostbackError['code'], message: string, field?: string): ParseResult {
	return { ok: false, error: field === undefined ? { code, message } : { code, message, field } };
}

function parseMoney(value: FieldValue | undefined): { ok: true; value: string | null } | { ok: false } {
	if (!value) return { ok: true, value: null };
	// Money sometimes arrives with a currency symbol or thousands separators; those are refused rather
	// than guessed at, because "1,234" is 1234 in one locale and 1.234 in another.
	const normalized = normalizeDecimal(value.value);
	return normalized === undefined ? { ok: false } : { ok: true, value: normalized };
}

function rawQuery(request: PostbackRequest): Record<string, string | string[]> {
	const query: Record<string, string | string[]> = {};
	for (const [key, value] of Object.entries(request.query ?? {})) {
		if (typeof value === 'string') query[key] = value;
		else if (Array.isArray(value)) query[key] = value.map(String);
	}
	return query;
}

function jsonSafe(value: unknown): unknown {
	if (value === undefined) return undefined;
	if (typeof value === 'string') return value;
	// A body that is JSON already (one we parsed, or n8n's parsed JSON) is kept as it is: nothing mutates it.
	if (isJsonValue(value)) return value;
	try {
		return JSON.parse(JSON.stringify(value)) as unknown;
	} catch {
		return String(value);
	}
}

function text(value: FieldValue | undefined): string | null {
	return value ? value.value : null;
}

/** The shared checks and shaping every preset ends with: one place decides what a valid conversion is. */
export function finishConversion(draft: ConversionDraft, context: FinishContext): ParseResult {
	const { options } = context;
	if (context.clickIdParam !== false && !draft.clickId) {
		return fail(
			'missing_click_id',
			`No click id: the "${context.clickIdParam}" parameter is missing, empty or still holds the network's macro. ` +
				'Without it the conversion cannot be tied to a click; check that the offer link carries the subid.',
			context.clickIdParam,
		);
	}
	const amount = parseMoney(draft.amount);
	if (!amount.ok) {
		return fail('invalid_amount', `"${draft.amount!.field}" must be a plain number such as 79.50, got "${draft.amount!.value}".`, draft.amount!.field);
	}
	const commission = parseMoney(draft.commission);
	if (!commission.ok) {
		return fail(
			'invalid_amount',
			`"${draft.commission!.field}" must be a plain number such as 39.5, got "${draft.commission!.value}".`,
			draft.commission!.field,
		);
	}
	let currency = (options.currency ?? 'USD').toUpperCase();
	if (draft.currency) {
		currency = draft.currency.value.toUpperCase();
		if (!/^[A-Z]{3}$/.test(currency) || !isKnownCurrency(currency)) {
			return fail(
				'unknown_currency',
				`"${draft.currency.field}" must be an ISO 4217 code such as USD or EUR, got "${draft.currency.value}".`,
				draft.currency.field,
			);
		}
	} else if (!isKnownCurrency(currency)) {
		return fail('unknown_currency', `The configured default currency "${currency}" is not an ISO 4217 code.`, 'currency');
	}
	// An amount finer than the currency's minor unit (TUNE's own event log pays 4.485 USD) cannot be paid exactly.
	// By default the trigger keeps it as sent, since the sale still counts for the ad platforms, and the Conversion
	// Funnel, which alone writes the ledger, refuses or fits it by its own option before anything is recorded.
	// An operator can decide here instead: refuse it at the door (a 4xx naming the field, kept on Rejected) or
	// fit it by a rule (see AmountPrecisionPolicy in src/model/money.ts).
	const precision = options.amountPrecision ?? 'keep';
	for (const [parsed, draftValue] of [
		[amount, draft.amount],
		[commission, draft.commission],
	] as const) {
		if (parsed.value === null || precision === 'keep') continue;
		const fitted = fitToMinorUnit(parsed.value, currency, precision);
		if (!fitted.ok) {
			return fail(
				'amount_precision',
				`"${draftValue!.field}" has more decimals than ${currency} has (${draftValue!.value}): ${fitted.reason}. ` +
					"Send it in whole minor units, or choose a rounding rule in the trigger's Amount Precision option.",
				draftValue!.field,
			);
		}
		parsed.value = fitted.value;
	}
	const receivedAt = (options.now?.() ?? new Date()).toISOString();
	let occurredAt = receivedAt;
	if (draft.occurredAt) {
		const zone = context.networkTimezone ?? options.timezone ?? 'UTC';
		if (!isValidTimeZone(zone)) {
			// A typo in the operator's setting must not read as the network's fault, nor shift times silently.
			return fail(
				'invalid_date',
				`The time zone setting "${zone}" is not an IANA time zone (such as America/New_York), so "${draft.occurredAt.field}" cannot be read. Fix the trigger's time zone option.`,
				'timezone',
			);
		}
		const parsed = toUtcIso(draft.occurredAt.value, zone);
		if (!parsed) {
			return fail(
				'invalid_date',
				`"${draft.occurredAt.field}" must be a date-time such as 2023-05-21 00:57:45 or ISO 8601, got "${draft.occurredAt.value}".`,
				draft.occurredAt.field,
			);
		}
		occurredAt = parsed;
	}
	const candidate: Conversion = {
		network: context.network,
		clickId: text(draft.clickId),
		transactionId: text(draft.transactionId),
		orderId: text(draft.orderId),
		networkEventType: text(draft.networkEventType),
		eventName: text(draft.eventName),
		status: draft.status ?? 'approved',
		amount: amount.value,
		commission: commission.value,
		currency,
		occurredAt,
		receivedAt,
		affiliateId: text(draft.affiliateId),
		offerId: text(draft.offerId),
		merchantId: text(draft.merchantId),
		brandName: text(draft.brandName),
		couponCode: text(draft.couponCode),
		ip: text(draft.ip),
		subIds: draft.subIds ?? {},
		user: draft.user ?? {},
		...(draft.consent ? { consent: draft.consent } : {}),
		raw: {
			method: context.request.method.toUpperCase(),
			query: rawQuery(context.request),
			...(context.bodyAsReceived === undefined ? {} : { body: jsonSafe(context.bodyAsReceived) as Conversion['raw']['body'] }),
			...(context.request.headers ? { headers: safeHeaders(context.request.headers) } : {}),
		},
	};
	const issue = findConversionIssue(candidate);
	if (issue) return fail('invalid_conversion', `The postback does not make a valid conversion: ${issue.path} ${issue.message}.`, issue.path);
	return { ok: true, conversion: candidate };
}

/** Collects the named fields that hold a value into a record (sub ids, data1…data5). */
export function collect(fields: Fields, names: readonly string[], placeholders: readonly string[] = []): Record<string, string> {
	const out: Record<string, string> = {};
	for (const name of names) {
		const value = textOf(fields[name], placeholders);
		if (value !== undefined) out[name] = value;
	}
	return out;
}

/** Builds `user` from picked values, leaving out what is missing. */
export function userFrom(values: Partial<Record<keyof UserData, FieldValue | string | undefined>>): UserData {
	const user: UserData = {};
	for (const [key, value] of Object.entries(values) as Array<[keyof UserData, FieldValue | string | undefined]>) {
		const textValue = typeof value === 'string' ? value : value?.value;
		if (textValue !== undefined && textValue.trim() !== '') user[key] = textValue.trim();
	}
	return user;
}

/** "John Smith" → first "John", last "Smith"; a single word is a first name. */
export function splitFullName(name: string): { firstName?: string; lastName?: string } {
	const parts = name.trim().split(/\s+/).filter(Boolean);
	if (parts.length === 0) return {};
	if (parts.length === 1) return { firstName: parts[0] };
	return { firstName: parts.slice(0, -1).join(' '), lastName: parts[parts.length - 1] };
}
