import { ledgerLinesFor } from '../../../src/funnel/ledger';
import { calculateDuePayouts, calculatePayoutPlan, payoutSchedule, type PayoutLedgerLine, type PayoutRules } from '../../../src/payouts';
import type { LedgerEntry } from '../../../src/store/types';

let sequence = 0;
function line(affiliateId: string, commission: string, occurredAt: string, extra: Partial<PayoutLedgerLine> = {}): PayoutLedgerLine {
	sequence += 1;
	return { id: `line-${sequence}`, affiliateId, currency: 'USD', commission, status: 'approved', occurredAt, ...extra };
}

const ids = (entries: { id: string }[]) => entries.map((entry) => entry.id);
const SHAREASALE: PayoutRules = { payDay: 20, holdingDays: 0 };

describe('the schedule: paid on the 20th for the previous month', () => {
	it('pays October on 20 November, and the pay date holds until the next one', () => {
		for (const asOf of ['2026-11-20T00:00:00Z', '2026-11-20T13:00:00Z', '2026-11-30T23:59:59.999Z', '2026-12-19T23:59:59.999Z']) {
			const { payDate, period, lockedBefore } = payoutSchedule(20, asOf);
			expect({ asOf, payDate, period, lockedBefore }).toEqual({ asOf, payDate: '2026-11-20', period: '2026-10', lockedBefore: '2026-11-01T00:00:00.000Z' });
		}
	});

	it('uses the previous month’s pay day before this month’s (and crosses the year)', () => {
		expect(payoutSchedule(20, '2026-11-19T23:59:59.999Z')).toMatchObject({ payDate: '2026-10-20', period: '2026-09' });
		expect(payoutSchedule(20, '2026-01-05T00:00:00Z')).toMatchObject({ payDate: '2025-12-20', period: '2025-11', lockedBefore: '2025-12-01T00:00:00.000Z' });
		expect(payoutSchedule(20, '2026-02-25T00:00:00Z')).toMatchObject({ payDate: '2026-02-20', period: '2026-01', lockedBefore: '2026-02-01T00:00:00.000Z' });
		expect(payoutSchedule(1, '2026-03-01T00:00:00Z')).toMatchObject({ payDate: '2026-03-01', period: '2026-02' });
		expect(payoutSchedule(28, '2026-02-28T00:00:00Z')).toMatchObject({ payDate: '2026-02-28', period: '2026-01' });
		expect(payoutSchedule(28, '2026-03-27T23:00:00Z')).toMatchObject({ payDate: '2026-02-28', period: '2026-01' });
	});

	it('reads asOf with an offset as the UTC instant it is', () => {
		// 19:30 on the 19th in New York is 00:30 on the 20th in UTC: the pay day has come.
		expect(payoutSchedule(20, '2026-11-19T19:30:00-05:00')).toMatchObject({ payDate: '2026-11-20' });
		expect(payoutSchedule(20, new Date('2026-11-20T00:00:00Z'))).toMatchObject({ payDate: '2026-11-20' });
	});

	it('pays the previous month (and earlier) and nothing after; the month boundary is exclusive, in UTC', () => {
		const september = line('aff', '5.00', '2026-09-14T10:00:00Z');
		const october = line('aff', '60.00', '2026-10-05T12:00:00Z');
		const lastInstant = line('aff', '10.00', '2026-10-31T23:59:59.999Z');
		const firstOfNovember = line('aff', '25.00', '2026-11-01T00:00:00Z');
		const lateEvening = line('aff', '7.00', '2026-10-31T22:00:00-05:00'); // 03:00 UTC on 1 November
		const plan = calculatePayoutPlan([september, october, lastInstant, firstOfNovember, lateEvening], SHAREASALE, '2026-11-20T00:00:00Z');
		expect(plan).toMatchObject({ payDate: '2026-11-20', period: '2026-10', asOf: '2026-11-20T00:00:00.000Z' });
		expect(plan.payable).toHaveLength(1);
		expect(plan.payable[0]).toMatchObject({ affiliateId: 'aff', currency: 'USD', amount: '75', period: '2026-10', payDate: '2026-11-20' });
		expect(ids(plan.payable[0].entries)).toEqual(ids([september, october, lastInstant]));
		expect(plan.waiting).toEqual([
			{ entry: firstOfNovember, reason: 'not_yet_locked', dueFrom: '2026-12-20T00:00:00.000Z' },
			{ entry: lateEvening, reason: 'not_yet_locked', dueFrom: '2026-12-20T00:00:00.000Z' },
		]);
		expect(calculateDuePayouts([september, october, lastInstant, firstOfNovember, lateEvening], SHAREASALE, '2026-11-20T00:00:00Z')).toEqual(plan.payable);
	});

	it('pays nothing of October the instant before the pay day', () => {
		const october = line('aff', '60.00', '2026-10-05T12:00:00Z');
		const plan = calculatePayoutPlan([october], SHAREASALE, '2026-11-19T23:59:59.999Z');
		expect(plan.payable).toEqual([]);
		expect(plan.waiting).toEqual([{ entry: october, reason: 'not_yet_locked', dueFrom: '2026-11-20T00:00:00.000Z' }]);
	});
});

