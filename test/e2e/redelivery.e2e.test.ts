import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { startGoogleAdsFake, type GoogleAdsFake } from '../fakes/google-ads';
import { META_FAKE_PIXEL, META_FAKE_TOKEN, startMetaFake, type MetaFake } from '../fakes/meta';
import { createGoogleCredential } from './google-credential';
import { baseUrl, n8nFetch, outputsOf, publicApi, startWorkflow, uniqueId, waitForExecution, type Execution } from './n8n-api';

/**
 * Durable redelivery in a real n8n, in real time: a click a little younger than Google's six hours makes the Google
 * Ads node hold its conversion back (Failed, retry_later) and leave it pending in the outbox; the Redelivery
 * Trigger (polling every minute) emits it once its retryAt has passed, and the same node uploads it, once. The
 * outbox lives in a SQLite file of this test's own, so other suites' triggers sharing this n8n cannot claim it.
 */
const CUSTOMER = '1234567890';
const ACTION = `customers/${CUSTOMER}/conversionActions/555001`;
const SIX_HOURS = 6 * 60 * 60 * 1000;
const N8N_NODE = join(
	process.env.POSTBACK_N8N_SERVER_DIR ? resolve(process.env.POSTBACK_N8N_SERVER_DIR) : join(__dirname, '../../.cache/n8n-server'),
	'node_modules/.bin/node',
);
const USER_FOLDER = join(process.env.E2E_N8N_USER_FOLDER ?? '', '.n8n');
const OUTBOX_FILE = join(USER_FOLDER, `redelivery-e2e-${process.pid}.sqlite`);

let google: GoogleAdsFake;
let meta: MetaFake;
let workflowId: string;
let metaWorkflowId: string;

/** Moves a tracked click back in time in the default tracking store (node:sqlite needs the Node that runs n8n). */
function ageClick(clickId: string, clickedAt: Date): void {
	const script = `const { DatabaseSync } = require('node:sqlite');
const db = new DatabaseSync(process.argv[1], { timeout: 5000 });
const changed = db.prepare('UPDATE clicks SET clicked_at = ? WHERE click_id = ?').run(process.argv[2], process.argv[3]).changes;
db.close();
if (changed !== 1) { console.error('click not found: ' + process.argv[3]); process.exit(1); }`;
	execFileSync(N8N_NODE, ['-e', script, join(USER_FOLDER, 'postback-tracking.sqlite'), clickedAt.toISOString(), clickId], {
		stdio: ['ignore', 'pipe', 'pipe'],
	});
}

const node = (name: string, type: string, parameters: Record<string, unknown>, position: [number, number], extra: Record<string, unknown> = {}) => ({
	id: `e2e-redeliver-${name.toLowerCase().replace(/\W+/g, '-')}`,
	name,
	type,
	typeVersion: 1,
	position,
	parameters,
	...extra,
});

beforeAll(async () => {
	google = await startGoogleAdsFake();
	const credential = await createGoogleCredential(google, 'E2E Google Ads redelivery (fake)');
	const outbox = { conversionLog: true, store: 'sqlite', sqlitePath: OUTBOX_FILE };
	workflowId = await startWorkflow(
		{
			name: 'E2E: redelivery of a young Google click',
			nodes: [
				node(
					'Clicks',
					'n8n-nodes-postback.clickTracker',
					{
						path: 'go-redeliver',
						offers: { offer: [{ name: 'wpengine', url: 'https://shareasale.com/r.cfm?b=394686&u=1011620&m=41388&urllink=&afftrack=', network: 'shareasale' }] },
					},
					[0, -200],
					{ webhookId: 'e2e00000-0000-4000-8000-00000000rd01' },
				),
				node('Postback', 'n8n-nodes-postback.postbackTrigger', { network: 'shareasale', path: 'shareasale-redeliver' }, [0, 100], {
					webhookId: 'e2e00000-0000-4000-8000-00000000rd02',
				}),
				node('Funnel', 'n8n-nodes-postback.conversionFunnel', {}, [250, 100]),
				node(
					'Redelivery',
					'n8n-nodes-postback.redeliveryTrigger',
					{ ...outbox, destinationScope: 'selected', destinations: ['google_ads'], pollTimes: { item: [{ mode: 'everyMinute' }] } },
					[250, 350],
				),
				node('Google Ads', 'n8n-nodes-postback.googleAdsConversions', { customerId: CUSTOMER, conversionAction: ACTION, ...outbox }, [500, 100], {
					credentials: { googleAdsConversionsOAuth2Api: credential },
				}),
			],
			connections: {
				Postback: { main: [[{ node: 'Funnel', type: 'main', index: 0 }], []] },
				Funnel: { main: [[], [{ node: 'Google Ads', type: 'main', index: 0 }]] },
				Redelivery: { main: [[{ node: 'Google Ads', type: 'main', index: 0 }], []] },
			},
			settings: { executionOrder: 'v1' },
		},
		['shareasale-redeliver', 'go-redeliver'],
	);
});

