import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import { FAKE_GOOGLE_ACCESS_TOKEN, startGoogleAdsFake, type GoogleAdsFake } from '../fakes/google-ads';
import { createGoogleCredential } from './google-credential';
import { baseUrl, n8nFetch, outputsOf, startWorkflow, uniqueId, waitForExecution, type Execution } from './n8n-api';

/**
 * A Click Tracker click with a gclid and its ShareASale postback, through the Conversion Funnel, into the
 * Google Ads Conversions node of a real n8n, pointed at the strict Google Ads fake. The OAuth2 credential is
 * created through the public API with a token already in `oauthTokenData` (see ./google-credential.ts). The click for the sent case is
 * tracked for real, then moved 7 h back in the tracking store, since the node holds back younger clicks.
 */
const CUSTOMER = '1234567890';
const ACTION = `customers/${CUSTOMER}/conversionActions/555001`;
const SIX_HOURS = 6 * 60 * 60 * 1000;
/** The Node.js that runs the e2e n8n (scripts/lib/n8n.mjs: serverDir/node_modules/.bin/node, serverDir honouring POSTBACK_N8N_SERVER_DIR as CI sets it); it has node:sqlite. */
const N8N_NODE = join(
	process.env.POSTBACK_N8N_SERVER_DIR ? resolve(process.env.POSTBACK_N8N_SERVER_DIR) : join(__dirname, '../../.cache/n8n-server'),
	'node_modules/.bin/node',
);

let google: GoogleAdsFake;
let workflowId: string;

/** Moves a tracked click back in time in the n8n user folder's tracking store (node:sqlite needs the Node that runs n8n). */
function ageClick(clickId: string, clickedAt: Date): void {
	const file = join(process.env.E2E_N8N_USER_FOLDER ?? '', '.n8n', 'postback-tracking.sqlite');
	const script = `const { DatabaseSync } = require('node:sqlite');
const db = new DatabaseSync(process.argv[1], { timeout: 5000 });
const changed = db.prepare('UPDATE clicks SET clicked_at = ? WHERE click_id = ?').run(process.argv[2], process.argv[3]).changes;
db.close();
if (changed !== 1) { console.error('click not found: ' + process.argv[3]); process.exit(1); }`;
	execFileSync(N8N_NODE, ['-e', script, file, clickedAt.toISOString(), clickId], { stdio: ['ignore', 'pipe', 'pipe'] });
}

const node = (name: string, type: string, parameters: Record<string, unknown>, position: [number, number], extra: Record<string, unknown> = {}) => ({
	id: `e2e-gads-${name.toLowerCase().replace(/\W+/g, '-')}`,
	name,
	type,
	typeVersion: 1,
	position,
	parameters,
	...extra,
});

beforeAll(async () => {
	google = await startGoogleAdsFake();
	const credential = await createGoogleCredential(google, 'E2E Google Ads (fake)');
	const workflow = {
		name: 'E2E: ShareASale → funnel → Google Ads',
		nodes: [
			node(
				'Clicks',
				'n8n-nodes-postback.clickTracker',
				{
					path: 'go-gads',
					offers: { offer: [{ name: 'wpengine', url: 'https://shareasale.com/r.cfm?b=394686&u=1011620&m=41388&urllink=&afftrack=', network: 'shareasale' }] },
				},
				[0, -200],
				{ webhookId: 'e2e00000-0000-4000-8000-00000000ga01' },
			),
			node('Postback', 'n8n-nodes-postback.postbackTrigger', { network: 'shareasale', path: 'shareasale-gads' }, [0, 100], {
				webhookId: 'e2e00000-0000-4000-8000-00000000ga02',
			}),
			node('Funnel', 'n8n-nodes-postback.conversionFunnel', {}, [250, 100]),
			node(
				'Google Ads',
				'n8n-nodes-postback.googleAdsConversions',
				{ customerId: CUSTOMER, conversionAction: ACTION, overrides: { email: 'Jane.Doe@Gmail.com' } },
				[500, 100],
				{ credentials: { googleAdsConversionsOAuth2Api: credential } },
			),
		],
		connections: {
			Postback: { main: [[{ node: 'Funnel', type: 'main', index: 0 }], []] },
			Funnel: { main: [[], [{ node: 'Google Ads', type: 'main', index: 0 }]] },
		},
		settings: { executionOrder: 'v1' },
	};
	workflowId = await startWorkflow(workflow, ['shareasale-gads', 'go-gads']);
});

afterAll(async () => {
	await google?.close();
});