describe('the holding period', () => {
	const rules: PayoutRules = { payDay: 20, holdingDays: 30 };
	const lateOctober = line('aff', '40.00', '2026-10-25T08:00:00Z');
	const early = line('aff', '10.00', '2026-10-01T00:00:00Z');

	it('holds a commission until it is holdingDays old at asOf', () => {
		const plan = calculatePayoutPlan([early, lateOctober], rules, '2026-11-20T00:00:00Z');
		expect(plan.payable.map((payout) => payout.amount)).toEqual(['10']);
		expect(plan.waiting).toEqual([{ entry: lateOctober, reason: 'holding', dueFrom: '2026-11-24T08:00:00.000Z' }]);
	});

	it('counts a commission exactly holdingDays old (and not a millisecond younger)', () => {
		expect(calculateDuePayouts([lateOctober], rules, '2026-11-24T07:59:59.999Z')).toEqual([]);
		expect(calculateDuePayouts([lateOctober], rules, '2026-11-24T08:00:00Z')).toMatchObject([{ amount: '40', period: '2026-10' }]);
	});

	it('says when a held commission of an open month becomes due: the later of the pay date and the end of the hold', () => {
		const novemberEnd = line('aff', '1.00', '2026-11-30T12:00:00Z');
		const plan = calculatePayoutPlan([novemberEnd], { payDay: 1, holdingDays: 30 }, '2026-12-01T00:00:00Z');
		expect(plan.waiting).toEqual([{ entry: novemberEnd, reason: 'holding', dueFrom: '2026-12-30T12:00:00.000Z' }]);
	});
});

describe('the minimum, with carry-over', () => {
	const rules: PayoutRules = { payDay: 20, holdingDays: 0, minimum: { USD: '50.00' } };
	const october = line('aff', '30.00', '2026-10-10T00:00:00Z');
	const november = line('aff', '30.00', '2026-11-10T00:00:00Z');

	it('carries a balance below the minimum, then pays it with the next period', () => {
		const first = calculatePayoutPlan([october, november], rules, '2026-11-20T00:00:00Z');
		expect(first.payable).toEqual([]);
		expect(first.carried).toEqual([{ affiliateId: 'aff', currency: 'USD', amount: '30', reason: 'below_minimum', minimum: '50', entries: [october] }]);

		const second = calculatePayoutPlan([october, november], rules, '2026-12-20T00:00:00Z');
		expect(second.carried).toEqual([]);
		expect(second.payable).toEqual([
			{ affiliateId: 'aff', currency: 'USD', amount: '60', period: '2026-11', payDate: '2026-12-20', entries: [october, november] },
		]);
	});

	it('pays a balance exactly at the minimum', () => {
		const fifty = line('aff', '50', '2026-10-10T00:00:00Z');
		expect(calculateDuePayouts([fifty], rules, '2026-11-20T00:00:00Z')).toMatchObject([{ amount: '50' }]);
		expect(calculateDuePayouts([line('aff', '49.99', '2026-10-10T00:00:00Z')], rules, '2026-11-20T00:00:00Z')).toEqual([]);
	});

	it('has no minimum for a currency not listed, beyond above zero', () => {
		const cent = line('aff', '0.01', '2026-10-10T00:00:00Z', { currency: 'EUR' });
		expect(calculateDuePayouts([cent], rules, '2026-11-20T00:00:00Z')).toMatchObject([{ currency: 'EUR', amount: '0.01' }]);
	});

	it('reads minimum keys in any case', () => {
		expect(calculateDuePayouts([october], { payDay: 20, minimum: { usd: '20' } }, '2026-11-20T00:00:00Z')).toMatchObject([{ amount: '30' }]);
	});
});

