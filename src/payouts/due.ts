/**
 * What each affiliate is owed, from the commission ledger: pure arithmetic, no I/O, no clock (the caller
 * passes `asOf`).
 *
 * The schedule (ShareASale's, which Aspire passes on): on `payDay` of every month the network pays the
 * commissions of the previous month and earlier, once they are approved ("locked"). So at `asOf`:
 *
 * - the pay date is the last `payDay` at or before `asOf` (00:00 UTC that day): on 2026-11-20T00:00Z and after,
 *   2026-11-20; on 2026-11-19T23:59Z, 2026-10-20;
 * - the period is the month before the pay date's month ('2026-10' on 2026-11-20): a commission is locked
 *   when it occurred before the first instant of the pay date's month (2026-11-01T00:00:00.000Z, exclusive:
 *   a commission at exactly that instant belongs to November and waits for the December pay date). Earlier
 *   months still unpaid (a balance below the minimum, say) are locked too and are paid with this one;
 * - a commission is held until it is `holdingDays` whole days old at `asOf` (occurredAt + holdingDays × 24 h
 *   ≤ asOf: exactly that old counts as old enough).
 *
 * Every date is read as an instant and compared in UTC: '2026-10-31T22:00:00-05:00' is 03:00 on 1 November in
 * UTC, so it belongs to November. Calendar days and months are UTC days and months, whatever the host's zone.
 *
 * What counts towards an affiliate's balance, per currency (never mixed: one total per affiliate and currency):
 *
 * - approved lines above zero that are locked and held (the earnings that are due);
 * - every line below zero whose status is not pending (a reversal, a rejection, a manual deduction), whatever
 *   its date: money taken back is taken back at once, so a reversal of a commission that was already paid is
 *   carried as a negative balance into the next period and set against the next earnings.
 *
 * Never counted: pending lines (either sign: the funnel's pending credit and the adjustment that releases it
 * sum to what still waits for approval), lines already paid (`paid`, or the store's `payoutId`) or in a payout
 * that is under way (`inFlight`), lines of zero or more that were not approved, and the store's `payout` lines (the
 * record of a payment, not earnings).
 *
 * A balance is payable when it is above zero and at least the currency's minimum. Minimums are per currency
 * (`{ USD: '50.00', EUR: '40' }`); a currency with no minimum listed has none beyond "above zero". There is
 * deliberately no cross-currency default: 50 means something else in USD, JPY and KWD.
 *
 * Ledger ids must be unique in the input (a repeated id throws rather than count a line twice).
 *
 * Sums are exact: every amount is converted to BigInt minor units of its currency (toMinorUnits) and the
 * totals rendered back with fromMinorUnits. A line finer than its currency's minor unit ('0.005' USD) is
 * refused with an error naming it rather than rounded, since nobody can be paid half a cent.
 */
import { fromMinorUnits, normalizeDecimal, toMinorUnits } from '../model/money';
import type { LedgerEntry } from '../store/types';

export type PayoutEntryStatus = 'pending' | 'approved' | 'rejected' | 'reversed';

/**
 * A ledger line as payouts read it. Two shapes are accepted: this one (the amount named `commission`, the
 * paid and in-flight marks as booleans) and the store's LedgerEntry (the amount named `amount`, paid when
 * `payoutId` is set). A line carries exactly one of `commission` and `amount`.
 */
export interface PayoutLedgerLine {
	id: string;
	affiliateId: string;
	/** ISO 4217 code, any case. */
	currency: string;
	/** Signed exact decimal: commissions positive, reversals negative. */
	commission?: string;
	/** The store's name for the same signed amount. */
	amount?: string;
	status: PayoutEntryStatus;
	/** ISO 8601 instant (an offset, or Z). */
	occurredAt: string;
	/** Already paid out: never counted again. */
	paid?: boolean;
	/** Part of a payout under way: not counted until it is settled (paid, or released on failure). */
	inFlight?: boolean;
	/** The store's mark of a paid line (the batch that paid it). */
	payoutId?: string;
	kind?: LedgerEntry['kind'];
	conversionId?: string;
	transactionId?: string;
	network?: string;
}

/** Either accepted shape: this module's line or the store's LedgerEntry. */
export type PayoutEntryInput = PayoutLedgerLine | LedgerEntry;

export interface PayoutRules {
	/** Day of the month the payout is made, 1 to 28 (so every month has it). */
	payDay: number;
	/** Whole days a commission must have aged at `asOf` before it is paid; default 0. */
	holdingDays?: number;
	/** Minimum payout per currency, exact decimal strings: `{ USD: '50.00' }`. Unlisted currencies: none. */
	minimum?: Record<string, string>;
}

