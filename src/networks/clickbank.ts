import { createDecipheriv, createHash } from 'node:crypto';
import { normalizeDecimal } from '../model';
import { fail, finishConversion, splitFullName, userFrom } from './conversion';
import { type FieldValue, type Fields, parseBody, textOf } from './fields';
import type { NetworkPreset } from './types';

/**
 * ClickBank's Instant Notification Service (INS v6 and later). ClickBank POSTs
 * `{ "notification": <base64 AES-256-CBC ciphertext>, "iv": <base64 16-byte iv> }`; the notification
 * decrypts to a JSON document with the transaction.
 */

/**
 * The AES key: ClickBank takes the lowercase hex SHA-1 of the secret key and uses its first 32
 * characters as the key's 32 bytes (the hex text itself, not the digest bytes).
 */
export function insKey(secret: string): Buffer {
	return Buffer.from(createHash('sha1').update(secret, 'utf8').digest('hex').slice(0, 32), 'utf8');
}

/** Strict base64 (standard or URL-safe alphabet): Node's decoder silently skips junk, which would hide a mangled body. */
function decodeBase64(text: string): Buffer | undefined {
	const compact = text.replace(/\s+/g, '');
	if (compact === '' || !/^[A-Za-z0-9+/_-]+={0,2}$/.test(compact) || compact.replace(/=+$/, '').length % 4 === 1) return undefined;
	return Buffer.from(compact, 'base64');
}

/**
 * `text` without the characters U+0000–U+0020 at either end: what `/^[\u0000-\u0020]+|[\u0000-\u0020]+$/g` removed,
 * by index. The pattern retried its unanchored second branch at every position of an inner run of such
 * characters, quadratic on a long one.
 */
export function trimControl(text: string): string {
	let start = 0;
	let end = text.length;
	while (start < end && text.charCodeAt(start) <= 0x20) start++;
	while (end > start && text.charCodeAt(end - 1) <= 0x20) end--;
	return text.slice(start, end);
}

/** The decrypted notification as an object, or undefined for a wrong key, bad padding or text that is not a JSON object. */
function decrypt(notification: string, iv: string, secret: string): Fields | undefined {
	const ciphertext = decodeBase64(notification);
	const ivBytes = decodeBase64(iv);
	if (!ciphertext || !ivBytes || ivBytes.length !== 16 || ciphertext.length === 0 || ciphertext.length % 16 !== 0) return undefined;
	let plaintext: string;
	try {
		// PKCS#7 padding (ClickBank's "AES/CBC/PKCS5Padding"): a wrong key almost always fails here.
		const decipher = createDecipheriv('aes-256-cbc', insKey(secret), ivBytes);
		const bytes = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
		plaintext = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
	} catch {
		return undefined;
	}
	// ClickBank's own sample trims NULs and control characters around the JSON; do the same.
	const trimmed = trimControl(plaintext);
	try {
		const parsed: unknown = JSON.parse(trimmed);
		return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Fields) : undefined;
	} catch {
		return undefined;
	}
}

function objectAt(value: unknown): Fields | undefined {
	return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Fields) : undefined;
}

function read(source: Fields | undefined, key: string, field: string): FieldValue | undefined {
	const value = source ? textOf(source[key]) : undefined;
	return value === undefined ? undefined : { value, field };
}

function money(source: Fields, key: string): FieldValue | undefined {
	const value = textOf(source[key]);
	return value === undefined ? undefined : { value, field: key };
}

/**
 * ClickBank's documentation does not promise a sign for refund and chargeback amounts, so a
 * reversal is made negative when it arrived positive (and left alone when already negative):
 * downstream ledgers then subtract it either way. Text that is not a number is left for the shared
 * check to refuse.
 */
function negated(value: FieldValue | undefined): FieldValue | undefined {
	if (!value) return value;
	const normalized = normalizeDecimal(value.value);
	if (normalized === undefined || normalized === '0' || normalized.startsWith('-')) return value;
	return { value: `-${normalized}`, field: value.field };
}

/** Refund, chargeback and insufficient funds take the money back; every other type (sales, rebills, tests, cancellations) stands. */
const REVERSAL_TYPES = new Set(['RFND', 'CGBK', 'INSF']);

