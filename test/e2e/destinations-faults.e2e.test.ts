import { randomUUID } from 'node:crypto';
import { startGoogleAdsFake, type GoogleAdsFake } from '../fakes/google-ads';
import { startMetaFake, META_FAKE_PIXEL, META_FAKE_TOKEN, type MetaFake } from '../fakes/meta';
import { startTikTokFake, TIKTOK_FAKE_PIXEL, TIKTOK_FAKE_TOKEN, type TikTokFake } from '../fakes/tiktok';
import { funnelItemSchema } from '../../src/funnel/schema';
import { DEFAULT_RETRY_POLICY } from '../../src/http/retry';
import { createGoogleCredential } from './google-credential';
import { baseUrl, n8nFetch, outputsOf, publicApi, startWorkflow, uniqueId, waitForExecution, type Execution } from './n8n-api';

/**
 * Batching and fault injection through a real n8n: n8n's Webhook node takes a JSON array of Conversion
 * Funnel items, n8n's Split Out node makes them items, and the Meta / TikTok / Google Ads nodes send them to
 * the strict fakes, which are told to fail first (429, 5xx, Google partial failure).
 */
const CUSTOMER = '1234567890';
const ACTION = `customers/${CUSTOMER}/conversionActions/555002`;

let meta: MetaFake;
let tiktok: TikTokFake;
let google: GoogleAdsFake;
let workflowId: string;
const run = uniqueId('f');
const path = (platform: string) => `e2e-faults-${platform}-${run}`;

/** One Purchase as the Conversion Funnel emits it (validated against the funnel's item schema). */
function funnelItem(transactionId: string, clickId: string, click: Record<string, string> = {}): Record<string, unknown> {
	const occurredAt = new Date(Date.now() - 60 * 60 * 1000).toISOString();
	const clickedAt = new Date(Date.now() - 8 * 60 * 60 * 1000).toISOString();
	const item = {
		network: 'shareasale',
		clickId,
		transactionId,
		orderId: `order-${transactionId}`,
		networkEventType: 'SALE',
		eventName: 'Purchase',
		status: 'approved',
		amount: '79',
		commission: '39.5',
		currency: 'USD',
		occurredAt,
		receivedAt: occurredAt,
		affiliateId: null,
		offerId: null,
		merchantId: '87575',
		brandName: null,
		couponCode: null,
		ip: null,
		subIds: {},
		user: {},
		raw: { method: 'GET', query: { transID: transactionId } },
		route: 'purchase',
		click: {
			clickId,
			clickedAt,
			ip: '203.0.113.20',
			userAgent: 'Mozilla/5.0 (X11; Linux x86_64) E2E-Faults',
			landingUrl: 'https://blog.example.com/wp-engine-review',
			...click,
		},
		attribution: { method: 'click', clickId, window: '30d', model: 'lastClick' },
		dedup: { status: 'first', key: { network: 'shareasale', transactionId, eventName: 'Purchase' } },
		destinationEvents: { meta: 'Purchase', tiktok: 'CompletePayment' },
		ledger: { entries: [] },
	};
	return funnelItemSchema.parse(item) as Record<string, unknown>;
}

async function post(platform: string, items: unknown[]): Promise<void> {
	const response = await n8nFetch(`${baseUrl()}/webhook/${path(platform)}`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify(items),
	});
	expect(response.status).toBe(200);
}

const node = (
	name: string,
	type: string,
	typeVersion: number,
	parameters: Record<string, unknown>,
	position: [number, number],
	extra: Record<string, unknown> = {},
) => ({
	id: `e2e-faults-${name.toLowerCase().replace(/\W+/g, '-')}`,
	name,
	type,
	typeVersion,
	position,
	parameters,
	...extra,
});

