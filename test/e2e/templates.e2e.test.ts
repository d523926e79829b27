import { execFileSync } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { type IncomingMessage, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DEFAULT_RETRY_POLICY } from '../../src/http/retry';
import { openStore } from '../../src/store';
import { startGoogleAdsFake, type GoogleAdsFake } from '../fakes/google-ads';
import { startMetaFake, META_FAKE_PIXEL, META_FAKE_TOKEN, type MetaFake } from '../fakes/meta';
import { PAYPAL_FAKE_CLIENT_ID, PAYPAL_FAKE_CLIENT_SECRET, startPayPalFake, type PayPalFake } from '../fakes/paypal';
import { startTikTokFake, TIKTOK_FAKE_PIXEL, TIKTOK_FAKE_TOKEN, type TikTokFake } from '../fakes/tiktok';
import { GA4_FAKE_API_SECRET, GA4_FAKE_MEASUREMENT_ID, startGa4Fake, type Ga4Fake } from '../fakes/ga4';
import { MICROSOFT_FAKE_TAG, MICROSOFT_FAKE_TOKEN, startMicrosoftFake, type MicrosoftFake } from '../fakes/microsoft';
import { PINTEREST_FAKE_AD_ACCOUNT, PINTEREST_FAKE_TOKEN, startPinterestFake, type PinterestFake } from '../fakes/pinterest';
import { REDDIT_FAKE_PIXEL, REDDIT_FAKE_TOKEN, startRedditFake, type RedditFake } from '../fakes/reddit';
import { SNAPCHAT_FAKE_PIXEL, SNAPCHAT_FAKE_TOKEN, startSnapchatFake, type SnapchatFake } from '../fakes/snapchat';
import { SHAREASALE_CONVERSION_PAYLOAD, anytrackCustomExampleQuery } from '../fixtures/seed-payloads';
import { startTogether } from '../fakes/start-together';
import { createGoogleCredential } from './google-credential';
import { type Execution, baseUrl, n8nFetch, outputsOf, publicApi, startWorkflow, uniqueId, waitForExecution } from './n8n-api';

/**
 * Every workflow template in templates/, imported into the real n8n through the public API as an operator would
 * (credentials created and swapped in by name, webhook paths made unique so they never collide with the copies
 * global-setup imports), published, and driven end to end: the seed postbacks and clicks go in over HTTP, the
 * strict fakes (Meta, TikTok, Google Ads, PayPal) and a local partner server record what came out, and every
 * node of the template must have run in one of the executions. A template without a driver below fails.
 */
const TEMPLATES = join(__dirname, '../../templates');
/** Written and tested by its own suite. */
const TESTED_ELSEWHERE = new Set(['conversion-log.json']);
const files = readdirSync(TEMPLATES)
	.filter((file) => file.endsWith('.json') && !TESTED_ELSEWHERE.has(file))
	.sort();

const run = uniqueId('t');
/** The Node.js that runs the e2e n8n (it has node:sqlite): in serverDir as scripts/lib/n8n.mjs picks it (POSTBACK_N8N_SERVER_DIR, as CI sets it, or .cache/n8n-server). */
const N8N_NODE = join(
	process.env.POSTBACK_N8N_SERVER_DIR ? resolve(process.env.POSTBACK_N8N_SERVER_DIR) : join(__dirname, '../../.cache/n8n-server'),
	'node_modules/.bin/node',
);
const GOOGLE_CUSTOMER = '1234567890';
const GOOGLE_PURCHASE_ACTION = `customers/${GOOGLE_CUSTOMER}/conversionActions/700001`;
const GOOGLE_LEAD_ACTION = `customers/${GOOGLE_CUSTOMER}/conversionActions/700002`;
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

interface TemplateNode {
	name: string;
	type: string;
	parameters: Record<string, unknown>;
	webhookId?: string;
	credentials?: Record<string, { id: string; name: string }>;
	[key: string]: unknown;
}
interface Template {
	name: string;
	nodes: TemplateNode[];
	connections: Record<string, unknown>;
	settings: Record<string, unknown>;
}

interface Imported {
	id: string;
	workflow: Template;
	/** The production webhook URL of a webhook node of the template, by node name. */
	url(nodeName: string): string;
	node(nodeName: string): TemplateNode;
}

let meta: MetaFake;
let tiktok: TikTokFake;
let google: GoogleAdsFake;
let paypal: PayPalFake;
let ga4: Ga4Fake;
let snapchat: SnapchatFake;
let pinterest: PinterestFake;
let reddit: RedditFake;
let microsoft: MicrosoftFake;
const credentials: Record<string, { id: string; name: string }> = {};
const started: string[] = [];
const folder = mkdtempSync(join(tmpdir(), 'postback-templates-e2e-'));

beforeAll(async () => {
	// startTogether: a fake that fails to start must not leave the others listening (they would keep jest alive)
	[meta, tiktok, google, paypal, ga4, snapchat, pinterest, reddit, microsoft] = await startTogether(
		startMetaFake,
		startTikTokFake,
		startGoogleAdsFake,
		startPayPalFake,
		startGa4Fake,
		startSnapchatFake,
		startPinterestFake,
		startRedditFake,
		startMicrosoftFake,
	);
	const create = async (name: string, type: string, data: Record<string, unknown>) => {
		const created = await publicApi<{ id: string; name: string }>('POST', '/credentials', { name, type, data });
		credentials[type] = { id: created.id, name: created.name };
	};
	await create(`Templates Meta (fake) ${run}`, 'metaConversionsApi', { accessToken: META_FAKE_TOKEN, apiVersion: 'v26.0', baseUrl: meta.url });
	await create(`Templates TikTok (fake) ${run}`, 'tikTokEventsApi', { accessToken: TIKTOK_FAKE_TOKEN, baseUrl: tiktok.url });
	await create(`Templates PayPal (fake) ${run}`, 'payPalPayoutsApi', {
		environment: 'sandbox',
		clientId: PAYPAL_FAKE_CLIENT_ID,
		clientSecret: PAYPAL_FAKE_CLIENT_SECRET,
		baseUrl: paypal.url,
	});
	credentials.googleAdsConversionsOAuth2Api = await createGoogleCredential(google, `Templates Google Ads (fake) ${run}`);
	await create(`Templates GA4 (fake) ${run}`, 'ga4MeasurementProtocolApi', { apiSecret: GA4_FAKE_API_SECRET, baseUrl: ga4.url });
	await create(`Templates Snapchat (fake) ${run}`, 'snapchatConversionsApi', {
		accessToken: SNAPCHAT_FAKE_TOKEN,
		testPixelId: SNAPCHAT_FAKE_PIXEL,
		baseUrl: snapchat.url,
	});
	await create(`Templates Pinterest (fake) ${run}`, 'pinterestConversionsApi', {
		accessToken: PINTEREST_FAKE_TOKEN,
		testAdAccountId: PINTEREST_FAKE_AD_ACCOUNT,
		baseUrl: pinterest.url,
	});
	await create(`Templates Reddit (fake) ${run}`, 'redditConversionsApi', { accessToken: REDDIT_FAKE_TOKEN, baseUrl: reddit.url });
	await create(`Templates Microsoft (fake) ${run}`, 'microsoftAdsConversionsApi', {
		accessToken: MICROSOFT_FAKE_TOKEN,
		tagId: MICROSOFT_FAKE_TAG,
		baseUrl: microsoft.url,
	});
});

afterAll(async () => {
	for (const id of started) await publicApi('POST', `/workflows/${id}/deactivate`).catch(() => undefined);
	await Promise.all([meta?.close(), tiktok?.close(), google?.close(), paypal?.close()]);
	await Promise.all([ga4?.close(), snapchat?.close(), pinterest?.close(), reddit?.close(), microsoft?.close()]);
	rmSync(folder, { recursive: true, force: true });
});

function loadTemplate(file: string): Template {
	return JSON.parse(readFileSync(join(TEMPLATES, file), 'utf8')) as Template;
}