export const clickbank: NetworkPreset = {
	id: 'clickbank',
	name: 'ClickBank',
	subidParam: 'tid',
	clickIdMacro: 'tid',
	setupHint:
		'Paste this URL unchanged into ClickBank (Account Settings > Integrations > Instant Notification URL, version 6.0 or later) and enter the same Secret Key in ClickBank and in this node: notifications are encrypted with it. Offer links must carry tid=<click id>.',
	// ClickBank fills nothing into the URL: the whole notification is in the encrypted body.
	postbackUrlTemplate: (baseUrl) => baseUrl,
	parse(request, options) {
		const body = parseBody(request);
		if (!body.ok) return fail('invalid_body', `ClickBank INS: ${body.message}.`, 'notification');
		const { notification, iv } = body.fields;
		if (notification === undefined && iv === undefined) {
			return fail(
				'invalid_body',
				'ClickBank INS: the body has no "notification" and "iv". Only encrypted notifications are accepted: set the Instant Notification version to 6.0 or later and set a Secret Key in ClickBank.',
				'notification',
			);
		}
		if (typeof notification !== 'string' || notification.trim() === '') {
			return fail('invalid_body', 'ClickBank INS: "notification" must be the base64 text ClickBank sends.', 'notification');
		}
		if (typeof iv !== 'string' || iv.trim() === '') {
			return fail('invalid_body', 'ClickBank INS: "iv" must be the base64 text ClickBank sends.', 'iv');
		}
		// A secret of only spaces is treated as none; surrounding spaces are a paste accident, not part of ClickBank's keys.
		const secret = options.secret?.trim();
		if (!secret) {
			return fail(
				'missing_secret',
				'ClickBank INS notifications are encrypted: set the Secret Key option to the key from your ClickBank account settings.',
				'notification',
			);
		}
		const decrypted = decrypt(notification, iv, secret);
		if (!decrypted) {
			// Never echo the secret or any decrypted bytes: either could leak into logs.
			return fail(
				'undecryptable_body',
				'ClickBank INS: the notification could not be decrypted. Check that the Secret Key option equals the secret key in your ClickBank account settings.',
				'notification',
			);
		}

		const vendorVariables = objectAt(decrypted.vendorVariables);
		const clickId =
			read(decrypted, 'tid', 'tid') ??
			read(decrypted, 'trackingCodes', 'trackingCodes') ??
			read(vendorVariables, 'tid', 'vendorVariables.tid') ??
			read(vendorVariables, 'extclid', 'vendorVariables.extclid');

		const transactionType = read(decrypted, 'transactionType', 'transactionType');
		const reversed = transactionType !== undefined && REVERSAL_TYPES.has(transactionType.value.toUpperCase());
		const amount = money(decrypted, 'totalOrderAmount');
		const commission = money(decrypted, 'totalAccountAmount');

		const firstItem = Array.isArray(decrypted.lineItems) ? objectAt(decrypted.lineItems[0]) : undefined;

		// Billing describes the buyer; shipping is the fallback when ClickBank sent only that.
		const customer = objectAt(decrypted.customer);
		const billing = objectAt(customer?.billing);
		const shipping = objectAt(customer?.shipping);
		const person = (key: string) => textOf(billing?.[key]) ?? textOf(shipping?.[key]);
		// The address comes whole from one block so a billing city is never paired with a shipping zip.
		const address = objectAt(billing?.address) ?? objectAt(shipping?.address);
		const fullName = person('fullName');
		const split = fullName ? splitFullName(fullName) : {};

		return finishConversion(
			{
				clickId,
				transactionId: read(decrypted, 'receipt', 'receipt'),
				networkEventType: transactionType,
				status: reversed ? 'reversed' : 'approved',
				amount: reversed ? negated(amount) : amount,
				commission: reversed ? negated(commission) : commission,
				currency: read(decrypted, 'currency', 'currency'),
				occurredAt: read(decrypted, 'transactionTime', 'transactionTime'),
				affiliateId: read(decrypted, 'affiliate', 'affiliate'),
				merchantId: read(decrypted, 'vendor', 'vendor'),
				brandName: read(firstItem, 'productTitle', 'lineItems[0].productTitle'),
				user: userFrom({
					email: person('email'),
					phone: person('phoneNumber'),
					firstName: person('firstName') ?? split.firstName,
					lastName: person('lastName') ?? split.lastName,
					city: textOf(address?.city),
					state: textOf(address?.state),
					zip: textOf(address?.postalCode),
					country: textOf(address?.country),
				}),
			},
			{
				network: 'clickbank',
				request,
				options,
				// The decrypted notification is what ClickBank said (line items, vendor variables…); the ciphertext is useless downstream.
				bodyAsReceived: decrypted,
				clickIdParam: 'tid',
			},
		);
	},
};