afterAll(async () => {
	await google?.close();
	await meta?.close();
});

async function trackClick(gclid: string): Promise<string> {
	const response = await n8nFetch(`${baseUrl()}/webhook/go-redeliver?${new URLSearchParams({ offer: 'wpengine', gclid })}`, {
		redirect: 'manual',
		headers: { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) E2E-Redelivery', 'x-forwarded-for': '203.0.113.11' },
	});
	expect(response.status).toBe(302);
	return new URL(response.headers.get('location') ?? '').searchParams.get('afftrack') ?? '';
}

const googleOutputs = (execution: Execution) => outputsOf(execution, 'Google Ads');
const sentWith = (transID: string) => (run: Execution) => JSON.stringify(googleOutputs(run)[0] ?? []).includes(transID);

test('a conversion held back by the six-hour rule is uploaded once, by the Redelivery Trigger, after its retryAt', async () => {
	const gclid = `Cj0KCQgclidRedeliver${uniqueId('')}`;
	const clickId = await trackClick(gclid);
	expect(clickId).not.toBe('');
	// Six hours less 70 seconds: due again within the next poll or two.
	const clickedAt = new Date(Date.now() - SIX_HOURS + 70_000);
	ageClick(clickId, clickedAt);
	google.registerClick(gclid, clickedAt);

	const transID = uniqueId('77');
	const postback = `${baseUrl()}/webhook/shareasale-redeliver?${new URLSearchParams({
		afftrack: clickId,
		transtype: 'SALE',
		merchantID: '87575',
		orderNumber: `order-${transID}`,
		transID,
		amountOfSale: '79',
		commission: '39.5',
		transDate: new Date().toISOString().slice(0, 19).replace('T', ' '),
	})}`;
	expect((await n8nFetch(postback)).status).toBe(200);
	const first = await waitForExecution(workflowId, (run) => JSON.stringify(googleOutputs(run)).includes(transID), 30_000);
	const [sentFirst, failedFirst] = googleOutputs(first);
	expect(sentFirst ?? []).toEqual([]);
	expect(failedFirst[0].json.forward).toMatchObject({ outcome: 'retry_later', code: 'TOO_RECENT_EVENT' });
	expect(google.accepted.filter((conversion) => conversion.clickId === gclid)).toHaveLength(0);

	// The trigger's execution: Due → Google Ads → Sent, with the trigger's mark on the item.
	const redelivered = await waitForExecution(workflowId, sentWith(transID), 240_000);
	const [sent] = googleOutputs(redelivered);
	expect(sent).toHaveLength(1);
	expect(sent[0].json.forward).toMatchObject({ platform: 'google_ads', outcome: 'sent' });
	expect(sent[0].json.redelivery).toMatchObject({ destination: 'google_ads', attempt: 2 });
	expect(google.accepted.filter((conversion) => conversion.clickId === gclid)).toHaveLength(1);

	// Settled: a later poll emits nothing more for it, so Google still has it once.
	await new Promise((resolvePoll) => setTimeout(resolvePoll, 75_000));
	expect(google.accepted.filter((conversion) => conversion.clickId === gclid)).toHaveLength(1);
	const uploadsOfIt = google.uploads().filter((upload) => JSON.stringify(upload.body).includes(gclid));
	expect(uploadsOfIt).toHaveLength(1);
}, 400_000);

