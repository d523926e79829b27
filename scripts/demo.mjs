// `npm run demo`: everything `npm start` does, with local stand-ins for the eight ad platforms and PayPal
// (the strict fakes from test/fakes/), credentials pointing at them and a demo pipeline active. Then it plays a
// realistic day over HTTP — ad clicks through the Click Tracker, ShareASale and Custom postbacks for them,
// network retries, a refund, a broken postback, last month's partner commissions and the monthly PayPal
// payout — waits for every execution to finish and prints what happened.
//
//   node scripts/demo.mjs [--keep] [--json] [--quiet] [--no-build]
//
//   --keep      leave n8n and the fakes running afterwards (Ctrl-C stops them)
//   --json      also print the summary as one JSON line on stdout (last line)
//   --quiet     no progress lines
//   --no-build  use dist/ as it is
import { randomBytes, randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, n8nVersion, repoRoot, startN8n, waitForWebhooks } from './lib/n8n.mjs';
import { buildPackage, createWebhookLogins, credentialsNeeded, describeWorkflows, loadTemplates, progressPrinter } from './lib/operator.mjs';
import { loadFakes } from './lib/fakes.mjs';
import { AFFILIATES, DEMO_PATHS, FUNNEL_OUTPUTS, MORE_PLATFORMS, OFFERS, demoWorkflows } from './lib/demo-workflows.mjs';

const args = new Set(process.argv.slice(2));
const keep = args.has('--keep');
const json = args.has('--json');
const quiet = args.has('--quiet');
const started = Date.now();
const clock = () => `[${String(Math.round((Date.now() - started) / 1000)).padStart(4)} s]`;
const say = (text) => {
	if (!quiet) process.stderr.write(`${clock()} ${text}\n`);
};

const USER_AGENTS = [
	'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
	'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
	'Mozilla/5.0 (Linux; Android 15; Pixel 9) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36',
	'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
	'Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBAV/489.0]',
	'Mozilla/5.0 (Linux; Android 14; SM-S921B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Mobile Safari/537.36 musical_ly_2023',
];
const BUYERS = [
	{
		email: 'Jane.Doe@Gmail.com',
		phone: '+1 (415) 555-0134',
		first_name: 'Jane',
		last_name: 'Doe',
		city: 'San Francisco',
		state: 'CA',
		zip: '94103',
		country: 'US',
	},
	{ email: 'carlos.mendes@example.com', phone: '+351 912 345 678', first_name: 'Carlos', last_name: 'Mendes', country: 'PT' },
	{ email: 'a.nakamura@example.jp', first_name: 'Aiko', last_name: 'Nakamura', country: 'JP' },
	{ email: 'tom.baker@example.co.uk', phone: '+44 7700 900123', first_name: 'Tom', last_name: 'Baker', country: 'GB' },
];

const id = (prefix) => `${prefix}${randomBytes(4).toString('hex')}`;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const money = (minor) => (Number(minor) / 100).toFixed(2);

/** 'YYYY-MM-DD HH:MM:SS' in a time zone (ShareASale reports Eastern time). */
function wallClock(date, timeZone) {
	return new Intl.DateTimeFormat('sv-SE', {
		timeZone,
		year: 'numeric',
		month: '2-digit',
		day: '2-digit',
		hour: '2-digit',
		minute: '2-digit',
		second: '2-digit',
		hour12: false,
	})
		.format(date)
		.replace('T', ' ');
}

/** fetch that retries a request that never reached n8n (a kept-alive socket it had closed). */
async function send(url, init = {}) {
	for (let attempt = 1; ; attempt++) {
		try {
			return await fetch(url, { redirect: 'manual', ...init });
		} catch (error) {
			if (attempt >= 3) throw error;
			await sleep(200);
		}
	}
}

