import { toE164 } from './phone';
import { countryCode, usStateCode } from './regions';
import type { IdentityField, IdentityOptions, IdentityPlatform } from './types';

/**
 * Per-platform normalization of user data before hashing. The platforms disagree, so every rule is per
 * platform (facts: shared reference/destinations.md, "Normalization and hashing"):
 *
 * | field       | meta (all hashed)                          | tiktok                   | google_ads                          |
 * |-------------|--------------------------------------------|--------------------------|-------------------------------------|
 * | email       | trim, lower case                           | as meta                  | as meta; gmail: local-part dots out |
 * | phone       | E.164 digits without '+' ('16505551212')   | E.164 with '+'           | E.164 with '+'                      |
 * | first/last  | lower case, no punctuation or symbols      | trim, lower case         | trim, lower case                    |
 * | city        | lower case, no spaces/digits/punctuation   | as meta, plain           | trimmed, plain                      |
 * | state       | US states as their code, else as city      | as meta, plain           | upper-case code, plain              |
 * | zip         | no spaces or dash, US: first 5 digits      | as meta, hashed          | US 5 or 5-4 digits, plain           |
 * | country     | ISO alpha-2, lower case ('United States')  | as meta, plain           | ISO alpha-2, upper case, plain      |
 * | external_id | trimmed, case kept                         | as meta                  | not a Google Ads field: omitted     |
 *
 * Decisions worth knowing:
 * - Email: whitespace inside the address is removed too (Google asks for it; no valid address contains any),
 *   and a value without a local part, an '@' and a dotted domain is not an email: nothing is sent.
 * - Google email: dots are removed for gmail.com and googlemail.com only, and a '+tag' is kept, as the shared
 *   reference says and as every Google Ads client library's enhanced-conversions sample does. One paragraph of
 *   Google's guide reads as removing dots and '+tags' for every domain (googleads/google-ads-php#1119); we do not
 *   follow it: for other providers 'a.b' and 'ab', or 'a+b' and 'a', can be different mailboxes.
 * - Google names: trim and lower case only; inner spaces and punctuation are kept (Google Ads API support's
 *   answer in googleads/google-ads-php#1166, against an older reference page that asked to remove them).
 * - Meta names: Meta's documentation says "lowercase only with no punctuation" and its examples keep accents and
 *   non-Latin scripts ('Valéry' → 'valéry', '정'). We remove Unicode punctuation and symbols and keep letters,
 *   marks, digits and inner spaces as they are. The official SDK only trims and lower-cases, so names with
 *   punctuation hash differently from the SDK; the differential test excludes exactly that class.
 * - Meta city and state: what the SDK removes (digits, whitespace, '.', '-', '(', ')') plus, per Meta's "no
 *   punctuation, no special characters", every other punctuation mark and symbol. US states written out in full
 *   become their two-letter code ("Use the 2-character ANSI abbreviation code"); other countries' regions stay
 *   names, as Meta asks.
 * - Meta zip: US ZIP+4 in any spelling ('94103-1234', '941031234', '94103 1234') becomes its 5 digits; other
 *   postcodes lose spaces and dashes ('M1 1AE' → 'm11ae', Japan's '100-0001' → '1000001'). The SDK instead cuts
 *   everything at the first dash, which loses most of a Japanese or Brazilian postcode.
 * - A value that normalizes to nothing (a city of only digits, a name of only punctuation) is omitted, never
 *   hashed: the hash of '' matches nobody.
 * - TikTok: the shared reference lists first/last name and zip as hashed and city, state and country not; those
 *   go as plain normalized text, like Google's address fields. TikTok's own server-side tag template trims and
 *   lower-cases email and phone and hashes external_id with its case kept; so do we.
 * - Already hashed: a 64-hex value (either case, surrounding whitespace ignored) is passed through in lower case,
 *   the form every platform wants, for every hashed field. 32-hex MD5 values, which the Meta SDK also passes
 *   through, are not digests to us: the Conversions API documents SHA-256 only.
 */

/** How a prepared value is sent: hashed by us, already a digest, or plain text the platform wants unhashed. */
export type PreparedKind = 'hash' | 'digest' | 'plain';

export interface PreparedIdentity {
	kind: PreparedKind;
	value: string;
}

const PLATFORMS: ReadonlySet<string> = new Set<IdentityPlatform>(['meta', 'tiktok', 'google_ads']);
const FIELDS: ReadonlySet<string> = new Set<IdentityField>(['email', 'phone', 'first_name', 'last_name', 'city', 'state', 'zip', 'country', 'external_id']);

/** Fields each platform wants as plain text. */
const PLAIN: Readonly<Record<IdentityPlatform, ReadonlySet<IdentityField>>> = {
	meta: new Set(),
	tiktok: new Set(['city', 'state', 'country']),
	google_ads: new Set(['city', 'state', 'zip', 'country']),
};

/** A SHA-256 digest in hex, either case (we send it in lower case). */
const DIGEST = /^[a-fA-F0-9]{64}$/;
const PUNCTUATION_OR_SYMBOL = /[\p{P}\p{S}]/gu;
const CITY_STRIP = /[0-9\s\p{P}\p{S}]/gu;

/**
 * What to send for one field: `{ kind: 'hash', value }` (normalized, to be hashed), `{ kind: 'digest', value }`
 * (the input already was a SHA-256 digest, lower-cased), `{ kind: 'plain', value }` (sent unhashed), or
 * undefined when there is nothing to send.
 */
