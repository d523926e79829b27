import { type IdentityRules, hashed, plain } from '../../identity/rules';
import { countryUpperCase, emailWithoutGmailDots, phoneE164 } from '../../identity/normalizers';

/**
 * GA4 Measurement Protocol `user_data` (user-provided data). Google's page "Send user-provided data with User-ID
 * using the Measurement Protocol" says GA4 uses the Google Ads enhanced-conversions normalization: trim, lower
 * case, E.164 phone with '+', and no dots in the local part of gmail.com / googlemail.com addresses. Names are
 * hashed after removing digits and symbols; city and region go plain, lower case, without digits and symbols;
 * postal code plain, without periods and '~'; country plain as its ISO 3166-1 alpha-2 code.
 */

const DIGITS_AND_SYMBOLS = /[0-9\p{P}\p{S}]/gu;

const nonEmpty = (value: string): string | undefined => (value === '' ? undefined : value);

/** Lower case, without digits, punctuation or symbols, inner whitespace runs made one space. */
export function lettersLowerCase(value: string): string | undefined {
	return nonEmpty(value.toLowerCase().replace(DIGITS_AND_SYMBOLS, '').replace(/\s+/g, ' ').trim());
}

/** A postcode without periods and '~', trimmed. */
export function ga4PostalCode(value: string): string | undefined {
	return nonEmpty(value.replace(/[.~]/g, '').trim());
}

export const ga4IdentityRules: IdentityRules = {
	email: hashed(emailWithoutGmailDots),
	phone: hashed(phoneE164),
	first_name: hashed(lettersLowerCase),
	last_name: hashed(lettersLowerCase),
	city: plain(lettersLowerCase),
	state: plain(lettersLowerCase),
	zip: plain(ga4PostalCode),
	country: plain(countryUpperCase),
};
