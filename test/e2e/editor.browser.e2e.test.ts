/**
 * The n8n editor in a real browser (Debian's Chromium, headless, driven by playwright-core): an operator logs
 * in, opens every template, finds our nodes in the node panel, opens nodes (the Postback Trigger's URL to paste
 * and preset notices, where the credential sits), and tests a credential against a fake. Screenshots go to
 * .cache/screenshots/ (the README's pictures are picked from there).
 *
 * Chromium comes from Debian's packages (.ci/run installs it); playwright downloads no browser. Without a
 * Chromium the suite is skipped with a loud warning on a developer machine, and fails on CI.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { INodeType } from 'n8n-workflow';
import { type Browser, type Page, chromium } from 'playwright-core';
import { customPostbackUrl, listNetworks } from '../../src/networks';
import { META_FAKE_TOKEN, type MetaFake, startMetaFake } from '../fakes/meta';
import { baseUrl, publicApi } from './n8n-api';
import { onCi } from '../ci';

const CHROMIUM = process.env.CHROMIUM_PATH ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((path) => existsSync(path));
const ROOT = join(__dirname, '..', '..');
const SCREENSHOTS = join(ROOT, '.cache', 'screenshots');
const PACKAGE_PREFIX = 'n8n-nodes-postback.';

if (!CHROMIUM) {
	if (onCi()) throw new Error('No Chromium found (set CHROMIUM_PATH, or apt-get install chromium): the browser suite cannot run on CI without it.');
	process.stderr.write('\n[browser] SKIPPED: no Chromium at /usr/bin/chromium (apt-get install chromium, or set CHROMIUM_PATH)\n');
}
const describeWithBrowser = CHROMIUM ? describe : describe.skip;

interface TemplateFile {
	file: string;
	workflow: {
		name: string;
		nodes: Array<{ name: string; type: string; parameters?: Record<string, unknown> }>;
		connections: unknown;
		settings?: unknown;
	};
}

/** The package's node types by their n8n name (postbackTrigger…), from the sources package.json's n8n manifest lists. */
const packageNodeTypes = new Map<string, INodeType>(
	(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { n8n: { nodes: string[] } }).n8n.nodes.map((entry) => {
		const className = basename(entry, '.node.js');
		// eslint-disable-next-line @typescript-eslint/no-require-imports
		const exported = require(join(ROOT, entry.replace(/^dist\//, '').replace(/\.js$/, '.ts'))) as Record<string, new () => INodeType>;
		const nodeType = new exported[className]();
		return [nodeType.description.name, nodeType];
	}),
);

/**
 * The raw option values a node's subtitle could show instead of their labels: for each options parameter the
 * subtitle reads, the node's value (or the default) when its label does not contain it (conversionLog, paypal).
 */
function rawValuesFor(type: string, parameters: Record<string, unknown> = {}): string[] {
	const description = packageNodeTypes.get(type.slice(PACKAGE_PREFIX.length))?.description;
	if (!description?.subtitle) return [];
	const raw: string[] = [];
	for (const [, name] of description.subtitle.matchAll(/\$parameter\["([^"]+)"\]/g)) {
		for (const property of description.properties.filter((candidate) => candidate.name === name && candidate.type === 'options')) {
			const value = String(parameters[name] ?? property.default);
			const option = (property.options ?? []).find((candidate) => 'value' in candidate && String(candidate.value) === value);
			if (option && !option.name.includes(value)) raw.push(value);
		}
	}
	return raw;
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
		// The clipboard, to check what a click on a URL copies.
		const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
		await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: baseUrl() });
		page = await context.newPage();
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

	test.each(templates.map((template) => [template.file, template] as const))(
		'%s opens with every node rendered, our nodes with their icons',
		async (file, template) => {
			await page.goto(`${baseUrl()}/workflow/${imported.get(file)}`);
			await page.locator('[data-test-id="canvas-node"]').first().waitFor();
			await page.waitForLoadState('networkidle');
			// On a loaded machine the first page can be idle before an icon is decoded: give the icons time to finish
			// (a broken one never does, and the assertion below then names it).
			await page
				.waitForFunction(`[...document.querySelectorAll('[data-test-id="canvas-node"] img')].every((image) => image.complete)`, undefined, { timeout: 10_000 })
				.catch(() => undefined);
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
			const expected = template.workflow.nodes
				.filter((node) => !stickies.includes(node))
				.map((node) => node.name)
				.sort();
			expect(
				rendered
					.filter((node) => node.type !== 'n8n-nodes-base.stickyNote')
					.map((node) => node.name)
					.sort(),
			).toEqual(expected);
			// Every sticky note shows its text (a plain run of words from it, free of Markdown).
			for (const sticky of stickies) {
				const content = String((sticky as { parameters?: { content?: string } }).parameters?.content ?? '');
				const words = /[A-Za-z][A-Za-z ,']{14,}[A-Za-z]/.exec(content)?.[0].trim().split(/\s+/).slice(0, 4).join(' ');
				if (words)
					expect({ sticky: sticky.name, words, shown: (await page.getByText(words, { exact: false }).count()) > 0 }).toEqual({
						sticky: sticky.name,
						words,
						shown: true,
					});
			}
			for (const node of rendered.filter((candidate) => candidate.type?.startsWith(PACKAGE_PREFIX))) {
				// A node n8n does not know renders with a placeholder instead of the package's icon.
				expect({ node: node.name, icon: node.icon, loaded: node.iconLoaded }).toEqual({
					node: node.name,
					icon: expect.stringContaining('/icons/n8n-nodes-postback/'),
					loaded: true,
				});
			}
			// Subtitles name what a node does with the labels the panel shows (Conversion Log), never raw values.
			const subtitles = await page.$$eval('[data-test-id="canvas-node"]', (elements) =>
				elements.map((element) => ({
					name: element.getAttribute('data-node-name'),
					type: element.getAttribute('data-node-type') ?? '',
					subtitle: element.querySelector('[class*="_subtitle_"]')?.textContent?.trim() ?? null,
				})),
			);
			for (const shown of subtitles.filter((candidate) => candidate.type.startsWith(PACKAGE_PREFIX))) {
				const node = template.workflow.nodes.find((candidate) => candidate.name === shown.name)!;
				const raw = rawValuesFor(shown.type, node.parameters).filter((value) => shown.subtitle?.includes(value));
				expect({ node: shown.name, subtitle: shown.subtitle, raw }).toEqual({ node: shown.name, subtitle: expect.any(String), raw: [] });
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
		},
	);

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

	/** Opens a template's node in the node panel (NDV). */
	async function openNode(file: string, nodeName: string): Promise<void> {
		await page.goto(`${baseUrl()}/workflow/${imported.get(file)}`);
		await page.locator(`[data-test-id="canvas-node"][data-node-name="${nodeName}"]`).dblclick();
		await page.locator('[data-test-id="ndv"]').waitFor();
	}

	/** Whether an element, or anything in it, is cut off: wider than its box, or past the parameters panel's edge. */
	async function clippedParts(selector: string): Promise<string[]> {
		return await page.$eval(selector, (root) => {
			const panel = root.closest('[data-test-id="node-parameters"]')!.getBoundingClientRect();
			const clipped: string[] = [];
			for (const element of [root, ...Array.from(root.querySelectorAll('*'))]) {
				const box = element.getBoundingClientRect();
				if (element.clientWidth > 0 && element.scrollWidth > element.clientWidth + 1)
					clipped.push(`${element.tagName} scrolls: ${element.textContent?.slice(0, 60)}`);
				if (box.width > 0 && (box.left < panel.left - 1 || box.right > panel.right + 1))
					clipped.push(`${element.tagName} past the panel: ${element.textContent?.slice(0, 60)}`);
			}
			return clipped;
		});
	}

	/** The URLs listed under the node's "Webhook URLs", Production selected (the list starts folded). */
	async function productionUrls(): Promise<string[]> {
		if ((await page.locator('.webhooks .node-webhooks').count()) === 0) await page.locator('.webhooks .headline').click();
		await page.locator('[data-test-id="radio-button-production"]').click();
		return await page.locator('.webhooks .webhook-url').allTextContents();
	}

	/** Clicks a listed URL (n8n copies it) and returns what the clipboard then holds. */
	async function copyUrl(index: number): Promise<string> {
		// Strings run in the page (this file compiles without the DOM library).
		await page.evaluate("navigator.clipboard.writeText('')");
		await page.locator('.webhooks .webhook-url').nth(index).click();
		// The editor writes the clipboard asynchronously after the click: wait for it (an empty clipboard still fails).
		for (let waited = 0; waited < 5000; waited += 100) {
			const copied = await page.evaluate<string>('navigator.clipboard.readText()');
			if (copied !== '') return copied;
			await page.waitForTimeout(100);
		}
		return await page.evaluate<string>('navigator.clipboard.readText()');
	}

	/** Waits until the last listed URL (the one to paste) reads `expected`; returns what it read. */
	async function lastUrlBecomes(expected: string): Promise<string> {
		const last = page.locator('.webhooks .webhook-url').last();
		for (let waited = 0; waited < 5000; waited += 100) {
			if ((await last.textContent())?.trim() === expected) break;
			await page.waitForTimeout(100);
		}
		return (await last.textContent())?.trim() ?? '';
	}

	test('the Custom trigger shows the postback URL to paste, built from its placeholders, and copies it whole', async () => {
		const file = 'custom-postback.json';
		const trigger = templates.find((template) => template.file === file)!.workflow.nodes.find((node) => node.type === `${PACKAGE_PREFIX}postbackTrigger`)!;
		const stored = await publicApi<{ nodes: Array<{ name: string; webhookId?: string }> }>('GET', `/workflows/${imported.get(file)}`);
		const webhookId = stored.nodes.find((node) => node.name === trigger.name)!.webhookId!;
		// The secret URL n8n gave the trigger on import: the Production URL carries the webhook ID.
		const production = `${baseUrl()}/webhook/${webhookId}/${String(trigger.parameters!.path)}`;
		const placeholders = { ...(trigger.parameters!.customPlaceholders as Record<string, string>) };
		await openNode(file, trigger.name);

		const urls = await productionUrls();
		expect(urls.map((url) => url.trim())).toEqual([production, production, customPostbackUrl(production, placeholders)]);
		expect(urls.at(-1)).toContain('click_id={sub1}&commission={payout}');
		expect(await copyUrl(2)).toBe(customPostbackUrl(production, placeholders));

		// Another network's macro: the URL follows as it is typed, and copies whole.
		await page.locator('[data-test-id="parameter-input-click_id"] input').first().fill('{aff_sub}');
		const edited = customPostbackUrl(production, { ...placeholders, click_id: '{aff_sub}' });
		expect(await lastUrlBecomes(edited)).toBe(edited);
		expect(await copyUrl(2)).toBe(edited);
		expect(await clippedParts('.webhooks')).toEqual([]);
		await page.locator('.webhooks').scrollIntoViewIfNeeded();
		await page.screenshot({ path: join(SCREENSHOTS, 'custom-trigger-panel.png') });
	});

	test("every preset's notice is readable in full, and its URL to paste copies exactly", async () => {
		const file = 'custom-postback.json';
		const trigger = templates.find((template) => template.file === file)!.workflow.nodes.find((node) => node.type === `${PACKAGE_PREFIX}postbackTrigger`)!;
		const stored = await publicApi<{ nodes: Array<{ name: string; webhookId?: string }> }>('GET', `/workflows/${imported.get(file)}`);
		const production = `${baseUrl()}/webhook/${stored.nodes.find((node) => node.name === trigger.name)!.webhookId}/${String(trigger.parameters!.path)}`;
		await openNode(file, trigger.name);
		await productionUrls();
		for (const network of listNetworks().filter((candidate) => candidate.id !== 'custom')) {
			await page.locator('[data-test-id="parameter-input-network"]').click();
			// An option's accessible name is its label followed by its description.
			await page.getByRole('option', { name: new RegExp(`^${network.name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`) }).click();
			const notice = page.locator('[data-test-id="parameter-item"]', { hasText: `Paste into ${network.name}` });
			await notice.waitFor();
			const pasteUrl = network.postbackUrlTemplate(production);
			const pairs = pasteUrl === production ? [] : pasteUrl.slice(production.length + 1).split('&');
			// Readable: nothing cut off at the panel's edge, every parameter of the URL there to read.
			await notice.evaluate((element) => element.setAttribute('data-checked-notice', 'true'));
			expect({ network: network.name, clipped: await clippedParts('[data-checked-notice="true"]') }).toEqual({ network: network.name, clipped: [] });
			await notice.evaluate((element) => element.removeAttribute('data-checked-notice'));
			// Copyable: selecting the notice selects all of its text, each parameter on its line.
			await notice.evaluate((element) => element.setAttribute('data-checked-notice', 'true'));
			const selected = await page.evaluate<string>(`(() => {
				const range = document.createRange();
				range.selectNodeContents(document.querySelector('[data-checked-notice="true"]'));
				const selection = window.getSelection();
				selection.removeAllRanges();
				selection.addRange(range);
				const text = selection.toString();
				selection.removeAllRanges();
				return text;
			})()`);
			await notice.evaluate((element) => element.removeAttribute('data-checked-notice'));
			for (const pair of pairs)
				expect({
					network: network.name,
					pair,
					selected: selected
						.split('\n')
						.map((line: string) => line.trim())
						.includes(pair),
				}).toEqual({ network: network.name, pair, selected: true });
			// The URL itself, whole, is the last one listed (a network given the bare URL has just the Production URL).
			const urls = (await page.locator('.webhooks .webhook-url').allTextContents()).map((url) => url.trim());
			if (pairs.length === 0) {
				expect({ network: network.name, urls }).toEqual({ network: network.name, urls: [production, production] });
				continue;
			}
			expect({ network: network.name, url: await lastUrlBecomes(pasteUrl) }).toEqual({ network: network.name, url: pasteUrl });
			expect({ network: network.name, copied: await copyUrl(2) }).toEqual({ network: network.name, copied: pasteUrl });
			if (network.id === 'shareasale') {
				await notice.scrollIntoViewIfNeeded();
				await page.screenshot({ path: join(SCREENSHOTS, 'shareasale-notice.png') });
			}
		}
	}, 600_000);

	test("every node's credential selector sits first in its panel", async () => {
		// One node of each type that has credentials, each template opened once.
		const seen = new Set<string>();
		let checked = 0;
		for (const { file, workflow } of templates) {
			const nodes = workflow.nodes.filter((node) => {
				if (!node.type.startsWith(PACKAGE_PREFIX) || seen.has(node.type)) return false;
				if (!packageNodeTypes.get(node.type.slice(PACKAGE_PREFIX.length))!.description.credentials?.length) return false;
				seen.add(node.type);
				return true;
			});
			if (nodes.length === 0) continue;
			await page.goto(`${baseUrl()}/workflow/${imported.get(file)}`);
			for (const node of nodes) {
				await page.locator(`[data-test-id="canvas-node"][data-node-name="${node.name}"]`).dblclick();
				await page.locator('[data-test-id="node-parameters"] [data-test-id="parameter-item"]').first().waitFor();
				if ((await page.locator('[data-test-id="node-parameters"] [data-test-id="credentials-label"]').count()) > 0) {
					// The credential block is drawn inside the first parameter item, ahead of its parameter.
					const first = page.locator('[data-test-id="node-parameters"] [data-test-id="parameter-item"]').first();
					expect({ node: node.name, first: await first.locator('[data-test-id="credentials-label"]').count() }).toEqual({ node: node.name, first: 1 });
					checked += 1;
				}
				if (node.type === `${PACKAGE_PREFIX}metaConversions`) await page.screenshot({ path: join(SCREENSHOTS, 'meta-credential-first.png') });
				await page.locator('[data-test-id="ndv-close-button"]').click();
			}
		}
		// Meta, Google Ads, TikTok, PayPal payouts… at least those of the ad-platform and payout templates.
		expect(checked).toBeGreaterThanOrEqual(4);
	}, 600_000);

	test('"Test credential" passes against the Meta fake with the right token and fails with a wrong one', async () => {
		const good = await publicApi<{ id: string }>('POST', '/credentials', {
			name: 'Meta (fake, good token)',
			type: 'metaConversionsApi',
			data: { accessToken: META_FAKE_TOKEN, apiVersion: 'v26.0', baseUrl: meta.url },
		});
		await page.goto(`${baseUrl()}/home/credentials/${good.id}`);
		await page.locator('[data-test-id="credentials-config-container-test-success"]').waitFor({ state: 'visible' });
		expect(await page.getByText(/Couldn.t connect with these settings/).isVisible()).toBe(false);
		await page.screenshot({ path: join(SCREENSHOTS, 'credential-test-success.png') });
		await page.keyboard.press('Escape');

		const before = meta.requests.length;
		const bad = await publicApi<{ id: string }>('POST', '/credentials', {
			name: 'Meta (fake, wrong token)',
			type: 'metaConversionsApi',
			data: { accessToken: 'EAAwrong', apiVersion: 'v26.0', baseUrl: meta.url },
		});
		await page.goto(`${baseUrl()}/home/credentials/${bad.id}`);
		await page.getByText(/Couldn.t connect with these settings/).waitFor();
		expect(await page.locator('[data-test-id="credentials-config-container-test-success"]').isVisible()).toBe(false);
		// The editor really asked the fake (the test request is not answered from a cache).
		expect(meta.requests.length).toBeGreaterThan(before);
	});
});
