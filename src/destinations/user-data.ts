/**
 * User-data hashing by platform id: finds the platform's identity rules and applies them (src/identity does the
 * normalizing and hashing, given the rules). It lives here, above identity, because the rules are the
 * destinations': identity never looks platforms up.
 */
import { type IdentityField, type IdentityOptions, type IdentityRules, normalizeAndHashWith, normalizeWith } from '../identity';
import { ga4IdentityRules } from './ga4/identity';
import { googleAdsIdentityRules } from './google_ads/identity';
import { metaIdentityRules } from './meta/identity';
import { microsoftIdentityRules } from './microsoft/identity';
import { pinterestIdentityRules } from './pinterest/identity';
import { redditIdentityRules } from './reddit/identity';
import { snapchatIdentityRules } from './snapchat/identity';
import { tiktokIdentityRules } from './tiktok/identity';
import type { Platform } from './types';

/**
 * Each platform's rules, from its identity.ts rather than through the registry: the platforms' request builders
 * import this module, so reading the registry here would be an import cycle (the registry half-built while a
 * platform loads). `satisfies` makes a platform added to the registry without a line here a compile error, and a
 * unit test checks these are the very rules each registered destination carries.
 */
const IDENTITY_RULES = {
	meta: metaIdentityRules,
	tiktok: tiktokIdentityRules,
	google_ads: googleAdsIdentityRules,
	ga4: ga4IdentityRules,
	snapchat: snapchatIdentityRules,
	pinterest: pinterestIdentityRules,
	reddit: redditIdentityRules,
	microsoft: microsoftIdentityRules,
} satisfies Record<Platform, IdentityRules>;

/** Every destination platform: each brings its own rules (src/destinations/<platform>/identity.ts). */
export type IdentityPlatform = Platform;

/** The platform's rules; throws for a platform that is not registered. */
export function identityRulesFor(platform: IdentityPlatform): IdentityRules {
	const rules: IdentityRules | undefined = Object.prototype.hasOwnProperty.call(IDENTITY_RULES, platform) ? IDENTITY_RULES[platform] : undefined;
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
