import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { META_FAKE_PIXEL, META_FAKE_TOKEN, type MetaFake, startMetaFake } from '../fakes/meta';
import { baseUrl, n8nFetch, outputsOf, publicApi, startWorkflow, uniqueId, waitForExecution } from './n8n-api';
import { onCi } from '../ci';

/**
 * The conversion log in a real n8n: a tracked click and its ShareASale postback go through the Conversion
 * Funnel to the Meta node (pointed at the strict fake), which records the delivery in the tracking store;
 * then the templates/conversion-log.json workflow (Webhook → Postback Tools → Respond to Webhook), imported
 * as it ships plus the Basic Auth credential the operator creates on import, answers a browser's GET that carries
 * the login with an HTML page listing that conversion and "meta: sent", and anyone else with 401 and no data.
 */
let meta: MetaFake;
let pipelineId: string;

// The page in a browser (Debian's Chromium via playwright-core, as in the editor suite): skipped loudly without one, never on CI.
const CHROMIUM = process.env.CHROMIUM_PATH ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((path) => existsSync(path));
if (!CHROMIUM) {
	if (onCi()) throw new Error('No Chromium found (set CHROMIUM_PATH, or apt-get install chromium): the conversion log page cannot be checked on CI.');
	process.stderr.write('\n[browser] SKIPPED the conversion log page in Chromium: no Chromium at /usr/bin/chromium (set CHROMIUM_PATH)\n');
}
const testWithBrowser = CHROMIUM ? test : test.skip;

interface TemplateNode {
	type: string;
	parameters: Record<string, unknown>;
	webhookId?: string;
	credentials?: Record<string, { id: string; name: string }>;
}
const loadTemplate = () =>
	JSON.parse(readFileSync(join(__dirname, '../../templates/conversion-log.json'), 'utf8')) as { name: string; nodes: TemplateNode[] } & Record<string, unknown>;
const LOGIN = { user: `log-${uniqueId('u')}`, password: randomBytes(24).toString('base64url') };
const basicAuth = (user: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });
/** The page with the operator's login, as a browser sends it after the prompt. */
const withLogin = { headers: basicAuth(LOGIN.user, LOGIN.password) };

const node = (name: string, type: string, parameters: Record<string, unknown>, position: [number, number], extra: Record<string, unknown> = {}) => ({
	id: `e2e-log-${name.toLowerCase().replace(/\W+/g, '-')}`,
	name,
	type,
	typeVersion: 1,
	position,
	parameters,
	...extra,
});

beforeAll(async () => {
	meta = await startMetaFake();
	const metaCredential = await publicApi<{ id: string; name: string }>('POST', '/credentials', {
		name: 'E2E Meta for the conversion log (fake)',
		type: 'metaConversionsApi',
		data: { accessToken: META_FAKE_TOKEN, apiVersion: 'v26.0', baseUrl: meta.url },
	});
	pipelineId = await startWorkflow(
		{
			name: 'E2E: ShareASale → funnel → Meta, recorded in the conversion log',
			nodes: [
				node(
					'Clicks',
					'n8n-nodes-postback.clickTracker',
					{
						path: 'go-log',
						offers: { offer: [{ name: 'wpengine', url: 'https://shareasale.com/r.cfm?b=394686&u=1011620&m=41388&urllink=&afftrack=', network: 'shareasale' }] },
					},
					[0, -200],
					{ webhookId: 'e2e00000-0000-4000-8000-00000000c101' },
				),
				node('Postback', 'n8n-nodes-postback.postbackTrigger', { network: 'shareasale', path: 'shareasale-log' }, [0, 100], {
					webhookId: 'e2e00000-0000-4000-8000-00000000c102',
				}),
				node('Funnel', 'n8n-nodes-postback.conversionFunnel', {}, [250, 100]),
				// Record in Conversion Log is on by default, on the same default store as the funnel.
				node('Meta', 'n8n-nodes-postback.metaConversions', { pixelId: META_FAKE_PIXEL }, [500, 0], { credentials: { metaConversionsApi: metaCredential } }),
			],
			connections: {
				Postback: { main: [[{ node: 'Funnel', type: 'main', index: 0 }], []] },
				Funnel: { main: [[], [{ node: 'Meta', type: 'main', index: 0 }]] },
			},
			settings: { executionOrder: 'v1' },
		},
		['shareasale-log', 'go-log'],
	);
	// The template as it ships, imported as an operator does: the Webhook node asks for a Basic Auth credential, which
	// is created and picked; the editor gives the node a fresh webhook id (the template carries none).
	const login = await publicApi<{ id: string; name: string }>('POST', '/credentials', { name: 'E2E Conversion Log login', type: 'httpBasicAuth', data: LOGIN });
	const template = loadTemplate();
	for (const each of template.nodes.filter((candidate) => candidate.type === 'n8n-nodes-base.webhook')) {
		expect(each.parameters.authentication).toBe('basicAuth');
		expect(each.credentials).toBeUndefined();
		each.webhookId = randomUUID();
		each.credentials = { httpBasicAuth: { id: login.id, name: login.name } };
	}
	await startWorkflow(template, ['conversion-log']);
});

