/**
 * Checks and conversions shared by both store implementations, so SQLite and PostgreSQL accept and return
 * exactly the same values: times as `Date.prototype.toISOString()` (UTC, millisecond precision, ending in
 * `Z`), money as canonical decimal strings, JSON as JSON text.
 */

import { createHash, randomBytes } from 'node:crypto';
import { normalizeDecimal } from '../model/money';
import type { ClaimHolder, ClaimOptions, ConversionKey, LedgerKind } from './types';
import type { ConversionStatus } from '../model';

const STATUSES: readonly ConversionStatus[] = ['approved', 'pending', 'rejected', 'reversed'];
const LEDGER_KINDS: readonly LedgerKind[] = ['commission', 'reversal', 'adjustment', 'payout'];

/** ISO 8601 with a date, a time and an explicit offset: a bare local time would be read in the server's zone. */
const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i;

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

/** An optional string: `undefined` and `null` become SQL NULL, anything else must be a string. */
export function optionalText(value: unknown, field: string): string | null {
	if (value === undefined || value === null) return null;
	if (typeof value !== 'string') throw new StoreInputError(`${field} must be a string, got ${typeof value}`);
	return value;
}

/** The canonical UTC form of an ISO 8601 time with an offset (millisecond precision, as stored and returned). */
export function isoTime(value: unknown, field: string): string {
	if (typeof value !== 'string' || !ISO_WITH_OFFSET.test(value)) {
		throw new StoreInputError(`${field} must be an ISO 8601 time with an offset, such as "2024-05-21T10:00:00Z"; got ${JSON.stringify(value)}`);
	}
	const ms = Date.parse(value);
	if (Number.isNaN(ms)) throw new StoreInputError(`${field} is not a real time: ${JSON.stringify(value)}`);
	const iso = new Date(ms).toISOString();
	// Four-digit years only: the canonical strings must also sort as text (SQLite compares them that way).
	if (!/^\d{4}-/.test(iso)) throw new StoreInputError(`${field} is outside years 0000-9999: ${JSON.stringify(value)}`);
	return iso;
}

/** A required exact decimal amount, returned canonical ("0.10" → "0.1"); floats and exponents are refused. */
export function money(value: unknown, field: string): string {
	const canonical = typeof value === 'string' ? normalizeDecimal(value) : undefined;
	if (canonical === undefined) {
		throw new StoreInputError(`${field} must be an exact decimal string such as "39.5"; got ${typeof value === 'string' ? JSON.stringify(value) : typeof value}`);
	}
	return canonical;
}

export function optionalMoney(value: unknown, field: string): string | null {
	return value === undefined || value === null ? null : money(value, field);
}

/** A decimal read back from either database, in canonical form. */
export function moneyOut(value: unknown): string {
	const canonical = normalizeDecimal(String(value));
	if (canonical === undefined) throw new Error(`Tracking store: a stored amount is not a decimal: ${String(value)}`);
	return canonical;
}

export function status(value: unknown, field = 'status'): ConversionStatus {
	if (!STATUSES.includes(value as ConversionStatus)) {
		throw new StoreInputError(`${field} must be one of ${STATUSES.join(', ')}; got ${JSON.stringify(value)}`);
	}
	return value as ConversionStatus;
}

export function ledgerKind(value: unknown): LedgerKind {
	if (!LEDGER_KINDS.includes(value as LedgerKind)) {
		throw new StoreInputError(`kind must be one of ${LEDGER_KINDS.join(', ')}; got ${JSON.stringify(value)}`);
	}
	return value as LedgerKind;
}

/** JSON text for a value that must be kept; `undefined` is kept as JSON null. */
export function jsonText(value: unknown): string {
	return JSON.stringify(value === undefined ? null : value) ?? 'null';
}

export function optionalJsonText(value: unknown): string | null {
	return value === undefined ? null : jsonText(value);
}

/** The three parts of a dedup key, checked: a key built from an empty part would collide with every other such key. */
export function conversionKeyParts(key: ConversionKey): [string, string, string] {
	if (!key || typeof key !== 'object') throw new StoreInputError('a conversion key needs network, transactionId and eventName');
	return [requireText(key.network, 'network'), requireText(key.transactionId, 'transactionId'), requireText(key.eventName, 'eventName')];
}

/** How long a pending claim belongs to its holder unless the claimer says otherwise: 2 minutes. */
export const DEFAULT_CLAIM_LEASE_MS = 2 * 60_000;
/** The longest lease a claimer may ask for: a week. */
export const MAX_CLAIM_LEASE_MS = 7 * 24 * 3_600_000;

/** The lease of a claim, checked: a whole number of milliseconds from 1 to a week (default 2 minutes). */
export function claimLeaseMs(options: ClaimOptions | undefined): number {
	if (options !== undefined && (options === null || typeof options !== 'object')) throw new StoreInputError('claim options must be an object such as { leaseMs: 120000 }');
	const leaseMs = options?.leaseMs ?? DEFAULT_CLAIM_LEASE_MS;
	if (!Number.isInteger(leaseMs) || leaseMs < 1 || leaseMs > MAX_CLAIM_LEASE_MS) {
		throw new StoreInputError(`leaseMs must be a whole number of milliseconds from 1 to ${MAX_CLAIM_LEASE_MS}; got ${String(options?.leaseMs)}`);
	}
	return leaseMs;
}

/** A new holder token: 128 random bits. */
export function claimToken(): string {
	return randomBytes(16).toString('base64url');
}

/** The holder token given to completeClaim or releaseClaim, checked (null when none was given). */
export function holderToken(holder: ClaimHolder | undefined, required: boolean): string | null {
	if (holder !== undefined && (holder === null || typeof holder !== 'object')) throw new StoreInputError('the claim holder must be an object such as { token }');
	const token = holder?.token;
	if (token === undefined && !required) return null;
	return requireText(token, 'token');
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

/** Drops the keys whose value is `undefined`, so records read back carry only the fields that were stored. */
export function compact<T extends object>(record: T): T {
	for (const key of Object.keys(record) as Array<keyof T>) {
		if (record[key] === undefined) delete record[key];
	}
	return record;
}