/** Seeded, so a failing run can be repeated: mulberry32. */
function seeded(seed: number): () => number {
	let state = seed >>> 0;
	return () => {
		state = (state + 0x6d2b79f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

describe('a platform failing 30 % of requests for a while, then recovering', () => {
	const COUNT = 24;
	const outboxFile = join(USER_FOLDER, `redelivery-e2e-meta-${process.pid}.sqlite`);

	beforeAll(async () => {
		meta = await startMetaFake();
		const credential = await publicApi<{ id: string; name: string }>('POST', '/credentials', {
			name: 'E2E Meta redelivery (fake)',
			type: 'metaConversionsApi',
			data: { accessToken: META_FAKE_TOKEN, apiVersion: 'v26.0', baseUrl: meta.url },
		});
		const outbox = { conversionLog: true, store: 'sqlite', sqlitePath: outboxFile };
		metaWorkflowId = await startWorkflow(
			{
				name: 'E2E: redelivery to a flaky Meta',
				nodes: [
					node(
						'Clicks',
						'n8n-nodes-postback.clickTracker',
						{
							path: 'go-flaky',
							offers: {
								offer: [{ name: 'wpengine', url: 'https://shareasale.com/r.cfm?b=394686&u=1011620&m=41388&urllink=&afftrack=', network: 'shareasale' }],
							},
						},
						[0, -200],
						{ webhookId: 'e2e00000-0000-4000-8000-00000000rd11' },
					),
					node('Postback', 'n8n-nodes-postback.postbackTrigger', { network: 'shareasale', path: 'shareasale-flaky' }, [0, 100], {
						webhookId: 'e2e00000-0000-4000-8000-00000000rd12',
					}),
					node('Funnel', 'n8n-nodes-postback.conversionFunnel', {}, [250, 100]),
					node(
						'Redelivery',
						'n8n-nodes-postback.redeliveryTrigger',
						{ ...outbox, destinationScope: 'selected', destinations: ['meta'], pollTimes: { item: [{ mode: 'everyMinute' }] } },
						[250, 350],
					),
					node('Meta', 'n8n-nodes-postback.metaConversions', { pixelId: META_FAKE_PIXEL, ...outbox }, [500, 100], {
						credentials: { metaConversionsApi: { id: credential.id, name: credential.name } },
					}),
				],
				connections: {
					Postback: { main: [[{ node: 'Funnel', type: 'main', index: 0 }], []] },
					Funnel: { main: [[], [{ node: 'Meta', type: 'main', index: 0 }]] },
					Redelivery: { main: [[{ node: 'Meta', type: 'main', index: 0 }], []] },
				},
				settings: { executionOrder: 'v1' },
			},
			['shareasale-flaky', 'go-flaky'],
		);
	});

	test('every conversion reaches Meta exactly once: the node retries what it can, the Redelivery Trigger the rest', async () => {
		// The first conversion arrives alone while Meta is down: the node's four attempts fail and it is left for the
		// Redelivery Trigger. Then 30 % of requests are throttled or fail while the others arrive, until the storm is over.
		const random = seeded(20261207);
		meta.failNext(4, { status: 503 });

		const fbclids: string[] = [];
		for (let index = 0; index < COUNT; index++) {
			const fbclid = `IwAR0flaky${index}x${uniqueId('')}`;
			fbclids.push(fbclid);
			const click = await n8nFetch(
				`${baseUrl()}/webhook/go-flaky?${new URLSearchParams({ offer: 'wpengine', fbclid, landing: 'https://blog.example.com/review' })}`,
				{
					redirect: 'manual',
					headers: { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) E2E-Flaky', 'x-forwarded-for': '203.0.113.12' },
				},
			);
			const clickId = new URL(click.headers.get('location') ?? '').searchParams.get('afftrack') ?? '';
			expect(clickId).not.toBe('');
			const transID = uniqueId('66');
			const postback = `${baseUrl()}/webhook/shareasale-flaky?${new URLSearchParams({
				afftrack: clickId,
				transtype: 'SALE',
				merchantID: '87575',
				orderNumber: `order-${transID}`,
				transID,
				amountOfSale: '79',
				commission: '39.5',
				transDate: new Date().toISOString().slice(0, 19).replace('T', ' '),
			})}`;
			expect((await n8nFetch(postback)).status).toBe(200);
			if (index === 0) {
				const first = await waitForExecution(metaWorkflowId, (run) => JSON.stringify(outputsOf(run, 'Meta')[1] ?? []).includes(transID), 60_000);
				expect((outputsOf(first, 'Meta')[1][0].json.forward as { outcome: string }).outcome).toBe('retry');
				meta.injectFaults(() => (random() < 0.3 ? (random() < 0.5 ? { status: 429 } : { status: 503 }) : undefined));
			}
		}
		// The storm lasts until every postback has been answered and its run has had time to end.
		await new Promise((resolveStorm) => setTimeout(resolveStorm, 15_000));
		meta.injectFaults(undefined);
		expect(meta.injected.length).toBeGreaterThanOrEqual(4);

		const delivered = () => fbclids.filter((fbclid) => meta.events.some((entry) => JSON.stringify(entry.event).includes(fbclid))).length;
		const deadline = Date.now() + 300_000;
		while (delivered() < COUNT && Date.now() < deadline) await new Promise((resolvePoll) => setTimeout(resolvePoll, 2000));
		expect(delivered()).toBe(COUNT);
		// And nothing more comes: one more poll, then each event once, no duplicate at Meta.
		await new Promise((resolvePoll) => setTimeout(resolvePoll, 65_000));
		for (const fbclid of fbclids)
			expect({ fbclid, events: meta.events.filter((entry) => JSON.stringify(entry.event).includes(fbclid)).length }).toEqual({ fbclid, events: 1 });
		expect(meta.duplicates).toHaveLength(0);
		// The first one came through the trigger: an execution the Redelivery Trigger started sent it.
		const redelivered = await waitForExecution(
			metaWorkflowId,
			(run) => (outputsOf(run, 'Redelivery')[0]?.length ?? 0) > 0 && JSON.stringify(outputsOf(run, 'Meta')[0] ?? []).includes(fbclids[0]),
			5000,
		);
		expect(outputsOf(redelivered, 'Meta')[0].length).toBeGreaterThan(0);
	}, 600_000);
});
