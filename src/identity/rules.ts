import type { IdentityField, IdentityOptions } from './types';

/**
 * One platform's rules for one user-data field: how the value is normalized, and whether the platform wants
 * it hashed (SHA-256 of the normalized text) or plain. A field the platform does not take is simply absent.
 */
export interface FieldRule {
	send: 'hash' | 'plain';
	/** Takes the trimmed, non-empty value; undefined when there is nothing to send. */
	normalize: (value: string, options?: IdentityOptions) => string | undefined;
}

/** A platform's rules, field by field (src/destinations/<platform>/identity.ts). */
export type IdentityRules = Readonly<Partial<Record<IdentityField, FieldRule>>>;

export const hashed = (normalize: FieldRule['normalize']): FieldRule => ({ send: 'hash', normalize });
export const plain = (normalize: FieldRule['normalize']): FieldRule => ({ send: 'plain', normalize });
