import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { startGoogleAdsFake, type GoogleAdsFake } from '../fakes/google-ads';
import { createGoogleCredential } from './google-credential';
import { baseUrl, n8nFetch, outputsOf, startWorkflow, uniqueId, waitForExecution, type Execution } from './n8n-api';

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
let workflowId: string;

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