describe('reversals', () => {
	// The store's own shape: `amount`, `kind`, paid when a payout id is set.
	const paidOctober: LedgerEntry = {
		id: 'c1:commission:approved',
		affiliateId: 'aff',
		kind: 'commission',
		amount: '100.00',
		currency: 'USD',
		status: 'approved',
		conversionId: 'c1',
		occurredAt: '2026-10-03T09:00:00Z',
		recordedAt: '2026-10-03T09:00:01Z',
		payoutId: 'batch-2026-10',
	};
	const reversalAfterPayment: LedgerEntry = {
		...paidOctober,
		id: 'c1:reversal:reversed',
		kind: 'reversal',
		amount: '-100.00',
		status: 'reversed',
		occurredAt: '2026-11-25T09:00:00Z',
		recordedAt: '2026-11-25T09:00:00Z',
		payoutId: undefined,
	};
	const november: LedgerEntry = {
		...paidOctober,
		id: 'c2:commission:approved',
		conversionId: 'c2',
		amount: '30.00',
		occurredAt: '2026-11-12T00:00:00Z',
		payoutId: undefined,
	};
	const december: LedgerEntry = {
		...paidOctober,
		id: 'c3:commission:approved',
		conversionId: 'c3',
		amount: '200.00',
		occurredAt: '2026-12-02T00:00:00Z',
		payoutId: undefined,
	};
	const rules: PayoutRules = { payDay: 20, holdingDays: 0, minimum: { USD: '50' } };

	it('carries a reversal after payment as a negative balance into the next period, then sets it against new earnings', () => {
		const ledger = [paidOctober, reversalAfterPayment, november, december];
		const december20 = calculatePayoutPlan(ledger, rules, '2026-12-20T00:00:00Z');
		expect(december20.payable).toEqual([]);
		expect(december20.carried).toEqual([
			{ affiliateId: 'aff', currency: 'USD', amount: '-70', reason: 'negative_balance', minimum: '50', entries: [reversalAfterPayment, november] },
		]);
		expect(december20.excluded).toEqual([{ entry: paidOctober, reason: 'paid' }]);

		const january20 = calculatePayoutPlan(ledger, rules, '2027-01-20T00:00:00Z');
		expect(january20.payable).toEqual([
			{ affiliateId: 'aff', currency: 'USD', amount: '130', period: '2026-12', payDate: '2027-01-20', entries: [reversalAfterPayment, november, december] },
		]);
	});

	it('counts a deduction at once, whatever its date, even one in a month still open', () => {
		const fresh = { ...reversalAfterPayment, occurredAt: '2026-12-19T00:00:00Z' };
		const plan = calculatePayoutPlan([fresh, november], rules, '2026-12-20T00:00:00Z');
		expect(plan.carried).toMatchObject([{ amount: '-70', reason: 'negative_balance' }]);
		expect(plan.waiting).toEqual([]);
	});

	it('nets a reversal of an unpaid commission to zero: nothing to pay', () => {
		const unpaid = { ...paidOctober, payoutId: undefined };
		const plan = calculatePayoutPlan([unpaid, reversalAfterPayment], { payDay: 20 }, '2026-12-20T00:00:00Z');
		expect(plan.payable).toEqual([]);
		expect(plan.carried).toMatchObject([{ amount: '0', reason: 'zero_balance' }]);
	});
});

