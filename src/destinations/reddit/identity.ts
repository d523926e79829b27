/**
 * Reddit Conversions API match keys (shared reference/destinations.md, "Normalization and hashing", and Reddit's
 * Conversions API "Direct Integration" match-key rules): email, phone_number, external_id and ip_address are sent
 * as lower-case hex SHA-256; user_agent, click_id and uuid are sent as they are (never hashed, see ./build.ts).
 *
 * - Email: Reddit canonicalizes before hashing: lower case, every '.' removed from the local part, and anything
 *   after a '+' in the local part dropped, for every domain. Reddit's published example: `alice@example.com` and
 *   `Al.ice+Apple@Example.Com` both hash to ff8d9819…d976. (Reddit's pixel hashes the same way, so this is the
 *   form that matches; the shared `email` normalizer only lower-cases.)
 * - Phone: E.164 with its '+' (`+15554441234` → e5b124c5…994a, Reddit's published example).
 * - IP address: hashed (Reddit is the one platform that hashes it), in the shared `ipAddress` form.
 * - External id: as given (case kept), hashed.
 */
import { type IdentityRules, hashed } from '../../identity/rules';
import { asIs, email, ipAddress, phoneE164 } from '../../identity/normalizers';

/** Reddit's email canonical form: the shared email form, then the local part without dots and without a '+tag'. */
export function redditEmail(value: string): string | undefined {
	const address = email(value);
	if (!address) return undefined;
	const at = address.lastIndexOf('@');
	const local = address.slice(0, at).split('+')[0].replace(/\./g, '');
	return local ? `${local}@${address.slice(at + 1)}` : undefined;
}

export const redditIdentityRules: IdentityRules = {
	email: hashed(redditEmail),
	phone: hashed(phoneE164),
	external_id: hashed(asIs),
	ip_address: hashed(ipAddress),
};
