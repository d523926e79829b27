import { type IdentityRules, hashed, plain } from '../../identity/rules';
import { asIs, email, ipAddress, phoneE164 } from '../../identity/normalizers';

/**
 * Microsoft's email form (Conversions API guide, "Hashed Identifiers"): trimmed, every '.' removed from the
 * user part, a '+alias' removed from its end, lower case — for every domain, not only Gmail. The guide's
 * vector: `john@contoso.com` → ec81f3ac…0602.
 */
export function microsoftEmail(value: string): string | undefined {
	const address = email(value);
	if (!address) return undefined;
	const at = address.lastIndexOf('@');
	const local = address.slice(0, at).replace(/\+.*$/, '').replace(/\./g, '');
	return local ? `${local}${address.slice(at)}` : undefined;
}

/**
 * Microsoft UET Conversions API: `em` and `ph` SHA-256 hex; phone in E.164 WITH its '+' (the guide's vector:
 * `+14255551234` → c59475d9…390e). `externalId` must never be a real user id ("apply a hash"), so it is hashed
 * too; the IP address (`clientIpAddress`) goes plain.
 */
export const microsoftIdentityRules: IdentityRules = {
	email: hashed(microsoftEmail),
	phone: hashed(phoneE164),
	external_id: hashed(asIs),
	ip_address: plain(ipAddress),
};
