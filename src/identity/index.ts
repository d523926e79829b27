// Per-platform normalization and SHA-256 hashing of user data (implemented in ./normalize.ts and ./hash.ts).
// `normalizeAndHash(platform, field, value, options?)` → lowercase hex digest, the value itself where the
// platform wants it unhashed (Google's city/state/zip/country), or undefined when there is nothing to send.
export * from './types';
export { normalizeAndHash, normalizeForPlatform, isSha256Hex, sha256Hex } from './hash';
// For platform authors: the rule shape and the normalizers each platform's rules are built from.
export type { FieldRule, IdentityRules } from './rules';
export { hashed, plain } from './rules';
export * as normalizers from './normalizers';
