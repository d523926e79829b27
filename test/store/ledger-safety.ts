/**
 * Issue 13, the ledger on a real store (run by sqlite.test.ts and postgres.test.ts, each test on a fresh
 * database): a bad line already in the ledger (written by an older version, straight into the store) never
 * stops Calculate Due, Pay or Statement for anyone else; and the holding period runs from when a line was
 * recorded, whatever occurredAt the postback claimed.
 */
import { runFunnel } from '../../src/funnel';
import { conversionSchema } from '../../src/model';
import { parsePostback } from '../../src/networks';
import { type PayoutContext, type PayoutDeps, payDuePayouts, planPayouts, statementFor } from '../../src/payouts';
import { clearPayPalTokenCache } from '../../src/payouts/providers';
import type { LedgerEntry, TrackingStore } from '../../src/store';
import { PAYPAL_FAKE_CLIENT_ID, PAYPAL_FAKE_CLIENT_SECRET, type PayPalFake, startPayPalFake } from '../fakes/paypal';
import type { StoreHarness } from './contract';

/** A real HTTP `send` (fetch) to the fake, resolving on every status. */
function fetchDeps(now: () => Date): PayoutDeps {
	return {
		now,
		sleep: async () => {},
		retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2 },
		send: async (request) => {
			const response = await fetch(request.url, { method: request.method, headers: request.headers, body: request.body, signal: AbortSignal.timeout(5000) });
			const text = await response.text();
			let body: unknown = text;
			try {
				body = text ? (JSON.parse(text) as unknown) : '';
			} catch {
				// not JSON
			}
			return { status: response.status, headers: Object.fromEntries(response.headers.entries()), body };
		},
	};
}

const line = (id: string, affiliateId: string, amount: string, occurredAt: string, extra: Partial<LedgerEntry> = {}): LedgerEntry => ({
	id,
	affiliateId,
	kind: 'commission',
	amount,
	currency: 'USD',
	status: 'approved',
	conversionId: `cv-${id}`,
	occurredAt,
	recordedAt: occurredAt,
	...extra,
});