async function main() {
	if (!args.has('--no-build')) await buildPackage({ quiet, started });
	const { listNetworks, customPostbackUrl } = await import(join(repoRoot, 'dist/src/index.js'));

	say('starting the fake ad platforms (Meta, TikTok, Google Ads, GA4, Snapchat, Pinterest, Reddit, Microsoft) and PayPal');
	const fakes = loadFakes();
	const meta = await fakes.meta.startMetaFake();
	const tiktok = await fakes.tiktok.startTikTokFake();
	const google = await fakes.googleAds.startGoogleAdsFake();
	const paypal = await fakes.paypal.startPayPalFake();
	const more = {
		ga4: await fakes.ga4.startGa4Fake(),
		snapchat: await fakes.snapchat.startSnapchatFake(),
		pinterest: await fakes.pinterest.startPinterestFake(),
		reddit: await fakes.reddit.startRedditFake(),
		microsoft: await fakes.microsoft.startMicrosoftFake(),
	};
	const closeFakes = async () => {
		for (const fake of [meta, tiktok, google, paypal, ...Object.values(more)]) await fake.close().catch(() => undefined);
	};

	// --keep leaves the n8n user folder in .cache/demo to come back to; other runs use their own and remove it.
	const userFolder = keep ? join(repoRoot, '.cache/demo') : join(repoRoot, '.cache/runs', `demo-${process.pid}-${Date.now()}`);
	const templates = loadTemplates();
	// The conversion log's Basic Auth login is created in beforeImport; what a template still needs is asked after.
	let logins = new Map();
	let workflows;
	let n8n;
	try {
		n8n = await startN8n({
			port: process.env.N8N_PORT ? Number(process.env.N8N_PORT) : await freePort(),
			userFolder,
			quiet: process.env.N8N_QUIET !== 'false',
			activationErrors: 'report',
			onProgress: progressPrinter({ quiet, started }),
			// The demo pipeline comes first; the templates follow as `npm start` loads them.
			workflows: templates.map((t) => t.workflow),
			activate: (workflow) => credentialsNeeded(workflow).length === 0,
			beforeImport: async (api) => {
				logins = await createWebhookLogins(
					api,
					templates.map((t) => t.workflow),
				);
				const create = (name, type, data) =>
					api
						.call('POST', '/credentials', { name, type, data })
						.then(({ id: credentialId, name: credentialName }) => ({ id: credentialId, name: credentialName }));
				const credentials = {
					meta: await create('Meta CAPI (demo fake)', 'metaConversionsApi', {
						accessToken: fakes.meta.META_FAKE_TOKEN,
						apiVersion: 'v26.0',
						baseUrl: meta.url,
					}),
					tiktok: await create('TikTok Events API (demo fake)', 'tikTokEventsApi', { accessToken: fakes.tiktok.TIKTOK_FAKE_TOKEN, baseUrl: tiktok.url }),
					google: await create('Google Ads (demo fake)', 'googleAdsConversionsOAuth2Api', {
						clientId: 'demo-client-id.apps.googleusercontent.com',
						clientSecret: 'demo-client-secret',
						developerToken: fakes.googleAds.FAKE_GOOGLE_DEVELOPER_TOKEN,
						apiVersion: 'v26',
						baseUrl: google.url,
						oauthTokenData: {
							access_token: fakes.googleAds.FAKE_GOOGLE_ACCESS_TOKEN,
							refresh_token: fakes.googleAds.FAKE_GOOGLE_REFRESH_TOKEN,
							token_type: 'Bearer',
							expires_in: 3599,
							scope: 'https://www.googleapis.com/auth/adwords',
						},
					}),
					paypal: await create('PayPal Payouts (demo fake)', 'payPalPayoutsApi', {
						environment: 'sandbox',
						clientId: fakes.paypal.PAYPAL_FAKE_CLIENT_ID,
						clientSecret: fakes.paypal.PAYPAL_FAKE_CLIENT_SECRET,
						baseUrl: paypal.url,
					}),
					ga4: await create('GA4 (demo fake)', 'ga4MeasurementProtocolApi', { apiSecret: fakes.ga4.GA4_FAKE_API_SECRET, baseUrl: more.ga4.url }),
					snapchat: await create('Snapchat (demo fake)', 'snapchatConversionsApi', {
						accessToken: fakes.snapchat.SNAPCHAT_FAKE_TOKEN,
						testPixelId: fakes.snapchat.SNAPCHAT_FAKE_PIXEL,
						baseUrl: more.snapchat.url,
					}),
					pinterest: await create('Pinterest (demo fake)', 'pinterestConversionsApi', {
						accessToken: fakes.pinterest.PINTEREST_FAKE_TOKEN,
						testAdAccountId: fakes.pinterest.PINTEREST_FAKE_AD_ACCOUNT,
						baseUrl: more.pinterest.url,
					}),
					reddit: await create('Reddit (demo fake)', 'redditConversionsApi', { accessToken: fakes.reddit.REDDIT_FAKE_TOKEN, baseUrl: more.reddit.url }),
					microsoft: await create('Microsoft Ads (demo fake)', 'microsoftAdsConversionsApi', {
						accessToken: fakes.microsoft.MICROSOFT_FAKE_TOKEN,
						tagId: fakes.microsoft.MICROSOFT_FAKE_TAG,
						baseUrl: more.microsoft.url,
					}),
				};
				workflows = demoWorkflows(credentials, {
					metaPixel: fakes.meta.META_FAKE_PIXEL,
					tiktokPixel: fakes.tiktok.TIKTOK_FAKE_PIXEL,
					ids: {
						ga4: fakes.ga4.GA4_FAKE_MEASUREMENT_ID,
						snapchat: fakes.snapchat.SNAPCHAT_FAKE_PIXEL,
						pinterest: fakes.pinterest.PINTEREST_FAKE_AD_ACCOUNT,
						reddit: fakes.reddit.REDDIT_FAKE_PIXEL,
						microsoft: fakes.microsoft.MICROSOFT_FAKE_TAG,
					},
				});
			},
		});
	} catch (error) {
		await closeFakes();
		if (!keep) rmSync(userFolder, { recursive: true, force: true });
		throw error;
	}

	const stopAll = async () => {
		await n8n.stop();
		await closeFakes();
		if (!keep) rmSync(userFolder, { recursive: true, force: true });
	};
	try {
		// The demo's own workflows: created after start-up (their credentials exist only then).
		const api = n8n.api;
		const ids = {};
		for (const [key, workflow] of Object.entries(workflows)) {
			const created = await api.call('POST', '/workflows', workflow);
			await api.call('POST', `/workflows/${created.id}/activate`);
			ids[key] = created.id;
		}
		const base = n8n.baseUrl;
		const url = (path) => `${base}/webhook/${path}`;
		// Asked without running the Click Tracker (a GET would leave a refused click behind).
		await waitForWebhooks([url(DEMO_PATHS.clicks)], { origin: base });
		say('demo pipeline active: Click Tracker, ShareASale + Custom postbacks → Conversion Funnel → all eight ad platforms');

		const stream = await playStream({ url, n8n, google, paypal, api, ids });
		const summary = await summarize({ n8n, api, ids, meta, tiktok, google, paypal, more, stream });

		const { lines, networkLines, logs, clickLines } = describeWorkflows(
			[
				{ workflow: workflows.pipeline, active: true },
				...templates.map((template, index) => {
					const imported = n8n.workflows[index];
					const missing = credentialsNeeded(template.workflow);
					const reason =
						missing.length > 0 ? `needs credentials (${[...new Set(missing.map((m) => m.credential))].join(', ')})` : imported.activationError?.slice(0, 200);
					return { ...template, active: imported.active, reason, login: logins.get(template.workflow) };
				}),
			],
			{ baseUrl: base, networks: listNetworks(), customPostbackUrl },
		);
		summary.conversionLogPage = await probeConversionLog(logs.find((log) => log.login));
		// Without --keep, n8n is stopped (and its folder removed) before the summary is printed: the summary then says
		// so instead of listing URLs and a login of an n8n that is gone.
		if (!keep) await stopAll();
		printSummary(summary, { n8n, lines, networkLines, logs, clickLines, url, running: keep });
		if (json) process.stdout.write(`${JSON.stringify(summary)}\n`);

		if (keep) {
			process.stderr.write('\n--keep: n8n and the fakes keep running. Press Ctrl-C to stop.\n');
			const shutdown = async () => {
				await stopAll();
				process.exit(0);
			};
			process.on('SIGINT', shutdown);
			process.on('SIGTERM', shutdown);
			return;
		}
	} catch (error) {
		if (!quiet) process.stderr.write(`\nn8n's last log lines:\n${n8n.logs().slice(-3000)}\n`);
		await stopAll();
		throw error;
	}
}

