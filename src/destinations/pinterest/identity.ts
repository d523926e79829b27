import { type IdentityRules, hashed, plain } from '../../identity/rules';
import { asIs, compactCity, compactState, compactZip, countryLowerCase, email, ipAddress, lowerCase, phoneDigits } from '../../identity/normalizers';

/**
 * Pinterest Conversions API (v5) user_data rules, from the field descriptions of the `events/create` schema in
 * Pinterest's OpenAPI description (pinterest/api-description, v5/openapi.yaml, ConversionEventsUserDataProperties):
 * - em: SHA-256 of the lower-cased email;
 * - ph: SHA-256 of the digits only, with the country code, no '+', no leading zeros ('16505551212');
 * - fn / ln: SHA-256 of the lower-cased name;
 * - ct: SHA-256 of the city in lower case without spaces or punctuation;
 * - st: SHA-256 of the two-letter state code in lower case (other regions: as the city);
 * - zp: SHA-256 of the zip code (US ZIP+4 cut to its 5 digits; other postcodes lower case without spaces or dash);
 * - country: SHA-256 of the ISO-3166 two-letter code in lower case;
 * - external_id: SHA-256 of the advertiser's id, case kept;
 * - client_ip_address: sent as is (never hashed), like client_user_agent and click_id, which are not identity fields here.
 */
export const pinterestIdentityRules: IdentityRules = {
	email: hashed(email),
	phone: hashed(phoneDigits),
	first_name: hashed(lowerCase),
	last_name: hashed(lowerCase),
	city: hashed(compactCity),
	state: hashed(compactState),
	zip: hashed(compactZip),
	country: hashed(countryLowerCase),
	external_id: hashed(asIs),
	ip_address: plain(ipAddress),
};
