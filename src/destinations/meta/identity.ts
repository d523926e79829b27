import { type IdentityRules, hashed } from '../../identity/rules';
import { asIs, compactCity, compactState, compactZip, countryLowerCase, email, lowerCaseWithoutPunctuation, phoneDigits } from '../../identity/normalizers';

/** Meta hashes every field: phone as E.164 digits without '+', names without punctuation (see src/identity/prepare.ts). */
export const metaIdentityRules: IdentityRules = {
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