/** Executions of one workflow with id > afterId (public API, every page). */
async function executionsOf(api, workflowId, afterId) {
	const all = [];
	let cursor;
	for (;;) {
		const page = await api.call('GET', `/executions?workflowId=${workflowId}&includeData=true&limit=100${cursor ? `&cursor=${cursor}` : ''}`);
		all.push(...page.data);
		const oldest = page.data.at(-1);
		if (!page.nextCursor || page.data.length === 0 || Number(oldest.id) <= afterId) break;
		cursor = page.nextCursor;
	}
	return all.filter((execution) => Number(execution.id) > afterId);
}

async function latestExecutionId(api) {
	const page = await api.call('GET', '/executions?limit=1');
	return Number(page.data[0]?.id ?? 0);
}

/**
 * Whether an execution was started by the demo's traffic: an accepted click or a postback (accepted or
 * rejected). Refused clicks — such as a readiness probe's — do not count.
 */
function isTrafficExecution(execution) {
	return (
		(outputsOf(execution, 'Click Tracker')[0] ?? []).length > 0 ||
		['ShareASale Postback', 'Custom Postback'].some((name) => outputsOf(execution, name).some((items) => items.length > 0))
	);
}

/**
 * Waits until `count` traffic executions of the workflow after `afterId` have finished and none is still
 * running; returns the traffic executions.
 */
async function waitForExecutions(api, workflowId, afterId, count, what, timeoutMs = 120000) {
	const deadline = Date.now() + timeoutMs;
	let lastReport = 0;
	for (;;) {
		const executions = await executionsOf(api, workflowId, afterId);
		const done = executions.filter((execution) => !['running', 'new', 'waiting'].includes(execution.status));
		const finished = done.filter(isTrafficExecution);
		if (finished.length >= count && done.length === executions.length) return finished;
		if (Date.now() > deadline) throw new Error(`only ${finished.length} of ${count} ${what} finished within ${timeoutMs / 1000} s`);
		if (Date.now() - lastReport > 3000) {
			say(`  waiting for ${what}: ${finished.length} of ${count} finished`);
			lastReport = Date.now();
		}
		await sleep(500);
	}
}