/** One affiliate's payable total in one currency. */
export interface DuePayout<E extends PayoutEntryInput = PayoutEntryInput> {
	affiliateId: string;
	/** Upper-case ISO 4217 code. */
	currency: string;
	/** Canonical exact decimal ('12.5'), above zero and at least the minimum. */
	amount: string;
	/** 'YYYY-MM': the payout covers commissions through the end of this month (UTC). */
	period: string;
	/** 'YYYY-MM-DD': the pay date the period belongs to. */
	payDate: string;
	/** The ledger lines the amount is made of (the input objects), in input order. */
	entries: E[];
}

export type CarriedReason = 'below_minimum' | 'negative_balance' | 'zero_balance';

/** A balance that is not paid this time and is carried into the next period (its lines stay unpaid). */
export interface CarriedBalance<E extends PayoutEntryInput = PayoutEntryInput> {
	affiliateId: string;
	currency: string;
	/** Canonical exact decimal: the net of `entries`, possibly negative. */
	amount: string;
	reason: CarriedReason;
	/** The currency's minimum, when one is set. */
	minimum?: string;
	entries: E[];
}

export type WaitingReason = 'not_yet_locked' | 'holding';

/** An approved commission that is not due yet. */
export interface WaitingEntry<E extends PayoutEntryInput = PayoutEntryInput> {
	entry: E;
	/** not_yet_locked: its month has not closed as of the last pay date (checked first); holding: too recent. */
	reason: WaitingReason;
	/** ISO instant from which a plan counts it (the first pay date after its month, or the end of its hold). */
	dueFrom: string;
}

export type ExcludedReason = 'paid' | 'in_flight' | 'pending' | 'not_approved' | 'payout_record';

/** A line that no balance counts (checked in this order: paid, in flight, payout record, pending, not approved). */
export interface ExcludedEntry<E extends PayoutEntryInput = PayoutEntryInput> {
	entry: E;
	reason: ExcludedReason;
}

/**
 * The whole decision at `asOf`. Every input line appears exactly once: in one payable total, one carried
 * balance, `waiting` or `excluded`.
 */
export interface PayoutPlan<E extends PayoutEntryInput = PayoutEntryInput> {
	/** `asOf` as an ISO instant (UTC). */
	asOf: string;
	payDate: string;
	period: string;
	/** First instant of the pay date's month: lines occurring before it are locked (exclusive bound). */
	lockedBefore: string;
	payable: DuePayout<E>[];
	carried: CarriedBalance<E>[];
	waiting: WaitingEntry<E>[];
	excluded: ExcludedEntry<E>[];
}

const DAY_MS = 86_400_000;

/** A line read once: amount and time parsed, the two shapes made one. */
export interface ReadLine<E extends PayoutEntryInput = PayoutEntryInput> {
	entry: E;
	affiliateId: string;
	currency: string;
	/** Signed amount in the currency's minor units. */
	minor: bigint;
	occurredAtMs: number;
	status: PayoutEntryStatus;
	kind?: LedgerEntry['kind'];
	paid: boolean;
	inFlight: boolean;
}

/**
 * A date (midnight UTC) or a date-time with Z or an offset. A date-time without an offset is refused: JS would
 * read it in the host's zone, and a payout must not depend on where it runs.
 */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2}))?$/i;

/** Parses an ISO 8601 instant; throws naming `what` when it is not one. */
export function parseInstant(value: string | Date, what: string): number {
	const ms = value instanceof Date ? value.getTime() : typeof value === 'string' && ISO_INSTANT.test(value.trim()) ? Date.parse(value.trim()) : NaN;
	if (!Number.isFinite(ms)) throw new RangeError(`${what}: ${JSON.stringify(String(value))} is not an ISO 8601 date`);
	return ms;
}

