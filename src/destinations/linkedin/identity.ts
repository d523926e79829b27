/**
 * LinkedIn Conversions API match keys. Of the user data a conversion carries, LinkedIn takes:
 * - the email as `user.userIds[{ idType: 'SHA256_EMAIL' }]`: the lower-case hex SHA-256 of the trimmed,
 *   lower-cased address. LinkedIn asks for no provider-specific canonical form (no Gmail dot or '+tag' removal),
 *   so the shared email form is used as it is
 *   (https://learn.microsoft.com/en-us/linkedin/marketing/integrations/ads-reporting/conversions-api).
 * - first and last name and country as `user.userInfo` (`firstName`, `lastName`, `countryCode`): plain text,
 *   never hashed (LinkedIn's own examples send "mike" / "smith" / "US"). The names go trimmed, case kept;
 *   the country as its ISO 3166-1 alpha-2 code in upper case ('United States' → 'US').
 *
 * Phone numbers and external ids are no LinkedIn match keys: absent here, so nothing is sent for them. The
 * click id (li_fat_id) is no user data: ./build.ts sends it as it is.
 */
import { type IdentityRules, hashed, plain } from '../../identity/rules';
import { asIs, countryUpperCase, email } from '../../identity/normalizers';

export const linkedinIdentityRules: IdentityRules = {
	email: hashed(email),
	first_name: plain(asIs),
	last_name: plain(asIs),
	country: plain(countryUpperCase),
};