/** The items a node put on each output in one execution. */
function outputsOf(execution, nodeName) {
	const runs = execution.data?.resultData?.runData?.[nodeName] ?? [];
	return runs.flatMap((run) => run.data?.main ?? []).length > 0 ? (runs[0].data?.main ?? []).map((items) => items ?? []) : [];
}

/** Moves clicks back in time in the tracking store, as if the visitors had clicked hours ago. */
async function backdateClicks(userFolder, clicks) {
	const { DatabaseSync } = await import('node:sqlite');
	const db = new DatabaseSync(join(userFolder, '.n8n', 'postback-tracking.sqlite'), { timeout: 5000 });
	try {
		const update = db.prepare('UPDATE clicks SET clicked_at = ? WHERE click_id = ?');
		for (const click of clicks) {
			if (update.run(click.clickedAt.toISOString(), click.clickId).changes !== 1) throw new Error(`click ${click.clickId} is not in the tracking store`);
		}
	} finally {
		db.close();
	}
}

/** Partner clicks as the Click Tracker records them (click id, time, the partner's affiliate id), written into the store. */
async function recordPartnerClicks(userFolder, clicks) {
	const { DatabaseSync } = await import('node:sqlite');
	const db = new DatabaseSync(join(userFolder, '.n8n', 'postback-tracking.sqlite'), { timeout: 5000 });
	try {
		const insert = db.prepare('INSERT INTO clicks (click_id, clicked_at, affiliate_id) VALUES (?, ?, ?) ON CONFLICT (click_id) DO NOTHING');
		for (const click of clicks) insert.run(click.clickId, click.clickedAt.toISOString(), click.affiliateId);
	} finally {
		db.close();
	}
}

/** Ledger totals per affiliate and currency from the tracking store (amounts in minor units). */
async function ledgerTotals(userFolder) {
	const { DatabaseSync } = await import('node:sqlite');
	const db = new DatabaseSync(join(userFolder, '.n8n', 'postback-tracking.sqlite'), { readOnly: true, timeout: 5000 });
	try {
		const rows = db
			.prepare(
				'SELECT affiliate_id, currency, kind, status, SUM(amount_minor) AS minor, COUNT(*) AS n FROM ledger GROUP BY affiliate_id, currency, kind, status ORDER BY affiliate_id',
			)
			.all();
		const totals = {};
		for (const row of rows) {
			const entry = (totals[`${row.affiliate_id} ${row.currency}`] ??= {
				affiliateId: row.affiliate_id,
				currency: row.currency,
				approvedMinor: 0,
				pendingMinor: 0,
				reversedMinor: 0,
				lines: 0,
			});
			const minor = Number(row.minor ?? 0);
			entry.lines += Number(row.n);
			if (row.status === 'pending') entry.pendingMinor += minor;
			else if (minor < 0) entry.reversedMinor += minor;
			else if (row.status === 'approved') entry.approvedMinor += minor;
		}
		return Object.values(totals).map((entry) => ({
			affiliateId: entry.affiliateId,
			currency: entry.currency,
			earned: money(entry.approvedMinor),
			reversed: money(entry.reversedMinor),
			pending: money(entry.pendingMinor),
			balance: money(entry.approvedMinor + entry.reversedMinor),
			lines: entry.lines,
		}));
	} finally {
		db.close();
	}
}