/** Reads one ledger line in either shape; throws an error naming the line when it is malformed. */
export function readPayoutLine<E extends PayoutEntryInput>(entry: E, index: number): ReadLine<E> {
	const label = `ledger line ${index}${entry && typeof entry.id === 'string' ? ` ("${entry.id}")` : ''}`;
	if (!entry || typeof entry !== 'object') throw new TypeError(`${label} is not an object`);
	if (typeof entry.id !== 'string' || entry.id === '') throw new TypeError(`${label} has no id`);
	if (typeof entry.affiliateId !== 'string' || entry.affiliateId === '') throw new TypeError(`${label} has no affiliateId`);
	const line = entry as PayoutLedgerLine;
	const hasCommission = line.commission !== undefined && line.commission !== null;
	const hasAmount = line.amount !== undefined && line.amount !== null;
	if (hasCommission === hasAmount) throw new TypeError(`${label} must carry exactly one of commission and amount`);
	const text = (hasCommission ? line.commission : line.amount) as unknown;
	if (typeof text !== 'string' || normalizeDecimal(text) === undefined) throw new TypeError(`${label}: ${JSON.stringify(text)} is not a decimal amount`);
	if (!['pending', 'approved', 'rejected', 'reversed'].includes(line.status)) throw new TypeError(`${label}: unknown status ${JSON.stringify(line.status)}`);
	if (typeof line.currency !== 'string') throw new TypeError(`${label} has no currency`);
	const minor = minorUnitsOr(text, line.currency, (reason) => new RangeError(`${label}: ${reason}`));
	return {
		entry,
		affiliateId: line.affiliateId,
		currency: line.currency.toUpperCase(),
		minor,
		occurredAtMs: parseInstant(line.occurredAt, `${label} occurredAt`),
		status: line.status,
		kind: line.kind,
		paid: line.paid === true || (typeof line.payoutId === 'string' && line.payoutId !== ''),
		inFlight: line.inFlight === true,
	};
}

/** toMinorUnits, its error's message rethrown in the caller's words (which line, which setting). */
function minorUnitsOr(amount: string, currency: string, explain: (reason: string) => Error): bigint {
	let reason: string;
	try {
		return toMinorUnits(amount, currency);
	} catch (error) {
		reason = (error as Error).message;
	}
	throw explain(reason);
}

function validateRules(rules: PayoutRules): { payDay: number; holdingMs: number; minimum: Map<string, bigint>; minimumText: Map<string, string> } {
	if (!rules || typeof rules !== 'object') throw new TypeError('payout rules must be an object');
	const { payDay, holdingDays = 0, minimum = {} } = rules;
	if (!Number.isInteger(payDay) || payDay < 1 || payDay > 28) throw new RangeError(`payDay must be a whole day of the month from 1 to 28, got ${JSON.stringify(payDay)}`);
	if (!Number.isInteger(holdingDays) || holdingDays < 0) throw new RangeError(`holdingDays must be a whole number of days ≥ 0, got ${JSON.stringify(holdingDays)}`);
	const minimumMinor = new Map<string, bigint>();
	const minimumText = new Map<string, string>();
	for (const [currency, value] of Object.entries(minimum)) {
		const code = currency.toUpperCase();
		if (minimumMinor.has(code)) throw new RangeError(`minimum lists ${code} twice`);
		const minor = minorUnitsOr(String(value), code, (reason) => new RangeError(`minimum for ${currency}: ${reason}`));
		if (minor < 0n) throw new RangeError(`minimum for ${currency} must not be negative, got ${value}`);
		minimumMinor.set(code, minor);
		minimumText.set(code, fromMinorUnits(minor, code));
	}
	return { payDay, holdingMs: holdingDays * DAY_MS, minimum: minimumMinor, minimumText };
}

const pad2 = (n: number) => String(n).padStart(2, '0');
const utcMonthStart = (year: number, month: number) => Date.UTC(year, month, 1);

/** The schedule at `asOf`: the last pay date at or before it, the period it pays and the lock bound. */
export function payoutSchedule(payDay: number, asOf: string | Date): { payDate: string; period: string; lockedBefore: string; payDateMs: number; lockedBeforeMs: number } {
	if (!Number.isInteger(payDay) || payDay < 1 || payDay > 28) throw new RangeError(`payDay must be a whole day of the month from 1 to 28, got ${JSON.stringify(payDay)}`);
	const asOfMs = parseInstant(asOf, 'asOf');
	const now = new Date(asOfMs);
	let year = now.getUTCFullYear();
	let month = now.getUTCMonth();
	// Before the pay day this month, the last pay date was last month's.
	if (now.getUTCDate() < payDay) {
		month -= 1;
		if (month < 0) {
			month = 11;
			year -= 1;
		}
	}
	const lockedBeforeMs = utcMonthStart(year, month);
	const periodStart = new Date(utcMonthStart(year, month - 1));
	return {
		payDate: `${year}-${pad2(month + 1)}-${pad2(payDay)}`,
		period: `${periodStart.getUTCFullYear()}-${pad2(periodStart.getUTCMonth() + 1)}`,
		lockedBefore: new Date(lockedBeforeMs).toISOString(),
		payDateMs: Date.UTC(year, month, payDay),
		lockedBeforeMs,
	};
}

/** The first pay date (00:00 UTC) after the month of `occurredAtMs`: when that month is locked. */
function firstPayDateAfterMonthOf(occurredAtMs: number, payDay: number): number {
	const at = new Date(occurredAtMs);
	return Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, payDay);
}