export function prepareIdentity(platform: IdentityPlatform, field: IdentityField, value: unknown, options?: IdentityOptions): PreparedIdentity | undefined {
	if (!PLATFORMS.has(platform)) throw new TypeError(`Unknown identity platform "${String(platform)}"`);
	if (!FIELDS.has(field)) throw new TypeError(`Unknown identity field "${String(field)}"`);
	const text = asText(value);
	if (text === undefined) return undefined;
	const trimmed = text.trim();
	if (trimmed === '') return undefined;
	if (PLAIN[platform].has(field)) {
		// A digest can never be turned back into the plain value the platform asks for.
		if (DIGEST.test(trimmed)) return undefined;
		const plain = platform === 'google_ads' ? googlePlain(field, trimmed) : metaStyle(field, trimmed, options);
		return plain ? { kind: 'plain', value: plain } : undefined;
	}
	if (platform === 'google_ads' && field === 'external_id') return undefined;
	if (DIGEST.test(trimmed)) return { kind: 'digest', value: trimmed.toLowerCase() };
	const normalized = platform === 'meta' ? metaStyle(field, trimmed, options) : hashedField(platform, field, trimmed, options);
	return normalized ? { kind: 'hash', value: normalized } : undefined;
}

/**
 * The string a platform hashes (or, for its unhashed fields, receives) for a value: for tests and for Google's
 * plain address fields. A value that already is a SHA-256 digest comes back as that digest in lower case.
 */
export function normalizeForPlatform(platform: IdentityPlatform, field: IdentityField, value: unknown, options?: IdentityOptions): string | undefined {
	return prepareIdentity(platform, field, value, options)?.value;
}

function asText(value: unknown): string | undefined {
	if (typeof value === 'string') return value;
	if ((typeof value === 'number' && Number.isFinite(value)) || typeof value === 'bigint') return String(value);
	return undefined;
}

const nonEmpty = (value: string): string | undefined => (value === '' ? undefined : value);

/** Meta's rules (TikTok follows them for its address fields). `value` is trimmed and not empty. */
function metaStyle(field: IdentityField, value: string, options: IdentityOptions | undefined): string | undefined {
	switch (field) {
		case 'email':
			return email(value);
		case 'phone':
			return toE164(value, options?.defaultCountry)?.slice(1);
		case 'first_name':
		case 'last_name':
			return nonEmpty(value.toLowerCase().replace(PUNCTUATION_OR_SYMBOL, '').trim());
		case 'city':
			return nonEmpty(value.toLowerCase().replace(CITY_STRIP, ''));
		case 'state':
			return usStateCode(value) ?? nonEmpty(value.toLowerCase().replace(CITY_STRIP, ''));
		case 'zip':
			return zip(value);
		case 'country':
			return countryCode(value);
		case 'external_id':
			return value;
	}
}

/** TikTok's and Google's hashed fields. */
function hashedField(platform: 'tiktok' | 'google_ads', field: IdentityField, value: string, options: IdentityOptions | undefined): string | undefined {
	switch (field) {
		case 'email': {
			const address = email(value);
			return platform === 'google_ads' && address ? withoutGmailDots(address) : address;
		}
		case 'phone':
			return toE164(value, options?.defaultCountry);
		case 'first_name':
		case 'last_name':
			return value.toLowerCase();
		case 'zip':
			return zip(value);
		default:
			return metaStyle(field, value, options);
	}
}

/** Google Ads' unhashed address fields. */
function googlePlain(field: IdentityField, value: string): string | undefined {
	const spaced = value.replace(/\s+/g, ' ');
	switch (field) {
		case 'country':
			return countryCode(value)?.toUpperCase();
		case 'state': {
			const code = usStateCode(value) ?? (/^[a-z]{2}$/i.test(spaced) ? spaced : undefined);
			return code ? code.toUpperCase() : spaced;
		}
		case 'zip': {
			const us = usZip(value);
			return us ? `${us.five}${us.plus4 ? `-${us.plus4}` : ''}` : spaced.toUpperCase();
		}
		default:
			return spaced;
	}
}

function email(value: string): string | undefined {
	const address = value.toLowerCase().replace(/\s+/g, '');
	return /^[^@]+@[^@]+\.[^@]+$/.test(address) ? address : undefined;
}

/** Google: for gmail.com and googlemail.com addresses, every '.' before the '@' is removed. */
function withoutGmailDots(address: string): string | undefined {
	const at = address.lastIndexOf('@');
	const domain = address.slice(at + 1);
	if (domain !== 'gmail.com' && domain !== 'googlemail.com') return address;
	const local = address.slice(0, at).replace(/\./g, '');
	return local ? `${local}@${domain}` : undefined;
}

function usZip(value: string): { five: string; plus4?: string } | undefined {
	const match = /^(\d{5})(?:[\s-]*(\d{4}))?$/.exec(value.trim());
	return match ? { five: match[1], plus4: match[2] } : undefined;
}

/** Meta (and TikTok): lower case, no spaces, no dash; US ZIP / ZIP+4 as its first 5 digits. */
function zip(value: string): string | undefined {
	const us = usZip(value);
	if (us) return us.five;
	const code = value.toLowerCase().replace(/[\s-]/g, '');
	// One character is no postcode anywhere (the SDK drops those too).
	return code.length >= 2 ? code : undefined;
}
