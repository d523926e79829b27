/**
 * Preparing user data for hashing by a platform's rules. The platforms disagree, so every rule is per
 * platform, and each platform's rules live in its own folder (src/destinations/<platform>/identity.ts, built
 * from ./normalizers.ts) and are passed in (src/destinations/user-data.ts finds them by platform); this module
 * applies them (facts: shared reference/destinations.md, "Normalization and hashing").
 * The first three platforms' rules, side by side (every platform's identity.ts states its own):
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

import type { FieldRule, IdentityRules } from './rules';
import type { IdentityField, IdentityOptions } from './types';

/** How a prepared value is sent: hashed by us, already a digest, or plain text the platform wants unhashed. */
export type PreparedKind = 'hash' | 'digest' | 'plain';

export interface PreparedIdentity {
	kind: PreparedKind;
	value: string;
}

const FIELDS: ReadonlySet<string> = new Set<IdentityField>([
	'email',
	'phone',
	'first_name',
	'last_name',
	'city',
	'state',
	'zip',
	'country',
	'external_id',
	'ip_address',
]);

/** A SHA-256 digest in hex, either case (we send it in lower case). */
const DIGEST = /^[a-fA-F0-9]{64}$/;

/**
 * What to send for one field: `{ kind: 'hash', value }` (normalized, to be hashed), `{ kind: 'digest', value }`
 * (the input already was a SHA-256 digest, lower-cased), `{ kind: 'plain', value }` (sent unhashed), or
 * undefined when there is nothing to send.
 */
export function prepareIdentity(rules: IdentityRules, field: IdentityField, value: unknown, options?: IdentityOptions): PreparedIdentity | undefined {
	if (!FIELDS.has(field)) throw new TypeError(`Unknown identity field "${String(field)}"`);
	const rule: FieldRule | undefined = rules[field];
	const text = asText(value);
	if (text === undefined || !rule) return undefined;
	const trimmed = text.trim();
	if (trimmed === '') return undefined;
	if (rule.send === 'plain') {
		// A digest can never be turned back into the plain value the platform asks for.
		if (DIGEST.test(trimmed)) return undefined;
		const normalized = rule.normalize(trimmed, options);
		return normalized ? { kind: 'plain', value: normalized } : undefined;
	}
	if (DIGEST.test(trimmed)) return { kind: 'digest', value: trimmed.toLowerCase() };
	const normalized = rule.normalize(trimmed, options);
	return normalized ? { kind: 'hash', value: normalized } : undefined;
}

function asText(value: unknown): string | undefined {
	if (typeof value === 'string') return value;
	if ((typeof value === 'number' && Number.isFinite(value)) || typeof value === 'bigint') return String(value);
	return undefined;
}