beforeAll(async () => {
	meta = await startMetaFake();
	tiktok = await startTikTokFake();
	google = await startGoogleAdsFake();
	const metaCredential = await publicApi<{ id: string; name: string }>('POST', '/credentials', {
		name: `E2E Meta faults (fake) ${run}`,
		type: 'metaConversionsApi',
		data: { accessToken: META_FAKE_TOKEN, apiVersion: 'v26.0', baseUrl: meta.url },
	});
	const tiktokCredential = await publicApi<{ id: string; name: string }>('POST', '/credentials', {
		name: `E2E TikTok faults (fake) ${run}`,
		type: 'tikTokEventsApi',
		data: { accessToken: TIKTOK_FAKE_TOKEN, baseUrl: tiktok.url },
	});
	const googleCredential = await createGoogleCredential(google, `E2E Google Ads faults (fake) ${run}`);
	// A token the fake does not know (as if it had expired): Google answers 401 and n8n must refresh it at the fake's /token.
	const staleCredential = await createGoogleCredential(google, `E2E Google Ads stale token (fake) ${run}`, 'expired-google-access-token');
	const platforms = [
		{
			key: 'meta',
			node: 'Meta',
			type: 'n8n-nodes-postback.metaConversions',
			parameters: { pixelId: META_FAKE_PIXEL },
			credentials: { metaConversionsApi: metaCredential },
		},
		{
			key: 'tiktok',
			node: 'TikTok',
			type: 'n8n-nodes-postback.tikTokEvents',
			parameters: { pixelCode: TIKTOK_FAKE_PIXEL },
			credentials: { tikTokEventsApi: tiktokCredential },
		},
		{
			key: 'google',
			node: 'Google Ads',
			type: 'n8n-nodes-postback.googleAdsConversions',
			parameters: { customerId: CUSTOMER, conversionAction: ACTION },
			credentials: { googleAdsConversionsOAuth2Api: googleCredential },
		},
		{
			key: 'google-stale',
			node: 'Google Ads (stale token)',
			type: 'n8n-nodes-postback.googleAdsConversions',
			parameters: { customerId: CUSTOMER, conversionAction: ACTION },
			credentials: { googleAdsConversionsOAuth2Api: staleCredential },
		},
	];
	const nodes: unknown[] = [];
	const connections: Record<string, unknown> = {};
	platforms.forEach((platform, index) => {
		const y = index * 250;
		nodes.push(
			node(
				`In ${platform.node}`,
				'n8n-nodes-base.webhook',
				2,
				{ httpMethod: 'POST', path: path(platform.key), responseMode: 'onReceived', options: {} },
				[0, y],
				{ webhookId: randomUUID() },
			),
			node(`Split ${platform.node}`, 'n8n-nodes-base.splitOut', 1, { fieldToSplitOut: 'body', options: {} }, [250, y]),
			node(platform.node, platform.type, 1, platform.parameters, [500, y], { credentials: platform.credentials }),
		);
		connections[`In ${platform.node}`] = { main: [[{ node: `Split ${platform.node}`, type: 'main', index: 0 }]] };
		connections[`Split ${platform.node}`] = { main: [[{ node: platform.node, type: 'main', index: 0 }]] };
	});
	workflowId = await startWorkflow(
		{ name: `E2E: batches and faults ${run}`, nodes, connections, settings: { executionOrder: 'v1' } },
		platforms.map((platform) => path(platform.key)),
		'POST',
	);
});

afterAll(async () => {
	await meta?.close();
	await tiktok?.close();
	await google?.close();
});

/** The execution in which `nodeName` emitted an item carrying `marker`. */
const executionWith = (nodeName: string, marker: string, timeoutMs = 30000) =>
	waitForExecution(workflowId, (execution: Execution) => JSON.stringify(outputsOf(execution, nodeName)).includes(marker), timeoutMs);

const eventRequests = (fake: MetaFake) => fake.requests.filter((request) => request.method === 'POST' && /\/events\/?$/.test(request.path));

test('a batch of 2,500 conversions reaches Meta as 3 requests (1000/1000/500), every item on Sent with pairedItem', async () => {
	const batch = uniqueId('b');
	const items = Array.from({ length: 2500 }, (_, i) => funnelItem(`${batch}-${i}`, `${batch}c${i}`, { fbclid: `IwAR${batch}x${i}` }));
	const requestsBefore = eventRequests(meta).length;
	const eventsBefore = meta.events.length;
	await post('meta', items);

	const execution = await executionWith('Meta', `${batch}-2499`, 90000);
	const [sent, failed] = outputsOf(execution, 'Meta');
	expect(failed ?? []).toEqual([]);
	expect(sent).toHaveLength(2500);
	sent.forEach((item, index) => {
		expect(item.pairedItem).toEqual({ item: index });
		expect(item.json.transactionId).toBe(`${batch}-${index}`);
		expect((item.json.forward as Record<string, unknown>).outcome).toBe('sent');
	});

	const requests = eventRequests(meta).slice(requestsBefore);
	expect(requests.map((request) => (request.body as { data: unknown[] }).data.length)).toEqual([1000, 1000, 500]);
	expect(meta.events.length - eventsBefore).toBe(2500);
	expect(meta.duplicates).toEqual([]);
	const ids = new Set(meta.events.slice(eventsBefore).map((entry) => entry.event.event_id));
	expect(ids.size).toBe(2500);
});

