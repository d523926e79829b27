import { type IdentityRules, hashed, plain } from '../../identity/rules';
import { emailWithoutGmailDots, lowerCase, phoneE164, singleSpaced, stateUpperCase, countryUpperCase, zipUpperCase } from '../../identity/normalizers';

/**
 * Google Ads: gmail addresses without the dots of their local part, phone in E.164 with '+', names lower-cased;
 * the address fields (city, state, zip, country) are sent plain, never hashed; no external id.
 */
export const googleAdsIdentityRules: IdentityRules = {
	email: hashed(emailWithoutGmailDots),
	phone: hashed(phoneE164),
	first_name: hashed(lowerCase),
	last_name: hashed(lowerCase),
	city: plain(singleSpaced),
	state: plain(stateUpperCase),
	zip: plain(zipUpperCase),
	country: plain(countryUpperCase),
};