/**
 * Imports a copy of the template: each webhook node gets a fresh webhook id and a path unique to this run, each
 * credential reference the id of the credential of that type created above, then `configure` edits what an
 * operator would fill in. Published, and waited for until its webhooks answer.
 */
async function importTemplate(
	file: string,
	configure: (workflow: Template, node: (name: string) => TemplateNode) => void = () => undefined,
	settings: Record<string, unknown> = {},
): Promise<Imported> {
	const workflow = loadTemplate(file);
	const node = (name: string) => {
		const found = workflow.nodes.find((candidate) => candidate.name === name);
		if (!found) throw new Error(`templates/${file} has no node "${name}"`);
		return found;
	};
	const paths: string[] = [];
	const secretUrl = (each: TemplateNode) => each.type === 'n8n-nodes-postback.postbackTrigger' && each.parameters.authentication === 'secretUrl';
	for (const each of workflow.nodes) {
		// As the editor does on import: a webhook node without an id gets a fresh one. A secret-URL trigger ships
		// without one on purpose (its id is its secret), so this run's id is the secret its postbacks must carry.
		if (each.webhookId || secretUrl(each)) each.webhookId = randomUUID();
		const path = each.parameters.path;
		if (each.webhookId && typeof path === 'string') {
			each.parameters.path = `${path}-${run}`;
			paths.push(secretUrl(each) ? `${each.webhookId}/${path}-${run}` : `${path}-${run}`);
		}
		for (const type of Object.keys(each.credentials ?? {})) {
			if (!credentials[type]) throw new Error(`templates/${file}: node "${each.name}" needs a ${type} credential the test does not create`);
			each.credentials![type] = credentials[type];
		}
	}
	configure(workflow, node);
	const id = await startWorkflow(
		{ name: `${workflow.name} [${run}]`, nodes: workflow.nodes, connections: workflow.connections, settings: { ...workflow.settings, ...settings } },
		paths,
	);
	started.push(id);
	// The Production URL n8n shows: a secret-URL trigger's carries its webhook id before the path.
	const url = (name: string) => {
		const each = node(name);
		return `${baseUrl()}/webhook/${secretUrl(each) ? `${each.webhookId}/` : ''}${String(each.parameters.path)}`;
	};
	return { id, workflow, node, url };
}

async function executionsOf(workflowId: string): Promise<Execution[]> {
	const page = await publicApi<{ data: Execution[] }>('GET', `/executions?workflowId=${workflowId}&includeData=true&limit=250`);
	return page.data;
}

/** Every node of the template but its sticky notes (and those listed as unreachable, with the reason) ran in some execution. */
async function expectEveryNodeRan(imported: Imported, unreachable: Record<string, string> = {}): Promise<void> {
	const wanted = imported.workflow.nodes.filter((node) => node.type !== 'n8n-nodes-base.stickyNote' && !(node.name in unreachable)).map((node) => node.name);
	const deadline = Date.now() + 30000;
	let missing: string[] = wanted;
	while (Date.now() < deadline) {
		const ran = new Set((await executionsOf(imported.id)).flatMap((execution) => Object.keys(execution.data?.resultData?.runData ?? {})));
		missing = wanted.filter((name) => !ran.has(name));
		if (missing.length === 0) return;
		await new Promise((resolve) => setTimeout(resolve, 500));
	}
	throw new Error(`these nodes of "${imported.workflow.name}" never ran: ${missing.join(', ')}`);
}

/** The package's triggers whose second output (Rejected) carries what they refused. */
const REJECTING_TRIGGERS = new Set(['n8n-nodes-postback.postbackTrigger', 'n8n-nodes-postback.clickTracker']);

/**
 * What n8n's executions list shows, read through the public API: every execution that carried a rejected postback
 * or a refused click ended in the template's Stop and Error, so it is listed as failed ("error") and the list's
 * status filter finds exactly those; every accepted postback or recorded click is listed as succeeded.
 */
async function expectRefusalsListedAsFailed(imported: Imported): Promise<void> {
	const triggers = imported.workflow.nodes.filter((node) => REJECTING_TRIGGERS.has(node.type)).map((node) => node.name);
	const on = (output: number) => (execution: Execution) => triggers.some((name) => (outputsOf(execution, name)[output]?.length ?? 0) > 0);
	// Settled: none still running, and the list's "failed" filter agrees with the data (an execution is saved just
	// after the webhook answered, so the last one may appear a moment after the driver returns).
	const failedIds = async () =>
		(await publicApi<{ data: Array<{ id: string }> }>('GET', `/executions?workflowId=${imported.id}&status=error&limit=250`)).data
			.map((execution) => execution.id)
			.sort();
	let executions: Execution[] = [];
	let listedFailed: string[] = [];
	for (const deadline = Date.now() + 30000; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 500))) {
		listedFailed = await failedIds();
		executions = await executionsOf(imported.id);
		const settled = executions.every((execution) => !['new', 'running'].includes(execution.status));
		if (
			settled &&
			listedFailed.join() ===
				executions
					.filter(on(1))
					.map((execution) => execution.id)
					.sort()
					.join()
		)
			break;
	}
	const refused = executions.filter(on(1));
	const accepted = executions.filter(on(0));
	expect(refused.length).toBeGreaterThan(0);
	expect(accepted.length).toBeGreaterThan(0);
	for (const execution of refused) {
		const { error, lastNodeExecuted } = (execution.data?.resultData ?? {}) as { error?: { message?: string }; lastNodeExecuted?: string };
		expect({ status: execution.status, lastNodeExecuted, message: error?.message }).toEqual({
			status: 'error',
			lastNodeExecuted: expect.stringMatching(/^Mark (Rejected|Refused) as Failed$/),
			message: expect.stringMatching(/^(Postback rejected: \S+ \w+|Click refused: \w+) \(answered HTTP 4\d\d\)/),
		});
	}
	for (const execution of accepted) expect({ id: execution.id, status: execution.status }).toEqual({ id: execution.id, status: 'success' });
	expect(listedFailed).toEqual(refused.map((execution) => execution.id).sort());
}

const items = (execution: Execution, node: string, output = 0) => outputsOf(execution, node)[output] ?? [];
const hasItem = (node: string, output: number, match: (json: Record<string, unknown>) => boolean) => (execution: Execution) =>
	items(execution, node, output).some((item) => match(item.json));
const noErrors = (execution: Execution) => expect(execution.data?.resultData?.error ?? null).toBeNull();

/** ShareASale's documented conversion payload, field for field. */
function shareasaleSeed(): Record<string, string> {
	return { ...SHAREASALE_CONVERSION_PAYLOAD };
}

/** AnyTrack's filled-in example of a custom postback URL, as query parameters. */
function customSeed(): Record<string, string> {
	return anytrackCustomExampleQuery();
}

/** ShareASale sends US Eastern wall-clock times (the templates set America/New_York): "now" as ShareASale would write it. */
function shareasaleNow(): string {
	return new Date().toLocaleString('sv-SE', { timeZone: 'America/New_York', hour12: false }).slice(0, 19);
}

async function get(url: string, query: Record<string, string>, init: RequestInit = {}): Promise<Response> {
	return await n8nFetch(`${url}?${new URLSearchParams(query)}`, { redirect: 'manual', ...init });
}

