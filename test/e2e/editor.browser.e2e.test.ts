/**
 * The n8n editor in a real browser (Debian's Chromium, headless, driven by playwright-core): an operator logs
 * in, opens every template, finds our nodes in the node panel, opens a node, and tests a credential against a
 * fake. Screenshots go to .cache/screenshots/ (the README's pictures are picked from there).
 *
 * Chromium comes from Debian's packages (.ci/run installs it); playwright downloads no browser. Without a
 * Chromium the suite is skipped with a loud warning on a developer machine, and fails on CI.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, type Page, chromium } from 'playwright-core';
import { META_FAKE_TOKEN, type MetaFake, startMetaFake } from '../fakes/meta';
import { baseUrl, publicApi } from './n8n-api';

const CHROMIUM = process.env.CHROMIUM_PATH ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((path) => existsSync(path));
const ROOT = join(__dirname, '..', '..');
const SCREENSHOTS = join(ROOT, '.cache', 'screenshots');
const PACKAGE_PREFIX = 'n8n-nodes-postback.';

if (!CHROMIUM) {
	if (process.env.CI) throw new Error('No Chromium found (set CHROMIUM_PATH, or apt-get install chromium): the browser suite cannot run on CI without it.');
	process.stderr.write('\n[browser] SKIPPED: no Chromium at /usr/bin/chromium (apt-get install chromium, or set CHROMIUM_PATH)\n');
}
const describeWithBrowser = CHROMIUM ? describe : describe.skip;

interface TemplateFile {
	file: string;
	workflow: { name: string; nodes: Array<{ name: string; type: string }>; connections: unknown; settings?: unknown };
}

const templates: TemplateFile[] = readdirSync(join(ROOT, 'templates'))
	.filter((file) => file.endsWith('.json'))
	.sort()
	.map((file) => ({ file, workflow: JSON.parse(readFileSync(join(ROOT, 'templates', file), 'utf8')) as TemplateFile['workflow'] }));

describeWithBrowser('the n8n editor in Chromium', () => {
	let browser: Browser;
	let page: Page;
	let meta: MetaFake;
	const imported = new Map<string, string>();

	beforeAll(async () => {
		mkdirSync(SCREENSHOTS, { recursive: true });
		meta = await startMetaFake();
		// Every template, imported as the operator would (inactive: nothing to fill in yet).
		for (const { file, workflow } of templates) {
			const created = await publicApi<{ id: string }>('POST', '/workflows', {
				name: `${workflow.name} (browser check)`,
				nodes: workflow.nodes,
				connections: workflow.connections,
				settings: workflow.settings ?? { executionOrder: 'v1' },
			});
			imported.set(file, created.id);
		}
		browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
		page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
		page.setDefaultTimeout(30_000);
	});

	afterAll(async () => {
		await browser?.close();
		await meta?.close();
	});

	test('logs in with the owner account', async () => {
		await page.goto(`${baseUrl()}/signin`);
		await page.locator('input[name="emailOrLdapLoginId"]').fill(process.env.E2E_N8N_OWNER_EMAIL ?? '');
		await page.locator('input[name="password"]').fill(process.env.E2E_N8N_OWNER_PASSWORD ?? '');
		await page.locator('[data-test-id="form-submit-button"]').click();
		await page.waitForURL((url) => !url.pathname.includes('signin'));
		expect(new URL(page.url()).pathname).not.toContain('signin');
	});

	test.each(templates.map((template) => [template.file, template] as const))('%s opens with every node rendered, our nodes with their icons', async (file, template) => {
		await page.goto(`${baseUrl()}/workflow/${imported.get(file)}`);
		await page.locator('[data-test-id="canvas-node"]').first().waitFor();
		await page.waitForLoadState('networkidle');
		const rendered = await page.$$eval('[data-test-id="canvas-node"]', (elements) =>
			elements.map((element) => {
				const image = element.querySelector('img');
				return {
					name: element.getAttribute('data-node-name'),
					type: element.getAttribute('data-node-type'),
					icon: image?.getAttribute('src') ?? null,
					iconLoaded: image ? image.complete && image.naturalWidth > 0 : false,
				};
			}),
		);
		// Sticky notes are drawn apart from the nodes; they are counted on their own below.
		const stickies = template.workflow.nodes.filter((node) => node.type === 'n8n-nodes-base.stickyNote');
		const expected = template.workflow.nodes.filter((node) => !stickies.includes(node)).map((node) => node.name).sort();
		expect(rendered.filter((node) => node.type !== 'n8n-nodes-base.stickyNote').map((node) => node.name).sort()).toEqual(expected);
		// Every sticky note shows its text (a plain run of words from it, free of Markdown).
		for (const sticky of stickies) {
			const content = String((sticky as { parameters?: { content?: string } }).parameters?.content ?? '');
			const words = /[A-Za-z][A-Za-z ,']{14,}[A-Za-z]/.exec(content)?.[0].trim().split(/\s+/).slice(0, 4).join(' ');
			if (words) expect({ sticky: sticky.name, words, shown: (await page.getByText(words, { exact: false }).count()) > 0 }).toEqual({ sticky: sticky.name, words, shown: true });
		}
		for (const node of rendered.filter((candidate) => candidate.type?.startsWith(PACKAGE_PREFIX))) {
			// A node n8n does not know renders with a placeholder instead of the package's icon.
			expect({ node: node.name, icon: node.icon, loaded: node.iconLoaded }).toEqual({
				node: node.name,
				icon: expect.stringContaining('/icons/n8n-nodes-postback/'),
				loaded: true,
			});
		}
		// A readable canvas: no node drawn over another (the Funnel is tall: eight outputs).
		const boxes = await page.$$eval('[data-test-id="canvas-node"]', (elements) =>
			elements.map((element) => {
				const box = element.getBoundingClientRect();
				return { name: element.getAttribute('data-node-name'), left: box.left, top: box.top, right: box.right, bottom: box.bottom };
			}),
		);
		const overlaps: string[] = [];
		for (const [index, a] of boxes.entries()) {
			for (const b of boxes.slice(index + 1)) {
				if (a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1) overlaps.push(`${a.name} × ${b.name}`);
			}
		}
		expect(overlaps).toEqual([]);
		const text = await page.locator('[data-test-id="canvas-wrapper"]').innerText();
		expect(text).not.toMatch(/not (currently )?installed|unknown node|install this node/i);
		await page.locator('[data-test-id="zoom-to-fit"]').click();
		await page.waitForTimeout(300);
		await page.screenshot({ path: join(SCREENSHOTS, `template-${file.replace(/\.json$/, '')}.png`) });
	});

	test('the node panel finds our nodes when searching "postback"', async () => {
		await page.goto(`${baseUrl()}/workflow/${imported.get(templates[0].file)}`);
		await page.locator('[data-test-id="canvas-node"]').first().waitFor();
		await page.locator('[data-test-id="node-creator-plus-button"]').click();
		await page.locator('[data-test-id="node-creator"] input').first().fill('postback');
		await page.locator('[data-test-id="node-creator-item-name"]', { hasText: 'Postback Trigger' }).waitFor();
		const names = await page.$$eval('[data-test-id="node-creator-item-name"]', (elements) => elements.map((element) => element.textContent?.trim()));
		expect(names).toEqual(expect.arrayContaining(['Postback Trigger', 'Send Postback', 'Affiliate Payouts', 'Postback Tools']));
		await page.screenshot({ path: join(SCREENSHOTS, 'node-panel-search.png') });
		await page.keyboard.press('Escape');
	});

	test('opening the Conversion Funnel shows its parameters', async () => {
		const file = templates.find((template) => template.workflow.nodes.some((node) => node.type === `${PACKAGE_PREFIX}conversionFunnel`))!.file;
		const funnel = templates.find((template) => template.file === file)!.workflow.nodes.find((node) => node.type === `${PACKAGE_PREFIX}conversionFunnel`)!;
		await page.goto(`${baseUrl()}/workflow/${imported.get(file)}`);
		await page.locator(`[data-test-id="canvas-node"][data-node-name="${funnel.name}"]`).dblclick();
		await page.locator('[data-test-id="ndv"]').waitFor();
		for (const parameter of ['store', 'statusPolicy', 'attributionWindow', 'attributionModel']) {
			await expect(page.locator(`[data-test-id="parameter-input-${parameter}"]`).count()).resolves.toBeGreaterThan(0);
		}
		await page.screenshot({ path: join(SCREENSHOTS, 'conversion-funnel-parameters.png') });
		await page.locator('[data-test-id="ndv-close-button"]').click();
	});

	test('"Test credential" passes against the Meta fake with the right token and fails with a wrong one', async () => {
		const good = await publicApi<{ id: string }>('POST', '/credentials', { name: 'Meta (fake, good token)', type: 'metaConversionsApi', data: { accessToken: META_FAKE_TOKEN, apiVersion: 'v26.0', baseUrl: meta.url } });
		await page.goto(`${baseUrl()}/home/credentials/${good.id}`);
		await page.locator('[data-test-id="credentials-config-container-test-success"]').waitFor({ state: 'visible' });
		expect(await page.getByText(/Couldn.t connect with these settings/).isVisible()).toBe(false);
		await page.screenshot({ path: join(SCREENSHOTS, 'credential-test-success.png') });
		await page.keyboard.press('Escape');

		const before = meta.requests.length;
		const bad = await publicApi<{ id: string }>('POST', '/credentials', { name: 'Meta (fake, wrong token)', type: 'metaConversionsApi', data: { accessToken: 'EAAwrong', apiVersion: 'v26.0', baseUrl: meta.url } });
		await page.goto(`${baseUrl()}/home/credentials/${bad.id}`);
		await page.getByText(/Couldn.t connect with these settings/).waitFor();
		expect(await page.locator('[data-test-id="credentials-config-container-test-success"]').isVisible()).toBe(false);
		// The editor really asked the fake (the test request is not answered from a cache).
		expect(meta.requests.length).toBeGreaterThan(before);
	});
});