/**
 * Everything the payout run decides at `asOf`: the payable totals, the balances carried (below the minimum,
 * negative or zero), the approved commissions still waiting, and the lines no balance counts. See the module
 * comment for the rules.
 */
export function calculatePayoutPlan<E extends PayoutEntryInput>(entries: readonly E[], rules: PayoutRules, asOf: string | Date): PayoutPlan<E> {
	if (!Array.isArray(entries)) throw new TypeError('entries must be an array of ledger lines');
	const { payDay, holdingMs, minimum, minimumText } = validateRules(rules);
	const asOfMs = parseInstant(asOf, 'asOf');
	const schedule = payoutSchedule(payDay, new Date(asOfMs));

	const waiting: WaitingEntry<E>[] = [];
	const excluded: ExcludedEntry<E>[] = [];
	const groups = new Map<string, { affiliateId: string; currency: string; total: bigint; entries: E[] }>();

	const seen = new Set<string>();
	entries.forEach((raw, index) => {
		const line = readPayoutLine(raw, index);
		// Ledger ids are unique; the same line twice (two lists joined) would be paid twice.
		if (seen.has(raw.id)) throw new RangeError(`ledger line ${index} ("${raw.id}") appears twice`);
		seen.add(raw.id);
		const exclusion: ExcludedReason | undefined = line.paid
			? 'paid'
			: line.inFlight
				? 'in_flight'
				: line.kind === 'payout'
					? 'payout_record'
					: line.status === 'pending'
						? 'pending'
						: line.minor >= 0n && line.status !== 'approved'
							? 'not_approved'
							: undefined;
		if (exclusion) {
			excluded.push({ entry: raw, reason: exclusion });
			return;
		}
		// Deductions (below zero) count at once; earnings (approved, zero or more) once locked and held.
		if (line.minor >= 0n) {
			const lockedFrom = firstPayDateAfterMonthOf(line.occurredAtMs, payDay);
			const heldUntil = line.occurredAtMs + holdingMs;
			const dueFrom = new Date(Math.max(lockedFrom, heldUntil)).toISOString();
			if (line.occurredAtMs >= schedule.lockedBeforeMs) {
				waiting.push({ entry: raw, reason: 'not_yet_locked', dueFrom });
				return;
			}
			if (heldUntil > asOfMs) {
				waiting.push({ entry: raw, reason: 'holding', dueFrom });
				return;
			}
		}
		// A NUL separator cannot occur in a currency code, so the key is unambiguous.
		const key = `${line.currency}\u0000${line.affiliateId}`;
		let group = groups.get(key);
		if (!group) {
			group = { affiliateId: line.affiliateId, currency: line.currency, total: 0n, entries: [] };
			groups.set(key, group);
		}
		group.total += line.minor;
		group.entries.push(raw);
	});

	const payable: DuePayout<E>[] = [];
	const carried: CarriedBalance<E>[] = [];
	const ordered = [...groups.values()].sort((a, b) => compareText(a.affiliateId, b.affiliateId) || compareText(a.currency, b.currency));
	for (const group of ordered) {
		const amount = fromMinorUnits(group.total, group.currency);
		const floor = minimum.get(group.currency);
		const reason: CarriedReason | undefined =
			group.total < 0n ? 'negative_balance' : group.total === 0n ? 'zero_balance' : floor !== undefined && group.total < floor ? 'below_minimum' : undefined;
		if (reason) {
			carried.push({
				affiliateId: group.affiliateId,
				currency: group.currency,
				amount,
				reason,
				...(floor !== undefined ? { minimum: minimumText.get(group.currency)! } : {}),
				entries: group.entries,
			});
		} else {
			payable.push({ affiliateId: group.affiliateId, currency: group.currency, amount, period: schedule.period, payDate: schedule.payDate, entries: group.entries });
		}
	}

	return {
		asOf: new Date(asOfMs).toISOString(),
		payDate: schedule.payDate,
		period: schedule.period,
		lockedBefore: schedule.lockedBefore,
		payable,
		carried,
		waiting,
		excluded,
	};
}

/**
 * The payable totals at `asOf`, one per affiliate and currency, sorted by affiliate then currency: the
 * `payable` part of calculatePayoutPlan (which also tells what is carried, waiting or excluded, and why).
 */
export function calculateDuePayouts<E extends PayoutEntryInput>(entries: readonly E[], rules: PayoutRules, asOf: string | Date): DuePayout<E>[] {
	return calculatePayoutPlan(entries, rules, asOf).payable;
}

/** Code-unit order, the same on every host (localeCompare is not). */
function compareText(a: string, b: string): number {
	return a < b ? -1 : a > b ? 1 : 0;
}