afterAll(async () => {
	await meta?.close();
});

/** A tracked click and its ShareASale sale through the pipeline to Meta ("sent"); the stored conversion's id. */
async function trackedSale(transID: string): Promise<string> {
	const clickResponse = await n8nFetch(
		`${baseUrl()}/webhook/go-log?${new URLSearchParams({ offer: 'wpengine', fbclid: 'IwAR0logE2E', landing: 'https://blog.example.com/wp-engine-review' })}`,
		{
			redirect: 'manual',
			headers: { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) E2E-log', 'x-forwarded-for': '203.0.113.19' },
		},
	);
	expect(clickResponse.status).toBe(302);
	const clickId = new URL(clickResponse.headers.get('location') ?? '').searchParams.get('afftrack') ?? '';
	expect(clickId).not.toBe('');

	const postback = `${baseUrl()}/webhook/shareasale-log?${new URLSearchParams({
		afftrack: clickId,
		transtype: 'SALE',
		merchantID: '87575',
		orderNumber: '2617208',
		transID,
		amountOfSale: '79',
		commission: '39.5',
		transDate: new Date().toISOString().slice(0, 19).replace('T', ' '),
	})}`;
	expect((await n8nFetch(postback)).status).toBe(200);

	const execution = await waitForExecution(
		pipelineId,
		(run) => (outputsOf(run, 'Meta')[0]?.length ?? 0) + (outputsOf(run, 'Meta')[1]?.length ?? 0) > 0 && JSON.stringify(run).includes(transID),
	);
	const [sent, failed] = outputsOf(execution, 'Meta');
	expect(failed ?? []).toEqual([]);
	expect(sent[0].json.forward).toMatchObject({ platform: 'meta', outcome: 'sent' });
	expect(sent[0].json.conversionLogError).toBeUndefined();
	return String(sent[0].json.conversionId);
}

test('a postback sent to Meta shows up in the conversion log page with "meta: sent"', async () => {
	const transID = uniqueId('LOG');
	const conversionId = await trackedSale(transID);

	// Closed: no login, a wrong password or a wrong user get 401 (and a Basic prompt), never the conversion.
	const pageUrl = `${baseUrl()}/webhook/conversion-log?network=shareasale&limit=20`;
	for (const headers of [{}, basicAuth(LOGIN.user, `${LOGIN.password}x`), basicAuth('admin', LOGIN.password), basicAuth('', '')]) {
		const refused = await n8nFetch(pageUrl, { headers });
		expect(refused.status).toBe(401);
		expect(refused.headers.get('www-authenticate')).toMatch(/^Basic /);
		const body = await refused.text();
		expect(body).not.toContain(transID);
		expect(body).not.toContain('<table>');
	}

	const page = await n8nFetch(pageUrl, withLogin);
	expect(page.status).toBe(200);
	expect(page.headers.get('content-type')).toMatch(/^text\/html/);
	const html = await page.text();
	expect(html).toContain('<table>');
	// The conversion's row: its transaction id, its id, and what Meta was told.
	const row = html.split('\n').find((line) => line.includes(`data-conversion-id="${conversionId}"`));
	expect(row).toBeDefined();
	expect(row).toContain(transID);
	expect(row).toContain('meta: sent');
	expect(row).toContain('<td>39.5 USD</td>');
	expect(row).toContain('<td>approved</td>');

	// A filter that matches nothing: a page saying so.
	const none = await (await n8nFetch(`${baseUrl()}/webhook/conversion-log?affiliate=${uniqueId('nobody')}`, withLogin)).text();
	expect(none).toContain('0 conversions');
	expect(none).not.toContain(transID);
});

