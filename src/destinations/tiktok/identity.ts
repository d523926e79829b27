import { type IdentityRules, hashed, plain } from '../../identity/rules';
import { asIs, compactCity, compactState, compactZip, countryLowerCase, email, lowerCase, phoneE164 } from '../../identity/normalizers';

/** TikTok: phone in E.164 with '+', names lower-cased; city, state and country sent plain (Meta's forms). */
export const tiktokIdentityRules: IdentityRules = {
	email: hashed(email),
	phone: hashed(phoneE164),
	first_name: hashed(lowerCase),
	last_name: hashed(lowerCase),
	city: plain(compactCity),
	state: plain(compactState),
	zip: hashed(compactZip),
	country: plain(countryLowerCase),
	external_id: hashed(asIs),
};
