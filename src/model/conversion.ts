import { z } from './zod';
import { isKnownCurrency, normalizeDecimal } from './money';

/** Exact decimal amounts as strings ("39.5", "-12", "0"): never floats. */
export const decimalString = z
	.string()
	.refine((value) => normalizeDecimal(value) === value, {
		message: 'must be a canonical decimal string such as "39.5" (no floats, exponents or separators)',
	});

export const currencyCode = z
	.string()
	.regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code in upper case, such as "USD"')
	.refine(isKnownCurrency, { message: 'is not a known ISO 4217 currency' });

/** ISO 8601 date-time with an explicit offset ("Z" or "+02:00"): a bare local time is ambiguous. */
export const isoDateTimeWithOffset = z
	.string()
	.regex(
		/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/,
		'must be ISO 8601 with an offset, such as "2023-05-21T00:57:45Z"',
	)
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
function isJsonValue(value: unknown, seen: Set<object> = new Set()): value is Json {
	if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
	if (typeof value === 'number') return Number.isFinite(value);
	if (typeof value !== 'object' || seen.has(value)) return false;
	seen.add(value);
	const children = Array.isArray(value) ? value : Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null ? Object.values(value) : undefined;
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
	})
	.strict();

export type Conversion = z.infer<typeof conversionSchema>;
