import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { parse as parseJs } from 'acorn';
import type { IConnections, INode, INodeExecutionData, INodeParameters } from 'n8n-workflow';
import { ClickTracker } from '../../nodes/ClickTracker/ClickTracker.node';
import { closeSharedStores, sharedStore } from '../../src/store';
import type { TrackingStore } from '../../src/store';
import { COLLECT_TYPE, CollectNode, deliverWebhookTo, outputOfNode, removeN8nUserFolder, workflowOf, type PostbackCall, type WebhookDelivery } from './harness';

const TRACKER_TYPE = 'n8n-nodes-postback.clickTracker';
const TRACKER_NAME = 'Click Tracker';
const CLICK_NODE = 'On Click';
const REJECTED_NODE = 'On Rejected';
const SHAREASALE = 'https://shareasale.com/r.cfm?b=394686&u=1011620&m=41388&urllink=&afftrack=';
const FBCLID = 'IwAR2F4-dbP0l7Mn1IawQQGCINEz7PYXQvwjNwB_qa2ofrHyiLjcbCRxTDMgk';
const FBP = 'fb.1.1700000000000.1234567890';

const folder = mkdtempSync(join(tmpdir(), 'click-tracker-test-'));
const sqlitePath = join(folder, 'tracking.sqlite');
let store: TrackingStore;

const extraTypes = { [TRACKER_TYPE]: new ClickTracker() };

function trackerWorkflow(parameters: INodeParameters = {}) {
	const tracker: INode = {
		id: 'node-click-tracker',
		name: TRACKER_NAME,
		type: TRACKER_TYPE,
		typeVersion: 1,
		position: [0, 0],
		webhookId: '0d3f6c1e-8a57-4c2b-9b61-3e1f2a7c9d40',
		parameters: {
			path: 'go',
			offers: {
				offer: [
					{ name: 'wpengine', url: SHAREASALE, network: 'auto' },
					{ name: 'everflow', url: 'https://trk.brand.test/abc?oid=7', network: 'everflow' },
					{ name: 'sub2', url: 'https://trk.brand.test/abc?oid=8', network: 'customParam', subidParam: 'aff_sub2' },
				],
			},
			allowedDomains: 'awin1.com, example.com',
			store: 'sqlite',
			sqlitePath,
			...parameters,
		},
	};
	const collect = (id: string, name: string, y: number): INode => ({ id, name, type: COLLECT_TYPE, typeVersion: 1, position: [300, y], parameters: {} });
	const connections: IConnections = {
		[TRACKER_NAME]: { main: [[{ node: CLICK_NODE, type: 'main', index: 0 }], [{ node: REJECTED_NODE, type: 'main', index: 0 }]] },
	};
	return workflowOf([tracker, collect('node-click', CLICK_NODE, -100), collect('node-rejected', REJECTED_NODE, 100)], connections, 'Click tracker test');
}

async function click(
	query: string | Record<string, string>,
	headers: Record<string, string> = {},
	parameters: INodeParameters = {},
	extra: Partial<PostbackCall> = {},
): Promise<WebhookDelivery> {
	return await deliverWebhookTo(trackerWorkflow(parameters), TRACKER_NAME, { method: 'GET', query, headers, ...extra }, extraTypes);
}

/** Rows in the clicks table, read straight from the SQLite file. */
function clickRows(): number {
	const db = new DatabaseSync(sqlitePath, { readOnly: true });
	try {
		return Number((db.prepare('SELECT count(*) AS n FROM clicks').get() as { n: number }).n);
	} finally {
		db.close();
	}
}

function setCookies(delivery: WebhookDelivery): Record<string, string> {
	// The recording response joins multiple Set-Cookie values with ", "; our cookies carry no commas (Max-Age, not Expires).
	const header = delivery.response.getHeader('set-cookie') ?? '';
	return Object.fromEntries(header.split(', ').map((cookie) => [cookie.slice(0, cookie.indexOf('=')), cookie]));
}

