import fc from 'fast-check';
import { calculatePayoutPlan, type PayoutLedgerLine, type PayoutPlan, type PayoutRules } from '../../../src/payouts';
import type { LedgerEntry } from '../../../src/store/types';

/**
 * Randomized ledgers against a reference written separately from the code under test: amounts are summed as
 * BigInt at a fixed scale of 10^6 (not the currency's minor unit), parsed with a regex of its own, and which
 * lines are due is decided by a plain reading of the rules (the pay date found by walking back day by day).
 */

const CURRENCIES: Record<string, number> = { USD: 2, EUR: 2, JPY: 0, KWD: 3, BHD: 3, GBP: 2, CLF: 4 };
const AFFILIATES = ['ann', 'bo', 'cy', 'dee', 'eve', 'fu'];
const STATUSES = ['pending', 'approved', 'approved', 'approved', 'rejected', 'reversed'] as const;
const REFERENCE_SCALE = 6;
const DAY = 86_400_000;
const FROM = Date.UTC(2025, 10, 1);
const TO = Date.UTC(2027, 2, 1);
const MONTH_EDGES = Array.from({ length: 17 }, (_, i) => Date.UTC(2025, 10 + i, 1));

type AnyLine = PayoutLedgerLine | LedgerEntry;

/** An amount written in one of the ways a decimal can be written within the currency's decimals. */
const amountText = (exponent: number) =>
	fc
		.tuple(
			fc.boolean(),
			fc.oneof(fc.bigInt({ min: 0n, max: 999n }), fc.bigInt({ min: 0n, max: 10n ** 9n })),
			fc.integer({ min: 0, max: 10 ** exponent - 1 }),
			fc.integer({ min: 0, max: exponent }),
			fc.boolean(),
		)
		.map(([negative, integer, fraction, shown, padded]) => {
			const digits = exponent === 0 ? '' : String(fraction).padStart(exponent, '0');
			// Drop trailing zeros sometimes ('12.50' → '12.5'), never a significant digit.
			let fractionText = digits.slice(0, Math.max(shown, digits.replace(/0+$/, '').length));
			if (padded && exponent > 0) fractionText = digits;
			const body = fractionText ? `${integer}.${fractionText}` : String(integer);
			return negative ? `-${body}` : body;
		});

const instant = fc.oneof(
	fc.integer({ min: FROM, max: TO }),
	fc.constantFrom(...MONTH_EDGES),
	fc.constantFrom(...MONTH_EDGES).map((edge) => edge - 1),
);

const lineArbitrary = fc.constantFrom(...Object.keys(CURRENCIES)).chain((currency) =>
	fc.record({
		affiliateId: fc.constantFrom(...AFFILIATES),
		currency: fc.constant(currency),
		lowerCase: fc.boolean(),
		amount: amountText(CURRENCIES[currency]),
		status: fc.constantFrom(...STATUSES),
		occurredAtMs: instant,
		offsetMinutes: fc.constantFrom(0, 0, -300, 330, 60),
		paid: fc.constantFrom(false, false, false, false, true),
		inFlight: fc.constantFrom(false, false, false, false, false, true),
		storeShape: fc.boolean(),
	}),
);

let serial = 0;
function toLine(spec: LineSpec): AnyLine {
	serial += 1;
	const occurredAt = withOffset(spec.occurredAtMs, spec.offsetMinutes);
	const currency = spec.lowerCase ? spec.currency.toLowerCase() : spec.currency;
	if (spec.storeShape) {
		return {
			id: `s${serial}`,
			affiliateId: spec.affiliateId,
			kind: spec.amount.startsWith('-') ? 'reversal' : 'commission',
			amount: spec.amount,
			currency,
			status: spec.status,
			occurredAt,
			recordedAt: occurredAt,
			...(spec.paid ? { payoutId: 'batch-1' } : {}),
		};
	}
	return {
		id: `l${serial}`,
		affiliateId: spec.affiliateId,
		currency,
		commission: spec.amount,
		status: spec.status,
		occurredAt,
		...(spec.paid ? { paid: true } : {}),
		...(spec.inFlight ? { inFlight: true } : {}),
	};
}
type LineSpec = {
	affiliateId: string;
	currency: string;
	lowerCase: boolean;
	amount: string;
	status: (typeof STATUSES)[number];
	occurredAtMs: number;
	offsetMinutes: number;
	paid: boolean;
	inFlight: boolean;
	storeShape: boolean;
};

