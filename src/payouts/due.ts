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
 * - a commission is held until `holdingDays` whole days have passed since it was recorded (the later of the
 *   line's recordedAt and occurredAt, + holdingDays × 24 h ≤ asOf: exactly that old counts as old enough). The
 *   recorded time is ours; occurredAt is what the postback claims, and a back-dated claim must not shorten the
 *   hold (a refund window cannot have passed before we even heard of the sale). A pending commission approved
 *   later is held from its approval, when its approved line was recorded. A line without recordedAt (built by
 *   hand) is held from occurredAt.
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
 * totals rendered back with fromMinorUnits.
 *
 * A line that cannot be read (finer than its currency's minor unit, '0.005' USD, which an older version let
 * into the ledger; not a decimal; an unknown currency; no valid time) never fails the plan: the ledger is
 * append-only, so a failure would block every affiliate for ever. It is listed in `excluded` as
 * 'invalid_line', with its id and the reason, and everyone else is planned as usual. Its own affiliate's
 * balance in its currency is held whole (carried as 'invalid_line', its lines left open) unless the rules say
 * `invalidLines: 'skip'`: the bad line may be a reversal, and paying the rest without it would pay money that
 * was taken back; or a commission, and paying without it sends a partial amount the affiliate cannot
 * reconcile. Holding one balance until the operator has looked is the cheaper mistake; once they have (the
 * line is listed with its reason on every plan), 'skip' pays that balance without the line, which stays
 * unpaid and listed. A line that would not count anyway (pending, a payout record, already paid) holds nothing.
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
	/** When the line was written (the store's recordedAt): the holding period runs from here, not from occurredAt. */
	recordedAt?: string;
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
	/**
	 * An unreadable line's own affiliate and currency: 'hold' (default) carries that whole balance unpaid;
	 * 'skip' pays it without the line. Either way the line is listed in `excluded` as 'invalid_line'.
	 */
	invalidLines?: 'hold' | 'skip';
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

export type CarriedReason = 'below_minimum' | 'negative_balance' | 'zero_balance' | 'invalid_line';

/** A balance that is not paid this time and is carried into the next period (its lines stay unpaid). */
export interface CarriedBalance<E extends PayoutEntryInput = PayoutEntryInput> {
	affiliateId: string;
	currency: string;
	/** Canonical exact decimal: the net of `entries`, possibly negative. */
	amount: string;
	reason: CarriedReason;
	/** The currency's minimum, when one is set. */
	minimum?: string;
	/** With 'invalid_line': the unreadable lines that hold this balance (listed in `excluded` with their reasons). */
	invalidEntryIds?: string[];
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

export type ExcludedReason = 'paid' | 'in_flight' | 'pending' | 'not_approved' | 'payout_record' | 'invalid_line';

/**
 * A line that no balance counts (checked in this order: invalid line, paid, in flight, payout record, pending,
 * not approved).
 */
export interface ExcludedEntry<E extends PayoutEntryInput = PayoutEntryInput> {
	entry: E;
	reason: ExcludedReason;
	/** With 'invalid_line': the line's id (as far as it has one) and why it cannot be read. */
	entryId?: string;
	detail?: string;
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
	/** Where the holding period starts: the later of recordedAt (when present) and occurredAt. */
	holdFromMs: number;
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
	const occurredAtMs = parseInstant(line.occurredAt, `${label} occurredAt`);
	const recordedAtMs = line.recordedAt === undefined || line.recordedAt === null ? undefined : parseInstant(line.recordedAt, `${label} recordedAt`);
	return {
		entry,
		affiliateId: line.affiliateId,
		currency: line.currency.toUpperCase(),
		minor,
		occurredAtMs,
		holdFromMs: recordedAtMs === undefined ? occurredAtMs : Math.max(occurredAtMs, recordedAtMs),
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
	if (!Number.isInteger(payDay) || payDay < 1 || payDay > 28)
		throw new RangeError(`payDay must be a whole day of the month from 1 to 28, got ${JSON.stringify(payDay)}`);
	if (!Number.isInteger(holdingDays) || holdingDays < 0)
		throw new RangeError(`holdingDays must be a whole number of days ≥ 0, got ${JSON.stringify(holdingDays)}`);
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
export function payoutSchedule(
	payDay: number,
	asOf: string | Date,
): { payDate: string; period: string; lockedBefore: string; payDateMs: number; lockedBeforeMs: number } {
	if (!Number.isInteger(payDay) || payDay < 1 || payDay > 28)
		throw new RangeError(`payDay must be a whole day of the month from 1 to 28, got ${JSON.stringify(payDay)}`);
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
	/** Affiliate + currency balances an unreadable line holds, with the ids of the lines holding them. */
	const heldBy = new Map<string, string[]>();
	entries.forEach((raw, index) => {
		// Ledger ids are unique; the same line twice (two lists joined) would be paid twice.
		if (raw && typeof raw === 'object' && typeof raw.id === 'string') {
			if (seen.has(raw.id)) throw new RangeError(`ledger line ${index} ("${raw.id}") appears twice`);
			seen.add(raw.id);
		}
		const read = readOrInvalid(raw, index);
		if ('detail' in read) {
			excluded.push(read);
			const key = invalidLineHolds(raw);
			if (key !== undefined && rules.invalidLines !== 'skip') heldBy.set(key, [...(heldBy.get(key) ?? []), read.entryId ?? `#${index}`]);
			return;
		}
		const line = read;
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
			const heldUntil = line.holdFromMs + holdingMs;
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
		const key = groupKey(line.currency, line.affiliateId);
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
		const holding = heldBy.get(groupKey(group.currency, group.affiliateId));
		const reason: CarriedReason | undefined = holding
			? 'invalid_line'
			: group.total < 0n
				? 'negative_balance'
				: group.total === 0n
					? 'zero_balance'
					: floor !== undefined && group.total < floor
						? 'below_minimum'
						: undefined;
		if (reason) {
			carried.push({
				affiliateId: group.affiliateId,
				currency: group.currency,
				amount,
				reason,
				...(floor !== undefined ? { minimum: minimumText.get(group.currency)! } : {}),
				...(holding ? { invalidEntryIds: holding } : {}),
				entries: group.entries,
			});
		} else {
			payable.push({
				affiliateId: group.affiliateId,
				currency: group.currency,
				amount,
				period: schedule.period,
				payDate: schedule.payDate,
				entries: group.entries,
			});
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

/** A balance's key. A NUL separator cannot occur in a currency code, so the key is unambiguous. */
function groupKey(currency: string, affiliateId: string): string {
	return `${currency.toUpperCase()}\u0000${affiliateId}`;
}

/** A line read, or (when it cannot be) its 'invalid_line' exclusion with the reason. */
function readOrInvalid<E extends PayoutEntryInput>(raw: E, index: number): ReadLine<E> | (ExcludedEntry<E> & { detail: string }) {
	try {
		return readPayoutLine(raw, index);
	} catch (error) {
		const entryId = raw && typeof raw === 'object' && typeof raw.id === 'string' && raw.id !== '' ? raw.id : undefined;
		return { entry: raw, reason: 'invalid_line', ...(entryId ? { entryId } : {}), detail: (error as Error).message };
	}
}

/**
 * The balance an unreadable line holds: its affiliate's in its currency, unless the line would not count
 * anyway (pending, a payout record, paid or in flight), or names no affiliate or currency to hold.
 */
function invalidLineHolds(raw: PayoutEntryInput): string | undefined {
	if (!raw || typeof raw !== 'object') return undefined;
	const line = raw as PayoutLedgerLine;
	if (typeof line.affiliateId !== 'string' || line.affiliateId === '' || typeof line.currency !== 'string') return undefined;
	if (line.status === 'pending' || line.kind === 'payout' || line.paid === true || line.inFlight === true) return undefined;
	if (typeof line.payoutId === 'string' && line.payoutId !== '') return undefined;
	return groupKey(line.currency, line.affiliateId);
}

/** Code-unit order, the same on every host (localeCompare is not). */
function compareText(a: string, b: string): number {
	return a < b ? -1 : a > b ? 1 : 0;
}