function only(run: WebhookDelivery, node: string, output = 0): INodeExecutionData[] {
	expect(run.run?.data.resultData.error).toBeUndefined();
	expect(run.run?.status).toBe('success');
	return outputOfNode(run.run!, node, output) ?? [];
}

beforeAll(async () => {
	// A request that is refused must leave the table as it was: open (and migrate) the store first.
	store = await sharedStore({ kind: 'sqlite', path: sqlitePath });
});

afterAll(async () => {
	await closeSharedStores();
	rmSync(folder, { recursive: true, force: true });
	removeN8nUserFolder();
});

beforeEach(() => {
	CollectNode.seen = [];
});

describe('Click Tracker: a click on a configured offer', () => {
	it('records the click with its ad click ids, sets the cookies and redirects 302 with the subid', async () => {
		const before = clickRows();
		const delivery = await click(
			{ offer: 'wpengine', fbclid: FBCLID, gclid: 'Cj0KCQgclid', ttclid: 'E.C.P.ttclid', utm_source: 'facebook', utm_campaign: 'spring' },
			{ cookie: `_fbp=${FBP}; _ttp=ttp-cookie`, 'user-agent': 'Mozilla/5.0 (click test)', referer: 'https://blog.example.com/review' },
		);

		// The answer to the visitor.
		expect(delivery.response.statusCode).toBe(302);
		const location = delivery.response.getHeader('location')!;
		expect(location.startsWith(SHAREASALE)).toBe(true);
		const clickId = location.slice(SHAREASALE.length);
		expect(clickId).toMatch(/^[0-9a-z]{26}$/);
		expect(delivery.response.getHeader('cache-control')).toBe('no-store');
		const cookies = setCookies(delivery);
		expect(cookies.pb_vid).toMatch(/^pb_vid=[0-9a-z]{26}; Path=\/; Max-Age=7776000; SameSite=Lax$/);
		expect(cookies.pb_vid_click).toBe(`pb_vid_click=${clickId}; Path=/; Max-Age=7776000; SameSite=Lax`);
		const visitorId = cookies.pb_vid.slice('pb_vid='.length, cookies.pb_vid.indexOf(';'));

		// The click in the store.
		expect(clickRows()).toBe(before + 1);
		const stored = await store.findClick(clickId);
		expect(stored).toMatchObject({
			clickId,
			visitorId,
			network: 'shareasale',
			offerId: 'wpengine',
			offerUrl: location,
			fbclid: FBCLID,
			gclid: 'Cj0KCQgclid',
			ttclid: 'E.C.P.ttclid',
			fbp: FBP,
			ttp: 'ttp-cookie',
			ip: '203.0.113.10',
			userAgent: 'Mozilla/5.0 (click test)',
			landingUrl: 'https://blog.example.com/review',
			utm: { source: 'facebook', campaign: 'spring' },
		});
		expect(stored!.fbc).toBe(`fb.1.${Date.parse(stored!.clickedAt)}.${FBCLID}`);

		// The click on the node's first output, and through the engine to the node connected there.
		expect(delivery.webhookResult.noWebhookResponse).toBe(true);
		expect(delivery.webhookResult.workflowData![0][0].pairedItem).toEqual({ item: 0 });
		const [item] = only(delivery, TRACKER_NAME, 0);
		expect(only(delivery, TRACKER_NAME, 1)).toEqual([]);
		expect(item.json).toMatchObject({
			eventName: 'OutboundClick',
			clickId,
			fbc: stored!.fbc,
			gclid: 'Cj0KCQgclid',
			ttclid: 'E.C.P.ttclid',
			recorded: true,
			newVisitor: true,
		});
		expect(only(delivery, CLICK_NODE)).toHaveLength(1);
		expect(outputOfNode(delivery.run!, REJECTED_NODE)).toBeUndefined();
	});

	it("keeps a returning visitor's id across clicks", async () => {
		const first = await click({ offer: 'wpengine' });
		const visitorCookie = setCookies(first).pb_vid.split(';')[0];
		const second = await click({ offer: 'everflow' }, { cookie: visitorCookie });
		expect(setCookies(second).pb_vid.split(';')[0]).toBe(visitorCookie);
		const visitorId = visitorCookie.split('=')[1];
		const clicks = await store.findClicksByVisitor(visitorId, '2000-01-01T00:00:00.000Z');
		expect(clicks.map((entry) => entry.offerId)).toEqual(['wpengine', 'everflow']);
		expect(second.response.getHeader('location')).toBe(`https://trk.brand.test/abc?oid=7&sub1=${clicks[1].clickId}`);
	});

	it('uses a typed subid parameter', async () => {
		const delivery = await click({ offer: 'SUB2' });
		const [item] = only(delivery, TRACKER_NAME);
		expect(delivery.response.getHeader('location')).toBe(`https://trk.brand.test/abc?oid=8&aff_sub2=${item.json.clickId}`);
	});

	it('reads the visitor IP from X-Forwarded-For behind a trusted proxy, and sets Secure over HTTPS', async () => {
		const delivery = await click(
			{ offer: 'wpengine' },
			{ 'x-forwarded-for': '6.6.6.6, 198.51.100.23', 'x-forwarded-proto': 'https' },
			{ options: { trustProxy: 1, cookieDomain: 'example.com', cookieDays: 30, cookieName: 'trk' } },
			{ ip: '10.0.0.2' },
		);
		const [item] = only(delivery, TRACKER_NAME);
		expect((await store.findClick(String(item.json.clickId)))?.ip).toBe('198.51.100.23');
		expect(setCookies(delivery).trk).toMatch(/; Max-Age=2592000; Domain=example\.com; SameSite=Lax; Secure$/);
		expect(setCookies(delivery)).toHaveProperty('trk_click');
	});

	it('records and redirects a link on an allowed domain', async () => {
		const target = 'https://www.awin1.com/cread.php?awinmid=1&awinaffid=2';
		const delivery = await click({ url: target, gbraid: 'gb1', wbraid: 'wb1', msclkid: 'ms1', ScCid: 'snap1', epik: 'ep1', rdt_cid: 'rd1' });
		expect(delivery.response.statusCode).toBe(302);
		const [item] = only(delivery, TRACKER_NAME);
		expect(delivery.response.getHeader('location')).toBe(`${target}&clickref=${item.json.clickId}`);
		expect(await store.findClick(String(item.json.clickId))).toMatchObject({
			network: 'awin',
			gbraid: 'gb1',
			wbraid: 'wb1',
			msclkid: 'ms1',
			sccid: 'snap1',
			epik: 'ep1',
			rdtCid: 'rd1',
		});
	});
});

