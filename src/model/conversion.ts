import { z } from './zod';
import { isKnownCurrency, normalizeDecimal } from './money';
import { consentSchema, consentSources, consentValues } from './consent';

/** Exact decimal amounts as strings ("39.5", "-12", "0"): never floats. */
export const decimalString = z.string().refine((value) => normalizeDecimal(value) === value, {
	message: 'must be a canonical decimal string such as "39.5" (no floats, exponents or separators)',
});

export const currencyCode = z
	.string()
	.regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code in upper case, such as "USD"')
	.refine(isKnownCurrency, { message: 'is not a known ISO 4217 currency' });

/** ISO 8601 date-time with an explicit offset ("Z" or "+02:00"): a bare local time is ambiguous. */
export const isoDateTimeWithOffset = z
	.string()
	.regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/, 'must be ISO 8601 with an offset, such as "2023-05-21T00:57:45Z"')
	.refine(
		(value) => {
			if (Number.isNaN(Date.parse(value))) return false;
			// Date.parse rolls 2023-02-30 over to March 2: the calendar day must exist as written.
			const [year, month, day] = value.slice(0, 10).split('-').map(Number);
			return new Date(Date.UTC(year, month - 1, day)).getUTCDate() === day;
		},
		{ message: 'is not a real date-time' },
	);

export const conversionStatuses = ['approved', 'pending', 'rejected', 'reversed'] as const;
export const conversionStatus = z.enum(conversionStatuses);
export type ConversionStatus = z.infer<typeof conversionStatus>;

/** What the postback said about the person who converted, unhashed; each destination hashes by its own rules. */
export const userData = z
	.object({
		email: z.string().min(1),
		phone: z.string().min(1),
		firstName: z.string().min(1),
		lastName: z.string().min(1),
		birthdate: z.string().min(1),
		city: z.string().min(1),
		state: z.string().min(1),
		zip: z.string().min(1),
		country: z.string().min(1),
		externalId: z.string().min(1),
	})
	.partial()
	.strict();
export type UserData = z.infer<typeof userData>;

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** Whether a value survives JSON as it is (finite numbers, plain objects and arrays, no cycles). */
export function isJsonValue(value: unknown, seen: Set<object> = new Set()): value is Json {
	if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
	if (typeof value === 'number') return Number.isFinite(value);
	if (typeof value !== 'object' || seen.has(value)) return false;
	seen.add(value);
	const children = Array.isArray(value)
		? value
		: Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null
			? Object.values(value)
			: undefined;
	const ok = children !== undefined && children.every((child) => isJsonValue(child, seen));
	seen.delete(value);
	return ok;
}

// A recursive zod union re-creates its branches and an error per failed branch on every parse, which made
// validating a postback's raw body the costliest step of parsing: one direct walk does the same check.
const json = z.custom<Json>((value) => isJsonValue(value), { message: 'must be a JSON value' });

/** The postback exactly as it arrived, so nothing the network sent is ever lost. */
export const rawPostback = z.object({
	method: z.string(),
	query: z.record(z.union([z.string(), z.array(z.string())])),
	/** The body as received: the raw text for form and unknown bodies, the parsed value for JSON. */
	body: json.optional(),
	/** Request headers minus credentials (authorization, cookies, signatures). */
	headers: z.record(z.string()).optional(),
});
export type RawPostback = z.infer<typeof rawPostback>;

const optionalText = z.string().min(1).nullable();

/** The ways the Postback Trigger can verify a request ('none': it did not). */
export const authenticationMethods = ['none', 'token', 'basic', 'hmac', 'ip_allowlist'] as const;
export type AuthenticationMethod = (typeof authenticationMethods)[number];
const AUTHENTICATION_METHODS: ReadonlySet<string> = new Set(authenticationMethods);

/** Whether a conversion's request was verified by the trigger (a token, Basic, HMAC or an IP allowlist). */
export function isAuthenticated(conversion: { authentication?: AuthenticationMethod }): boolean {
	return conversion.authentication !== undefined && conversion.authentication !== 'none';
}