test('Meta answers 429 once: the node waits and retries, the item comes out on Sent once and Meta records it once', async () => {
	const tx = uniqueId('m429');
	const before = meta.events.length;
	const answersBefore = meta.answers.length;
	meta.failNext(1, { status: 429, retryAfterSeconds: 1 });
	await post('meta', [funnelItem(tx, `${tx}c`, { fbclid: `IwAR${tx}` })]);

	const execution = await executionWith('Meta', tx);
	const [sent, failed] = outputsOf(execution, 'Meta');
	expect(failed ?? []).toEqual([]);
	expect(sent).toHaveLength(1);
	expect(sent[0].json.forward).toMatchObject({ platform: 'meta', outcome: 'sent' });
	expect(meta.answers.slice(answersBefore).map((answer) => answer.status)).toEqual([429, 200]);
	const recorded = meta.events.slice(before).filter((entry) => JSON.stringify(entry.event).includes(tx));
	expect(recorded).toHaveLength(1);
	expect(meta.duplicates).toEqual([]);
});

test('TikTok answers 500 twice: the item comes out on Sent once and TikTok records the event once', async () => {
	const tx = uniqueId('t500');
	const requestsBefore = tiktok.trackRequests().length;
	tiktok.failNext(2, 500);
	await post('tiktok', [funnelItem(tx, `${tx}c`, { ttclid: `E.C.P.${tx}` })]);

	const execution = await executionWith('TikTok', tx);
	const [sent, failed] = outputsOf(execution, 'TikTok');
	expect(failed ?? []).toEqual([]);
	expect(sent).toHaveLength(1);
	expect(sent[0].json.forward).toMatchObject({ platform: 'tiktok', outcome: 'sent' });
	expect(tiktok.trackRequests().length - requestsBefore).toBe(3);
	expect(tiktok.events.filter((entry) => JSON.stringify(entry.event).includes(tx))).toHaveLength(1);
});

test('Meta keeps answering 5xx: after the last attempt the item comes out on Failed as retry, saying it gave up, and nothing is lost', async () => {
	const tx = uniqueId('m503');
	const other = uniqueId('m503b');
	const before = meta.events.length;
	const answersBefore = meta.answers.length;
	// One fault more than the node's attempts: it must give up, not wait forever.
	meta.failNext(DEFAULT_RETRY_POLICY.maxAttempts + 1, { status: 503 });
	await post('meta', [funnelItem(tx, `${tx}c`, { fbclid: `IwAR${tx}` }), funnelItem(other, `${other}c`, { fbclid: `IwAR${other}` })]);

	const execution = await executionWith('Meta', tx, 60000);
	const [sent, failed] = outputsOf(execution, 'Meta');
	expect(sent ?? []).toEqual([]);
	expect(failed).toHaveLength(2);
	failed.forEach((item, index) => {
		expect(item.pairedItem).toEqual({ item: index });
		const forward = item.json.forward as Record<string, unknown>;
		expect(forward).toMatchObject({ platform: 'meta', outcome: 'retry' });
		expect(String(forward.reason)).toMatch(/gave up after \d+ attempts/);
	});
	expect([failed[0].json.transactionId, failed[1].json.transactionId]).toEqual([tx, other]);
	expect(meta.answers.slice(answersBefore).map((answer) => answer.status)).toEqual(Array(DEFAULT_RETRY_POLICY.maxAttempts).fill(503));
	expect(meta.events.length).toBe(before);
	// The one fault left proves the node stopped at its attempts; spend it so no other test meets it.
	const leftover = await fetch(`${meta.url}/v26.0/${META_FAKE_PIXEL}/events?access_token=${META_FAKE_TOKEN}`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: '{}',
	});
	expect(leftover.status).toBe(503);
});