/** A click through a Click Tracker; returns our click id from the redirect's subid parameter. */
async function click(url: string, query: Record<string, string>, subidParam: string): Promise<string> {
	const response = await get(url, query, { headers: { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Templates-E2E', 'x-forwarded-for': '203.0.113.20' } });
	expect(response.status).toBe(302);
	const clickId = new URL(response.headers.get('location') ?? '').searchParams.get(subidParam) ?? '';
	expect(clickId).not.toBe('');
	return clickId;
}

/** Moves a tracked click back in time in the default tracking store (Google only takes clicks older than 6 hours). */
function ageClick(clickId: string, clickedAt: Date): void {
	const file = join(process.env.E2E_N8N_USER_FOLDER ?? '', '.n8n', 'postback-tracking.sqlite');
	const script = `const { DatabaseSync } = require('node:sqlite');
const db = new DatabaseSync(process.argv[1], { timeout: 5000 });
const changed = db.prepare('UPDATE clicks SET clicked_at = ? WHERE click_id = ?').run(process.argv[2], process.argv[3]).changes;
db.close();
if (changed !== 1) { console.error('click not found: ' + process.argv[3]); process.exit(1); }`;
	execFileSync(N8N_NODE, ['-e', script, file, clickedAt.toISOString(), clickId], { stdio: ['ignore', 'pipe', 'pipe'] });
}

/** A local HTTP server standing in for the partner: records every request, answers 400 to transaction ids starting with "refuse". */
async function startPartner(): Promise<{ url: string; requests: Array<{ method: string; query: Record<string, string> }>; close(): Promise<void> }> {
	const requests: Array<{ method: string; query: Record<string, string> }> = [];
	const server = createServer((request: IncomingMessage, response) => {
		const url = new URL(request.url ?? '/', 'http://partner.local');
		const query = Object.fromEntries(url.searchParams);
		requests.push({ method: request.method ?? '', query });
		const refuse = (query.txid ?? '').startsWith('refuse');
		response.writeHead(refuse ? 400 : 200, { 'content-type': 'text/plain' });
		response.end(refuse ? 'unknown click' : 'OK');
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return {
		url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
		requests,
		close: async () => await new Promise<void>((resolve) => server.close(() => resolve())),
	};
}

/**
 * The redelivery nodes of the ad-platform templates: the trigger polls the outbox every minute, and nothing these
 * drivers send is due again while they run (Google's too-young click is due six hours on; the rest is taken or
 * refused for good). That the trigger activates with the workflow is what importTemplate's publishing checks.
 */
const NOTHING_DUE: Record<string, string> = {
	'Redelivery Trigger': 'nothing is due again during the test',
	'Route by Platform': 'nothing is due again during the test',
	'Gave up: alert here': 'nothing is given up during the test',
};

const drivers: Record<string, (file: string) => Promise<void>> = {
	async 'shareasale-postback.json'(file) {
		const imported = await importTemplate(file);
		const url = imported.url('ShareASale Postback');
		const transID = uniqueId('9');
		const response = await get(url, { ...shareasaleSeed(), transID });
		expect(response.status).toBe(200);
		const accepted = await waitForExecution(
			imported.id,
			hasItem('Conversions', 0, (json) => json.transactionId === transID),
		);
		noErrors(accepted);
		expect(items(accepted, 'Conversions')[0].json).toMatchObject({
			network: 'shareasale',
			clickId: shareasaleSeed().afftrack,
			commission: '39.5',
			amount: '79',
			currency: 'USD',
			orderId: '2617207',
		});

		expect(items(accepted, 'Conversions')[0].json).toMatchObject({ authentication: 'token' });
		// The template ships closed: the URL without the trigger's secret has no webhook behind it.
		const bare = `${baseUrl()}/webhook/${String(imported.node('ShareASale Postback').parameters.path)}`;
		expect((await get(bare, { ...shareasaleSeed(), transID: uniqueId('9') })).status).toBe(404);

		const bad = uniqueId('9');
		expect((await get(url, { ...shareasaleSeed(), transID: bad, commission: '39,5 USD' })).status).toBe(400);
		await waitForExecution(
			imported.id,
			hasItem('Rejected Postbacks', 0, (json) => JSON.stringify(json).includes(bad)),
		);
		await expectEveryNodeRan(imported);
		await expectRefusalsListedAsFailed(imported);
	},

	async 'custom-postback.json'(file) {
		const imported = await importTemplate(file);
		const url = imported.url('Custom Postback');
		const transactionId = uniqueId('T');
		expect((await get(url, { ...customSeed(), transaction_id: transactionId })).status).toBe(200);
		const accepted = await waitForExecution(
			imported.id,
			hasItem('Conversions', 0, (json) => json.transactionId === transactionId),
		);
		expect(items(accepted, 'Conversions')[0].json).toMatchObject({
			network: 'custom',
			clickId: 'CAxaduSFl0fpiROSdRkptrJ5REfN2GeEnE',
			commission: '4.99',
			currency: 'USD',
			eventName: 'CompleteRegistration',
			user: { email: 'jsmith@example.com', firstName: 'John', lastName: 'Smith' },
		});

		const bad = uniqueId('T');
		expect((await get(url, { ...customSeed(), transaction_id: bad, currency: 'XYZ' })).status).toBe(400);
		await waitForExecution(
			imported.id,
			hasItem('Rejected Postbacks', 0, (json) => JSON.stringify(json).includes(bad)),
		);
		await expectEveryNodeRan(imported);
		await expectRefusalsListedAsFailed(imported);
	},

	async 'shareasale-tracking-pipeline.json'(file) {
		const imported = await importTemplate(file);
		const tracker = imported.url('Click Tracker');
		const postback = imported.url('ShareASale Postback');
		const clickId = await click(tracker, { offer: 'wpengine', fbclid: `IwAR${run}` }, 'afftrack');
		expect((await get(tracker, { offer: 'no-such-offer' })).status).toBeGreaterThanOrEqual(400);

		const sale = { ...shareasaleSeed(), afftrack: clickId, transID: uniqueId('5'), transDate: shareasaleNow() };
		const lead = { ...sale, transtype: 'LEAD', transID: uniqueId('6'), amountOfSale: '0', commission: '0' };
		const refund = { ...sale, transID: uniqueId('7'), amountOfSale: '-79', commission: '-39.5' };
		const stranger = { ...sale, afftrack: `unknown${run}`, transID: uniqueId('8') };
		for (const query of [sale, lead, sale, refund, stranger]) expect((await get(postback, query)).status).toBe(200);
		expect((await get(postback, { ...sale, transID: uniqueId('4'), commission: 'lots' })).status).toBe(400);

		const purchase = await waitForExecution(
			imported.id,
			hasItem('Purchases', 0, (json) => json.transactionId === sale.transID),
		);
		expect(items(purchase, 'Purchases')[0].json).toMatchObject({ eventName: 'Purchase', click: { clickId, fbclid: `IwAR${run}` } });
		await waitForExecution(
			imported.id,
			hasItem('Leads', 0, (json) => json.transactionId === lead.transID && json.eventName === 'Lead'),
		);
		await waitForExecution(
			imported.id,
			hasItem('Duplicates', 0, (json) => json.transactionId === sale.transID),
		);
		await waitForExecution(
			imported.id,
			hasItem('Reversals', 0, (json) => json.transactionId === refund.transID),
		);
		await waitForExecution(
			imported.id,
			hasItem('Unattributed', 0, (json) => json.transactionId === stranger.transID),
		);
		await expectEveryNodeRan(imported, {
			'Other Events': 'ShareASale names only SALE and LEAD',
			Pending: 'ShareASale postbacks carry no status (every one is approved)',
			'Rejected Conversions': 'ShareASale postbacks carry no status (every one is approved)',
		});
		await expectRefusalsListedAsFailed(imported);
	},

	async 'shareasale-to-all-ad-platforms.json'(file) {
		// The operator's customer email, set with an expression on each platform node's Override Fields: each
		// platform must receive it hashed by its own rules (Google's family drops the dots of a gmail address,
		// Reddit and Microsoft drop dots and +tags for every domain, the others only lower-case it).
		const email = 'Jane.Doe@Gmail.com';
		const NEW_PLATFORMS = [
			'GA4 Measurement Protocol',
			'Snapchat Conversions API',
			'Pinterest Conversions API',
			'Reddit Conversions API',
			'Microsoft Ads Conversions API',
		];
		const imported = await importTemplate(file, (_, node) => {
			node('Meta Conversions API').parameters.pixelId = META_FAKE_PIXEL;
			node('TikTok Events API').parameters.pixelCode = TIKTOK_FAKE_PIXEL;
			Object.assign(node('Google Ads Conversions').parameters, {
				customerId: GOOGLE_CUSTOMER,
				conversionAction: GOOGLE_PURCHASE_ACTION,
				eventActions: { action: [{ event: 'Lead', conversionAction: GOOGLE_LEAD_ACTION }] },
			});
			node('GA4 Measurement Protocol').parameters.measurementId = GA4_FAKE_MEASUREMENT_ID;
			node('Snapchat Conversions API').parameters.pixelId = SNAPCHAT_FAKE_PIXEL;
			node('Pinterest Conversions API').parameters.adAccountId = PINTEREST_FAKE_AD_ACCOUNT;
			node('Reddit Conversions API').parameters.pixelId = REDDIT_FAKE_PIXEL;
			node('Microsoft Ads Conversions API').parameters.tagId = MICROSOFT_FAKE_TAG;
			node('Meta Conversions API').parameters.fields = { email };
			// Consent from the tracking link (issue 17).
			const tracker = node('Click Tracker').parameters;
			tracker.options = { ...(tracker.options as Record<string, unknown> | undefined), consentParam: 'consent' };
			for (const name of ['TikTok Events API', ...NEW_PLATFORMS]) node(name).parameters.overrides = { email };
		});
		const tracker = imported.url('Click Tracker');
		const postback = imported.url('ShareASale Postback');
		const landing = 'https://blog.example.com/hosting-deals';

		// One click carrying every platform's click id, 7 hours old (Google takes clicks older than 6 hours).
		const ids = {
			fbclid: `IwAR0all${run}`,
			gclid: `Cj0KCQall${run}`,
			ttclid: `E.C.P.all${run}`,
			ScCid: `sc-all-${run}`,
			epik: `dj0yJnU9all${run}`,
			rdt_cid: `rdt-all-${run}`,
			msclkid: `ms${run}0123456789abcdef`,
		};
		// And the platforms' first-party cookies, as AutoTag forwards them from the visitor's page: GA4's _ga,
		// Snapchat's _scid and Reddit's _rdt_uuid.
		const cookies = { ga: 'GA1.1.1234567890.1700000000', scid: `scid-${run}`, rdt_uuid: `1700000000000.${randomUUID()}` };
		const clickId = await click(tracker, { offer: 'wpengine', ...ids, ...cookies, landing }, 'afftrack');
		const clickedAt = new Date(Date.now() - 7 * 60 * 60 * 1000);
		ageClick(clickId, clickedAt);
		google.registerClick(ids.gclid, clickedAt);

		const sale = { ...shareasaleSeed(), afftrack: clickId, transID: uniqueId('88'), transDate: shareasaleNow() };
		expect((await get(postback, sale)).status).toBe(200);
		const platforms = ['Meta Conversions API', 'Google Ads Conversions', 'TikTok Events API', ...NEW_PLATFORMS];
		const execution = await waitForExecution(
			imported.id,
			(candidate) => platforms.every((node) => JSON.stringify(items(candidate, node)).includes(sale.transID)),
			30000,
		);
		noErrors(execution);
		// All eight took it: every platform node put the sale on Sent, none on Failed.
		for (const node of platforms) {
			expect({ node, sent: items(execution, node, 0).filter((item) => item.json.transactionId === sale.transID).length }).toEqual({ node, sent: 1 });
		}
		expect(items(execution, 'Forwarding Failed')).toEqual([]);

		// One conversion, one event id everywhere (each platform dedups on it).
		const metaEvent = meta.events.find((entry) => JSON.stringify(entry.event).includes(ids.fbclid))?.event as Record<string, unknown>;
		expect(metaEvent).toMatchObject({ event_name: 'Purchase', custom_data: { value: 39.5, currency: 'USD' } });
		const eventId = String(metaEvent.event_id);
		const asText = (value: unknown) => JSON.stringify(value);
		const dotted = sha256('jane.doe@gmail.com');
		const undotted = sha256('janedoe@gmail.com');

		const tiktokEvent = tiktok.events.find((entry) => asText(entry.event).includes(ids.ttclid))?.event as Record<string, unknown>;
		expect(tiktokEvent).toMatchObject({ event: 'CompletePayment', event_id: eventId });
		expect(asText(tiktokEvent)).toContain(dotted);
		expect(google.accepted.filter((conversion) => conversion.clickId === ids.gclid)).toHaveLength(1);

		// GA4: purchase in microseconds, the dedup id as transaction_id, the gmail address without its dots.
		const ga4Event = ga4.events.find((entry) => asText(entry.event).includes(eventId));
		expect(ga4Event?.event).toMatchObject({ name: 'purchase', params: { transaction_id: eventId, value: 39.5, currency: 'USD' } });
		expect(String(ga4Event?.timestampMicros)).toMatch(/^\d{16}$/);
		expect(ga4Event?.clientId).toBe('1234567890.1700000000'); // the visitor's own GA client id: the session joins
		expect(asText(ga4Event?.userData)).toContain(undotted);
		expect(ga4.dropped).toEqual([]);

		// Snapchat: PURCHASE in seconds with the ScCid as sc_click_id.
		const snapEvent = snapchat.events.find((entry) => asText(entry.event).includes(ids.ScCid))?.event as Record<string, unknown>;
		expect(snapEvent).toMatchObject({
			event_name: 'PURCHASE',
			event_id: eventId,
			user_data: expect.objectContaining({ sc_click_id: ids.ScCid, sc_cookie1: cookies.scid }),
		});
		expect(String(snapEvent.event_time)).toMatch(/^\d{10}$/);
		expect(asText(snapEvent.user_data)).toContain(dotted);

		// Pinterest: checkout in seconds with the epik as click_id.
		const pinEvent = pinterest.events.find((entry) => asText(entry.event).includes(ids.epik))?.event as Record<string, unknown>;
		expect(pinEvent).toMatchObject({ event_name: 'checkout', event_id: eventId, user_data: expect.objectContaining({ click_id: ids.epik }) });
		expect(String(pinEvent.event_time)).toMatch(/^\d{10}$/);
		expect(asText(pinEvent.user_data)).toContain(dotted);

		// Reddit: PURCHASE in milliseconds, rdt_cid as click_id, the IP hashed.
		const redditEvent = reddit.events.find((entry) => asText(entry.event).includes(ids.rdt_cid))?.event as Record<string, unknown>;
		expect(redditEvent).toMatchObject({
			type: { tracking_type: 'PURCHASE' },
			click_id: ids.rdt_cid,
			metadata: expect.objectContaining({ conversion_id: eventId }),
		});
		expect(String(redditEvent.event_at)).toMatch(/^\d{13}$/);
		const redditUser = redditEvent.user as Record<string, unknown>;
		expect(redditUser.email).toBe(undotted);
		expect(redditUser.uuid).toBe(cookies.rdt_uuid);
		// The visitor's IP as the click recorded it (Meta receives it plain, Reddit only its SHA-256).
		const clickIp = String((metaEvent.user_data as Record<string, unknown>).client_ip_address);
		expect(clickIp).not.toBe('undefined');
		expect(redditUser.ip_address).toBe(sha256(clickIp));

		// Microsoft: purchase in seconds with the msclkid.
		const msEvent = microsoft.events.find((entry) => asText(entry.event).includes(ids.msclkid))?.event as Record<string, unknown>;
		expect(msEvent).toMatchObject({ eventName: 'purchase', eventId, userData: expect.objectContaining({ msclkid: ids.msclkid }) });
		expect(String(msEvent.eventTime)).toMatch(/^\d{10}$/);
		expect(asText(msEvent.userData)).toContain(undotted);

		// Nothing personal left the workflow unhashed: the address appears in no platform's request.
		for (const fake of [meta, tiktok, google, ga4, snapchat, pinterest, reddit, microsoft]) {
			expect(
				fake.requests.filter((request) => request.rawBody.toLowerCase().includes('jane.doe@') || request.rawBody.toLowerCase().includes('janedoe@')),
			).toEqual([]);
		}

		// Issue 17: a visitor who denied consent on the link (the Click Tracker's Consent Link Parameter). The same
		// pipeline sends the conversion in each platform's restricted mode, and no platform gets the person's
		// identifiers: not the email (the nodes' overrides included), not the IP, not a browser cookie id.
		const fakes = [meta, tiktok, google, ga4, snapchat, pinterest, reddit, microsoft];
		const requestsBefore = fakes.map((fake) => fake.requests.length);
		const deniedIds = {
			fbclid: `IwAR0den${run}`,
			gclid: `Cj0KCQden${run}`,
			ttclid: `E.C.P.den${run}`,
			ScCid: `sc-den-${run}`,
			epik: `dj0yJnU9den${run}`,
			rdt_cid: `rdt-den-${run}`,
			msclkid: `ms${run}fedcba9876543210`,
		};
		const deniedCookies = { ga: 'GA1.1.5550001.1700000000', scid: `scid-den-${run}`, rdt_uuid: `1700000000000.${randomUUID()}` };
		const deniedClick = await click(tracker, { offer: 'wpengine', ...deniedIds, ...deniedCookies, landing, consent: 'denied' }, 'afftrack');
		ageClick(deniedClick, clickedAt);
		google.registerClick(deniedIds.gclid, clickedAt);
		const deniedSale = { ...shareasaleSeed(), afftrack: deniedClick, transID: uniqueId('87'), transDate: shareasaleNow() };
		expect((await get(postback, deniedSale)).status).toBe(200);
		const deniedRun = await waitForExecution(
			imported.id,
			(candidate) => JSON.stringify(candidate.data?.resultData?.runData ?? {}).includes(deniedSale.transID),
			30000,
		);
		noErrors(deniedRun);
		// Every platform node had the sale (on Sent or Failed).
		expect(platforms.filter((node) => !JSON.stringify([items(deniedRun, node, 0), items(deniedRun, node, 1)]).includes(deniedSale.transID))).toEqual([]);
		const ofDenied = (node: string, output: number) => items(deniedRun, node, output).filter((item) => item.json.transactionId === deniedSale.transID);
		// The funnel item says what the click recorded.
		expect(ofDenied('Meta Conversions API', 0).concat(ofDenied('Meta Conversions API', 1))[0]?.json.consent).toMatchObject({ adUserData: 'denied' });
		const outcomes = platforms.map((node) => ({
			node,
			sent: ofDenied(node, 0).length,
			// A platform that cannot match without identifiers says so; nothing else may fail.
			failedOtherwise: ofDenied(node, 1).filter((item) => !/consent/i.test(String((item.json.forward as { reason?: string }).reason))).length,
		}));
		expect(
			outcomes
				.filter((outcome) => outcome.failedOtherwise > 0)
				.map((outcome) => ({ ...outcome, forward: ofDenied(outcome.node, 1).map((item) => item.json.forward) })),
		).toEqual([]);
		expect(outcomes.filter((outcome) => outcome.sent === 1).map((outcome) => outcome.node)).toEqual(
			expect.arrayContaining(['Meta Conversions API', 'TikTok Events API']),
		);
		// GA4's client id (from _ga) is its analytics identifier, which consent mode ties to analytics storage, not to ad
		// user data: GA4 still gets it, with consent.ad_user_data DENIED.
		process.stderr.write(
			`[templates] denied consent: ${JSON.stringify(outcomes.map(({ node, sent }) => `${node}: ${sent ? 'sent' : 'held back (consent)'}`))}\n`,
		);
		const personal = [dotted, undotted, 'jane.doe@', 'janedoe@', clickIp, sha256(clickIp), deniedCookies.scid, deniedCookies.rdt_uuid];
		const leaked = fakes.flatMap((fake, index) =>
			fake.requests.slice(requestsBefore[index]).flatMap((request) => personal.filter((value) => request.rawBody.toLowerCase().includes(value.toLowerCase()))),
		);
		expect(leaked).toEqual([]);
		// Meta in Limited Data Use; TikTok with limited_data_use.
		const deniedMeta = meta.events.find((entry) => asText(entry.event).includes(deniedIds.fbclid))?.event as Record<string, unknown>;
		expect(deniedMeta.data_processing_options).toEqual(['LDU']);
		const deniedTikTok = tiktok.events.find((entry) => asText(entry.event).includes(deniedIds.ttclid))?.event as Record<string, unknown>;
		expect(asText(deniedTikTok)).toContain('"limited_data_use":true');
		const deniedGa4 = ga4.requests.slice(requestsBefore[fakes.indexOf(ga4)]).map((request) => JSON.parse(request.rawBody) as Record<string, unknown>);
		expect(deniedGa4.map((body) => body.consent)).toContainEqual({ ad_user_data: 'DENIED', ad_personalization: 'DENIED' });

		// The network retries: a duplicate, sent nowhere again.
		expect((await get(postback, sale)).status).toBe(200);
		await waitForExecution(
			imported.id,
			hasItem('Not Forwarded', 0, (json) => json.transactionId === sale.transID && json.route === 'duplicate'),
		);
		expect(snapchat.events.filter((entry) => asText(entry.event).includes(ids.ScCid))).toHaveLength(1);
		expect(reddit.events.filter((entry) => asText(entry.event).includes(ids.rdt_cid))).toHaveLength(1);
		expect((await get(tracker, { offer: 'no-such-offer' })).status).toBeGreaterThanOrEqual(400);
		expect((await get(postback, { ...sale, transID: uniqueId('89'), commission: '39.5.0' })).status).toBe(400);
		await expectEveryNodeRan(imported, { 'Forwarding Failed': 'every platform takes the sale', ...NOTHING_DUE });
		await expectRefusalsListedAsFailed(imported);
	},
	async 'shareasale-to-ad-platforms.json'(file) {
		const imported = await importTemplate(file, (_, node) => {
			node('Meta Conversions API').parameters.pixelId = META_FAKE_PIXEL;
			node('TikTok Events API').parameters.pixelCode = TIKTOK_FAKE_PIXEL;
			Object.assign(node('Google Ads Conversions').parameters, {
				customerId: GOOGLE_CUSTOMER,
				conversionAction: GOOGLE_PURCHASE_ACTION,
				eventActions: { action: [{ event: 'Lead', conversionAction: GOOGLE_LEAD_ACTION }] },
			});
		});
		const tracker = imported.url('Click Tracker');
		const postback = imported.url('ShareASale Postback');
		const landing = 'https://blog.example.com/wp-engine-review';

		// A click from 7 hours ago (old enough for Google) that turns into a sale.
		const ids = { fbclid: `IwAR0sale${run}`, gclid: `Cj0KCQsale${run}`, ttclid: `E.C.P.sale${run}` };
		const saleClick = await click(tracker, { offer: 'wpengine', ...ids, landing }, 'afftrack');
		const clickedAt = new Date(Date.now() - 7 * 60 * 60 * 1000);
		ageClick(saleClick, clickedAt);
		google.registerClick(ids.gclid, clickedAt);
		// A fresh click that turns into a lead: Meta and TikTok take it, Google not yet (younger than 6 hours).
		const leadIds = { fbclid: `IwAR0lead${run}`, gclid: `Cj0KCQlead${run}`, ttclid: `E.C.P.lead${run}` };
		const leadClick = await click(tracker, { offer: 'wpengine', ...leadIds, landing }, 'afftrack');
		google.registerClick(leadIds.gclid, new Date());
		expect((await get(tracker, { offer: 'no-such-offer' })).status).toBeGreaterThanOrEqual(400);

		const sale = { ...shareasaleSeed(), afftrack: saleClick, transID: uniqueId('77'), transDate: shareasaleNow() };
		const lead = { ...sale, afftrack: leadClick, transtype: 'LEAD', transID: uniqueId('78'), amountOfSale: '0', commission: '0' };
		expect((await get(postback, sale)).status).toBe(200);
		const sent = await waitForExecution(
			imported.id,
			(execution) =>
				['Meta Conversions API', 'TikTok Events API', 'Google Ads Conversions'].every((node) => JSON.stringify(items(execution, node)).includes(sale.transID)),
			30000,
		);
		noErrors(sent);
		expect(items(sent, 'Forwarding Failed')).toEqual([]);
		expect((await get(postback, lead)).status).toBe(200);
		const leadRun = await waitForExecution(
			imported.id,
			hasItem('Forwarding Failed', 0, (json) => json.transactionId === lead.transID),
			30000,
		);
		expect((await get(postback, sale)).status).toBe(200); // the network retries: a duplicate
		expect((await get(postback, { ...sale, transID: uniqueId('79'), commission: '39.5.0' })).status).toBe(400);

		// Meta: the Purchase, timed in seconds, matched by the click's fbc, IP and browser, valued at the commission.
		const metaSale = meta.events.find((entry) => JSON.stringify(entry.event).includes(ids.fbclid))?.event as Record<string, unknown>;
		expect(metaSale).toMatchObject({
			event_name: 'Purchase',
			action_source: 'website',
			event_source_url: landing,
			custom_data: { value: 39.5, currency: 'USD', order_id: '2617207' },
		});
		expect(String(metaSale.event_time)).toMatch(/^\d{10}$/);
		const metaUser = metaSale.user_data as Record<string, unknown>;
		expect(metaUser.fbc).toMatch(new RegExp(`^fb\\.1\\.\\d{13}\\.${ids.fbclid}$`));
		expect(metaUser.client_user_agent).toContain('Templates-E2E');
		for (const key of ['em', 'ph', 'fn', 'ln', 'external_id'])
			if (metaUser[key] !== undefined) expect(JSON.stringify(metaUser[key])).toMatch(/^\["?[a-f0-9]{64}/);
		const metaLead = meta.events.find((entry) => JSON.stringify(entry.event).includes(leadIds.fbclid))?.event as Record<string, unknown>;
		expect(metaLead).toMatchObject({ event_name: 'Lead' });

		// TikTok: CompletePayment and Lead, with the same event ids as Meta (one conversion, one id everywhere).
		const tiktokSale = tiktok.events.find((entry) => JSON.stringify(entry.event).includes(ids.ttclid))?.event as Record<string, unknown>;
		expect(tiktokSale).toMatchObject({ event: 'CompletePayment', event_id: metaSale.event_id });
		const tiktokLead = tiktok.events.find((entry) => JSON.stringify(entry.event).includes(leadIds.ttclid))?.event as Record<string, unknown>;
		expect(tiktokLead).toMatchObject({ event: 'Lead', event_id: metaLead.event_id });

		// Google: the Purchase on its action with the gclid; the lead's click is too young and waits on Failed.
		const accepted = google.accepted.filter((conversion) => conversion.clickId === ids.gclid);
		expect(accepted).toHaveLength(1);
		expect(accepted[0]).toMatchObject({ conversionAction: GOOGLE_PURCHASE_ACTION, conversionValue: 39.5, currencyCode: 'USD' });
		expect(google.accepted.some((conversion) => conversion.clickId === leadIds.gclid)).toBe(false);
		expect(items(leadRun, 'Forwarding Failed').find((item) => item.json.transactionId === lead.transID)?.json.forward).toMatchObject({
			platform: 'google_ads',
			outcome: 'retry_later',
			code: 'TOO_RECENT_EVENT',
			retryAt: expect.any(String),
		});

		await waitForExecution(
			imported.id,
			hasItem('Not Forwarded', 0, (json) => json.transactionId === sale.transID && json.route === 'duplicate'),
		);
		expect(meta.duplicates.length + tiktok.duplicates.length).toBe(0);
		await expectEveryNodeRan(imported, NOTHING_DUE);
		await expectRefusalsListedAsFailed(imported);
	},

	async 'custom-postback-to-meta.json'(file) {
		const imported = await importTemplate(file, (_, node) => {
			node('Meta Conversions API').parameters.pixelId = META_FAKE_PIXEL;
		});
		const url = imported.url('Custom Postback');
		const seed = customSeed();
		// The seed's example as sent: a CompleteRegistration with the customer's email and name.
		const registration = { ...seed, transaction_id: uniqueId('R') };
		// The same sender without event_name: commission 0 is a Lead, more is a Purchase.
		const { event_name: _eventName, ...plain } = seed;
		const lead = { ...plain, transaction_id: uniqueId('L'), commission: '0' };
		// A purchase that carries nothing to match a person by: Meta cannot take it.
		const anonymous = { click_id: `nobody${run}`, commission: '12.5', currency: 'USD', transaction_id: uniqueId('A') };
		for (const query of [registration, lead, anonymous, registration]) expect((await get(url, query)).status).toBe(200);
		expect((await get(url, { ...seed, transaction_id: uniqueId('X'), currency: 'XYZ' })).status).toBe(400);

		const registered = await waitForExecution(
			imported.id,
			hasItem('Meta Conversions API', 0, (json) => json.transactionId === registration.transaction_id),
		);
		noErrors(registered);
		const metaEvent = meta.events.find(
			(entry) => entry.event.event_name === 'CompleteRegistration' && JSON.stringify(entry.event.user_data).includes(sha256('jsmith@example.com')),
		)?.event as Record<string, unknown>;
		expect(metaEvent).toMatchObject({ event_name: 'CompleteRegistration', action_source: 'system_generated', custom_data: { value: 4.99, currency: 'USD' } });
		const user = metaEvent.user_data as Record<string, unknown>;
		expect(JSON.stringify(user.em)).toContain(sha256('jsmith@example.com'));
		expect(JSON.stringify(user.fn)).toContain(sha256('john'));
		expect(JSON.stringify(user.ln)).toContain(sha256('smith'));
		expect(JSON.stringify(user)).not.toContain('jsmith@example.com');

		await waitForExecution(
			imported.id,
			hasItem('Meta Conversions API', 0, (json) => json.transactionId === lead.transaction_id && json.eventName === 'Lead'),
		);
		const refused = await waitForExecution(
			imported.id,
			hasItem('Not Sent to Meta', 0, (json) => json.transactionId === anonymous.transaction_id),
		);
		expect(items(refused, 'Not Sent to Meta')[0].json.forward).toMatchObject({ platform: 'meta', outcome: 'failed', code: 'no_user_data' });
		await waitForExecution(
			imported.id,
			hasItem('Not Forwarded', 0, (json) => json.transactionId === registration.transaction_id && json.route === 'duplicate'),
		);
		expect(meta.events.filter((entry) => entry.event.event_name === 'CompleteRegistration' && entry.event.event_id === metaEvent.event_id)).toHaveLength(1);

		// Meta is down for longer than the node retries: the lead comes out on Not Sent to Meta as retry, and the
		// Redelivery Trigger sends it again from the outbox (due a minute later, polled every minute), this time taken.
		const outage = { ...plain, transaction_id: uniqueId('D'), commission: '0' };
		const eventsBefore = meta.events.length;
		meta.failNext(DEFAULT_RETRY_POLICY.maxAttempts, { status: 503 });
		expect((await get(url, outage)).status).toBe(200);
		const down = await waitForExecution(
			imported.id,
			hasItem('Not Sent to Meta', 0, (json) => json.transactionId === outage.transaction_id),
			60000,
		);
		expect(items(down, 'Not Sent to Meta').find((item) => item.json.transactionId === outage.transaction_id)?.json.forward).toMatchObject({
			platform: 'meta',
			outcome: 'retry',
		});
		const redelivered = await waitForExecution(
			imported.id,
			hasItem('Meta Conversions API', 0, (json) => json.transactionId === outage.transaction_id),
			170000,
		);
		noErrors(redelivered);
		expect(items(redelivered, 'Redelivery Trigger').map((item) => item.json.redelivery)).toEqual([
			{ destination: 'meta', attempt: 2, token: expect.any(String) },
		]);
		// Sent once: the four refused attempts recorded nothing, the redelivery one Lead.
		expect(meta.events.slice(eventsBefore).map((entry) => entry.event.event_name)).toEqual(['Lead']);
		await expectEveryNodeRan(imported, { 'Gave up: alert here': 'nothing is given up during the test' });
		await expectRefusalsListedAsFailed(imported);
	},

	async 'impact-everflow-to-partner.json'(file) {
		const partner = await startPartner();
		try {
			const imported = await importTemplate(file, (_, node) => {
				const parameters = node('Notify Partner').parameters;
				parameters.urlTemplate = String(parameters.urlTemplate).replace('https://partner.example.com', partner.url);
				parameters.retries = 0;
			});
			const tracker = imported.url('Click Tracker');
			const impactClick = await click(tracker, { offer: 'impact-offer', aff_id: `partner-7-${run}` }, 'subId1');
			const everflowClick = await click(tracker, { offer: 'everflow-offer', aff_id: `partner-8-${run}` }, 'sub1');
			expect((await get(tracker, { offer: 'no-such-offer' })).status).toBeGreaterThanOrEqual(400);

			const impact = imported.url('Impact Postback');
			const everflow = imported.url('Everflow Postback');
			const sale = {
				SubId1: impactClick,
				ActionId: uniqueId('IA'),
				ActionTrackerName: 'Online Sale',
				CampaignId: '12345',
				MediaPartnerId: '999001',
				Payout: '12.50',
				Amount: '100.00',
				Currency: 'USD',
				Status: 'APPROVED',
				EventDate: new Date().toISOString(),
			};
			const reversal = { ...sale, Status: 'REVERSED' };
			const refusedSale = { ...sale, ActionId: `refuse${uniqueId('')}` };
			const lead = { sub1: everflowClick, transaction_id: uniqueId('EF'), payout: '0', currency: 'USD', affiliate_id: '4242' };
			expect((await get(impact, sale)).status).toBe(200);
			await waitForExecution(
				imported.id,
				hasItem('Partner Notified', 0, (json) => json.transactionId === sale.ActionId),
			);
			expect((await get(everflow, lead)).status).toBe(200);
			expect((await get(impact, sale)).status).toBe(200); // a retry by the network: not sent again
			await waitForExecution(
				imported.id,
				hasItem('Not Sent to Partner', 0, (json) => json.transactionId === sale.ActionId),
			);
			expect((await get(impact, reversal)).status).toBe(200);
			expect((await get(impact, refusedSale)).status).toBe(200);
			expect((await get(impact, { ...sale, ActionId: uniqueId('IB'), Status: 'MAYBE' })).status).toBe(400);

			await waitForExecution(
				imported.id,
				hasItem('Partner Notified', 0, (json) => json.transactionId === lead.transaction_id),
			);
			await waitForExecution(
				imported.id,
				hasItem('Partner Notified', 0, (json) => json.transactionId === sale.ActionId && json.status === 'reversed'),
			);
			const failed = await waitForExecution(
				imported.id,
				hasItem('Partner Postback Failed', 0, (json) => json.transactionId === refusedSale.ActionId),
			);
			expect(items(failed, 'Partner Postback Failed')[0].json.postback as Record<string, unknown>).toMatchObject({ status: 'failed', httpStatus: 400 });

			// What the partner received: the macros filled from each conversion, the partner id from the click's aff_id.
			const to = (txid: string) => partner.requests.filter((request) => request.query.txid === txid);
			expect(to(sale.ActionId).map((request) => request.query)).toEqual([
				{
					click_id: impactClick,
					txid: sale.ActionId,
					event: 'Purchase',
					status: 'approved',
					payout: '12.5',
					amount: '100',
					currency: 'USD',
					network: 'impact',
					partner: `partner-7-${run}`,
				},
				{
					click_id: impactClick,
					txid: sale.ActionId,
					event: 'Purchase',
					status: 'reversed',
					payout: '-12.5',
					amount: '-100',
					currency: 'USD',
					network: 'impact',
					partner: `partner-7-${run}`,
				},
			]);
			expect(to(lead.transaction_id).map((request) => request.query)).toEqual([
				{
					click_id: everflowClick,
					txid: lead.transaction_id,
					event: 'Lead',
					status: 'approved',
					payout: '0',
					amount: '',
					currency: 'USD',
					network: 'everflow',
					partner: `partner-8-${run}`,
				},
			]);
			expect(to(refusedSale.ActionId)).toHaveLength(1);
			expect(partner.requests.every((request) => request.method === 'GET')).toBe(true);
			// The partner took each postback or refused it for good (400): nothing is due again.
			await expectEveryNodeRan(imported, NOTHING_DUE);
			await expectRefusalsListedAsFailed(imported);
		} finally {
			await partner.close();
		}
	},

	async 'monthly-payouts-paypal.json'(file) {
		// The ledger comes from postbacks through a Conversion Funnel writing to the same tracking store.
		const store = { store: 'sqlite', sqlitePath: join(folder, 'payouts.sqlite') };
		const intakePath = `templates-payouts-intake-${run}`;
		const intakeId = await startWorkflow(
			{
				name: `Templates: payout ledger intake [${run}]`,
				nodes: [
					{
						id: 'intake-postback',
						name: 'Postback',
						type: 'n8n-nodes-postback.postbackTrigger',
						typeVersion: 1,
						position: [0, 0],
						webhookId: randomUUID(),
						parameters: { network: 'custom', path: intakePath },
					},
					{
						id: 'intake-funnel',
						name: 'Funnel',
						type: 'n8n-nodes-postback.conversionFunnel',
						typeVersion: 1,
						position: [250, 0],
						parameters: { ...store, forwardUnattributed: true },
					},
				],
				connections: { Postback: { main: [[{ node: 'Funnel', type: 'main', index: 0 }], []] } },
				settings: { executionOrder: 'v1' },
			},
			[intakePath],
		);
		started.push(intakeId);

		// Commissions dated in the month the last pay date (the 20th) pays for, so they are due now whatever today is.
		const now = new Date();
		const payMonth = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - (now.getUTCDate() >= 20 ? 0 : 1), 1));
		const periodStart = new Date(Date.UTC(payMonth.getUTCFullYear(), payMonth.getUTCMonth() - 1, 1));
		const period = periodStart.toISOString().slice(0, 7);
		const paid = `aff-paid-${run}`;
		const slow = `aff-slow-${run}`;
		const small = `aff-small-${run}`;
		const postbacks = [
			{ affiliate_id: paid, commission: '30', day: '03' },
			{ affiliate_id: paid, commission: '40.10', day: '17' },
			{ affiliate_id: slow, commission: '55', day: '11' },
			{ affiliate_id: small, commission: '20', day: '09' },
		];
		// The affiliates' clicks, as the Click Tracker recorded them: the funnel credits the stored click's affiliate
		// (an affiliate_id only the unauthenticated postback names would earn nothing).
		const clickStore = await openStore({ kind: 'sqlite', path: store.sqlitePath });
		try {
			for (const [index, postback] of postbacks.entries()) {
				await clickStore.recordClick({ clickId: `clk-${run}-${index}`, affiliateId: postback.affiliate_id, clickedAt: `${period}-${postback.day}T09:00:00Z` });
			}
		} finally {
			await clickStore.close();
		}
		for (const [index, postback] of postbacks.entries()) {
			const transactionId = `${run}-pay-${index}`;
			const response = await get(`${baseUrl()}/webhook/${intakePath}`, {
				click_id: `clk-${run}-${index}`,
				transaction_id: transactionId,
				commission: postback.commission,
				currency: 'USD',
				status: 'approved',
				affiliate_id: postback.affiliate_id,
				occurred_at: `${period}-${postback.day}T10:00:00Z`,
			});
			expect(response.status).toBe(200);
			await waitForExecution(intakeId, (execution) => JSON.stringify(outputsOf(execution, 'Funnel')).includes(transactionId));
		}

		// The template as shipped, with the test's store and affiliates, the schedule every 15 seconds instead of
		// monthly, and the wait for PayPal 5 seconds instead of an hour (PayPal settles in between, see below).
		const imported = await importTemplate(
			file,
			(workflow, node) => {
				const schedule = workflow.nodes.find((each) => each.type === 'n8n-nodes-base.scheduleTrigger')!;
				schedule.parameters = { rule: { interval: [{ field: 'seconds', secondsInterval: 15 }] } };
				Object.assign(node('Wait for PayPal').parameters, { amount: 5, unit: 'seconds' });
				for (const each of workflow.nodes) if (each.type === 'n8n-nodes-postback.affiliatePayouts') Object.assign(each.parameters, store);
				// The template holds commissions 30 days from when they were recorded (just now, above): none would be due.
				expect(node('Pay via PayPal').parameters).toMatchObject({ payDay: 20, holdingDays: 30, minimum: { minimum: [{ currency: 'USD', amount: '50.00' }] } });
				node('Pay via PayPal').parameters.holdingDays = 0;
				node('Affiliates').parameters.jsCode = `return ${JSON.stringify([
					{ affiliateId: paid, receiver: 'paid-affiliate@example.com' },
					{ affiliateId: slow, receiver: 'slow-affiliate@example.com' },
					{ affiliateId: small, receiver: 'small-affiliate@example.com' },
				])}.map((affiliate) => ({ json: affiliate }));`;
			},
			{ saveDataSuccessExecution: 'all' },
		);
		expect(imported.node('Pay via PayPal').parameters).toMatchObject({
			payDay: 20,
			holdingDays: 0,
			minimum: { minimum: [{ currency: 'USD', amount: '50.00' }] },
		});

		// While the run waits for PayPal, PayPal completes one payout and keeps the other pending.
		const deadline = Date.now() + 60000;
		let batch: string | undefined;
		while (!batch && Date.now() < deadline) {
			batch = paypal.batches().find((each) => each.items.some((item) => item.receiver === 'paid-affiliate@example.com'))?.payoutBatchId;
			if (!batch) await new Promise((resolve) => setTimeout(resolve, 100));
		}
		expect(batch).toBeDefined();
		paypal.settle(batch!, { byReceiver: { 'slow-affiliate@example.com': 'PENDING' } });

		const payRun = await waitForExecution(
			imported.id,
			hasItem('Statement', 0, (json) => json.affiliateId === paid),
			60000,
		);
		noErrors(payRun);
		const reports = items(payRun, 'Pay via PayPal').map((item) => item.json);
		expect(reports.find((report) => report.affiliateId === paid)).toMatchObject({ outcome: 'submitted', amount: '70.1', currency: 'USD', period });
		expect(reports.find((report) => report.affiliateId === slow)).toMatchObject({ outcome: 'submitted', amount: '55', period });
		expect(items(payRun, 'Not Paid This Time').find((item) => item.json.affiliateId === small)?.json).toMatchObject({
			outcome: 'carried',
			code: 'below_minimum',
			amount: '20',
		});
		expect(items(payRun, 'Not Confirmed Yet').find((item) => item.json.affiliateId === slow)?.json).toMatchObject({ outcome: 'submitted' });
		// The statement of the confirmed payout: its two commissions, paid in full.
		const statement = items(payRun, 'Statement');
		expect(statement).toHaveLength(1);
		expect(statement[0].json).toMatchObject({ affiliateId: paid, currency: 'USD', period, total: '70.1', paid: '70.1', carriedBalance: '0' });
		expect((statement[0].json.lines as Array<{ amount: string }>).map((line) => line.amount).sort()).toEqual(['30', '40.1']);
		expect(Object.keys((statement[0] as unknown as { binary?: Record<string, unknown> }).binary ?? {}).sort()).toEqual(['csv', 'html']);

		await expectEveryNodeRan(imported);
		await publicApi('POST', `/workflows/${imported.id}/deactivate`);
		// Later scheduled runs paid nobody again: one PayPal item per due affiliate, none for the one under the minimum.
		const ours = paypal.paidItems().filter((item) => item.receiver.endsWith('-affiliate@example.com'));
		expect(ours.map((item) => [item.receiver, item.amount, item.currency]).sort()).toEqual([
			['paid-affiliate@example.com', '70.10', 'USD'],
			['slow-affiliate@example.com', '55.00', 'USD'],
		]);
	},
	async 'privacy-retention.json'(file) {
		// A conversion with a customer's email and phone goes into a tracking store; the template's nightly run
		// (every 10 seconds here, with customer data kept 0 days) redacts it, keeping its ids and money.
		const path = join(folder, 'privacy.sqlite');
		const store = { store: 'sqlite', sqlitePath: path };
		const intakePath = `templates-privacy-intake-${run}`;
		const intakeId = await startWorkflow(
			{
				name: `Templates: privacy intake [${run}]`,
				nodes: [
					{
						id: 'privacy-postback',
						name: 'Postback',
						type: 'n8n-nodes-postback.postbackTrigger',
						typeVersion: 1,
						position: [0, 0],
						webhookId: randomUUID(),
						parameters: { network: 'custom', path: intakePath },
					},
					{
						id: 'privacy-funnel',
						name: 'Funnel',
						type: 'n8n-nodes-postback.conversionFunnel',
						typeVersion: 1,
						position: [250, 0],
						parameters: { ...store, forwardUnattributed: true },
					},
				],
				connections: { Postback: { main: [[{ node: 'Funnel', type: 'main', index: 0 }], []] } },
				settings: { executionOrder: 'v1' },
			},
			[intakePath],
		);
		started.push(intakeId);
		const transactionId = `${run}-privacy`;
		const email = `privacy-${run}@example.com`;
		const response = await get(`${baseUrl()}/webhook/${intakePath}`, {
			click_id: `clk-${run}-privacy`,
			transaction_id: transactionId,
			commission: '12.5',
			amount: '125',
			currency: 'USD',
			status: 'approved',
			email,
			phone: '+1 650 555 0199',
		});
		expect(response.status).toBe(200);
		await waitForExecution(intakeId, (execution) => JSON.stringify(outputsOf(execution, 'Funnel')).includes(transactionId));

		const imported = await importTemplate(
			file,
			(workflow, node) => {
				const schedule = workflow.nodes.find((each) => each.type === 'n8n-nodes-base.scheduleTrigger')!;
				schedule.parameters = { rule: { interval: [{ field: 'seconds', secondsInterval: 10 }] } };
				Object.assign(node('Apply Retention').parameters, store);
				(node('Apply Retention').parameters.retention as Record<string, number>).customerData = 0;
			},
			{ saveDataSuccessExecution: 'all' },
		);
		const retentionRun = await waitForExecution(
			imported.id,
			hasItem('Apply Retention', 0, (json) => (json.counts as Record<string, number>).conversionsPersonalRedacted === 1),
			60000,
		);
		noErrors(retentionRun);
		const [report] = items(retentionRun, 'Apply Retention');
		expect(report.json).toMatchObject({ retention: { clicks: 90, rawPostbacks: 30, customerData: 0, replayMemory: 1, deliveries: 180 } });
		expect(JSON.stringify(report.json)).not.toContain(email);
		await publicApi('POST', `/workflows/${imported.id}/deactivate`);
		await expectEveryNodeRan(imported);
		// The stored conversion: its money and ids stay, the email and phone are gone.
		// eslint-disable-next-line @typescript-eslint/no-require-imports -- the test runs on the repo's Node 24, which has node:sqlite
		const { DatabaseSync } = require('node:sqlite') as typeof import('node:sqlite');
		const db = new DatabaseSync(path, { timeout: 5000, readOnly: true });
		const stored = db.prepare('SELECT transaction_id, commission, payload, privacy FROM conversions WHERE transaction_id = ?').get(transactionId) as Record<
			string,
			string
		>;
		db.close();
		expect(stored).toMatchObject({ transaction_id: transactionId, commission: '12.5', privacy: 'personal' });
		expect(stored.payload).not.toContain(email);
		for (const phone of ['650 555 0199', '6505550199']) expect(stored.payload).not.toContain(phone);
	},
};

describe('workflow templates in a real n8n', () => {
	test('there are templates, and each one has a driver below', () => {
		expect(files.length).toBeGreaterThanOrEqual(7);
		expect(files.filter((file) => !drivers[file])).toEqual([]);
	});

	test.each(files)(
		'templates/%s runs end to end',
		async (file) => {
			const driver = drivers[file];
			if (!driver) throw new Error(`templates/${file} has no end-to-end test: add a driver for it in test/e2e/templates.e2e.test.ts`);
			await driver(file);
		},
		300000,
	);
});
