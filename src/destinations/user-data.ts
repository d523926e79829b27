/**
 * User-data hashing by platform id, for callers that hold a platform id rather than its rules (the library's
 * public normalizeAndHash, tests, benchmarks): finds the registered platform's identity rules and applies them
 * (src/identity does the normalizing and hashing, given the rules). The platforms' own builders hash with their
 * own rules directly, so this module may read the registry without an import cycle.
 */
import { type IdentityField, type IdentityOptions, type IdentityRules, normalizeAndHashWith, normalizeWith } from '../identity';
import { DESTINATIONS } from './registry';
import type { Platform } from './types';

/** Every destination platform: each brings its own rules (src/destinations/<platform>/identity.ts). */
export type IdentityPlatform = Platform;

/** The platform's rules; throws for a platform that is not registered. */
export function identityRulesFor(platform: IdentityPlatform): IdentityRules {
	const rules: IdentityRules | undefined = Object.prototype.hasOwnProperty.call(DESTINATIONS, platform) ? DESTINATIONS[platform].identity : undefined;
	if (!rules) throw new TypeError(`Unknown identity platform "${String(platform)}"`);
	return rules;
}

/**
 * What to send a platform for one user-data field: the lower-case hex SHA-256 of the platform's normalized form,
 * the normalized plain value where the platform wants it unhashed, or undefined when there is nothing to send
 * (see normalizeAndHashWith in src/identity/hash.ts).
 */
export function normalizeAndHash(platform: IdentityPlatform, field: IdentityField, value: unknown, options?: IdentityOptions): string | undefined {
	return normalizeAndHashWith(identityRulesFor(platform), field, value, options);
}

/**
 * The string a platform hashes (or, for its unhashed fields, receives) for a value: for tests and for Google's
 * plain address fields. A value that already is a SHA-256 digest comes back as that digest in lower case.
 */
export function normalizeForPlatform(platform: IdentityPlatform, field: IdentityField, value: unknown, options?: IdentityOptions): string | undefined {
	return normalizeWith(identityRulesFor(platform), field, value, options);
}