/** The one item shape every node in this package speaks. */
export const conversionSchema = z
	.object({
		network: z.string().min(1),
		/** Our click id (the subid the network echoed back); null only where the preset identifies the visitor otherwise. */
		clickId: optionalText,
		/** The network's id for this conversion: the dedup key together with network and event. */
		transactionId: optionalText,
		orderId: optionalText,
		/** The network's own type for the event (ShareASale transtype, ClickBank transactionType, …), as sent. */
		networkEventType: optionalText,
		/** An explicit event name from the postback (`event_name`); the funnel fills it otherwise. */
		eventName: optionalText,
		status: conversionStatus,
		/** The sale amount. */
		amount: decimalString.nullable(),
		/** The affiliate's commission (payout). */
		commission: decimalString.nullable(),
		currency: currencyCode,
		occurredAt: isoDateTimeWithOffset,
		receivedAt: isoDateTimeWithOffset,
		affiliateId: optionalText,
		offerId: optionalText,
		merchantId: optionalText,
		brandName: optionalText,
		/** A coupon or promo code the network reported (an attribution fallback when no click matches). */
		couponCode: optionalText,
		/** The visitor's IP as the network saw it (TUNE session_ip, …), not the network server's. */
		ip: optionalText,
		/** Further sub ids the network echoed (aff_sub2, sub3, data1…), by their own names. */
		subIds: z.record(z.string()),
		user: userData,
		raw: rawPostback,
		/**
		 * How the Postback Trigger verified the request this conversion came from: 'ip_allowlist' when only the
		 * allowlist checked it, 'none' when the trigger has no authentication. Absent on conversions made
		 * elsewhere (a Code node, Postback Tools, older items); absent or 'none' is unauthenticated.
		 */
		authentication: z.enum(authenticationMethods).optional(),
		/** What the visitor allowed, when the postback carried it (the Custom preset's consent mapping). */
		consent: consentSchema.optional(),
	})
	.strict();

export type Conversion = z.infer<typeof conversionSchema>;

/** Where a conversion breaks the schema, and how: the first problem found, as zod would report it. */
export interface ConversionIssue {
	path: string;
	message: string;
}

const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
const CONVERSION_KEYS: ReadonlySet<string> = new Set(Object.keys(conversionSchema.shape));
const USER_KEYS: ReadonlySet<string> = new Set(Object.keys(userData.shape));
const OPTIONAL_TEXT_KEYS = [
	'clickId',
	'transactionId',
	'orderId',
	'networkEventType',
	'eventName',
	'affiliateId',
	'offerId',
	'merchantId',
	'brandName',
	'couponCode',
	'ip',
] as const;
const STATUSES: ReadonlySet<string> = new Set(conversionStatuses);
const CONSENT_KEYS: ReadonlySet<string> = new Set(Object.keys(consentSchema.shape));
const CONSENT_VALUES: ReadonlySet<string> = new Set(consentValues);
const CONSENT_SOURCES: ReadonlySet<string> = new Set(consentSources);