/** The same instant written with a UTC offset ('…+05:30'), so the code must read offsets right. */
function withOffset(ms: number, offsetMinutes: number): string {
	if (offsetMinutes === 0) return new Date(ms).toISOString();
	const local = new Date(ms + offsetMinutes * 60_000).toISOString().slice(0, 23);
	const sign = offsetMinutes < 0 ? '-' : '+';
	const abs = Math.abs(offsetMinutes);
	return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** The reference's own decimal reading: BigInt at 10^6. */
function referenceScaled(text: string): bigint {
	const match = /^(-?)(\d+)(?:\.(\d*))?$/.exec(text);
	if (!match) throw new Error(`reference cannot read ${text}`);
	const value = BigInt(match[2]) * 10n ** BigInt(REFERENCE_SCALE) + BigInt((match[3] ?? '').padEnd(REFERENCE_SCALE, '0') || '0');
	return match[1] === '-' ? -value : value;
}

function referenceAmount(line: AnyLine): string {
	return 'commission' in line && line.commission !== undefined ? line.commission : (line as LedgerEntry).amount;
}

/** Which of the four places a line belongs in, read plainly from the rules. */
function referencePlace(line: AnyLine, rules: Required<PayoutRules>, asOfMs: number): 'counted' | 'waiting' | 'excluded' {
	const paid = ('paid' in line && line.paid === true) || ('payoutId' in line && !!line.payoutId);
	if (paid || ('inFlight' in line && line.inFlight)) return 'excluded';
	if (line.status === 'pending') return 'excluded';
	const scaled = referenceScaled(referenceAmount(line));
	if (scaled < 0n) return 'counted';
	if (line.status !== 'approved') return 'excluded';
	// The last pay day at or before asOf: walk back a day at a time.
	let day = Math.floor(asOfMs / DAY) * DAY;
	while (new Date(day).getUTCDate() !== rules.payDay) day -= DAY;
	const monthStart = Date.UTC(new Date(day).getUTCFullYear(), new Date(day).getUTCMonth(), 1);
	const at = new Date(line.occurredAt).getTime();
	if (at >= monthStart) return 'waiting';
	if (at + rules.holdingDays * DAY > asOfMs) return 'waiting';
	return 'counted';
}

function allPlacedIds(plan: PayoutPlan<AnyLine>): string[] {
	return [
		...plan.payable.flatMap((payout) => payout.entries.map((entry) => entry.id)),
		...plan.carried.flatMap((balance) => balance.entries.map((entry) => entry.id)),
		...plan.waiting.map((item) => item.entry.id),
		...plan.excluded.map((item) => item.entry.id),
	];
}

interface CheckResult {
	groupsChecked: number;
	floatDisagreements: number;
}

/** Checks one plan against the reference; returns how many group totals a float sum would have got wrong. */
function checkPlan(lines: AnyLine[], rules: Required<PayoutRules>, asOfMs: number): CheckResult {
	const plan = calculatePayoutPlan(lines, rules, new Date(asOfMs).toISOString());

	// Partition: every line in exactly one place.
	const placed = allPlacedIds(plan);
	expect(placed.length).toBe(lines.length);
	expect(new Set(placed).size).toBe(lines.length);
	expect([...placed].sort()).toEqual(lines.map((line) => line.id).sort());

	// Each line in the place the reference puts it.
	const byId = new Map(lines.map((line) => [line.id, line]));
	const countedIds = new Set([...plan.payable, ...plan.carried].flatMap((group) => group.entries.map((entry) => entry.id)));
	for (const line of lines) {
		const expected = referencePlace(line, rules, asOfMs);
		const actual = countedIds.has(line.id) ? 'counted' : plan.waiting.some((item) => item.entry === line) ? 'waiting' : 'excluded';
		if (actual !== expected) throw new Error(`${JSON.stringify(line)}: expected ${expected}, got ${actual}`);
	}

	// Totals exact, groups homogeneous, payable ones above zero and at least the minimum.
	const reference = new Map<string, { exact: bigint; float: number }>();
	for (const id of countedIds) {
		const line = byId.get(id)!;
		const key = `${line.affiliateId}|${line.currency.toUpperCase()}`;
		const sum = reference.get(key) ?? { exact: 0n, float: 0 };
		sum.exact += referenceScaled(referenceAmount(line));
		sum.float += Number(referenceAmount(line));
		reference.set(key, sum);
	}
	let floatDisagreements = 0;
	const groups = [...plan.payable.map((group) => ({ ...group, reason: undefined as string | undefined })), ...plan.carried];
	expect(groups.length).toBe(reference.size);
	for (const group of groups) {
		for (const entry of group.entries) {
			expect(entry.affiliateId).toBe(group.affiliateId);
			expect(entry.currency.toUpperCase()).toBe(group.currency);
		}
		const sum = reference.get(`${group.affiliateId}|${group.currency}`)!;
		expect(referenceScaled(group.amount)).toBe(sum.exact);
		const minimum = rules.minimum[group.currency] ? referenceScaled(rules.minimum[group.currency]) : 0n;
		const expectedReason = sum.exact < 0n ? 'negative_balance' : sum.exact === 0n ? 'zero_balance' : sum.exact < minimum ? 'below_minimum' : undefined;
		expect(group.reason).toBe(expectedReason);
		// What adding Numbers would have said: not the exact total, once enough lines are summed.
		if (sum.float !== Number(group.amount)) floatDisagreements += 1;
	}
	return { groupsChecked: groups.length, floatDisagreements };
}

const RULES: Required<PayoutRules> = { payDay: 20, holdingDays: 14, minimum: { USD: '50', EUR: '25.5', KWD: '10.000', JPY: '5000' }, invalidLines: 'hold' };

describe('payout arithmetic on randomized ledgers', () => {
	it('sums 10,000 lines in seven currencies exactly where float addition does not, and places every line once', () => {
		const specs = fc.sample(fc.array(lineArbitrary, { minLength: 10_000, maxLength: 10_000 }), { numRuns: 1, seed: 20261120 })[0];
		const lines = specs.map(toLine);
		expect(lines).toHaveLength(10_000);
		expect(new Set(lines.map((line) => line.currency.toUpperCase()))).toEqual(new Set(Object.keys(CURRENCIES)));
		let floatDisagreements = 0;
		let groupsChecked = 0;
		for (const asOf of ['2026-06-20T00:00:00Z', '2026-11-19T23:59:59.999Z', '2027-01-20T00:00:00Z', '2027-03-01T00:00:00Z']) {
			const result = checkPlan(lines, RULES, Date.parse(asOf));
			floatDisagreements += result.floatDisagreements;
			groupsChecked += result.groupsChecked;
		}
		expect(groupsChecked).toBeGreaterThan(100);
		// The property means something: on this corpus, Number addition gets some totals wrong.
		expect(floatDisagreements).toBeGreaterThan(0);
	});

	it('holds for any ledger, pay day, holding period and asOf', () => {
		fc.assert(
			fc.property(
				fc.array(lineArbitrary, { maxLength: 120 }),
				fc.integer({ min: 1, max: 28 }),
				fc.integer({ min: 0, max: 60 }),
				fc.oneof(fc.integer({ min: FROM, max: TO + 60 * DAY }), fc.constantFrom(...MONTH_EDGES)),
				(specs, payDay, holdingDays, asOfMs) => {
					checkPlan(specs.map(toLine), { ...RULES, payDay, holdingDays }, asOfMs);
				},
			),
			{ numRuns: 300 },
		);
	});

	it('shows on a small case why floats are refused', () => {
		// 0.1 + 0.2 in Number is 0.30000000000000004; the plan says 0.3.
		const lines: PayoutLedgerLine[] = [
			{ id: 'a', affiliateId: 'x', currency: 'USD', commission: '0.1', status: 'approved', occurredAt: '2026-10-01T00:00:00Z' },
			{ id: 'b', affiliateId: 'x', currency: 'USD', commission: '0.2', status: 'approved', occurredAt: '2026-10-02T00:00:00Z' },
		];
		expect(0.1 + 0.2).not.toBe(0.3);
		expect(calculatePayoutPlan(lines, { payDay: 20 }, '2026-11-20T00:00:00Z').payable[0].amount).toBe('0.3');
	});
});