describe('what is never counted', () => {
	const asOf = '2026-11-20T00:00:00Z';

	it('leaves pending commissions out, and pays the approved line once the funnel approves', () => {
		const change = {
			conversionId: 'c9',
			affiliateId: 'aff',
			commission: '12.50',
			currency: 'USD',
			occurredAt: '2026-10-07T00:00:00Z',
			recordedAt: '2026-10-07T00:00:00Z',
		};
		const pending = ledgerLinesFor({ ...change, to: 'pending' });
		const stillPending = calculatePayoutPlan(pending, SHAREASALE, asOf);
		expect(stillPending.payable).toEqual([]);
		expect(stillPending.excluded).toEqual(pending.map((entry) => ({ entry, reason: 'pending' })));

		const approved = [...pending, ...ledgerLinesFor({ ...change, from: 'pending', to: 'approved' })];
		const plan = calculatePayoutPlan(approved, SHAREASALE, asOf);
		expect(plan.payable).toMatchObject([{ amount: '12.5', entries: [{ id: 'c9:commission:approved' }] }]);
		// The pending credit and the adjustment that released it are both left out.
		expect(plan.excluded.map((item) => [item.entry.id, item.reason])).toEqual([
			['c9:commission:pending', 'pending'],
			['c9:adjustment:pending', 'pending'],
		]);

		const rejected = [...pending, ...ledgerLinesFor({ ...change, from: 'pending', to: 'rejected' })];
		expect(calculatePayoutPlan(rejected, SHAREASALE, asOf).payable).toEqual([]);
	});

	it('leaves out lines already paid or in flight, and positive lines never approved', () => {
		const paid = line('aff', '100', '2026-10-01T00:00:00Z', { paid: true });
		const inFlight = line('aff', '200', '2026-10-02T00:00:00Z', { inFlight: true });
		const rejected = line('aff', '300', '2026-10-03T00:00:00Z', { status: 'rejected' });
		const paidReversal = line('aff', '-50', '2026-10-04T00:00:00Z', { status: 'reversed', paid: true });
		const payoutRecord = line('aff', '-75', '2026-10-05T00:00:00Z', { kind: 'payout' });
		const due = line('aff', '1.25', '2026-10-06T00:00:00Z');
		const plan = calculatePayoutPlan([paid, inFlight, rejected, paidReversal, payoutRecord, due], SHAREASALE, asOf);
		expect(plan.payable).toMatchObject([{ amount: '1.25', entries: [due] }]);
		expect(plan.excluded).toEqual([
			{ entry: paid, reason: 'paid' },
			{ entry: inFlight, reason: 'in_flight' },
			{ entry: rejected, reason: 'not_approved' },
			{ entry: paidReversal, reason: 'paid' },
			{ entry: payoutRecord, reason: 'payout_record' },
		]);
	});
});

describe('several currencies', () => {
	it('keeps currencies apart, one total per affiliate and currency, sorted', () => {
		const rules: PayoutRules = { payDay: 20, minimum: { USD: '50', EUR: '40', KWD: '10' } };
		const entries = [
			line('bob', '60.00', '2026-10-01T00:00:00Z'),
			line('alice', '45.10', '2026-10-01T00:00:00Z', { currency: 'EUR' }),
			line('alice', '30', '2026-10-02T00:00:00Z', { currency: 'usd' }),
			line('alice', '25', '2026-10-03T00:00:00Z'),
			line('alice', '5000', '2026-10-04T00:00:00Z', { currency: 'JPY' }),
			line('alice', '9.999', '2026-10-05T00:00:00Z', { currency: 'KWD' }),
			line('alice', '0.001', '2026-10-06T00:00:00Z', { currency: 'KWD' }),
			line('alice', '39.99', '2026-10-07T00:00:00Z', { currency: 'EUR', status: 'reversed' }),
			line('alice', '-6', '2026-10-08T00:00:00Z', { currency: 'EUR', status: 'reversed' }),
		];
		const plan = calculatePayoutPlan(entries, rules, '2026-11-20T00:00:00Z');
		expect(plan.payable.map((payout) => [payout.affiliateId, payout.currency, payout.amount])).toEqual([
			['alice', 'JPY', '5000'],
			['alice', 'KWD', '10'],
			['alice', 'USD', '55'],
			['bob', 'USD', '60'],
		]);
		expect(plan.carried.map((balance) => [balance.affiliateId, balance.currency, balance.amount, balance.reason])).toEqual([
			['alice', 'EUR', '39.1', 'below_minimum'],
		]);
	});
});