function isPlainObject(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function realDateTime(value: string): boolean {
	if (!ISO_WITH_OFFSET.test(value) || Number.isNaN(Date.parse(value))) return false;
	// Date.parse rolls 2023-02-30 over to March 2: the calendar day must exist as written.
	const day = Number(value.slice(8, 10));
	return new Date(Date.UTC(Number(value.slice(0, 4)), Number(value.slice(5, 7)) - 1, day)).getUTCDate() === day;
}

/**
 * The conversion schema's checks written out by hand, for the parsers' hot path: every postback the trigger
 * accepts is checked, and zod's generic walk cost more than all the parsing before it. Same rules, same
 * verdicts (a property test holds the two together); `conversionSchema` stays the public contract.
 * Returns undefined when `value` is a valid conversion.
 */
export function findConversionIssue(value: unknown): ConversionIssue | undefined {
	if (!isPlainObject(value)) return { path: '', message: 'must be an object' };
	for (const key of Object.keys(value)) if (!CONVERSION_KEYS.has(key)) return { path: '', message: `has an unknown key "${key}"` };
	if (typeof value.network !== 'string' || value.network === '') return { path: 'network', message: 'must be a non-empty string' };
	for (const key of OPTIONAL_TEXT_KEYS) {
		const text = value[key];
		if (text !== null && (typeof text !== 'string' || text === '')) return { path: key, message: 'must be a non-empty string or null' };
	}
	if (typeof value.status !== 'string' || !STATUSES.has(value.status)) return { path: 'status', message: `must be one of ${conversionStatuses.join(', ')}` };
	for (const key of ['amount', 'commission'] as const) {
		const amount = value[key];
		if (amount !== null && (typeof amount !== 'string' || normalizeDecimal(amount) !== amount)) {
			return { path: key, message: 'must be a canonical decimal string such as "39.5" (no floats, exponents or separators)' };
		}
	}
	const currency = value.currency;
	if (typeof currency !== 'string' || !/^[A-Z]{3}$/.test(currency) || !isKnownCurrency(currency)) {
		return { path: 'currency', message: 'must be a known ISO 4217 code in upper case, such as "USD"' };
	}
	for (const key of ['occurredAt', 'receivedAt'] as const) {
		const time = value[key];
		if (typeof time !== 'string' || !realDateTime(time))
			return { path: key, message: 'must be a real ISO 8601 date-time with an offset, such as "2023-05-21T00:57:45Z"' };
	}
	if (!isPlainObject(value.subIds)) return { path: 'subIds', message: 'must be an object of strings' };
	for (const [key, text] of Object.entries(value.subIds)) if (typeof text !== 'string') return { path: `subIds.${key}`, message: 'must be a string' };
	if (!isPlainObject(value.user)) return { path: 'user', message: 'must be an object' };
	for (const [key, text] of Object.entries(value.user)) {
		if (!USER_KEYS.has(key)) return { path: 'user', message: `has an unknown key "${key}"` };
		if (text !== undefined && (typeof text !== 'string' || text === '')) return { path: `user.${key}`, message: 'must be a non-empty string' };
	}
	const raw = value.raw;
	if (!isPlainObject(raw)) return { path: 'raw', message: 'must be an object' };
	if (typeof raw.method !== 'string') return { path: 'raw.method', message: 'must be a string' };
	if (!isPlainObject(raw.query)) return { path: 'raw.query', message: 'must be an object' };
	for (const [key, entry] of Object.entries(raw.query)) {
		if (typeof entry !== 'string' && !(Array.isArray(entry) && entry.every((part) => typeof part === 'string'))) {
			return { path: `raw.query.${key}`, message: 'must be a string or a list of strings' };
		}
	}
	if (raw.body !== undefined && !isJsonValue(raw.body)) return { path: 'raw.body', message: 'must be a JSON value' };
	if (raw.headers !== undefined) {
		if (!isPlainObject(raw.headers)) return { path: 'raw.headers', message: 'must be an object of strings' };
		for (const [key, entry] of Object.entries(raw.headers)) if (typeof entry !== 'string') return { path: `raw.headers.${key}`, message: 'must be a string' };
	}
	if (value.authentication !== undefined && (typeof value.authentication !== 'string' || !AUTHENTICATION_METHODS.has(value.authentication))) {
		return { path: 'authentication', message: `must be one of ${authenticationMethods.join(', ')}` };
	}
	if (value.consent !== undefined) {
		const consent = value.consent;
		if (!isPlainObject(consent)) return { path: 'consent', message: 'must be an object' };
		for (const key of Object.keys(consent)) if (!CONSENT_KEYS.has(key)) return { path: 'consent', message: `has an unknown key "${key}"` };
		for (const key of ['adUserData', 'adPersonalization'] as const) {
			const given = consent[key];
			if (given !== undefined && (typeof given !== 'string' || !CONSENT_VALUES.has(given)))
				return { path: `consent.${key}`, message: `must be one of ${consentValues.join(', ')}` };
		}
		if (consent.gpc !== undefined && typeof consent.gpc !== 'boolean') return { path: 'consent.gpc', message: 'must be a boolean' };
		if (consent.source !== undefined && (typeof consent.source !== 'string' || !CONSENT_SOURCES.has(consent.source))) {
			return { path: 'consent.source', message: `must be one of ${consentSources.join(', ')}` };
		}
	}
	return undefined;
}