describe('Click Tracker: bad requests', () => {
	const bad: Array<[string, Record<string, string>, number, string]> = [
		['no offer', {}, 400, 'missing_target'],
		['an unknown offer', { offer: 'nope' }, 404, 'unknown_offer'],
		['a target outside the allowlist', { url: 'https://evil.test/phish' }, 403, 'domain_not_allowed'],
		['a look-alike of an allowed domain', { url: 'https://awin1.com.evil.test/' }, 403, 'domain_not_allowed'],
		['userinfo pointing elsewhere', { url: 'https://awin1.com@evil.test/' }, 400, 'credentials_in_url'],
		['a protocol-relative target', { url: '//evil.test/' }, 400, 'invalid_url'],
		['a malformed URL', { url: 'https://exa mple.com/' }, 400, 'invalid_url'],
		['a javascript: URL', { url: 'javascript:alert(document.cookie)' }, 400, 'unsupported_scheme'],
		['both offer and url', { offer: 'wpengine', url: 'https://example.com/' }, 400, 'conflicting_target'],
	];

	it.each(bad)('%s: a clear 4xx JSON answer, nothing recorded, the request on Rejected', async (_label, query, status, code) => {
		const before = clickRows();
		const delivery = await click(query, { cookie: 'session=secret', 'user-agent': 'bad-request-test' });
		expect(delivery.response.statusCode).toBe(status);
		expect(delivery.response.getHeader('content-type')).toMatch(/^application\/json/);
		expect(delivery.response.body).toEqual({ ok: false, error: expect.objectContaining({ code, message: expect.any(String) }) });
		expect(delivery.response.getHeader('location')).toBeUndefined();
		expect(delivery.response.getHeader('set-cookie')).toBeUndefined();
		expect(clickRows()).toBe(before);
		expect(await store.findClicksByIpAndUserAgent('203.0.113.10', 'bad-request-test', '2000-01-01T00:00:00.000Z')).toEqual([]);

		expect(only(delivery, TRACKER_NAME, 0)).toEqual([]);
		const [rejected] = only(delivery, TRACKER_NAME, 1);
		expect(rejected.json).toMatchObject({ httpStatus: status, reason: { code }, request: { method: 'GET', query } });
		expect(JSON.stringify(rejected.json)).not.toContain('secret');
		expect(only(delivery, REJECTED_NODE)).toHaveLength(1);
		expect(outputOfNode(delivery.run!, CLICK_NODE)).toBeUndefined();
	});

	it('does not start the workflow for refused requests when told not to', async () => {
		const before = clickRows();
		const delivery = await click({ offer: 'nope' }, {}, { options: { emitRejected: false } });
		expect(delivery.response.statusCode).toBe(404);
		expect(delivery.run).toBeUndefined();
		expect(delivery.webhookResult).toEqual({ noWebhookResponse: true });
		expect(clickRows()).toBe(before);
	});

	it('answers 500 and records nothing while a setting is broken', async () => {
		const before = clickRows();
		const delivery = await click({ offer: 'wpengine' }, {}, { options: { cookieName: 'bad name' } });
		expect(delivery.response.statusCode).toBe(500);
		expect(delivery.response.body).toMatchObject({ ok: false, error: { code: 'misconfigured', field: 'cookieName' } });
		expect(clickRows()).toBe(before);
	});
});

