/**
 * Checks and conversions shared by both store implementations, so SQLite and PostgreSQL accept and return
 * exactly the same values: times as `Date.prototype.toISOString()` (UTC, millisecond precision, ending in
 * `Z`), money as canonical decimal strings, JSON as JSON text.
 */

import { randomBytes } from 'node:crypto';
import { StoreInputError, requireText } from '../model/ids';
import { normalizeDecimal, toMinorUnits } from '../model/money';
// The conversion key's checks and id are the model's (event ids derive from them too); re-exported for the stores.
export { StoreInputError, conversionIdFor, conversionKeyParts, requireText } from '../model/ids';
import type { ClaimHolder, ClaimOptions, LedgerKind, LedgerSettlement, PayoutItemState } from './types';
import type { ConversionStatus } from '../model';

const STATUSES: readonly ConversionStatus[] = ['approved', 'pending', 'rejected', 'reversed'];
const LEDGER_KINDS: readonly LedgerKind[] = ['commission', 'reversal', 'adjustment', 'payout'];

/** ISO 8601 with a date, a time and an explicit offset: a bare local time would be read in the server's zone. */
const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i;

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
		throw new StoreInputError(
			`${field} must be an exact decimal string such as "39.5"; got ${typeof value === 'string' ? JSON.stringify(value) : typeof value}`,
		);
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

/** How long a pending claim belongs to its holder unless the claimer says otherwise: 2 minutes. */
export const DEFAULT_CLAIM_LEASE_MS = 2 * 60_000;
/** The longest lease a claimer may ask for: a week. */
export const MAX_CLAIM_LEASE_MS = 7 * 24 * 3_600_000;

/** The lease of a claim, checked: a whole number of milliseconds from 1 to a week (default 2 minutes). */
export function claimLeaseMs(options: ClaimOptions | undefined): number {
	if (options !== undefined && (options === null || typeof options !== 'object'))
		throw new StoreInputError('claim options must be an object such as { leaseMs: 120000 }');
	const leaseMs = options?.leaseMs ?? DEFAULT_CLAIM_LEASE_MS;
	if (!Number.isInteger(leaseMs) || leaseMs < 1 || leaseMs > MAX_CLAIM_LEASE_MS) {
		throw new StoreInputError(`leaseMs must be a whole number of milliseconds from 1 to ${MAX_CLAIM_LEASE_MS}; got ${String(options?.leaseMs)}`);
	}
	return leaseMs;
}

/** A new holder token: 128 random bits. */
/** The longest lease a caller may take: a week, as for claims. */
export const MAX_LEASE_MS = MAX_CLAIM_LEASE_MS;

/** A lease's namespace, key, holder and ttl, checked; the ttl comes back as whole milliseconds. */
export function leaseInput(
	namespace: unknown,
	key: unknown,
	ttlMs?: unknown,
	holder?: unknown,
): { namespace: string; key: string; ttlMs: number; holder: string | null } {
	const ns = requireText(namespace, 'lease namespace');
	const name = requireText(key, 'lease key');
	if (ns.length > 100) throw new StoreInputError('a lease namespace is at most 100 characters');
	if (name.length > 1000) throw new StoreInputError('a lease key is at most 1000 characters');
	const ttl = ttlMs === undefined ? 0 : ttlMs;
	if (ttlMs !== undefined && (typeof ttl !== 'number' || !Number.isInteger(ttl) || ttl < 1 || ttl > MAX_LEASE_MS)) {
		throw new StoreInputError(`ttlMs must be a whole number of milliseconds from 1 to ${MAX_LEASE_MS}; got ${String(ttlMs)}`);
	}
	const who = optionalText(holder, 'lease holder');
	if (who !== null && who.length > 200) throw new StoreInputError('a lease holder is at most 200 characters');
	return { namespace: ns, key: name, ttlMs: ttl as number, holder: who };
}

/** How long after expiry purgeExpiredLeases keeps a lease (default 0), checked. */
export function leaseGraceMs(graceMs: unknown): number {
	if (graceMs === undefined) return 0;
	if (typeof graceMs !== 'number' || !Number.isInteger(graceMs) || graceMs < 0)
		throw new StoreInputError(`graceMs must be a whole number of milliseconds, 0 or more; got ${String(graceMs)}`);
	return graceMs;
}

export function claimToken(): string {
	return randomBytes(16).toString('base64url');
}

