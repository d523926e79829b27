import { type IdentityRules, hashed } from '../../identity/rules';
import { asIs, compactCity, compactState, compactZip, countryLowerCase, email, lowerCaseWithoutPunctuation, phoneDigits } from '../../identity/normalizers';

/**
 * Snapchat Conversions API v3 (developers.snap.com, Conversions API → Parameters, "User Data Parameters"):
 * every personal field is hashed (SHA-256, lower-case hex).
 * - em: trimmed and lower-cased;
 * - ph: digits only with the country code, no '+', no leading 00 and no national leading 0
 *   ('+44 844 412 4653' → '448444124653'): E.164 without its '+';
 * - fn / ln: lower case without punctuation, other letters (accents) kept in UTF-8;
 * - ct / st / zp / country: Meta's forms (compact city, US states as their code, compact postcode, ISO
 *   alpha-2 lower case): Snap asks for lower case and no spaces and publishes no finer rule;
 * - external_id: hashed as given (case kept).
 * Never hashed (not identity fields here, sent raw by ./build.ts): client_ip_address, client_user_agent,
 * sc_click_id, sc_cookie1.
 */
export const snapchatIdentityRules: IdentityRules = {
	email: hashed(email),
	phone: hashed(phoneDigits),
	first_name: hashed(lowerCaseWithoutPunctuation),
	last_name: hashed(lowerCaseWithoutPunctuation),
	city: hashed(compactCity),
	state: hashed(compactState),
	zip: hashed(compactZip),
	country: hashed(countryLowerCase),
	external_id: hashed(asIs),
};
