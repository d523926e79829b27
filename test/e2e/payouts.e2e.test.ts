import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../src/store';
import { STRIPE_FAKE_SECRET_KEY, startStripeFake } from '../fakes/stripe';
import { PAYPAL_FAKE_CLIENT_ID, PAYPAL_FAKE_CLIENT_SECRET, type PayPalFake, startPayPalFake } from '../fakes/paypal';
import { type Execution, baseUrl, n8nFetch, outputsOf, publicApi, startWorkflow, uniqueId, waitForExecution } from './n8n-api';

/**
 * The payout side in a real n8n: postbacks over a month build the ledger (Postback Trigger → Conversion Funnel);
 * a schedule-triggered workflow (Sync Status → Pay through PayPal, pointed at the strict fake) pays the due
 * affiliates, carries the one under the minimum, and — after a reversal arrives for a paid commission — carries
 * the negative balance into the next period. The schedule fires every few seconds the whole time, and the fake's
 * records prove nobody is paid twice.
 */
let paypal: PayPalFake;
let intakeId: string;
let payoutId: string | undefined;
const folder = mkdtempSync(join(tmpdir(), 'postback-payouts-e2e-'));
const sqlitePath = join(folder, 'tracking.sqlite');
const path = uniqueId('payouts-');
const run = uniqueId('r');

const node = (name: string, type: string, parameters: Record<string, unknown>, position: [number, number], extra: Record<string, unknown> = {}) => ({
	id: `e2e-pay-${name.toLowerCase().replace(/\W+/g, '-')}`,
	name,
	type,
	typeVersion: 1,
	position,
	parameters,
	...extra,
});

const store = { store: 'sqlite', sqlitePath };

beforeAll(async () => {
	paypal = await startPayPalFake();
	intakeId = await startWorkflow(
		{
			name: 'E2E: custom postbacks → funnel (payout ledger)',
			nodes: [
				node('Postback', 'n8n-nodes-postback.postbackTrigger', { network: 'custom', path }, [0, 0], { webhookId: 'e2e00000-0000-4000-8000-00000000a0e5' }),
				node('Funnel', 'n8n-nodes-postback.conversionFunnel', { ...store, forwardUnattributed: true }, [250, 0]),
			],
			connections: { Postback: { main: [[{ node: 'Funnel', type: 'main', index: 0 }], []] } },
			settings: { executionOrder: 'v1' },
		},
		[path],
	);
});

afterAll(async () => {
	if (payoutId) await publicApi('POST', `/workflows/${payoutId}/deactivate`).catch(() => undefined);
	await paypal?.close();
	rmSync(folder, { recursive: true, force: true });
});

async function postback(params: Record<string, string>): Promise<void> {
	const response = await n8nFetch(`${baseUrl()}/webhook/${path}?${new URLSearchParams({ currency: 'USD', status: 'approved', ...params })}`);
	expect(response.status).toBe(200);
	// The funnel (and its ledger write) runs after the answer: wait for this postback's execution.
	await waitForExecution(
		intakeId,
		(execution) =>
			JSON.stringify(outputsOf(execution, 'Funnel')).includes(params.transaction_id) && JSON.stringify(execution).includes(params.status ?? 'approved'),
	);
}

type Report = { affiliateId: string; outcome: string; amount: string; code?: string; period?: string };
const reportsOf = (execution: Execution, name: string): Report[] => (outputsOf(execution, name)[0] ?? []).map((item) => item.json as unknown as Report);
const payReportsMatch = (wanted: (reports: Report[]) => boolean) => (execution: Execution) => wanted(reportsOf(execution, 'Pay'));

