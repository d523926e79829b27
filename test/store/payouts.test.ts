/**
 * Paying affiliates from a real store (SQLite through node:sqlite) through the strict PayPal and Stripe fakes:
 * the ledger decides, the providers are paid once per balance, and what the fakes recorded proves it —
 * including after a payout process is killed between the provider's acceptance and the ledger's record.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ledgerLinesFor } from '../../src/funnel/ledger';
import { type PayoutContext, type PayoutDeps, type PayoutReport, payDuePayouts, planPayouts, statementFor, syncPayouts } from '../../src/payouts';
import { clearPayPalTokenCache } from '../../src/payouts/providers';
import { openStore } from '../../src/store';
import type { ConversionStatus } from '../../src/model';
import type { TrackingStore } from '../../src/store';
import { PAYPAL_FAKE_CLIENT_ID, PAYPAL_FAKE_CLIENT_SECRET, type PayPalFake, startPayPalFake } from '../fakes/paypal';
import { STRIPE_FAKE_SECRET_KEY, type StripeFake, startStripeFake } from '../fakes/stripe';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { compileSources } = require('./compile-src.cjs') as { compileSources: () => string };

const root = mkdtempSync(join(tmpdir(), 'postback-payouts-'));
let counter = 0;
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A real HTTP `send` (fetch), resolving on every status and throwing only on network errors and timeouts. */
function fetchDeps(now: () => Date, timeoutMs = 5000): PayoutDeps {
	return {
		now,
		sleep: async () => {},
		retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2 },
		send: async (request) => {
			const response = await fetch(request.url, {
				method: request.method,
				headers: request.headers,
				body: request.body,
				signal: AbortSignal.timeout(timeoutMs),
			});
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

let lineCounter = 0;
/** The ledger lines the funnel writes for one conversion's status change (ledgerLinesFor), stored. */
async function credit(
	store: TrackingStore,
	affiliateId: string,
	commission: string,
	occurredAt: string,
	options: { currency?: string; from?: ConversionStatus; to?: ConversionStatus; conversionId?: string } = {},
): Promise<string> {
	const conversionId = options.conversionId ?? `conv-${++lineCounter}`;
	for (const line of ledgerLinesFor({
		conversionId,
		affiliateId,
		commission,
		currency: options.currency ?? 'USD',
		network: 'shareasale',
		transactionId: `tx-${conversionId}`,
		occurredAt,
		recordedAt: occurredAt,
		...(options.from ? { from: options.from } : {}),
		to: options.to ?? 'approved',
	})) {
		await store.addLedgerEntry(line);
	}
	return conversionId;
}

const RULES = { payDay: 20, holdingDays: 0, minimum: { USD: '50.00' } };
const byAffiliate = (reports: PayoutReport[]) => Object.fromEntries(reports.map((report) => [report.affiliateId, report]));

describe('Affiliate payouts through PayPal (strict fake), SQLite store', () => {
	let paypal: PayPalFake;
	let store: TrackingStore;
	let clock: Date;
	let context: PayoutContext<'paypal'>;

	beforeEach(async () => {
		clearPayPalTokenCache();
		clock = new Date('2026-11-20T12:00:00Z');
		paypal = await startPayPalFake({ now: () => clock });
		store = await openStore({ kind: 'sqlite', path: join(root, `paypal-${++counter}.sqlite`) });
		context = {
			store,
			provider: 'paypal',
			config: { clientId: PAYPAL_FAKE_CLIENT_ID, clientSecret: PAYPAL_FAKE_CLIENT_SECRET, environment: 'sandbox', baseUrl: paypal.url },
			deps: fetchDeps(() => clock),
		};
	});
	afterEach(async () => {
		await store.close();
		await paypal.close();
	});

	const receivers = new Map([
		['aff-A', { receiver: 'a@example.com' }],
		['aff-B', { receiver: 'b@example.com' }],
		['aff-C', { receiver: 'c@example.com' }],
	]);

	it('pays October on November 20: due balances paid once, under the minimum carried, November waiting; a rerun pays nobody again', async () => {
		await credit(store, 'aff-A', '30', '2026-10-03T10:00:00Z');
		await credit(store, 'aff-A', '40.10', '2026-10-28T10:00:00Z');
		await credit(store, 'aff-B', '20', '2026-10-10T10:00:00Z');
		const reversed = await credit(store, 'aff-C', '100', '2026-10-05T10:00:00Z');
		await credit(store, 'aff-C', '100', '2026-10-20T10:00:00Z', { conversionId: reversed, from: 'approved', to: 'reversed' });
		await credit(store, 'aff-C', '70.5', '2026-10-21T10:00:00Z');
		await credit(store, 'aff-A', '10', '2026-11-02T10:00:00Z');

		const first = await payDuePayouts(context, { rules: RULES, asOf: clock, receivers });
		const reports = byAffiliate(first.reports);
		expect(reports['aff-A']).toMatchObject({ outcome: 'submitted', amount: '70.1', currency: 'USD', period: '2026-10' });
		expect(reports['aff-C']).toMatchObject({ outcome: 'submitted', amount: '70.5' });
		expect(reports['aff-B']).toMatchObject({ outcome: 'carried', code: 'below_minimum', amount: '20' });

		// PayPal settles the batch; Sync records it: the items are paid, their lines settled.
		paypal.settle('all');
		const synced = await syncPayouts(context);
		expect(synced.map((report) => [report.affiliateId, report.outcome]).sort()).toEqual([
			['aff-A', 'paid'],
			['aff-C', 'paid'],
		]);
		const paidLines = await store.listLedger({ settlement: 'paid' });
		expect(new Set(paidLines.map((line) => line.affiliateId))).toEqual(new Set(['aff-A', 'aff-C']));
		expect((await store.listLedger({ affiliateId: 'aff-A', settlement: 'open' })).map((line) => line.amount)).toEqual(['10']);

		// The same run again (a schedule firing twice, an operator clicking twice): nothing new reaches PayPal.
		const again = await payDuePayouts(context, { rules: RULES, asOf: clock, receivers });
		expect(again.reports.filter((report) => report.outcome !== 'carried')).toEqual([]);
		const items = paypal.paidItems();
		expect(items.map((item) => [item.receiver, item.amount, item.currency]).sort()).toEqual([
			['a@example.com', '70.10', 'USD'],
			['c@example.com', '70.50', 'USD'],
		]);
		expect(paypal.batches()).toHaveLength(1);

		// The statement explains aff-C's 70.50: the reversed 100 and the 70.50.
		const statement = await statementFor(store, { affiliateId: 'aff-C', currency: 'USD', period: '2026-10' });
		expect(statement.lines.map((line) => line.amount)).toEqual(['100', '-100', '70.5']);
		expect(statement.paid).toBe('70.5');
	});

	it('a reversal after payment is a negative balance carried into the next period and netted there', async () => {
		const paidConversion = await credit(store, 'aff-A', '100', '2026-10-03T10:00:00Z');
		await payDuePayouts(context, { rules: RULES, asOf: clock, receivers });
		paypal.settle('all');
		await syncPayouts(context);

		// Refunded on November 25, after the payout; and a small November sale.
		await credit(store, 'aff-A', '100', '2026-11-25T10:00:00Z', { conversionId: paidConversion, from: 'approved', to: 'reversed' });
		await credit(store, 'aff-A', '30', '2026-11-26T10:00:00Z');
		clock = new Date('2026-12-20T12:00:00Z');
		const december = await payDuePayouts(context, { rules: RULES, asOf: clock, receivers });
		expect(byAffiliate(december.reports)['aff-A']).toMatchObject({ outcome: 'carried', code: 'negative_balance', amount: '-70' });

		await credit(store, 'aff-A', '150', '2026-12-05T10:00:00Z');
		clock = new Date('2027-01-20T12:00:00Z');
		const january = await payDuePayouts(context, { rules: RULES, asOf: clock, receivers });
		expect(byAffiliate(january.reports)['aff-A']).toMatchObject({ outcome: 'submitted', amount: '80', period: '2026-12' });
		expect(paypal.paidItems().map((item) => item.amount)).toEqual(['100.00', '80.00']);
	});

	it('an answer lost after PayPal accepted the batch is resolved by looking it up, never by paying again', async () => {
		await credit(store, 'aff-A', '60', '2026-10-03T10:00:00Z');
		// Every create attempt answers 500 after the batch was created (the answer lost each time).
		paypal.failNext(5, { afterAccepting: true, status: 500 });
		const first = await payDuePayouts(context, { rules: RULES, asOf: clock, receivers });
		expect(byAffiliate(first.reports)['aff-A'].outcome).toMatch(/^(unknown|submitted)$/);
		expect(paypal.paidItems()).toHaveLength(1);
		expect((await store.listLedger({ affiliateId: 'aff-A' }))[0].settlement).toBe('locked');

		paypal.settle('all');
		const resumed = await payDuePayouts(context, { rules: RULES, asOf: clock, receivers, resumeAfterMs: 0 });
		expect(byAffiliate(resumed.reports)['aff-A']).toMatchObject({ outcome: 'paid', resumed: true });
		expect(paypal.paidItems()).toHaveLength(1);
		expect((await store.listLedger({ affiliateId: 'aff-A' }))[0].settlement).toBe('paid');
	});

	it('failed and unclaimed items reopen their commissions, which the next run pays with a new item', async () => {
		await credit(store, 'aff-A', '60', '2026-10-03T10:00:00Z');
		await credit(store, 'aff-B', '75', '2026-10-03T10:00:00Z');
		await payDuePayouts(context, { rules: RULES, asOf: clock, receivers });
		paypal.settle('all', { byReceiver: { 'a@example.com': { status: 'FAILED', error: 'RECEIVER_ACCOUNT_LOCKED' }, 'b@example.com': 'UNCLAIMED' } });
		const synced = byAffiliate(await syncPayouts(context));
		expect(synced['aff-A']).toMatchObject({ outcome: 'failed' });
		// Unclaimed money is cancelled at PayPal first (it could still be claimed), then its commissions reopen.
		expect(synced['aff-B']).toMatchObject({ outcome: 'returned' });
		expect(paypal.paidItems().find((item) => item.receiver === 'b@example.com')?.status).toBe('RETURNED');
		expect((await store.listLedger({ settlement: 'open' })).map((line) => line.affiliateId).sort()).toEqual(['aff-A', 'aff-B']);

		const retry = await payDuePayouts(context, { rules: RULES, asOf: clock, receivers: new Map([['aff-A', { receiver: 'a-new@example.com' }]]) });
		const reports = byAffiliate(retry.reports);
		expect(reports['aff-A'].outcome).toBe('submitted');
		expect(reports['aff-B'].outcome).toBe('no_receiver');
		const items = await store.listPayoutItems({ affiliateId: 'aff-A' });
		expect(items.map((item) => item.state)).toEqual(['failed', 'submitted']);
		expect(new Set(items.map((item) => item.id)).size).toBe(2);
	});

	it('two runs at once: one pays every due balance in one batch, the other pays nothing and says why', async () => {
		await credit(store, 'aff-A', '60', '2026-10-03T10:00:00Z');
		await credit(store, 'aff-B', '75', '2026-10-04T10:00:00Z');
		await credit(store, 'aff-C', '90', '2026-10-05T10:00:00Z');
		// PayPal answers slowly, so the second run starts while the first is still paying.
		paypal.hangNext(1, { answerAfterMs: 300 });
		const [first, second] = await Promise.all([
			payDuePayouts(context, { rules: RULES, asOf: clock, receivers }),
			payDuePayouts(context, { rules: RULES, asOf: clock, receivers }),
		]);
		const outcomes = [first, second].map((run) => run.reports.map((report) => report.outcome).sort());
		expect(outcomes).toEqual(expect.arrayContaining([['submitted', 'submitted', 'submitted']]));
		const blocked = [first, second].find((run) => run.reports.some((report) => report.code === 'run_in_progress'));
		expect(blocked?.reports.map((report) => [report.affiliateId, report.outcome])).toEqual([
			['aff-A', 'already_in_flight'],
			['aff-B', 'already_in_flight'],
			['aff-C', 'already_in_flight'],
		]);
		expect(paypal.batches()).toHaveLength(1);
		expect(paypal.paidItems()).toHaveLength(3);
		// The lock is freed when a run ends: the next run finds nothing left to pay, and no lock in its way.
		const next = await payDuePayouts(context, { rules: RULES, asOf: clock, receivers });
		expect(next.reports).toEqual([]);
	});

	it('Calculate Due (the plan) reserves nothing and sends nothing', async () => {
		await credit(store, 'aff-A', '60', '2026-10-03T10:00:00Z');
		const plan = await planPayouts(store, RULES, clock);
		expect(plan.payable.map((due) => [due.affiliateId, due.amount])).toEqual([['aff-A', '60']]);
		expect(await store.listPayoutItems()).toEqual([]);
		expect(paypal.requests).toHaveLength(0);
	});
});

describe('Affiliate payouts through Stripe Connect (strict fake), SQLite store', () => {
	let stripe: StripeFake;
	let store: TrackingStore;
	const clock = new Date('2026-11-20T12:00:00Z');
	let context: PayoutContext<'stripe'>;

	beforeEach(async () => {
		stripe = await startStripeFake({ now: () => clock, balance: { usd: 10_000 }, accounts: [{ id: 'acct_1AffiliateA' }, { id: 'acct_1AffiliateB' }] });
		store = await openStore({ kind: 'sqlite', path: join(root, `stripe-${++counter}.sqlite`) });
		context = { store, provider: 'stripe', config: { secretKey: STRIPE_FAKE_SECRET_KEY, baseUrl: stripe.url }, deps: fetchDeps(() => clock) };
	});
	afterEach(async () => {
		await store.close();
		await stripe.close();
	});

	it('pays each due balance as one transfer in minor units; an insufficient balance fails only that one, which a later run pays', async () => {
		await credit(store, 'aff-A', '60.25', '2026-10-03T10:00:00Z');
		await credit(store, 'aff-B', '90', '2026-10-04T10:00:00Z');
		stripe.setBalance({ usd: 7_000 });
		const receivers = new Map([
			['aff-A', { receiver: 'acct_1AffiliateA' }],
			['aff-B', { receiver: 'acct_1AffiliateB' }],
		]);
		const first = byAffiliate((await payDuePayouts(context, { rules: RULES, asOf: clock, receivers })).reports);
		expect(first['aff-A']).toMatchObject({ outcome: 'paid', amount: '60.25' });
		expect(first['aff-B']).toMatchObject({ outcome: 'failed', code: 'balance_insufficient' });
		expect(stripe.transfers().map((transfer) => [transfer.destination, transfer.amount, transfer.currency])).toEqual([['acct_1AffiliateA', 6025, 'usd']]);

		stripe.setBalance({ usd: 20_000 });
		const second = byAffiliate((await payDuePayouts(context, { rules: RULES, asOf: clock, receivers })).reports);
		expect(second['aff-B']).toMatchObject({ outcome: 'paid', amount: '90' });
		expect(second['aff-A']).toBeUndefined();
		expect(stripe.transfers().map((transfer) => [transfer.destination, transfer.amount])).toEqual([
			['acct_1AffiliateA', 6025],
			['acct_1AffiliateB', 9000],
		]);
	});
});

describe('Crash test: the payout process is killed after PayPal accepted the batch, before the ledger recorded it', () => {
	it('rerunning pays nobody twice and the ledger ends correct', async () => {
		clearPayPalTokenCache();
		const clock = new Date('2026-11-20T12:00:00Z');
		const paypal = await startPayPalFake({ now: () => clock });
		const path = join(root, `crash-${++counter}.sqlite`);
		const store = await openStore({ kind: 'sqlite', path });
		try {
			for (const [affiliate, amount] of [
				['aff-A', '61'],
				['aff-B', '52.5'],
				['aff-C', '99.99'],
			] as const) {
				await credit(store, affiliate, amount, '2026-10-03T10:00:00Z');
			}
			await store.close();

			// A child process runs the payout with a `send` that kills the process the moment PayPal's 201 for the
			// batch arrives: PayPal has the batch, our ledger never heard back.
			const buildDir = compileSources();
			const script = join(root, `crash-${counter}.cjs`);
			writeFileSync(
				script,
				`
const { join } = require('node:path');
const { openStore } = require(join(${JSON.stringify(buildDir)}, 'src/store'));
const { payDuePayouts } = require(join(${JSON.stringify(buildDir)}, 'src/payouts'));
(async () => {
	const store = await openStore({ kind: 'sqlite', path: ${JSON.stringify(path)} });
	const send = async (request) => {
		const response = await fetch(request.url, { method: request.method, headers: request.headers, body: request.body });
		const text = await response.text();
		if (request.method === 'POST' && request.url.endsWith('/v1/payments/payouts') && response.status === 201) process.kill(process.pid, 'SIGKILL');
		let body = text; try { body = JSON.parse(text); } catch {}
		return { status: response.status, headers: Object.fromEntries(response.headers.entries()), body };
	};
	const receivers = new Map([['aff-A', { receiver: 'a@example.com' }], ['aff-B', { receiver: 'b@example.com' }], ['aff-C', { receiver: 'c@example.com' }]]);
	await payDuePayouts(
		{ store, provider: 'paypal', config: { clientId: ${JSON.stringify(PAYPAL_FAKE_CLIENT_ID)}, clientSecret: ${JSON.stringify(PAYPAL_FAKE_CLIENT_SECRET)}, environment: 'sandbox', baseUrl: ${JSON.stringify(paypal.url)} }, deps: { send, sleep: async () => {}, now: () => new Date(${JSON.stringify(clock.toISOString())}) } },
		{ rules: { payDay: 20, holdingDays: 0, minimum: { USD: '50.00' } }, asOf: new Date(${JSON.stringify(clock.toISOString())}), receivers, runLeaseMs: 1500 },
	);
	console.log('NOT KILLED');
})();
`,
			);
			const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'pipe'] });
			let output = '';
			child.stdout.on('data', (chunk) => (output += String(chunk)));
			child.stderr.on('data', (chunk) => (output += String(chunk)));
			const signal = await new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, exitSignal) => resolve(exitSignal)));
			expect({ signal, output }).toEqual({ signal: 'SIGKILL', output: '' });
			expect(paypal.paidItems()).toHaveLength(3);

			// What the dead process left: items held ('submitted'), nothing recorded as paid.
			const reopened = await openStore({ kind: 'sqlite', path });
			try {
				expect((await reopened.listPayoutItems()).map((item) => item.state)).toEqual(['submitted', 'submitted', 'submitted']);
				expect(new Set((await reopened.listLedger()).map((line) => line.settlement))).toEqual(new Set(['locked']));

				// The dead run's lock frees itself when its lease runs out (1.5 s here, 15 minutes by default; every run
				// judges a held lock by its own lease, so the runs here use the dead one's).
				const blocked = await payDuePayouts(
					{
						store: reopened,
						provider: 'paypal',
						config: { clientId: PAYPAL_FAKE_CLIENT_ID, clientSecret: PAYPAL_FAKE_CLIENT_SECRET, environment: 'sandbox', baseUrl: paypal.url },
						deps: fetchDeps(() => clock),
					},
					{ rules: RULES, asOf: clock, resumeAfterMs: 0, receivers: new Map(), runLeaseMs: 1500 },
				);
				expect(blocked.reports).toEqual([]);
				expect(paypal.paidItems()).toHaveLength(3);
				await new Promise((resolve) => setTimeout(resolve, 3000));

				// The rerun (the next schedule, or the operator): it resolves the batch by looking it up.
				paypal.settle('all');
				const context: PayoutContext<'paypal'> = {
					store: reopened,
					provider: 'paypal',
					config: { clientId: PAYPAL_FAKE_CLIENT_ID, clientSecret: PAYPAL_FAKE_CLIENT_SECRET, environment: 'sandbox', baseUrl: paypal.url },
					deps: fetchDeps(() => clock),
				};
				const rerun = await payDuePayouts(context, {
					rules: RULES,
					asOf: clock,
					resumeAfterMs: 0,
					runLeaseMs: 1500,
					receivers: new Map([
						['aff-A', { receiver: 'a@example.com' }],
						['aff-B', { receiver: 'b@example.com' }],
						['aff-C', { receiver: 'c@example.com' }],
					]),
				});
				expect(rerun.reports.map((report) => [report.affiliateId, report.outcome, report.resumed]).sort()).toEqual([
					['aff-A', 'paid', true],
					['aff-B', 'paid', true],
					['aff-C', 'paid', true],
				]);
				// The fake's records: one batch, one item per affiliate, ever.
				expect(paypal.batches()).toHaveLength(1);
				expect(
					paypal
						.paidItems()
						.map((item) => [item.receiver, item.amount])
						.sort(),
				).toEqual([
					['a@example.com', '61.00'],
					['b@example.com', '52.50'],
					['c@example.com', '99.99'],
				]);
				expect(new Set((await reopened.listLedger()).map((line) => line.settlement))).toEqual(new Set(['paid']));
				// And a third run finds nothing to do.
				const third = await payDuePayouts(context, { rules: RULES, asOf: clock, resumeAfterMs: 0, receivers: new Map() });
				expect(third.reports).toEqual([]);
				expect(paypal.paidItems()).toHaveLength(3);
			} finally {
				await reopened.close();
			}
		} finally {
			await paypal.close();
		}
	});
});
