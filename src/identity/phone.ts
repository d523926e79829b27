import { type CountryCode, isSupportedCountry, parsePhoneNumberFromString } from './phonelib';

/**
 * A phone number in E.164 form ('+16505551212'), or undefined when the text holds no possible number.
 *
 * Parsing is libphonenumber-js's, never ours; we only choose which reading to ask it for:
 * 1. A leading '00' followed by a country code is the international prefix, whatever the default country's own
 *    prefix is (Brazil, Japan, Australia, Nigeria… dial out differently, and libphonenumber would otherwise read
 *    '0055 11 96123 4567' as a Brazilian national number). No national number starts with '00'.
 * 2. Otherwise the number as written: with a '+' it carries its own country code; without one it is read as a
 *    number of `defaultCountry` (national format with or without the trunk prefix, or that country's own
 *    international prefix such as 011).
 * 3. If that gives no possible number and the text has no '+', the digits are read as already carrying a country
 *    code: the form Meta documents ('16505551212') and many exports use, and the only reading left when no default
 *    country is configured.
 *
 * "Possible" is libphonenumber's length check for the number's country. We deliberately do not require
 * `isValid()`: it needs the larger metadata, and a vendored copy's digit patterns go stale as countries open new
 * ranges, which would silently drop real customers' numbers. A possible-but-unassigned number only costs a hash
 * that matches nobody.
 *
 * Parsing costs a few microseconds, and one conversion's phone is normalized for every platform it goes to, so
 * the last results are remembered (a small first-in-first-out memo; the function is pure).
 */
export function toE164(value: string, defaultCountry?: string): string | undefined {
	if (value.length > MEMO_MAX_LENGTH) return parse(value, defaultCountry);
	const key = `${defaultCountry ?? ''}\u0000${value}`;
	const remembered = recent.get(key) ?? older.get(key);
	if (remembered !== undefined) return remembered ?? undefined;
	const e164 = parse(value, defaultCountry);
	if (recent.size >= MEMO_GENERATION) {
		// Two generations instead of per-entry eviction: O(1), and what was used in the last 512 calls survives.
		older = recent;
		recent = new Map();
	}
	recent.set(key, e164 ?? null);
	return e164;
}

const MEMO_GENERATION = 512;
/** Longer texts are parsed every time rather than kept in memory. */
const MEMO_MAX_LENGTH = 64;
let recent = new Map<string, string | null>();
let older = new Map<string, string | null>();

function parse(value: string, defaultCountry: string | undefined): string | undefined {
	const text = value.trim();
	if (!/\d/.test(text)) return undefined;
	if (/^\D*00[1-9]/.test(text)) {
		const international = possibleNumber(`+${text.replace(/^\D*00/, '')}`, undefined);
		if (international !== undefined) return international;
	}
	const plus = text.startsWith('+');
	const country = supportedCountry(defaultCountry);
	// Without '+' and without a country libphonenumber can only fail (and failing costs it an Error).
	const asWritten = plus || country ? possibleNumber(text, country) : undefined;
	if (asWritten !== undefined || plus) return asWritten;
	return possibleNumber(`+${text.replace(/^\D*/, '')}`, undefined);
}

function possibleNumber(text: string, country: CountryCode | undefined): string | undefined {
	// libphonenumber signals "not a number" internally with an Error it then catches; capturing that Error's
	// stack was a tenth of the cost of normalizing a phone. Nothing here needs a stack: none is captured.
	const stackTraceLimit = Error.stackTraceLimit;
	Error.stackTraceLimit = 0;
	try {
		const parsed = country ? parsePhoneNumberFromString(text, { defaultCountry: country }) : parsePhoneNumberFromString(text);
		return parsed && parsed.isPossible() ? parsed.number : undefined;
	} catch {
		return undefined;
	} finally {
		Error.stackTraceLimit = stackTraceLimit;
	}
}

/** The option's ISO alpha-2 code in upper case when libphonenumber knows the country; otherwise no default. */
function supportedCountry(country: string | undefined): CountryCode | undefined {
	if (typeof country !== 'string') return undefined;
	const code = country.trim().toUpperCase();
	return /^[A-Z]{2}$/.test(code) && isSupportedCountry(code) ? (code as CountryCode) : undefined;
}
