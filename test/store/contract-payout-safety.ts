/**
 * Payouts never pay twice when runs overlap (run by both stores through contract.ts): a Sync or a second Pay while
 * a Pay is still transferring, a Pay overtaken after its run lock ran out, Pay resuming unclaimed / returned / held
 * PayPal money, and Sync that only ever reads. Real store, strict PayPal and Stripe fakes over HTTP; the proof is
 * what the fakes recorded (transfers, batch items, every request).
 */
import { type PayoutContext, type PayoutDeps, type PayoutReport, payDuePayouts, syncPayouts } from '../../src/payouts';
import { clearPayPalTokenCache } from '../../src/payouts/providers';
import type { TrackingStore } from '../../src/store';
import { PAYPAL_FAKE_CLIENT_ID, PAYPAL_FAKE_CLIENT_SECRET, type PayPalFake, startPayPalFake } from '../fakes/paypal';
import { STRIPE_FAKE_SECRET_KEY, type StripeFake, startStripeFake } from '../fakes/stripe';
import type { StoreHarness } from './contract';

const CLOCK = new Date('2026-11-20T12:00:00Z');
const RULES = { payDay: 20, holdingDays: 0, minimum: { USD: '50.00' } };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Hooks {
	/** Runs as each request is sent. */
	intercept?: (request: { method: string; url: string }) => void;
	/** true: the request never reaches the provider (a network error before it). */
	dropBefore?: (request: { method: string; url: string; body?: string }) => boolean;
	/** true: the request reaches the provider but its answer is lost (a network error after the fact). */
	loseAnswer?: (request: { method: string; url: string }) => boolean;
}

