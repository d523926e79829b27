/**
 * The conversion's identity: the dedup key (network, transactionId, eventName) and the id derived from it.
 * The store keys its claims and conversions by it and the destinations derive the event id platforms dedup on
 * from it, so both must compute it the same way, from here.
 */
import { createHash } from 'node:crypto';

export interface ConversionKey {
	network: string;
	transactionId: string;
	eventName: string;
}

/** A value the store (or a conversion key) cannot take: a TypeError, so callers tell bad input from a failing database. */
export class StoreInputError extends TypeError {
	constructor(message: string) {
		super(`Tracking store: ${message}`);
		this.name = 'StoreInputError';
	}
}

/** A required, non-blank string (returned as given: the store never trims or re-cases identifiers). */
export function requireText(value: unknown, field: string): string {
	if (typeof value !== 'string') throw new StoreInputError(`${field} must be a string, got ${typeof value}`);
	if (value.trim() === '') throw new StoreInputError(`${field} must not be empty`);
	return value;
}

/** The three parts of a dedup key, checked: a key built from an empty part would collide with every other such key. */
export function conversionKeyParts(key: ConversionKey): [string, string, string] {
	if (!key || typeof key !== 'object') throw new StoreInputError('a conversion key needs network, transactionId and eventName');
	return [requireText(key.network, 'network'), requireText(key.transactionId, 'transactionId'), requireText(key.eventName, 'eventName')];
}

/**
 * The conversion id for (network, transactionId, eventName): `cv_` and 32 hex digits (128 bits) of the SHA-256
 * of the JSON array of the three parts. JSON quoting keeps the parts apart, so ("a|b", "c") and ("a", "b|c")
 * never share an id; 35 characters fit every platform's event-id and order-id limits. Throws on an empty part.
 */
export function conversionIdFor(key: ConversionKey): string {
	const parts = conversionKeyParts(key);
	return `cv_${createHash('sha256').update(JSON.stringify(parts), 'utf8').digest('hex').slice(0, 32)}`;
}