describe("Click Tracker: the visitor's consent", () => {
	const cookiebot = { consentCookie: 'CookieConsent', consentCookieDenied: 'marketing:false', consentCookieGranted: 'marketing:true' };

	async function consentOf(query: Record<string, string>, headers: Record<string, string>, options: INodeParameters) {
		const delivery = await click({ offer: 'wpengine', ...query }, headers, { options });
		expect(delivery.response.statusCode).toBe(302);
		const [item] = only(delivery, TRACKER_NAME);
		const stored = await store.findClick(String(item.json.clickId));
		// What the item says is what the store kept with the click.
		expect(stored?.consent).toEqual(item.json.consent);
		return item.json.consent;
	}

	it('reads the link parameter the operator names, for both signals', async () => {
		expect(await consentOf({ pb_consent: 'denied' }, {}, { consentParam: 'pb_consent' })).toEqual({
			adUserData: 'denied',
			adPersonalization: 'denied',
			source: 'link',
		});
		expect(await consentOf({ pb_consent: '1' }, {}, { consentParam: 'pb_consent' })).toEqual({
			adUserData: 'granted',
			adPersonalization: 'granted',
			source: 'link',
		});
		// Not named: not read. Unreadable: unknown, never a grant.
		expect(await consentOf({ pb_consent: 'denied' }, {}, {})).toBeUndefined();
		expect(await consentOf({ pb_consent: 'perhaps' }, {}, { consentParam: 'pb_consent' })).toBeUndefined();
	});

	it("reads the operator's consent cookie by the texts they gave, a denial first", async () => {
		const denied = "{stamp:'x',necessary:true,preferences:true,statistics:true,marketing:false,method:'explicit'}";
		const granted = "{stamp:'x',necessary:true,preferences:true,statistics:true,marketing:true,method:'explicit'}";
		expect(await consentOf({}, { cookie: `CookieConsent=${encodeURIComponent(denied)}` }, cookiebot)).toEqual({
			adUserData: 'denied',
			adPersonalization: 'denied',
			source: 'cookie',
		});
		expect(await consentOf({}, { cookie: `CookieConsent=${encodeURIComponent(granted)}` }, cookiebot)).toEqual({
			adUserData: 'granted',
			adPersonalization: 'granted',
			source: 'cookie',
		});
		// A cookie holding neither text says nothing; a cookie of another name is not read.
		expect(await consentOf({}, { cookie: 'CookieConsent=-1' }, cookiebot)).toBeUndefined();
		expect(await consentOf({}, { cookie: `OtherConsent=${encodeURIComponent(denied)}` }, cookiebot)).toBeUndefined();
	});

	it('takes Sec-GPC: 1 as an opt-out of personalisation that no grant loosens', async () => {
		expect(await consentOf({}, { 'sec-gpc': '1' }, {})).toEqual({ adPersonalization: 'denied', gpc: true, source: 'gpc' });
		expect(await consentOf({ pb_consent: 'granted' }, { 'sec-gpc': '1' }, { consentParam: 'pb_consent' })).toEqual({
			adUserData: 'granted',
			adPersonalization: 'denied',
			gpc: true,
			source: 'gpc',
		});
		expect(await consentOf({}, { 'sec-gpc': '1' }, { honorGpc: false })).toBeUndefined();
		expect(await consentOf({}, { 'sec-gpc': '0' }, {})).toBeUndefined();
	});

	it('lets a denial from any place win over a grant from another', async () => {
		const denied = encodeURIComponent('marketing:false');
		expect(await consentOf({ pb_consent: 'yes' }, { cookie: `CookieConsent=${denied}` }, { consentParam: 'pb_consent', ...cookiebot })).toEqual({
			adUserData: 'denied',
			adPersonalization: 'denied',
			source: 'cookie',
		});
	});

	it('answers 500 and records nothing for a consent parameter name that cannot be one', async () => {
		const before = clickRows();
		const delivery = await click({ offer: 'wpengine' }, {}, { options: { consentParam: 'my consent' } });
		expect(delivery.response.statusCode).toBe(500);
		expect(delivery.response.body).toMatchObject({ ok: false, error: { code: 'misconfigured', field: 'consentParam' } });
		expect(clickRows()).toBe(before);
	});
});