/** Fires the day's traffic; returns what was sent, for the summary and the checks. */
async function playStream({ url, n8n, google, paypal, api, ids }) {
	const sent = { clicks: 0, postbacks: 0, replays: 0, reversals: 0, badPostbacks: 0, badAnswers: [], lastMonth: 0 };
	const firstId = await latestExecutionId(api);
	let pipelineCalls = 0;

	// 1. Ad clicks. Each visitor arrives from an ad (fbclid, gclid or ttclid on the link) or a partner's site.
	say('firing 24 ad clicks through the Click Tracker (Facebook, Google, TikTok, Snapchat, Pinterest, Reddit, Microsoft and partner traffic)');
	const sources = [];
	const affiliates = Object.keys(AFFILIATES);
	for (let i = 0; i < 24; i++) {
		const kind = ['facebook', 'google', 'tiktok', 'snapchat', 'pinterest', 'reddit', 'microsoft', 'google', 'facebook', 'partner'][i % 10];
		const offer = i % 3 === 2 ? 'nordvpn' : 'wpengine';
		const query = { offer, aff_id: affiliates[i % affiliates.length], utm_source: kind, utm_campaign: `fall-sale-${(i % 4) + 1}` };
		if (kind === 'facebook') query.fbclid = `IwAR${randomBytes(12).toString('base64url')}`;
		if (kind === 'google') query.gclid = `Cj0KCQiA${randomBytes(14).toString('base64url')}`;
		if (kind === 'tiktok') query.ttclid = `E.C.P.${randomBytes(16).toString('base64url')}`;
		if (kind === 'snapchat') query.ScCid = randomUUID();
		if (kind === 'pinterest') query.epik = `dj0yJnU9${randomBytes(12).toString('base64url')}`;
		if (kind === 'reddit') query.rdt_cid = `t2_${randomBytes(10).toString('hex')}`;
		if (kind === 'microsoft') query.msclkid = randomBytes(16).toString('hex');
		// AutoTag forwards the page's GA4 cookie: the conversion joins the visitor's GA4 session.
		if (i % 2 === 0) query.ga = `GA1.1.${1000000000 + i}.${Math.floor(Date.now() / 1000) - 86400}`;
		query.landing = `https://reviews.example.com/${offer}-review?utm_source=${kind}`;
		const response = await send(`${url(DEMO_PATHS.clicks)}?${new URLSearchParams(query)}`, {
			headers: { 'user-agent': USER_AGENTS[i % USER_AGENTS.length], 'x-forwarded-for': `203.0.113.${10 + i}`, 'accept-language': 'en-US,en;q=0.9' },
		});
		pipelineCalls++;
		if (response.status !== 302) throw new Error(`click ${i} answered ${response.status}: ${await response.text()}`);
		const location = new URL(response.headers.get('location'));
		const clickId = location.searchParams.get(OFFERS[offer].subid);
		sources.push({ clickId, offer, kind, query, affiliateId: query.aff_id });
		sent.clicks++;
	}

	// The clicks happened this morning: conversions come hours later, and Google Ads takes none for a click
	// younger than 6 hours. Move them back 7 hours in the tracking store and tell the Google fake about them.
	await waitForExecutions(api, ids.pipeline, firstId, pipelineCalls, 'click executions');
	const clickedAt = new Date(Date.now() - 7 * 60 * 60 * 1000);
	await backdateClicks(
		n8n.userFolder,
		sources.map((source) => ({ clickId: source.clickId, clickedAt })),
	);
	for (const source of sources) if (source.query.gclid) google.registerClick(source.query.gclid, clickedAt);
	say('clicks recorded (and backdated 7 h: Google Ads refuses conversions for clicks younger than 6 h)');

	// 2. Postbacks for 16 of the clicks: ShareASale for WP Engine sales, Custom (POST JSON with the buyer) for NordVPN.
	const postbacks = [];
	const converted = sources.filter((_, index) => index % 3 !== 1 || index < 6).slice(0, 16);
	const now = new Date(Date.now() - 2 * 60 * 1000);
	converted.forEach((source, index) => {
		const buyer = BUYERS[index % BUYERS.length];
		if (source.offer === 'wpengine') {
			const lead = index % 5 === 4;
			postbacks.push({
				label: `ShareASale ${lead ? 'lead' : 'sale'}`,
				target: `${url(DEMO_PATHS.shareasale)}?${new URLSearchParams({
					afftrack: source.clickId,
					transtype: lead ? 'LEAD' : 'SALE',
					merchantID: '41388',
					orderNumber: `WPE-${40210 + index}`,
					transID: String(198198600 + index),
					amountOfSale: lead ? '0' : ['79', '299', '59', '149'][index % 4],
					commission: lead ? '0' : ['39.50', '149.50', '29.50', '74.50'][index % 4],
					transDate: wallClock(now, 'America/New_York'),
				})}`,
			});
		} else {
			postbacks.push({
				label: 'Custom sale',
				target: url(DEMO_PATHS.custom),
				init: {
					method: 'POST',
					headers: { 'content-type': 'application/json' },
					body: JSON.stringify({
						click_id: source.clickId,
						transaction_id: `NVPN-${7700 + index}`,
						order_id: `ord_${7700 + index}`,
						amount: '89.00',
						commission: '35.60',
						currency: 'USD',
						status: 'approved',
						offer_id: 'nordvpn-2y',
						occurred_at: now.toISOString(),
						...buyer,
					}),
				},
			});
		}
	});
	say(
		`firing ${postbacks.length} postbacks (${postbacks.filter((p) => p.label.startsWith('ShareASale')).length} ShareASale, ${postbacks.filter((p) => p.label.startsWith('Custom')).length} Custom with buyer data)`,
	);
	for (const postback of postbacks) {
		const response = await send(postback.target, postback.init);
		pipelineCalls++;
		sent.postbacks++;
		if (response.status !== 200) throw new Error(`${postback.label} answered ${response.status}: ${await response.text()}`);
	}

	// 3. Networks retry: the same postbacks again, two of them three times at once.
	const replays = [postbacks[0], postbacks[1], postbacks[2], postbacks[2], postbacks[2], postbacks[3], postbacks[3], postbacks[3]];
	say(`replaying ${replays.length} postbacks (network retries, some concurrent)`);
	const answers = await Promise.all(replays.map((postback) => send(postback.target, postback.init).then((response) => response.status)));
	pipelineCalls += replays.length;
	sent.replays = replays.length;
	if (answers.some((status) => status !== 200)) throw new Error(`a replay was answered ${answers.join(', ')}`);

	// 4. A broken postback: the network's macro was never filled, so there is no click id.
	say('sending a broken postback (no click id)');
	const bad = await send(
		`${url(DEMO_PATHS.shareasale)}?${new URLSearchParams({ transtype: 'SALE', merchantID: '41388', transID: '198199999', amountOfSale: '79', commission: '39.50', transDate: wallClock(now, 'America/New_York') })}`,
	);
	pipelineCalls++;
	sent.badPostbacks++;
	sent.badAnswers.push({ status: bad.status, body: (await bad.text()).slice(0, 300) });

	// 5. Last month's partner commissions (Custom postbacks naming the affiliate), then a refund of one of them.
	const lastMonth = new Date();
	lastMonth.setUTCDate(1);
	lastMonth.setUTCMonth(lastMonth.getUTCMonth() - 1);
	const day = (d) => new Date(Date.UTC(lastMonth.getUTCFullYear(), lastMonth.getUTCMonth(), d, 15, 30)).toISOString();
	const partnerSales = [
		{ affiliate_id: 'aff-lena', transaction_id: 'NVPN-6101', commission: '35.60', occurred_at: day(3) },
		{ affiliate_id: 'aff-lena', transaction_id: 'NVPN-6102', commission: '35.60', occurred_at: day(11) },
		{ affiliate_id: 'aff-lena', transaction_id: 'NVPN-6103', commission: '71.20', occurred_at: day(19) },
		{ affiliate_id: 'aff-marco', transaction_id: 'NVPN-6201', commission: '35.60', occurred_at: day(7) },
		{ affiliate_id: 'aff-marco', transaction_id: 'NVPN-6202', commission: '35.60', occurred_at: day(24) },
		{ affiliate_id: 'aff-marco', transaction_id: 'NVPN-6203', commission: '71.20', occurred_at: day(27) },
		{ affiliate_id: 'aff-priya', transaction_id: 'NVPN-6301', commission: '35.60', occurred_at: day(14) },
	];
	// The partners' referral clicks happened last month, when the Click Tracker recorded them with each partner's
	// aff_id; the demo cannot go back in time, so it writes them into the store. The Conversion Funnel credits the
	// affiliate of the stored click: an affiliate_id only the postback names earns nothing unless trusted.
	await recordPartnerClicks(
		n8n.userFolder,
		partnerSales.map((sale) => ({
			clickId: `partner-${sale.transaction_id.toLowerCase()}`,
			affiliateId: sale.affiliate_id,
			clickedAt: new Date(Date.parse(sale.occurred_at) - 3_600_000),
		})),
	);
	say(`sending last month's ${partnerSales.length} partner commissions and one refund`);
	const customPost = (body) =>
		send(url(DEMO_PATHS.custom), {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ currency: 'USD', status: 'approved', amount: '89.00', ...body }),
		});
	for (const sale of partnerSales) {
		const response = await customPost({ click_id: `partner-${sale.transaction_id.toLowerCase()}`, ...sale });
		pipelineCalls++;
		sent.lastMonth++;
		if (response.status !== 200) throw new Error(`partner postback answered ${response.status}: ${await response.text()}`);
	}
	// n8n answers a postback at once and runs the workflow after: let the sales land before their refund.
	await waitForExecutions(api, ids.pipeline, firstId, pipelineCalls, 'pipeline executions');
	// The customer behind aff-marco's NVPN-6202 asked for a refund: 35.60 comes off his payout.
	const refund = await customPost({ ...partnerSales[4], click_id: 'partner-nvpn-6202', status: 'reversed', occurred_at: new Date().toISOString() });
	pipelineCalls++;
	sent.reversals++;
	if (refund.status !== 200) throw new Error(`reversal answered ${refund.status}: ${await refund.text()}`);

	// Every call above is one execution of the pipeline: wait for all of them before paying or counting.
	const executions = await waitForExecutions(api, ids.pipeline, firstId, pipelineCalls, 'pipeline executions');

	// 6. Payday: pay last month's commissions through PayPal, PayPal settles the batch, statuses are synced.
	say('running the monthly payout (PayPal)');
	const payReports = await callWebhook(url(DEMO_PATHS.pay));
	paypal.settle('all');
	const syncReports = await callWebhook(url(DEMO_PATHS.sync));
	return { sent, executions, payReports, syncReports, pipelineCalls };
}

