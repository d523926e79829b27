import { createHash, hash } from 'node:crypto';

import { prepareIdentity } from './prepare';
import type { IdentityRules } from './rules';
import type { IdentityField, IdentityOptions } from './types';

/** A SHA-256 digest exactly as the platforms want it: 64 lower-case hex characters, nothing around them. */
const SHA256_HEX = /^[a-f0-9]{64}$/;

/** True for a lower-case hex SHA-256 digest (anchored: no whitespace, no prefix, exactly 64 characters). */
export function isSha256Hex(value: unknown): value is string {
	return typeof value === 'string' && SHA256_HEX.test(value);
}

/** The lower-case hex SHA-256 of a string's UTF-8 bytes. */
export function sha256Hex(text: string): string {
	// crypto.hash (Node 21.7+, so every Node n8n supports) is the one-shot form: about 2.5× faster on short values.
	return typeof hash === 'function' ? hash('sha256', text, 'hex') : createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * The string a platform hashes (or, for its unhashed fields, receives) for a value, by that platform's rules. A
 * value that already is a SHA-256 digest comes back as that digest in lower case.
 */
export function normalizeWith(rules: IdentityRules, field: IdentityField, value: unknown, options?: IdentityOptions): string | undefined {
	return prepareIdentity(rules, field, value, options)?.value;
}

/**
 * What to send a platform for one user-data field, by its rules (src/destinations/user-data.ts applies them by platform id): the lower-case hex SHA-256 of the platform's normalized form,
 * the normalized plain value where the platform wants it unhashed (Google Ads' city, state, zip and country;
 * TikTok's city, state and country), or undefined when there is nothing to send (empty or whitespace, an
 * unparseable phone, not an email, a field the platform does not take).
 *
 * A value that already is a SHA-256 digest (64 hex characters, either case, surrounding whitespace ignored) is
 * passed through in lower case, never hashed again. The empty string is never hashed.
 */
export function normalizeAndHashWith(rules: IdentityRules, field: IdentityField, value: unknown, options?: IdentityOptions): string | undefined {
	const prepared = prepareIdentity(rules, field, value, options);
	if (!prepared) return undefined;
	return prepared.kind === 'hash' ? sha256Hex(prepared.value) : prepared.value;
}
