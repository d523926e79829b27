import { isIP } from 'node:net';
import { toE164 } from './phone';
import { countryCode, usStateCode } from './regions';
import type { IdentityOptions } from './types';

/**
 * The building blocks of every platform's normalization rules (src/destinations/<platform>/identity.ts). Each
 * takes a trimmed, non-empty value and returns the normalized text, or undefined when there is nothing to send.
 */

const PUNCTUATION_OR_SYMBOL = /[\p{P}\p{S}]/gu;
const CITY_STRIP = /[0-9\s\p{P}\p{S}]/gu;

const nonEmpty = (value: string): string | undefined => (value === '' ? undefined : value);

/**
 * Whether `address` is one non-empty local part, one '@', and a domain with a '.' that is neither its first nor its
 * last character: the verdict of /^[^@]+@[^@]+\.[^@]+$/, in one pass. That pattern's `[^@]+\.[^@]+` can split the
 * domain at every dot, so a long domain of dots backtracked quadratically (seconds on an 80 kB value).
 */
export function isEmailShape(address: string): boolean {
	const at = address.indexOf('@');
	if (at <= 0 || address.indexOf('@', at + 1) !== -1) return false;
	const dot = address.indexOf('.', at + 2);
	return dot !== -1 && dot < address.length - 1;
}

/** Lower case, whitespace removed; undefined unless it has a local part, an '@' and a dotted domain. */
export function email(value: string): string | undefined {
	const address = value.toLowerCase().replace(/\s+/g, '');
	return isEmailShape(address) ? address : undefined;
}

/** Google: for gmail.com and googlemail.com addresses, every '.' before the '@' is removed. */
export function emailWithoutGmailDots(value: string): string | undefined {
	const address = email(value);
	if (!address) return undefined;
	const at = address.lastIndexOf('@');
	const domain = address.slice(at + 1);
	if (domain !== 'gmail.com' && domain !== 'googlemail.com') return address;
	const local = address.slice(0, at).replace(/\./g, '');
	return local ? `${local}@${domain}` : undefined;
}

/** E.164 with its '+' ('+16505551212'), through libphonenumber-js (see ./phone.ts). */
export function phoneE164(value: string, options?: IdentityOptions): string | undefined {
	return toE164(value, options?.defaultCountry);
}

/** E.164 digits without the '+' ('16505551212'). */
export function phoneDigits(value: string, options?: IdentityOptions): string | undefined {
	return toE164(value, options?.defaultCountry)?.slice(1);
}

/** Lower case only (Google, TikTok names). */
export function lowerCase(value: string): string | undefined {
	return nonEmpty(value.toLowerCase());
}

/** Lower case without Unicode punctuation and symbols, letters, marks, digits and inner spaces kept (Meta names). */
export function lowerCaseWithoutPunctuation(value: string): string | undefined {
	return nonEmpty(value.toLowerCase().replace(PUNCTUATION_OR_SYMBOL, '').trim());
}

/** Lower case without digits, whitespace, punctuation or symbols (Meta city). */
export function compactCity(value: string): string | undefined {
	return nonEmpty(value.toLowerCase().replace(CITY_STRIP, ''));
}

/** US states as their two-letter code, other regions as compactCity (Meta state). */
export function compactState(value: string): string | undefined {
	return usStateCode(value) ?? compactCity(value);
}

function usZip(value: string): { five: string; plus4?: string } | undefined {
	const match = /^(\d{5})(?:[\s-]*(\d{4}))?$/.exec(value.trim());
	return match ? { five: match[1], plus4: match[2] } : undefined;
}

/** Lower case, no spaces, no dash; US ZIP / ZIP+4 as its first 5 digits (Meta, TikTok). */
export function compactZip(value: string): string | undefined {
	const us = usZip(value);
	if (us) return us.five;
	const code = value.toLowerCase().replace(/[\s-]/g, '');
	// One character is no postcode anywhere (the SDK drops those too).
	return code.length >= 2 ? code : undefined;
}

/** ISO 3166-1 alpha-2 in lower case, from a code or a name ('United States' → 'us'). */
export function countryLowerCase(value: string): string | undefined {
	return countryCode(value);
}

/** ISO 3166-1 alpha-2 in upper case (Google). */
export function countryUpperCase(value: string): string | undefined {
	return countryCode(value)?.toUpperCase();
}

/** Whitespace runs made one space (Google's plain city). */
export function singleSpaced(value: string): string | undefined {
	return nonEmpty(value.replace(/\s+/g, ' '));
}

/** US states as their code, two-letter codes kept, in upper case; other regions single-spaced (Google). */
export function stateUpperCase(value: string): string | undefined {
	const spaced = value.replace(/\s+/g, ' ');
	const code = usStateCode(value) ?? (/^[a-z]{2}$/i.test(spaced) ? spaced : undefined);
	return code ? code.toUpperCase() : nonEmpty(spaced);
}

/** US ZIP as 5 or 5-4 digits, other postcodes single-spaced in upper case (Google). */
export function zipUpperCase(value: string): string | undefined {
	const us = usZip(value);
	return us ? `${us.five}${us.plus4 ? `-${us.plus4}` : ''}` : nonEmpty(value.replace(/\s+/g, ' ').toUpperCase());
}

/** The value as it is (trimmed): external ids keep their case. */
export function asIs(value: string): string | undefined {
	return nonEmpty(value);
}

const LINE_TERMINATORS = new Set(['\n', '\r', '\u2028', '\u2029']);

/**
 * `address` without its zone ('%eth0'): what `address.replace(/%.*$/, '')` returned, without the pattern's quadratic
 * retries on a value full of '%' and line breaks. As in the pattern, the zone is the first '%' after the last line
 * terminator ('.' stops at line terminators and '$' is the end of the text).
 */
export function withoutZone(address: string): string {
	let lastBreak = -1;
	for (let i = address.length - 1; i >= 0; i--) {
		if (LINE_TERMINATORS.has(address[i])) {
			lastBreak = i;
			break;
		}
	}
	const zone = address.indexOf('%', lastBreak + 1);
	return zone === -1 ? address : address.slice(0, zone);
}

/**
 * An IPv4 or IPv6 address as text (Reddit hashes it): IPv6 in lower case, an IPv4-mapped IPv6 address as its
 * IPv4 form, brackets, a zone or an IPv4 port left off; undefined when it is not an address.
 */
export function ipAddress(value: string): string | undefined {
	let address = value.trim().toLowerCase();
	if (address.startsWith('[')) address = address.slice(1, address.indexOf(']') === -1 ? undefined : address.indexOf(']'));
	else if (/^\d+\.\d+\.\d+\.\d+:\d+$/.test(address)) address = address.slice(0, address.lastIndexOf(':'));
	address = withoutZone(address);
	const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(address);
	if (mapped) address = mapped[1];
	return isIP(address) === 0 ? undefined : address;
}