/** POSTs to a demo webhook (retrying while it is not registered yet) and returns the last node's items. */
async function callWebhook(target) {
	const deadline = Date.now() + 30000;
	for (;;) {
		const response = await send(target, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
		const text = await response.text();
		if (response.status === 200) {
			const parsed = text ? JSON.parse(text) : [];
			return (Array.isArray(parsed) ? parsed : [parsed]).filter((item) => item && Object.keys(item).length > 0);
		}
		if (response.status !== 404 || Date.now() > deadline) throw new Error(`${target} answered ${response.status}: ${text.slice(0, 500)}`);
		await sleep(300);
	}
}

async function summarize({ n8n, api, ids, meta, tiktok, google, paypal, more, stream }) {
	const funnel = Object.fromEntries(FUNNEL_OUTPUTS.map((name) => [name, 0]));
	const destinations = {
		meta: { sent: 0, failed: 0, reasons: {} },
		tiktok: { sent: 0, failed: 0, reasons: {} },
		googleAds: { sent: 0, failed: 0, reasons: {} },
		...Object.fromEntries(MORE_PLATFORMS.map((platform) => [platform.key, { sent: 0, failed: 0, reasons: {} }])),
	};
	const nodeOf = {
		meta: 'Meta Conversions API',
		tiktok: 'TikTok Events API',
		googleAds: 'Google Ads Conversions',
		...Object.fromEntries(MORE_PLATFORMS.map((platform) => [platform.key, platform.name])),
	};
	let received = 0;
	let rejected = 0;
	let clicks = 0;
	const rejections = [];
	for (const execution of stream.executions) {
		for (const trigger of ['ShareASale Postback', 'Custom Postback']) {
			const [accepted = [], refused = []] = outputsOf(execution, trigger);
			received += accepted.length;
			rejected += refused.length;
			for (const item of refused) {
				const error = item.json.reason ?? item.json.error ?? {};
				rejections.push(typeof error === 'object' ? [error.code, error.message].filter(Boolean).join(': ') || 'rejected' : String(error));
			}
		}
		clicks += (outputsOf(execution, 'Click Tracker')[0] ?? []).length;
		outputsOf(execution, 'Conversion Funnel').forEach((items, index) => (funnel[FUNNEL_OUTPUTS[index]] += items.length));
		for (const [key, name] of Object.entries(nodeOf)) {
			const [ok = [], failed = []] = outputsOf(execution, name);
			destinations[key].sent += ok.length;
			destinations[key].failed += failed.length;
			for (const item of failed) {
				const reason = item.json.forward?.code ?? item.json.forward?.reason ?? item.json.error?.code ?? 'failed';
				destinations[key].reasons[reason] = (destinations[key].reasons[reason] ?? 0) + 1;
			}
		}
	}
	const forwarded = {
		meta: meta.events.length,
		tiktok: tiktok.events.length,
		googleAds: google.accepted.length,
		...Object.fromEntries(MORE_PLATFORMS.map((platform) => [platform.key, more[platform.key].events.length])),
	};
	const platformDuplicates = { meta: meta.duplicates.length, tiktok: tiktok.duplicates.length };
	const receiverToAffiliate = Object.fromEntries(Object.entries(AFFILIATES).map(([affiliateId, receiver]) => [receiver, affiliateId]));
	const payouts = paypal.paidItems().map((item) => ({
		affiliateId: receiverToAffiliate[item.receiver] ?? item.receiver,
		receiver: item.receiver,
		amount: item.amount,
		currency: item.currency,
		status: item.status,
		batch: item.payoutBatchId,
	}));
	const ledger = await ledgerTotals(n8n.userFolder);
	return {
		n8nVersion: n8nVersion(),
		seconds: Math.round((Date.now() - started) / 1000),
		sent: {
			clicks: stream.sent.clicks,
			postbacks: stream.sent.postbacks,
			replays: stream.sent.replays,
			reversals: stream.sent.reversals,
			badPostbacks: stream.sent.badPostbacks,
			lastMonthPartnerPostbacks: stream.sent.lastMonth,
		},
		badPostbackAnswers: stream.sent.badAnswers,
		executions: stream.executions.length,
		clicksRecorded: clicks,
		conversionsReceived: received,
		rejected,
		rejections: rejections.map(String),
		duplicates: funnel.duplicate,
		funnel,
		forwarded,
		platformDuplicates,
		destinations,
		ledger,
		payoutRun: stream.payReports.map((report) => ({
			affiliateId: report.affiliateId,
			outcome: report.outcome,
			amount: report.amount,
			currency: report.currency,
			code: report.code,
			period: report.period,
		})),
		payoutSync: stream.syncReports.map((report) => ({ affiliateId: report.affiliateId, outcome: report.outcome, amount: report.amount })),
		payouts,
		paypalBatches: paypal.batches().length,
	};
}

/** What the conversion log page answers without its login and with it (the summary's proof that it ships closed). */
async function probeConversionLog(log) {
	if (!log) return undefined;
	const withoutLogin = await fetch(log.url);
	await withoutLogin.arrayBuffer();
	const authorization = `Basic ${Buffer.from(`${log.login.user}:${log.login.password}`).toString('base64')}`;
	const withLogin = await fetch(log.url, { headers: { authorization } });
	const html = await withLogin.text();
	return { withoutLogin: withoutLogin.status, withLogin: withLogin.status, listsConversions: /<table>/.test(html) };
}

function printSummary(summary, { n8n, lines, networkLines, logs, clickLines, url, running }) {
	const s = summary;
	const pad = (text, width) => String(text).padEnd(width);
	const out = [];
	out.push('');
	out.push(`Demo finished in ${s.seconds} s — n8n ${s.n8nVersion}, ${s.executions} pipeline executions, all finished.`);
	out.push('');
	out.push('Traffic sent');
	out.push(
		`  ${s.sent.clicks} ad clicks, ${s.sent.postbacks} postbacks, ${s.sent.replays} replays, ${s.sent.reversals} refund, ${s.sent.badPostbacks} broken postback, ${s.sent.lastMonthPartnerPostbacks} of last month's partner postbacks`,
	);
	out.push('');
	out.push('Conversions');
	out.push(`  received        ${s.conversionsReceived}   (clicks recorded: ${s.clicksRecorded})`);
	out.push(
		`  purchases       ${s.funnel.purchase}   leads ${s.funnel.lead}   reversals ${s.funnel.reversal}   unattributed (ledger only) ${s.funnel.unattributed}`,
	);
	out.push(`  duplicates      ${s.duplicates}   (dropped by the funnel: ${s.sent.replays} replays fired)`);
	out.push(
		`  rejected        ${s.rejected}   (answered HTTP ${s.badPostbackAnswers.map((a) => a.status).join(', ')}; ${(s.rejections[0] ?? '').slice(0, 90)}…)`,
	);
	out.push('');
	out.push('Forwarded to the ad platforms (what the fakes accepted)');
	const platforms = [
		['Meta CAPI', 'meta'],
		['TikTok Events', 'tiktok'],
		['Google Ads', 'googleAds'],
		['GA4', 'ga4'],
		['Snapchat', 'snapchat'],
		['Pinterest', 'pinterest'],
		['Reddit', 'reddit'],
		['Microsoft Ads', 'microsoft'],
	];
	for (const [label, key] of platforms) {
		const d = s.destinations[key];
		const reasons = Object.entries(d.reasons)
			.map(([reason, count]) => `${count}× ${reason}`)
			.join(', ');
		const hint = key === 'googleAds' && d.failed > 0 ? ' — Google takes only clicks with a gclid/gbraid/wbraid' : '';
		out.push(`  ${pad(label, 15)} ${pad(s.forwarded[key], 3)} accepted   (node: ${d.sent} sent, ${d.failed} not sent${reasons ? `: ${reasons}` : ''})${hint}`);
	}
	out.push('');
	out.push('Commission ledger (tracking store)');
	out.push(`  ${pad('affiliate', 12)} ${pad('earned', 9)} ${pad('reversed', 9)} ${pad('pending', 9)} ${pad('balance', 9)} paid out`);
	for (const row of s.ledger) {
		const paid = s.payouts
			.filter((payout) => payout.affiliateId === row.affiliateId && payout.currency === row.currency)
			.reduce((sum, payout) => sum + Math.round(Number(payout.amount) * 100), 0);
		out.push(
			`  ${pad(row.affiliateId, 12)} ${pad(row.earned, 9)} ${pad(row.reversed, 9)} ${pad(row.pending, 9)} ${pad(row.balance, 9)} ${money(paid)} ${row.currency}`,
		);
	}
	out.push("  (earned includes this month's commissions, which wait for next month's pay day)");
	out.push('');
	out.push(`Payout run (pay day 1, minimum 50.00 USD) — ${s.paypalBatches} PayPal batch`);
	for (const report of s.payoutRun)
		out.push(
			`  ${pad(report.affiliateId, 12)} ${pad(report.outcome, 10)} ${report.amount ?? ''} ${report.currency ?? ''}${report.code ? `  (${report.code})` : ''}${report.period ? `  period ${report.period}` : ''}`,
		);
	out.push('  Paid through PayPal:');
	for (const payout of s.payouts) out.push(`    ${pad(payout.affiliateId, 12)} ${payout.amount} ${payout.currency} → ${payout.receiver}  (${payout.status})`);
	if (s.payouts.length === 0) out.push('    nobody');
	out.push('');
	if (!running) {
		out.push("The demo's n8n has been stopped and its data removed. To look around in it afterwards: npm run demo -- --keep.");
		out.push('To run your own, kept between restarts: npm start.');
		process.stdout.write(`${out.join('\n')}\n`);
		return;
	}
	out.push(`Editor: ${n8n.baseUrl}/   log in as ${n8n.api.owner.email} / ${n8n.api.owner.password}`);
	out.push('Workflows:');
	out.push(...lines);
	out.push('Postback URLs:');
	out.push(...networkLines);
	out.push(`Click URL: ${clickLines[0]?.trim() ?? url(DEMO_PATHS.clicks)}`);
	const log = logs.find((each) => each.login) ?? logs[0];
	out.push(
		`Conversion log: ${log ? `${log.url}${log.login ? `   log in as ${log.login.user} / ${log.login.password}` : ''}` : `${n8n.baseUrl}/home/executions`}`,
	);
	process.stdout.write(`${out.join('\n')}\n`);
}

main().catch((error) => {
	console.error(`\nnpm run demo failed: ${error.stack ?? error}`);
	process.exit(1);
});