export function describeLedgerSafety(name: string, makeHarness: () => Promise<StoreHarness>): void {
	describe(`${name}: one bad ledger line never blocks everyone (issue 13)`, () => {
		let harness: StoreHarness;
		let store: TrackingStore;
		let paypal: PayPalFake;
		let context: PayoutContext<'paypal'>;
		const clock = new Date('2026-11-20T12:00:00Z');

		beforeEach(async () => {
			clearPayPalTokenCache();
			harness = await makeHarness();
			store = await harness.open();
			paypal = await startPayPalFake({ now: () => clock });
			context = {
				store,
				provider: 'paypal',
				config: { clientId: PAYPAL_FAKE_CLIENT_ID, clientSecret: PAYPAL_FAKE_CLIENT_SECRET, environment: 'sandbox', baseUrl: paypal.url },
				deps: fetchDeps(() => clock),
			};
		});
		afterEach(async () => {
			await paypal.close();
			await harness.dispose();
		});

		const receivers = new Map([
			['aff-A', { receiver: 'a@example.com' }],
			['aff-B', { receiver: 'b@example.com' }],
			['aff-C', { receiver: 'c@example.com' }],
		]);
		const RULES = { payDay: 20, holdingDays: 0 };

		async function seedLedger(): Promise<void> {
			await store.addLedgerEntry(line('a-1', 'aff-A', '60', '2026-10-03T10:00:00Z'));
			await store.addLedgerEntry(line('b-1', 'aff-B', '70', '2026-10-04T10:00:00Z'));
			// Written straight into the store, as an older version let through: half a cent, half a yen.
			await store.addLedgerEntry(line('b-bad', 'aff-B', '0.005', '2026-10-05T10:00:00Z'));
			await store.addLedgerEntry(line('c-1', 'aff-C', '8000', '2026-10-06T10:00:00Z', { currency: 'JPY' }));
			await store.addLedgerEntry(line('c-bad', 'aff-C', '0.5', '2026-10-07T10:00:00Z', { currency: 'JPY' }));
			await store.addLedgerEntry(line('c-2', 'aff-C', '40', '2026-10-06T10:00:00Z'));
		}

		it('Calculate Due plans everyone else, holds only the bad line’s affiliate and currency, and names the line', async () => {
			await seedLedger();
			const plan = await planPayouts(store, RULES, clock);
			expect(plan.payable.map((due) => [due.affiliateId, due.currency, due.amount])).toEqual([
				['aff-A', 'USD', '60'],
				['aff-C', 'USD', '40'],
			]);
			expect(plan.carried.map((carried) => [carried.affiliateId, carried.currency, carried.reason, carried.invalidEntryIds])).toEqual([
				['aff-B', 'USD', 'invalid_line', ['b-bad']],
				['aff-C', 'JPY', 'invalid_line', ['c-bad']],
			]);
			expect(plan.excluded.filter((excluded) => excluded.reason === 'invalid_line').map((excluded) => [excluded.entryId, excluded.detail])).toEqual([
				['b-bad', expect.stringMatching(/0\.005 USD has more decimals/)],
				['c-bad', expect.stringMatching(/0\.5 JPY has more decimals/)],
			]);
		});

		it('Pay pays everyone else through PayPal, reports each bad line with its id, and leaves the held lines open', async () => {
			await seedLedger();
			const result = await payDuePayouts(context, { rules: RULES, asOf: clock, receivers });
			const outcome = (affiliateId: string, currency: string) =>
				result.reports.find((report) => report.affiliateId === affiliateId && report.currency === currency && report.outcome !== 'invalid_line');
			expect(outcome('aff-A', 'USD')).toMatchObject({ outcome: 'submitted', amount: '60' });
			expect(outcome('aff-C', 'USD')).toMatchObject({ outcome: 'submitted', amount: '40' });
			expect(outcome('aff-B', 'USD')).toMatchObject({ outcome: 'carried', code: 'invalid_line', amount: '70' });
			expect(outcome('aff-C', 'JPY')).toMatchObject({ outcome: 'carried', code: 'invalid_line', amount: '8000' });
			const invalid = result.reports.filter((report) => report.outcome === 'invalid_line');
			expect(invalid.map((report) => [report.affiliateId, report.currency, report.amount, report.entryIds])).toEqual([
				['aff-B', 'USD', '0.005', ['b-bad']],
				['aff-C', 'JPY', '0.5', ['c-bad']],
			]);
			expect(
				paypal
					.paidItems()
					.map((item) => [item.receiver, item.amount, item.currency])
					.sort(),
			).toEqual([
				['a@example.com', '60.00', 'USD'],
				['c@example.com', '40.00', 'USD'],
			]);
			expect((await store.listLedger({ affiliateId: 'aff-B' })).map((entry) => entry.settlement)).toEqual(['open', 'open']);

			// The operator looked, and pays aff-B without the half cent: the line stays open and reported.
			const skipped = await payDuePayouts(context, { rules: { ...RULES, invalidLines: 'skip' }, asOf: clock, receivers, affiliateIds: ['aff-B'] });
			expect(skipped.reports.find((report) => report.outcome !== 'invalid_line')).toMatchObject({ affiliateId: 'aff-B', outcome: 'submitted', amount: '70' });
			expect(skipped.reports.filter((report) => report.outcome === 'invalid_line').map((report) => report.entryIds)).toEqual([['b-bad']]);
			expect(
				paypal
					.paidItems()
					.map((item) => [item.receiver, item.amount])
					.sort(),
			).toEqual([
				['a@example.com', '60.00'],
				['b@example.com', '70.00'],
				['c@example.com', '40.00'],
			]);
		});

		it('Statement explains everyone’s amounts and lists the bad line of its own affiliate apart', async () => {
			await seedLedger();
			await payDuePayouts(context, { rules: RULES, asOf: clock, receivers });
			const a = await statementFor(store, { affiliateId: 'aff-A', currency: 'USD', period: '2026-10' });
			expect([a.total, a.paid, a.invalidLines]).toEqual(['60', '60', undefined]);
			const b = await statementFor(store, { affiliateId: 'aff-B', currency: 'USD', period: '2026-10' });
			expect(b.total).toBe('70');
			expect(b.invalidLines).toEqual([
				{ entryId: 'b-bad', amount: '0.005', status: 'approved', occurredAt: '2026-10-05T10:00:00.000Z', reason: expect.stringMatching(/more decimals/) },
			]);
		});

		it('holds a back-dated conversion from when the funnel recorded it, not from the occurred_at it claimed', async () => {
			await store.recordClick({ clickId: 'clk_hold', clickedAt: '2026-08-30T00:00:00Z', affiliateId: 'aff-A' });
			// Posted on 18 November, claiming it happened on 1 September.
			const postedAt = new Date('2026-11-18T09:00:00Z');
			const parsed = parsePostback(
				'custom',
				{ method: 'GET', query: { click_id: 'clk_hold', transaction_id: 'T-hold', commission: '100', currency: 'USD', occurred_at: '2026-09-01T00:00:00Z' } },
				{ now: () => postedAt },
			);
			if (!parsed.ok) throw new Error(parsed.error.message);
			await runFunnel(conversionSchema.parse(parsed.conversion), store, { now: () => postedAt, window: 'unlimited' });
			const [recorded] = await store.listLedger({ affiliateId: 'aff-A' });
			expect([recorded.occurredAt, recorded.recordedAt]).toEqual(['2026-09-01T00:00:00.000Z', '2026-11-18T09:00:00.000Z']);

			const rules = { payDay: 20, holdingDays: 30 };
			const plan = await planPayouts(store, rules, clock);
			expect(plan.payable).toEqual([]);
			expect(plan.waiting.map((waiting) => [waiting.entry.id, waiting.reason, waiting.dueFrom])).toEqual([
				[recorded.id, 'holding', '2026-12-18T09:00:00.000Z'],
			]);
			const paid = await payDuePayouts(context, { rules, asOf: clock, receivers });
			expect(paid.reports).toEqual([]);
			expect(paypal.paidItems()).toEqual([]);
			// After the hold, counted from the recording, it is paid.
			expect((await planPayouts(store, rules, new Date('2026-12-20T00:00:00Z'))).payable.map((due) => due.amount)).toEqual(['100']);
		});
	});
}