test('a month of postbacks is paid on schedule through PayPal: due paid once, under-minimum carried, a later reversal carried as a negative balance', async () => {
	// October 2026: aff-A earns 30 + 40.10, aff-B 20 (under the 50.00 minimum), aff-C 80; November's 10 waits.
	const tx = (name: string) => `${run}-${name}`;
	// The affiliates' clicks, as the Click Tracker recorded them: the funnel credits the stored click's affiliate
	// (an affiliate_id only the unauthenticated postback names would earn nothing).
	const clickStore = await openStore({ kind: 'sqlite', path: sqlitePath });
	try {
		for (const [clickId, affiliateId, clickedAt] of [
			['clk-a1', 'aff-A', '2026-10-03T09:00:00Z'],
			['clk-a2', 'aff-A', '2026-10-28T09:00:00Z'],
			['clk-b1', 'aff-B', '2026-10-10T09:00:00Z'],
			['clk-c1', 'aff-C', '2026-10-12T09:00:00Z'],
			['clk-a3', 'aff-A', new Date().toISOString().slice(0, 8) + '02T09:00:00Z'],
		]) {
			await clickStore.recordClick({ clickId, affiliateId, clickedAt });
		}
	} finally {
		await clickStore.close();
	}
	await postback({ click_id: 'clk-a1', transaction_id: tx('a1'), commission: '30', affiliate_id: 'aff-A', occurred_at: '2026-10-03T10:00:00Z' });
	await postback({ click_id: 'clk-a2', transaction_id: tx('a2'), commission: '40.10', affiliate_id: 'aff-A', occurred_at: '2026-10-28T10:00:00Z' });
	await postback({ click_id: 'clk-b1', transaction_id: tx('b1'), commission: '20', affiliate_id: 'aff-B', occurred_at: '2026-10-10T10:00:00Z' });
	await postback({ click_id: 'clk-c1', transaction_id: tx('c1'), commission: '80', affiliate_id: 'aff-C', occurred_at: '2026-10-12T10:00:00Z' });
	await postback({
		click_id: 'clk-a3',
		transaction_id: tx('a3'),
		commission: '10',
		affiliate_id: 'aff-A',
		occurred_at: new Date().toISOString().slice(0, 8) + '02T10:00:00Z',
	});

	const credential = await publicApi<{ id: string; name: string }>('POST', '/credentials', {
		name: 'E2E PayPal (fake)',
		type: 'payPalPayoutsApi',
		data: { environment: 'sandbox', clientId: PAYPAL_FAKE_CLIENT_ID, clientSecret: PAYPAL_FAKE_CLIENT_SECRET, baseUrl: paypal.url },
	});
	const payout = {
		...store,
		provider: 'paypal',
		payDay: 20,
		holdingDays: 0,
		minimum: { minimum: [{ currency: 'USD', amount: '50.00' }] },
		receiversFrom: 'list',
		receivers: {
			affiliate: [
				{ affiliateId: 'aff-A', receiver: 'aff-a@example.com' },
				{ affiliateId: 'aff-B', receiver: 'aff-b@example.com' },
				{ affiliateId: 'aff-C', receiver: 'aff-c@example.com' },
			],
		},
		options: { resumeAfterMinutes: 0, note: 'Commissions for the period' },
	};
	const created = await publicApi<{ id: string }>('POST', '/workflows', {
		name: 'E2E: monthly affiliate payouts (PayPal)',
		nodes: [
			{
				id: 'e2e-pay-schedule',
				name: 'Every few seconds',
				type: 'n8n-nodes-base.scheduleTrigger',
				typeVersion: 1.2,
				position: [0, 0],
				parameters: { rule: { interval: [{ field: 'seconds', secondsInterval: 3 }] } },
			},
			node('Sync', 'n8n-nodes-postback.affiliatePayouts', { ...store, operation: 'syncStatus', provider: 'paypal' }, [250, 0], {
				credentials: { payPalPayoutsApi: credential },
				alwaysOutputData: true,
			}),
			node('Pay', 'n8n-nodes-postback.affiliatePayouts', { ...payout, operation: 'pay' }, [500, 0], {
				credentials: { payPalPayoutsApi: credential },
				alwaysOutputData: true,
			}),
		],
		connections: {
			'Every few seconds': { main: [[{ node: 'Sync', type: 'main', index: 0 }]] },
			Sync: { main: [[{ node: 'Pay', type: 'main', index: 0 }]] },
		},
		settings: { executionOrder: 'v1', saveDataSuccessExecution: 'all' },
	});
	payoutId = created.id;
	await publicApi('POST', `/workflows/${payoutId}/activate`);

	// The first scheduled run pays aff-A 70.10 and aff-C 80 and carries aff-B's 20.
	const first = await waitForExecution(
		payoutId,
		payReportsMatch((reports) => reports.some((report) => report.affiliateId === 'aff-A' && report.outcome === 'submitted')),
		60000,
	);
	const firstReports = reportsOf(first, 'Pay');
	expect(firstReports.find((report) => report.affiliateId === 'aff-A')).toMatchObject({
		outcome: 'submitted',
		amount: '70.1',
		period: expect.stringMatching(/^\d{4}-\d{2}$/),
	});
	expect(firstReports.find((report) => report.affiliateId === 'aff-C')).toMatchObject({ outcome: 'submitted', amount: '80' });
	expect(firstReports.find((report) => report.affiliateId === 'aff-B')).toMatchObject({ outcome: 'carried', code: 'below_minimum', amount: '20' });

	// PayPal completes the batch; a later run's Sync records the items as paid.
	paypal.settle('all');
	await waitForExecution(payoutId, (execution) => reportsOf(execution, 'Sync').filter((report) => report.outcome === 'paid').length === 2, 60000);

	// aff-C's customer refunds after the payout: the reversal arrives as a postback.
	await postback({
		click_id: 'clk-c1',
		transaction_id: tx('c1'),
		commission: '80',
		affiliate_id: 'aff-C',
		status: 'reversed',
		occurred_at: new Date().toISOString(),
	});
	const carried = await waitForExecution(
		payoutId,
		payReportsMatch((reports) => reports.some((report) => report.affiliateId === 'aff-C' && report.outcome === 'carried')),
		60000,
	);
	expect(reportsOf(carried, 'Pay').find((report) => report.affiliateId === 'aff-C')).toMatchObject({
		outcome: 'carried',
		code: 'negative_balance',
		amount: '-80',
	});

	await publicApi('POST', `/workflows/${payoutId}/deactivate`);
	// Many scheduled runs later: PayPal holds exactly one payment per paid affiliate.
	expect(paypal.batches()).toHaveLength(1);
	expect(
		paypal
			.paidItems()
			.map((item) => [item.receiver, item.amount, item.currency])
			.sort(),
	).toEqual([
		['aff-a@example.com', '70.10', 'USD'],
		['aff-c@example.com', '80.00', 'USD'],
	]);
});