/** A real HTTP `send` (fetch): every status resolves, only network errors and timeouts throw. */
function fetchDeps(hooks: Hooks = {}): PayoutDeps {
	return {
		now: () => CLOCK,
		sleep: async () => {},
		retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2 },
		send: async (request) => {
			hooks.intercept?.(request);
			if (hooks.dropBefore?.(request)) throw new Error('connect ECONNRESET (the request never left)');
			const response = await fetch(request.url, { method: request.method, headers: request.headers, body: request.body, signal: AbortSignal.timeout(20_000) });
			if (hooks.loseAnswer?.(request)) throw new Error('socket hang up (the answer was lost)');
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

async function waitFor(what: string, condition: () => boolean): Promise<void> {
	for (let waited = 0; !condition(); waited += 10) {
		if (waited > 15_000) throw new Error(`timed out waiting for ${what}`);
		await sleep(10);
	}
}

let lineCounter = 0;
async function credit(store: TrackingStore, affiliateId: string, amount: string): Promise<void> {
	const id = `line-${++lineCounter}`;
	await store.addLedgerEntry({
		id,
		affiliateId,
		kind: 'commission',
		amount,
		currency: 'USD',
		status: 'approved',
		occurredAt: '2026-10-03T10:00:00.000Z',
		recordedAt: '2026-10-03T10:00:00.000Z',
	});
}

const byAffiliate = (reports: PayoutReport[]) => Object.fromEntries(reports.map((report) => [report.affiliateId, report]));

/** What Stripe moved to each connected account (net of reversals), in cents. */
function stripeSent(stripe: StripeFake): Record<string, number> {
	const sent: Record<string, number> = {};
	for (const transfer of stripe.transfers()) sent[transfer.destination] = (sent[transfer.destination] ?? 0) + transfer.amount - transfer.amountReversed;
	return sent;
}

/** What PayPal has paid or still could pay (not failed, returned or cancelled) to each receiver. */
function paypalSent(paypal: PayPalFake): Record<string, string[]> {
	const sent: Record<string, string[]> = {};
	for (const item of paypal.paidItems()) {
		if (['FAILED', 'RETURNED', 'BLOCKED', 'REFUNDED', 'REVERSED'].includes(item.status)) continue;
		(sent[item.receiver] ??= []).push(item.amount);
	}
	return sent;
}

export function describeContract(name: string, makeHarness: () => Promise<StoreHarness>): void {
	describe(`${name}: payout safety under overlapping runs`, () => {
		let harness: StoreHarness;
		let store: TrackingStore;

		beforeEach(async () => {
			clearPayPalTokenCache();
			harness = await makeHarness();
			store = await harness.open();
		});
		afterEach(async () => {
			await store.close();
			await harness.dispose();
		});

		describe('Stripe', () => {
			let stripe: StripeFake;
			let hooks: Hooks;
			let context: PayoutContext<'stripe'>;
			const receivers = new Map([
				['aff-A', { receiver: 'acct_1AffiliateA' }],
				['aff-B', { receiver: 'acct_1AffiliateB' }],
			]);
			beforeEach(async () => {
				stripe = await startStripeFake({ now: () => CLOCK, balance: { usd: 100_000 }, accounts: [{ id: 'acct_1AffiliateA' }, { id: 'acct_1AffiliateB' }] });
				hooks = {};
				context = {
					store,
					provider: 'stripe',
					config: { secretKey: STRIPE_FAKE_SECRET_KEY, baseUrl: stripe.url },
					deps: fetchDeps({ dropBefore: (request) => hooks.dropBefore?.(request) ?? false }),
				};
			});
			afterEach(async () => {
				stripe.releaseHung();
				await stripe.close();
			});
			const transferPosts = () => stripe.requests.filter((request) => request.method === 'POST' && request.path === '/v1/transfers');

			it('a Sync while a transfer is still in flight neither fails the item nor reopens its lines; the late answer is recorded; one transfer', async () => {
				await credit(store, 'aff-A', '60');
				await credit(store, 'aff-B', '70');
				// Stripe takes A's transfer at once and holds B's request before executing it: while Sync looks, the
				// group has A's transfer and none for B.
				stripe.hangNext(1, { beforeApplying: true, match: (request) => request.rawBody.includes('aff-B') });
				const paying = payDuePayouts(context, { rules: RULES, asOf: CLOCK, receivers });
				await waitFor('the transfer call for B', () => transferPosts().length === 2);

				const synced = byAffiliate(await syncPayouts(context));
				expect(synced['aff-A']).toMatchObject({ outcome: 'paid' });
				expect(synced['aff-B']).toMatchObject({ outcome: 'submitted', code: 'not_found' });
				const itemB = (await store.listPayoutItems({ affiliateId: 'aff-B' }))[0];
				expect(itemB.state).toBe('submitted');
				expect((await store.listLedger({ affiliateId: 'aff-B' })).map((line) => line.settlement)).toEqual(['locked']);

				// A Pay meanwhile is refused by the run lock and pays nothing.
				const second = await payDuePayouts(context, { rules: RULES, asOf: CLOCK, receivers, resumeAfterMs: 0 });
				expect(second.reports).toEqual([]);

				stripe.releaseHung();
				expect(byAffiliate((await paying).reports)['aff-B']).toMatchObject({ outcome: 'paid', amount: '70' });
				expect((await store.getPayoutItem(itemB.id))?.state).toBe('paid');
				expect(new Set((await store.listLedger()).map((line) => line.settlement))).toEqual(new Set(['paid']));

				// Everything settled: a further Pay and Sync send nothing more.
				await payDuePayouts(context, { rules: RULES, asOf: CLOCK, receivers, resumeAfterMs: 0 });
				await syncPayouts(context);
				expect(stripeSent(stripe)).toEqual({ acct_1AffiliateA: 6000, acct_1AffiliateB: 7000 });
				expect(transferPosts()).toHaveLength(2);
			});

			it('a second Pay while the first holds the run lock pays nothing; renewal keeps a long run its lock', async () => {
				await credit(store, 'aff-A', '60');
				stripe.hangNext(1);
				// The lease is short, but the run renews it while its transfer call hangs far longer than the lease.
				const first = payDuePayouts(context, { rules: RULES, asOf: CLOCK, receivers, runLeaseMs: 900 });
				await waitFor('the transfer call', () => transferPosts().length === 1);
				await sleep(2_000);
				const second = await payDuePayouts(context, { rules: RULES, asOf: CLOCK, receivers, resumeAfterMs: 0, runLeaseMs: 900 });
				expect(second.reports).toEqual([]);
				expect((await store.getLease('payout-run', 'stripe'))?.renewals).toBeGreaterThan(0);
				stripe.releaseHung();
				expect(byAffiliate((await first).reports)['aff-A']).toMatchObject({ outcome: 'paid' });
				expect(transferPosts()).toHaveLength(1);
				// Freed at the end: the next run takes it at once.
				expect(await store.getLease('payout-run', 'stripe')).toBeUndefined();
			});

			it('a Pay overtaken after its lock ran out stops before its next provider call; every affiliate is paid exactly once', async () => {
				await credit(store, 'aff-A', '60');
				await credit(store, 'aff-B', '70');
				// No renewal timer: the run renews only before each call, so its lease runs out while a call hangs.
				stripe.hangNext(1);
				const overtaken = payDuePayouts(context, { rules: RULES, asOf: CLOCK, receivers, runLeaseMs: 300, runLeaseRenewMs: 0 });
				await waitFor('the first transfer call', () => transferPosts().length === 1);
				await sleep(600);

				// Another run takes the lock over and resolves both items by asking Stripe with the same ids.
				const takeover = await payDuePayouts(context, { rules: RULES, asOf: CLOCK, receivers, resumeAfterMs: 0 });
				expect(takeover.reports.map((report) => [report.affiliateId, report.outcome, report.resumed]).sort()).toEqual([
					['aff-A', 'paid', true],
					['aff-B', 'paid', true],
				]);
				const items = await store.listPayoutItems();
				const itemB = items.find((item) => item.affiliateId === 'aff-B')!;
				const keyB = `${itemB.batchId}:${itemB.id}`;
				const postsForB = () => transferPosts().filter((request) => request.headers['idempotency-key'] === keyB);
				expect(postsForB()).toHaveLength(1);

				stripe.releaseHung();
				const stopped = byAffiliate((await overtaken).reports);
				expect(stopped['aff-A']).toMatchObject({ outcome: 'paid' });
				expect(stopped['aff-B']).toMatchObject({ code: 'run_lock_lost' });
				// The overtaken run made no further call for B (nor any other call after the takeover).
				expect(postsForB()).toHaveLength(1);
				expect(stripeSent(stripe)).toEqual({ acct_1AffiliateA: 6000, acct_1AffiliateB: 7000 });
				expect((await store.listPayoutItems()).map((item) => item.state)).toEqual(['paid', 'paid']);
				expect(new Set((await store.listLedger()).map((line) => line.settlement))).toEqual(new Set(['paid']));
			});

			it('a key Stripe answers with a stored 500 is settled by the transfer group: paid if it holds the transfer, else failed and paid anew once', async () => {
				await credit(store, 'aff-A', '60');
				await credit(store, 'aff-B', '70');
				// A's request fails before executing, B's after (the transfer made): Stripe stores both 500s and replays
				// them for every retry with the same key.
				stripe.failNext(1, { status: 500 });
				stripe.failNext(1, { status: 500, afterApplying: true });
				const first = byAffiliate((await payDuePayouts(context, { rules: RULES, asOf: CLOCK, receivers })).reports);
				expect(first['aff-A']).toMatchObject({ outcome: 'failed', code: 'idempotency_key_spent' });
				expect(first['aff-B']).toMatchObject({ outcome: 'paid' });
				expect((await store.listLedger({ affiliateId: 'aff-A' })).map((line) => line.settlement)).toEqual(['open']);
				const second = byAffiliate((await payDuePayouts(context, { rules: RULES, asOf: CLOCK, receivers, resumeAfterMs: 0 })).reports);
				expect(second['aff-A']).toMatchObject({ outcome: 'paid' });
				expect(stripeSent(stripe)).toEqual({ acct_1AffiliateA: 6000, acct_1AffiliateB: 7000 });
				expect(stripe.transfers()).toHaveLength(2);
			});

			it('Sync never creates a transfer: an item without one stays as it is for Pay', async () => {
				await credit(store, 'aff-A', '60');
				await credit(store, 'aff-B', '70');
				// A is paid; B's transfer request never reaches Stripe (the network fails before it), so B is unknown.
				hooks.dropBefore = (request) => request.method === 'POST' && (request.body ?? '').includes('aff-B');
				const first = byAffiliate((await payDuePayouts(context, { rules: RULES, asOf: CLOCK, receivers })).reports);
				expect(first['aff-A']).toMatchObject({ outcome: 'paid' });
				expect(first['aff-B']).toMatchObject({ outcome: 'unknown' });
				hooks.dropBefore = undefined;
				const postsBefore = transferPosts().length;
				const requestsBefore = stripe.requests.length;
				const synced = byAffiliate(await syncPayouts(context));
				expect(synced['aff-B']).toMatchObject({ outcome: 'unknown', code: 'not_found' });
				expect(stripe.requests.slice(requestsBefore).map((request) => request.method)).toEqual(['GET']);
				expect(transferPosts()).toHaveLength(postsBefore);
				expect((await store.listPayoutItems()).map((item) => item.state)).toEqual(['paid', 'unknown']);
				expect((await store.listLedger({ affiliateId: 'aff-B' })).map((line) => line.settlement)).toEqual(['locked']);
				// The next Pay resolves it under the same key, once.
				await payDuePayouts(context, { rules: RULES, asOf: CLOCK, receivers, resumeAfterMs: 0 });
				expect(stripeSent(stripe)).toEqual({ acct_1AffiliateA: 6000, acct_1AffiliateB: 7000 });
				expect(stripe.transfers()).toHaveLength(2);
			});
		});

		describe('PayPal', () => {
			let paypal: PayPalFake;
			let hooks: Hooks;
			let context: PayoutContext<'paypal'>;
			const receivers = new Map([
				['aff-A', { receiver: 'a@example.com' }],
				['aff-B', { receiver: 'b@example.com' }],
				['aff-C', { receiver: 'c@example.com' }],
			]);
			beforeEach(async () => {
				hooks = {};
				paypal = await startPayPalFake({ now: () => CLOCK });
				context = {
					store,
					provider: 'paypal',
					config: { clientId: PAYPAL_FAKE_CLIENT_ID, clientSecret: PAYPAL_FAKE_CLIENT_SECRET, environment: 'sandbox', baseUrl: paypal.url },
					deps: fetchDeps({ intercept: (request) => hooks.intercept?.(request), loseAnswer: (request) => hooks.loseAnswer?.(request) ?? false }),
				};
			});
			afterEach(async () => {
				paypal.releaseHung();
				await paypal.close();
			});
			const creates = () => paypal.requests.filter((request) => request.method === 'POST' && request.path === '/v1/payments/payouts');
			const cancels = () => paypal.requests.filter((request) => request.method === 'POST' && request.path.endsWith('/cancel'));

			it('Pay resuming UNCLAIMED, RETURNED and ONHOLD items: cancel and confirm before repaying, returned repaid, held stays held', async () => {
				await credit(store, 'aff-A', '60');
				await credit(store, 'aff-B', '70');
				await credit(store, 'aff-C', '80');
				await payDuePayouts(context, { rules: RULES, asOf: CLOCK, receivers });
				paypal.settle('all', { byReceiver: { 'a@example.com': 'UNCLAIMED', 'b@example.com': 'RETURNED', 'c@example.com': 'ONHOLD' } });

				const resumed = byAffiliate((await payDuePayouts(context, { rules: RULES, asOf: CLOCK, receivers, resumeAfterMs: 0 })).reports);
				// A: cancelled at PayPal (confirmed RETURNED) before anything new was created, then paid anew.
				expect(cancels()).toHaveLength(1);
				expect(paypal.requests.indexOf(cancels()[0])).toBeLessThan(paypal.requests.indexOf(creates()[1]));
				expect(resumed['aff-A']).toMatchObject({ outcome: 'submitted', resumed: false });
				expect(resumed['aff-B']).toMatchObject({ outcome: 'submitted', resumed: false });
				// C: held by PayPal, still ours: never repaid.
				expect(resumed['aff-C']).toMatchObject({ outcome: 'submitted', resumed: true });
				expect(creates()).toHaveLength(2);
				expect(
					paypal
						.batches()[1]
						.items.map((item) => item.receiver)
						.sort(),
				).toEqual(['a@example.com', 'b@example.com']);
				const states = Object.fromEntries(
					(await store.listPayoutItems()).map((item) => [`${item.affiliateId}:${item.batchId === paypal.batches()[0].senderBatchId ? 1 : 2}`, item.state]),
				);
				expect(states).toEqual({ 'aff-A:1': 'returned', 'aff-B:1': 'returned', 'aff-C:1': 'submitted', 'aff-A:2': 'submitted', 'aff-B:2': 'submitted' });
				expect(paypalSent(paypal)).toEqual({ 'a@example.com': ['60.00'], 'b@example.com': ['70.00'], 'c@example.com': ['80.00'] });
			});

			it('an unclaimed item claimed while Pay cancels it is recorded paid, never reopened or repaid', async () => {
				await credit(store, 'aff-A', '60');
				await payDuePayouts(context, { rules: RULES, asOf: CLOCK, receivers });
				const [batch] = paypal.batches();
				paypal.settle(batch.payoutBatchId, { status: 'UNCLAIMED' });
				// The receiver claims the money just as the cancel is sent: PayPal refuses the cancel.
				hooks.intercept = (request) => {
					if (request.url.endsWith('/cancel'))
						paypal.settle(batch.payoutBatchId, { status: 'SUCCESS', bySenderItemId: { [batch.items[0].senderItemId!]: 'SUCCESS' } });
				};
				const resumed = byAffiliate((await payDuePayouts(context, { rules: RULES, asOf: CLOCK, receivers, resumeAfterMs: 0 })).reports);
				expect(resumed['aff-A']).toMatchObject({ outcome: 'paid', resumed: true });
				expect(creates()).toHaveLength(1);
				expect((await store.listLedger()).map((line) => line.settlement)).toEqual(['paid']);
				expect(paypalSent(paypal)).toEqual({ 'a@example.com': ['60.00'] });
			});

			it('Sync never sends a batch: a lost create answer and a reserved item wait for Pay; unclaimed money is only cancelled', async () => {
				await credit(store, 'aff-A', '60');
				await credit(store, 'aff-B', '70');
				// PayPal creates the batch but every answer is lost: the items are unknown, PayPal's batch id too.
				hooks.loseAnswer = (request) => request.method === 'POST' && request.url.endsWith('/v1/payments/payouts');
				const first = await payDuePayouts(context, { rules: RULES, asOf: CLOCK, receivers, affiliateIds: ['aff-A'] });
				expect(first.reports.map((report) => report.outcome)).toEqual(['unknown']);
				expect(paypal.batches()).toHaveLength(1);
				hooks.loseAnswer = undefined;
				// A Pay that reserved aff-B's balance and has not sent it yet.
				const lines = await store.listLedger({ affiliateId: 'aff-B' });
				await store.reservePayoutItem({
					id: '2026-10-reserved-b',
					batchId: 'paypal-2026-10-reserved',
					provider: 'paypal',
					period: '2026-10',
					affiliateId: 'aff-B',
					currency: 'USD',
					amount: '70',
					receiver: 'b@example.com',
					entryIds: lines.map((line) => line.id),
				});
				const createsBefore = creates().length;

				const synced = byAffiliate(await syncPayouts(context));
				expect(synced['aff-A']).toMatchObject({ outcome: 'unknown', code: 'batch_id_unknown' });
				expect(synced['aff-B']).toBeUndefined();
				expect(creates()).toHaveLength(createsBefore);
				expect(paypal.batches()).toHaveLength(1);
				expect(
					paypal.requests
						.filter((request) => request.method === 'POST')
						.every((request) => request.path === '/v1/oauth2/token' || request.path === '/v1/payments/payouts'),
				).toBe(true);

				// Pay asks PayPal with the same batch (PayPal answers with the original) and sends the reserved one.
				const resumed = byAffiliate((await payDuePayouts(context, { rules: RULES, asOf: CLOCK, receivers, resumeAfterMs: 0 })).reports);
				expect(resumed['aff-A']).toMatchObject({ outcome: 'submitted', resumed: true });
				expect(resumed['aff-B']).toMatchObject({ outcome: 'submitted', resumed: true });
				expect(paypal.batches()).toHaveLength(2);

				// Unclaimed money: Sync reads, cancels, confirms, and releases; it still creates nothing.
				paypal.settle('all', { byReceiver: { 'a@example.com': 'UNCLAIMED', 'b@example.com': 'SUCCESS' } });
				const createsNow = creates().length;
				const later = byAffiliate(await syncPayouts(context));
				expect(later['aff-A']).toMatchObject({ outcome: 'returned' });
				expect(later['aff-B']).toMatchObject({ outcome: 'paid' });
				expect(creates()).toHaveLength(createsNow);
				expect(cancels()).toHaveLength(1);
				expect((await store.listLedger({ affiliateId: 'aff-A' })).map((line) => line.settlement)).toEqual(['open']);
			});
		});
	});
}
