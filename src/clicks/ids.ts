import { randomBytes } from 'node:crypto';

/**
 * Lowercase Crockford base32 (no i, l, o, u). Click ids ride out in every network's subid, and the
 * strictest ones set the alphabet: ShareASale's `afftrack` takes letters and digits only, ClickBank's
 * `tid` only `[a-z0-9_]` (at most 100), Rakuten's `u1` at most 72 characters. Lowercase letters and
 * digits pass all of them, need no URL encoding, and survive a network that changes case.
 */
export const CLICK_ID_ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

/** 26 characters of 5 bits each: 130 bits from the system CSPRNG. */
export const CLICK_ID_LENGTH = 26;
export const CLICK_ID_BITS = CLICK_ID_LENGTH * 5;

const PREFIX = /^[a-z0-9]{0,12}$/;

/**
 * A new click id: optional prefix (lowercase letters and digits, at most 12) + 26 random characters.
 * Every character carries 5 bits straight from `randomBytes`, so there is no modulo bias.
 */
export function mintClickId(prefix = ''): string {
	if (!PREFIX.test(prefix)) throw new Error('A click id prefix may only hold lowercase letters and digits (at most 12)');
	const bytes = randomBytes(17); // 136 bits, of which 130 are used
	let id = '';
	let buffer = 0;
	let bits = 0;
	for (const byte of bytes) {
		buffer = (buffer << 8) | byte;
		bits += 8;
		while (bits >= 5 && id.length < CLICK_ID_LENGTH) {
			bits -= 5;
			id += CLICK_ID_ALPHABET[(buffer >> bits) & 31];
		}
		buffer &= (1 << bits) - 1;
	}
	return prefix + id;
}

/** A visitor id is minted like a click id; one read back from a cookie is reused only if it looks like one. */
export const mintVisitorId = (): string => mintClickId();

const VISITOR_ID = /^[0-9a-z]{20,64}$/;

export function isWellFormedVisitorId(value: unknown): value is string {
	return typeof value === 'string' && VISITOR_ID.test(value);
}

/**
 * A click id supplied by an operator (Tag Link): it goes into a URL and a network's report, so it
 * must be URL-safe and reasonably short. Network-specific limits are checked by `tagLink`.
 */
const SUPPLIED_CLICK_ID = /^[A-Za-z0-9._~-]{1,255}$/;

export function isUsableClickId(value: unknown): value is string {
	return typeof value === 'string' && SUPPLIED_CLICK_ID.test(value);
}