describe("the payout credentials' Test button (the editor's own endpoint) against the fakes", () => {
	/** As the editor does: the credential is saved first, then tested by id with the form's data. */
	async function testCredential(type: string, data: Record<string, unknown>): Promise<{ status: string; message: string }> {
		const name = uniqueId(`test ${type} `);
		const { id } = await publicApi<{ id: string }>('POST', '/credentials', { name, type, data });
		const response = await n8nFetch(`${baseUrl()}/rest/credentials/test`, {
			method: 'POST',
			headers: { 'content-type': 'application/json', cookie: process.env.E2E_N8N_COOKIE ?? '', 'browser-id': process.env.E2E_N8N_BROWSER_ID ?? '' },
			body: JSON.stringify({ credentials: { id, name, type, data } }),
		});
		const text = await response.text();
		if (response.status !== 200) throw new Error(`credential test: ${response.status} ${text}`);
		return (JSON.parse(text) as { data: { status: string; message: string } }).data;
	}

	test('PayPal: the right client secret passes, a wrong one fails', async () => {
		const base = { environment: 'sandbox', clientId: PAYPAL_FAKE_CLIENT_ID, baseUrl: paypal.url };
		expect(await testCredential('payPalPayoutsApi', { ...base, clientSecret: PAYPAL_FAKE_CLIENT_SECRET })).toMatchObject({ status: 'OK' });
		expect(await testCredential('payPalPayoutsApi', { ...base, clientSecret: 'wrong-secret' })).toMatchObject({ status: 'Error' });
	});

	test('Stripe: the platform key passes, another key fails', async () => {
		const stripe = await startStripeFake();
		try {
			expect(await testCredential('stripeConnectApi', { secretKey: STRIPE_FAKE_SECRET_KEY, baseUrl: stripe.url })).toMatchObject({ status: 'OK' });
			expect(await testCredential('stripeConnectApi', { secretKey: 'sk_test_wrong', baseUrl: stripe.url })).toMatchObject({ status: 'Error' });
		} finally {
			await stripe.close();
		}
	});
});