/** The holder token given to completeClaim or releaseClaim, checked (null when none was given). */
export function holderToken(holder: ClaimHolder | undefined, required: boolean): string | null {
	if (holder !== undefined && (holder === null || typeof holder !== 'object'))
		throw new StoreInputError('the claim holder must be an object such as { token }');
	const token = holder?.token;
	if (token === undefined && !required) return null;
	return requireText(token, 'token');
}

/** Drops the keys whose value is `undefined`, so records read back carry only the fields that were stored. */
export function compact<T extends object>(record: T): T {
	for (const key of Object.keys(record) as Array<keyof T>) {
		if (record[key] === undefined) delete record[key];
	}
	return record;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * A ledger amount in the currency's minor units, when that is exact and fits a 64-bit integer column; null
 * otherwise (finer than the minor unit, an unknown currency, too large): the line keeps its exact decimal.
 */
export function ledgerMinorUnits(amount: string, currency: string): bigint | null {
	let minor: bigint;
	try {
		minor = toMinorUnits(amount, currency);
	} catch {
		return null;
	}
	return minor < INT64_MIN || minor > INT64_MAX ? null : minor;
}

export const PAYOUT_ITEM_STATES: readonly PayoutItemState[] = ['reserved', 'submitted', 'paid', 'failed', 'unclaimed', 'returned', 'unknown'];
const SETTLEMENTS: readonly LedgerSettlement[] = ['open', 'locked', 'paid'];

export function payoutItemState(value: unknown, field = 'state'): PayoutItemState {
	if (!PAYOUT_ITEM_STATES.includes(value as PayoutItemState)) {
		throw new StoreInputError(`${field} must be one of ${PAYOUT_ITEM_STATES.join(', ')}; got ${JSON.stringify(value)}`);
	}
	return value as PayoutItemState;
}

/** A list of payout item states (a filter or a compare-and-set's `from`), checked; undefined stays undefined. */
export function payoutItemStates(value: unknown, field: string): PayoutItemState[] | undefined {
	if (value === undefined) return undefined;
	if (!Array.isArray(value)) throw new StoreInputError(`${field} must be an array of payout item states`);
	return value.map((state) => payoutItemState(state, field));
}

/** The settlement filter as a list (one value or several), checked. */
export function ledgerSettlements(value: unknown): LedgerSettlement[] | undefined {
	if (value === undefined) return undefined;
	const list = Array.isArray(value) ? value : [value];
	for (const settlement of list) {
		if (!SETTLEMENTS.includes(settlement as LedgerSettlement)) {
			throw new StoreInputError(`settlement must be one of ${SETTLEMENTS.join(', ')}; got ${JSON.stringify(settlement)}`);
		}
	}
	return list as LedgerSettlement[];
}

/**
 * What moving a payout item from `current` to `next` does to its lines, or a throw for a move the store refuses.
 * `holds`: whether the item holds any line now.
 * - 'failed', 'returned', and 'unclaimed' with `reopen`, release the lines (they become open);
 * - 'paid' is final, except that the provider may report the money returned later;
 * - an item that released its lines and takes up a holding state again (the provider reports an unclaimed
 *   item paid after all, say) holds them again, so they are never paid twice: `rehold` 'all' for the states
 *   the caller chooses (reserved, submitted: refused unless every line is still open), 'available' for the
 *   states a provider reports (paid, unknown, unclaimed: recorded, holding what is still open);
 * - `reopen` only means something with 'unclaimed'.
 */
export function payoutTransition(
	id: string,
	current: PayoutItemState,
	holds: boolean,
	next: PayoutItemState,
	reopen: boolean,
): { release: boolean; rehold: 'all' | 'available' | 'none' } {
	if (reopen && next !== 'unclaimed') throw new StoreInputError(`reopen only applies to the state 'unclaimed', not ${JSON.stringify(next)}`);
	if (current === 'paid' && next !== 'paid' && next !== 'returned') {
		throw new StoreInputError(`payout item ${JSON.stringify(id)} is paid; it can only become returned, not ${next}`);
	}
	const releases = next === 'failed' || next === 'returned' || (next === 'unclaimed' && reopen);
	if (holds) return { release: releases, rehold: 'none' };
	if (releases) return { release: false, rehold: 'none' };
	return { release: false, rehold: next === 'reserved' || next === 'submitted' ? 'all' : 'available' };
}

/** The error text recorded when an item takes up a holding state again but some of its lines are held elsewhere. */
export function reholdConflict(id: string, next: PayoutItemState, taken: string[]): string {
	return `payout item ${id} became ${next} after releasing its ledger lines; ${taken.join(', ')} ${taken.length === 1 ? 'is' : 'are'} held by another payout item now (paid twice?)`;
}
