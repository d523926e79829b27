// Normalization and SHA-256 hashing of user data by a platform's rules (./prepare.ts applies them, ./hash.ts
// hashes). `normalizeAndHashWith(rules, field, value, options?)` → lowercase hex digest, the value itself where
// the rules want it unhashed (Google's city/state/zip/country), or undefined when there is nothing to send. By
// platform id: normalizeAndHash in src/destinations/user-data.ts, which finds each platform's rules.
export * from './types';
export { normalizeAndHashWith, normalizeWith, isSha256Hex, sha256Hex } from './hash';
export { prepareIdentity, type PreparedIdentity, type PreparedKind } from './prepare';
// For platform authors: the rule shape and the normalizers each platform's rules are built from.
export type { FieldRule, IdentityRules } from './rules';
export { hashed, plain } from './rules';
export * as normalizers from './normalizers';