test('the template imported without picking a credential cannot be activated and serves nothing', async () => {
	// An operator who activates it before creating the login: n8n refuses, naming the credential the Webhook node needs.
	const template = loadTemplate();
	const path = `conversion-log-${uniqueId('nocred')}`;
	for (const each of template.nodes.filter((candidate) => candidate.type === 'n8n-nodes-base.webhook')) {
		each.webhookId = randomUUID();
		each.parameters.path = path;
	}
	const created = await publicApi<{ id: string }>('POST', '/workflows', { ...template, name: `${template.name} (no credential)` });
	await expect(publicApi('POST', `/workflows/${created.id}/activate`)).rejects.toThrow(/Missing required credential: httpBasicAuth/);
	const page = await n8nFetch(`${baseUrl()}/webhook/${path}`);
	expect(page.status).toBe(404);
	expect(await page.text()).not.toContain('<table>');
});

testWithBrowser("the page fits a laptop window and shows times in the viewer's time zone, UTC without JavaScript", async () => {
	// A transaction id far longer than any column: it must wrap, not widen the page.
	const transID = `${uniqueId('LOG')}-${'9F3A7C1E5B'.repeat(8)}`;
	const conversionId = await trackedSale(transID);
	const pageUrl = `${baseUrl()}/webhook/conversion-log?network=shareasale&limit=20`;
	const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
	try {
		// Kathmandu is UTC+5:45: its wall-clock minutes differ from UTC's, so no UTC time passes for a local one.
		const timezoneId = 'Asia/Kathmandu';
		for (const viewport of [
			{ width: 1280, height: 800 },
			{ width: 1366, height: 768 },
			{ width: 1440, height: 900 },
		]) {
			const context = await browser.newContext({ viewport, timezoneId, locale: 'en-GB', httpCredentials: { username: LOGIN.user, password: LOGIN.password } });
			const page = await context.newPage();
			expect((await page.goto(pageUrl))?.status()).toBe(200);
			const row = page.locator(`tr[data-conversion-id="${conversionId}"]`);
			await expect(row.locator('td').nth(2).textContent()).resolves.toBe(transID);
			const layout = {
				...(await page.$eval('html', (root) => ({ scrollWidth: root.scrollWidth, clientWidth: root.clientWidth }))),
				tableRight: await page.$eval('table', (table) => table.getBoundingClientRect().right),
			};
			expect(layout.scrollWidth).toBeLessThanOrEqual(layout.clientWidth);
			expect(layout.tableRight).toBeLessThanOrEqual(layout.clientWidth);

			const recorded = row.locator('td').first().locator('time');
			const iso = (await recorded.getAttribute('datetime')) ?? '';
			const at = new Date(iso);
			expect(Number.isNaN(at.getTime())).toBe(false);
			const utcText = `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
			// The UTC value stays in the tooltip; the text is Kathmandu's wall clock (UTC + 5 h 45 min), 24-hour in en-GB.
			await expect(recorded.getAttribute('title')).resolves.toBe(utcText);
			const kathmandu = new Date(at.getTime() + (5 * 60 + 45) * 60_000).toISOString().slice(11, 19);
			const shown = (await recorded.textContent()) ?? '';
			expect(shown).toContain(kathmandu);
			expect(shown).not.toContain('UTC');
			await expect(page.locator('#zone').textContent()).resolves.toMatch(/your time zone, Asia\/Kath?mandu/);
			// Kept out of the tree like the editor suite's: docs/images/conversion-log.png is picked from here.
			if (viewport.width === 1280) {
				mkdirSync(join(__dirname, '../../.cache/screenshots'), { recursive: true });
				await page.screenshot({ path: join(__dirname, '../../.cache/screenshots/conversion-log.png') });
			}
			await context.close();
		}

		// Without JavaScript the page still says what its times are: UTC.
		const noScript = await browser.newContext({
			viewport: { width: 1280, height: 800 },
			timezoneId,
			javaScriptEnabled: false,
			httpCredentials: { username: LOGIN.user, password: LOGIN.password },
		});
		const plain = await noScript.newPage();
		await plain.goto(pageUrl);
		const time = plain.locator(`tr[data-conversion-id="${conversionId}"] td`).first().locator('time');
		await expect(time.textContent()).resolves.toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC$/);
		await expect(plain.locator('#zone').textContent()).resolves.toBe('Times are in UTC.');
		await noScript.close();
	} finally {
		await browser.close();
	}
});