describe('Click Tracker: AutoTag script', () => {
	it('serves the script at [path]/autotag.js without starting the workflow or recording anything', async () => {
		const before = clickRows();
		const delivery = await click({}, {}, { options: { autoTagMode: 'tag' } }, { path: 'go/autotag.js' });
		expect(delivery.webhook.path).toBe('go/autotag.js');
		expect(delivery.response.statusCode).toBe(200);
		expect(delivery.response.getHeader('content-type')).toBe('application/javascript; charset=utf-8');
		expect(delivery.response.getHeader('x-content-type-options')).toBe('nosniff');
		const script = delivery.response.text!;
		expect(() => parseJs(script, { ecmaVersion: 2017, sourceType: 'script' })).not.toThrow();
		expect(script).toContain('"mode":"tag"');
		expect(script).toContain('"allowed":["awin1.com","example.com"]');
		expect(script).toContain('"shareasale.com":["shareasale","afftrack"]');
		expect(script).toContain('"trk.brand.test":["everflow","sub1"]');
		expect(delivery.run).toBeUndefined();
		expect(clickRows()).toBe(before);
	});
});

describe('Click Tracker: store unavailable', () => {
	it('still redirects the visitor with a click id and says on the item that it was not recorded', async () => {
		const blocker = join(folder, 'not-a-folder');
		writeFileSync(blocker, 'x');
		const delivery = await click({ offer: 'wpengine' }, {}, { sqlitePath: join(blocker, 'tracking.sqlite') });
		expect(delivery.response.statusCode).toBe(302);
		const [item] = only(delivery, TRACKER_NAME);
		expect(delivery.response.getHeader('location')).toBe(`${SHAREASALE}${item.json.clickId}`);
		expect(item.json).toMatchObject({ recorded: false, storeError: expect.any(String) });
	});
});