test("Google answers a partial failure: the row with an unknown gclid comes out on Failed with Google's reason, the others on Sent, nothing resent", async () => {
	const tx = uniqueId('g');
	const gclids = [`Cj0good1${tx}`, `Cj0unknown${tx}`, `Cj0good2${tx}`];
	const clickedAt = new Date(Date.now() - 8 * 60 * 60 * 1000).toISOString();
	google.registerClick(gclids[0], clickedAt);
	google.registerClick(gclids[2], clickedAt);
	const uploadsBefore = google.uploads().length;
	await post(
		'google',
		gclids.map((gclid, i) => funnelItem(`${tx}-${i}`, `${tx}c${i}`, { gclid, clickedAt })),
	);

	const execution = await executionWith('Google Ads', tx);
	const [sent, failed] = outputsOf(execution, 'Google Ads');
	expect(sent.map((item) => item.json.transactionId)).toEqual([`${tx}-0`, `${tx}-2`]);
	expect(sent.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 2 }]);
	expect(failed).toHaveLength(1);
	expect(failed[0].pairedItem).toEqual({ item: 1 });
	const forward = failed[0].json.forward as Record<string, unknown>;
	expect(forward).toMatchObject({ platform: 'google_ads', outcome: 'failed', code: 'CLICK_NOT_FOUND' });
	expect(String(forward.reason)).toContain('could not be found');

	const uploads = google.uploads().slice(uploadsBefore);
	expect(uploads).toHaveLength(1);
	expect((uploads[0].body as { conversions: unknown[] }).conversions).toHaveLength(3);
	expect(google.accepted.filter((conversion) => gclids.includes(conversion.clickId)).map((conversion) => conversion.clickId)).toEqual([gclids[0], gclids[2]]);
});

/*
 * Skipped: n8n 2.41.1 cannot be pointed at the fake's token endpoint. CredentialsHelper.applyDefaultsAndOverwrites
 * (dist/credentials-helper.js) deletes the stored value of every OAUTH_PINNED_FIELDS entry (authUrl,
 * accessTokenUrl, …, dist/oauth/dcr-managed-fields.js) that the credential type declares `hidden`, and
 * GoogleAdsConversionsOAuth2Api declares accessTokenUrl hidden, so the refresh after Google's 401 always goes to
 * https://oauth2.googleapis.com/token (unreachable here: the item ends on Failed as retry, "The connection cannot be
 * established … gave up after 4 attempts"). Making it run needs either n8n credential overwrites set when the
 * e2e n8n starts (CREDENTIALS_OVERWRITE_DATA / _ENDPOINT, with the fake on a known port) or a non-hidden token URL
 * in the credential type — both outside this test's files.
 */
test.skip('Google answers 401 to an expired token: n8n refreshes it at the token endpoint and the conversion is sent once', async () => {
	const tx = uniqueId('gr');
	const gclid = `Cj0refresh${tx}`;
	const clickedAt = new Date(Date.now() - 8 * 60 * 60 * 1000).toISOString();
	google.registerClick(gclid, clickedAt);
	const issuedBefore = google.issuedTokens.length;
	const uploadsBefore = google.uploads().length;
	await post('google-stale', [funnelItem(tx, `${tx}c`, { gclid, clickedAt })]);

	const execution = await executionWith('Google Ads (stale token)', tx);
	const [sent, failed] = outputsOf(execution, 'Google Ads (stale token)');
	expect(failed ?? []).toEqual([]);
	expect(sent).toHaveLength(1);
	expect(sent[0].json.forward).toMatchObject({ platform: 'google_ads', outcome: 'sent' });
	expect(google.issuedTokens.length).toBe(issuedBefore + 1);
	const uploads = google.uploads().slice(uploadsBefore);
	expect(uploads.map((upload) => upload.headers.authorization)).toEqual(['Bearer expired-google-access-token', `Bearer ${google.issuedTokens[issuedBefore]}`]);
	expect(google.accepted.filter((conversion) => conversion.clickId === gclid)).toHaveLength(1);
});