/** A click through the tracker with this gclid; returns our click id. */
async function trackClick(gclid: string): Promise<string> {
	const response = await n8nFetch(
		`${baseUrl()}/webhook/go-gads?${new URLSearchParams({ offer: 'wpengine', gclid, landing: 'https://blog.example.com/wp-engine-review' })}`,
		{
			redirect: 'manual',
			headers: { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) E2E-Google', 'x-forwarded-for': '203.0.113.10' },
		},
	);
	expect(response.status).toBe(302);
	const clickId = new URL(response.headers.get('location') ?? '').searchParams.get('afftrack') ?? '';
	expect(clickId).not.toBe('');
	return clickId;
}

async function postback(clickId: string, transID: string): Promise<void> {
	const url = `${baseUrl()}/webhook/shareasale-gads?${new URLSearchParams({
		afftrack: clickId,
		transtype: 'SALE',
		merchantID: '87575',
		orderNumber: `order-${transID}`,
		transID,
		amountOfSale: '79',
		commission: '39.5',
		transDate: new Date().toISOString().slice(0, 19).replace('T', ' '),
	})}`;
	expect((await n8nFetch(url)).status).toBe(200);
}

const googleOutputs = (execution: Execution) => outputsOf(execution, 'Google Ads');
const ranGoogle = (transID: string) => (run: Execution) => JSON.stringify(googleOutputs(run)).includes(transID);

test('a click older than 6 hours and its ShareASale postback reach Google Ads with one click id, an offset time and hashed identifiers', async () => {
	const gclid = `Cj0KCQgclidOld${uniqueId('')}`;
	const clickId = await trackClick(gclid);
	const clickedAt = new Date(Date.now() - 7 * 60 * 60 * 1000);
	ageClick(clickId, clickedAt);
	google.registerClick(gclid, clickedAt);
	const uploadsBefore = google.uploads().length;

	const transID = uniqueId('88');
	await postback(clickId, transID);
	const execution = await waitForExecution(workflowId, ranGoogle(transID), 30000);
	const [sent, failed] = googleOutputs(execution);
	expect(failed ?? []).toEqual([]);
	expect(sent).toHaveLength(1);
	expect(sent[0].json.forward).toMatchObject({ platform: 'google_ads', outcome: 'sent' });
	expect(sent[0].pairedItem).toEqual({ item: 0 });

	const uploads = google.uploads().slice(uploadsBefore);
	expect(uploads).toHaveLength(1);
	const body = uploads[0].body as { partialFailure: unknown; conversions: Array<Record<string, unknown>> };
	expect(body.partialFailure).toBe(true);
	expect(uploads[0].headers.authorization).toBe(`Bearer ${FAKE_GOOGLE_ACCESS_TOKEN}`);
	expect(body.conversions).toHaveLength(1);
	const row = body.conversions[0];
	expect(['gclid', 'gbraid', 'wbraid'].filter((field) => field in row)).toEqual(['gclid']);
	expect(row.gclid).toBe(gclid);
	expect(row.conversionAction).toBe(ACTION);
	expect(row.conversionDateTime).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d+)?[+-]\d{2}:\d{2}$/);
	expect(row.conversionValue).toBe(39.5);
	expect(row.currencyCode).toBe('USD');
	// Google's email rule: lower-case, dots removed from a gmail local part, then SHA-256.
	const hashedEmail = createHash('sha256').update('janedoe@gmail.com').digest('hex');
	expect(row.userIdentifiers).toEqual([{ hashedEmail }]);

	const accepted = google.accepted.filter((conversion) => conversion.clickId === gclid);
	expect(accepted).toHaveLength(1);
	expect(accepted[0].conversionAction).toBe(ACTION);
});

test('a click younger than 6 hours comes out on Failed as retry_later, with retryAt = click + 6 h, and nothing reaches Google', async () => {
	const gclid = `Cj0KCQgclidNew${uniqueId('')}`;
	const clickId = await trackClick(gclid);
	google.registerClick(gclid, new Date());
	const uploadsBefore = google.uploads().length;

	const transID = uniqueId('89');
	await postback(clickId, transID);
	const execution = await waitForExecution(workflowId, ranGoogle(transID), 30000);
	const [sent, failed] = googleOutputs(execution);
	expect(sent ?? []).toEqual([]);
	expect(failed).toHaveLength(1);
	const forward = failed[0].json.forward as Record<string, unknown>;
	expect(forward).toMatchObject({ platform: 'google_ads', outcome: 'retry_later', code: 'TOO_RECENT_EVENT' });
	const click = failed[0].json.click as { clickedAt: string; gclid: string };
	expect(click.gclid).toBe(gclid);
	expect(Date.parse(String(forward.retryAt))).toBe(Date.parse(click.clickedAt) + SIX_HOURS);
	expect(google.uploads().length).toBe(uploadsBefore);
	expect(google.accepted.some((conversion) => conversion.clickId === gclid)).toBe(false);
});