describe('validation', () => {
	const october = line('aff', '1', '2026-10-01T00:00:00Z');
	const asOf = '2026-11-20T00:00:00Z';

	it('refuses bad rules', () => {
		for (const payDay of [0, 29, 31, 1.5, Number.NaN]) expect(() => calculateDuePayouts([october], { payDay }, asOf)).toThrow(/payDay/);
		expect(() => calculateDuePayouts([october], { payDay: 20, holdingDays: -1 }, asOf)).toThrow(/holdingDays/);
		expect(() => calculateDuePayouts([october], { payDay: 20, holdingDays: 0.5 }, asOf)).toThrow(/holdingDays/);
		expect(() => calculateDuePayouts([october], { payDay: 20, minimum: { USD: '-1' } }, asOf)).toThrow(/minimum for USD/);
		expect(() => calculateDuePayouts([october], { payDay: 20, minimum: { USD: '1.001' } }, asOf)).toThrow(/minimum for USD/);
		expect(() => calculateDuePayouts([october], { payDay: 20, minimum: { default: '1' } }, asOf)).toThrow(/minimum for default/);
		expect(() => calculateDuePayouts([october], { payDay: 20, minimum: { usd: '1', USD: '2' } }, asOf)).toThrow(/twice/);
	});

	it('refuses a bad asOf', () => {
		expect(() => calculateDuePayouts([october], SHAREASALE, 'yesterday')).toThrow(/asOf/);
		expect(() => calculateDuePayouts([october], SHAREASALE, new Date(Number.NaN))).toThrow(/asOf/);
		// Without an offset JS would read it in the host's zone: refused.
		expect(() => calculateDuePayouts([october], SHAREASALE, '2026-11-20T00:00:00')).toThrow(/asOf/);
		expect(() => calculateDuePayouts([october], SHAREASALE, '2026-11-20 00:00:00Z')).toThrow(/asOf/);
		expect(calculatePayoutPlan([october], SHAREASALE, '2026-11-20').payDate).toBe('2026-11-20');
	});

	it('refuses the same line twice rather than pay it twice', () => {
		expect(() => calculateDuePayouts([october, { ...october }], SHAREASALE, asOf)).toThrow(new RegExp(`ledger line 1 \\("${october.id}"\\) appears twice`));
	});

	it('names the ledger line it cannot read, and plans everyone else (test/unit/payouts/invalid-lines.test.ts has the rest)', () => {
		const bad = [
			[line('aff', '0.005', '2026-10-01T00:00:00Z', { id: 'half-cent' }), /ledger line \d+ \("half-cent"\).*more decimals/],
			[line('aff', '1', 'not a date', { id: 'x' }), /"x".*occurredAt/],
			[line('aff', 'ten', '2026-10-01T00:00:00Z', { id: 'y' }), /"y".*not a decimal/],
			[{ ...line('aff', '1', '2026-10-01T00:00:00Z', { id: 'z' }), amount: '1' }, /"z".*exactly one/],
			[line('aff', '1', '2026-10-01T00:00:00Z', { id: 'w', currency: 'XXQ' }), /"w".*ISO 4217/],
			[line('', '1', '2026-10-01T00:00:00Z', { id: 'v' }), /\("v"\) has no affiliateId/],
		] as const;
		for (const [entry, message] of bad) {
			const plan = calculatePayoutPlan([october, entry], SHAREASALE, asOf);
			expect(plan.excluded).toEqual([{ entry, reason: 'invalid_line', entryId: entry.id, detail: expect.stringMatching(message) }]);
		}
	});
});
