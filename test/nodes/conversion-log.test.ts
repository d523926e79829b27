/**
 * The conversion log (issue 6) through n8n-core's real WorkflowExecute: a funnel item sent by the Meta node to
 * the strict fake is recorded as a delivery in the tracking store; Send Postback records its answers too; and
 * the Postback Tools "Conversion Log" operation lists the conversions with their deliveries, ledger lines and
 * status history, as JSON items and as an HTML page with every value escaped.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { IConnections, INode, INodeExecutionData, INodeParameters, IRun } from 'n8n-workflow';
import { platformNodeClass } from '../../nodes/shared/platform-classes';
import { PostbackTools } from '../../nodes/PostbackTools/PostbackTools.node';
import { SendPostback } from '../../nodes/SendPostback/SendPostback.node';
import { META_FAKE_PIXEL, META_FAKE_TOKEN, type MetaFake, startMetaFake } from '../fakes/meta';
import { DAY, HOUR, adClick, ago, clickTrackerItem, forwardOf, funnelItem, runDestination, runError, useTrackingStore } from './destination-helpers';
import { COLLECT_TYPE, outputOfNode, runWorkflowFrom, workflowOf } from './harness';

const MetaConversions = platformNodeClass('meta');

const META = {
	type: 'n8n-nodes-postback.metaConversions',
	name: 'Meta Conversions API',
	nodeType: new MetaConversions(),
	credentialType: 'metaConversionsApi',
};
const TOOLS_TYPE = 'n8n-nodes-postback.postbackTools';
const TOOLS_NAME = 'Postback Tools';
const SEND_TYPE = 'n8n-nodes-postback.sendPostback';
const SEND_NAME = 'Send Postback';

const db = useTrackingStore();
let fake: MetaFake;
let credential: { accessToken: string; baseUrl: string };
let partner: Server;
let partnerUrl: string;

beforeAll(async () => {
	fake = await startMetaFake();
	credential = { accessToken: META_FAKE_TOKEN, baseUrl: fake.url };
	// A partner that accepts everything, except transaction ids starting with "NO" (a 400).
	partner = createServer((request, response) => {
		const refused = new URL(request.url ?? '/', 'http://partner').searchParams.get('tid')?.startsWith('NO');
		response.writeHead(refused ? 400 : 200, { 'content-type': 'text/plain' });
		response.end(refused ? 'unknown transaction' : 'OK');
	});
	await new Promise<void>((resolve) => partner.listen(0, '127.0.0.1', resolve));
	partnerUrl = `http://127.0.0.1:${(partner.address() as AddressInfo).port}`;
});
afterAll(async () => {
	await fake.close();
	partner.closeAllConnections();
	await new Promise<void>((resolve) => partner.close(() => resolve()));
});

const storeParameters = () => ({ store: 'sqlite', sqlitePath: db.path() });

/** Runs [Postback Tools] → [Collect] on one empty item (as a Webhook would hand it on). */
async function runTools(parameters: INodeParameters): Promise<IRun> {
	const tools: INode = { id: 'node-tools', name: TOOLS_NAME, type: TOOLS_TYPE, typeVersion: 1, position: [0, 0], parameters };
	const after: INode = { id: 'node-after', name: 'After Tools', type: COLLECT_TYPE, typeVersion: 1, position: [300, 0], parameters: {} };
	const connections: IConnections = { [TOOLS_NAME]: { main: [[{ node: 'After Tools', type: 'main', index: 0 }]] } };
	return await runWorkflowFrom(workflowOf([tools, after], connections, 'Conversion log test'), TOOLS_NAME, [[{ json: { query: {} } }]], {
		[TOOLS_TYPE]: new PostbackTools(),
	});
}

/** Runs one Send Postback node on the items. */
async function runSend(parameters: INodeParameters, items: INodeExecutionData[]): Promise<IRun> {
	const send: INode = { id: 'node-send', name: SEND_NAME, type: SEND_TYPE, typeVersion: 1, position: [0, 0], parameters };
	return await runWorkflowFrom(workflowOf([send], {}, 'Send postback log test'), SEND_NAME, [items], { [SEND_TYPE]: new SendPostback() });
}

describe('Conversion log: destination nodes record each funnel item’s outcome', () => {
	let purchase: INodeExecutionData;
	let old: INodeExecutionData;
	let reversal: INodeExecutionData;
	beforeAll(async () => {
		const store = db.store();
		purchase = (
			await funnelItem(
				store,
				{ click_id: 'log_c1', transaction_id: 'LOG-T1', commission: '39.50', amount: '79', occurred_at: ago(HOUR), affiliate_id: 'aff_log' },
				// The affiliate comes from the stored click (one only the unauthenticated postback names earns nothing).
				adClick('log_c1', ago(2 * HOUR), { affiliateId: 'aff_log' }),
			)
		).item;
		old = (
			await funnelItem(store, { click_id: 'log_c2', transaction_id: 'LOG-T2', commission: '10', occurred_at: ago(8 * DAY) }, adClick('log_c2', ago(9 * DAY)))
		).item;
		const reversed = await funnelItem(store, { click_id: 'log_c1', transaction_id: 'LOG-T1', commission: '-39.50', amount: '-79', occurred_at: ago(HOUR / 2) });
		expect(reversed.output).toBe('reversal');
		reversal = reversed.item;
	});

	it('a sent purchase, a failed old one and a skipped reversal are each recorded; a click is not', async () => {
		const click = await clickTrackerItem(db.path(), { fbclid: 'IwAR2logclick' });
		const result = await runDestination(META, [purchase, old, reversal, click], { pixelId: META_FAKE_PIXEL, ...storeParameters() }, credential);
		expect(runError(result.run)).toBeUndefined();
		expect(result.sent.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 3 }]);
		// The items are unchanged by the recording (no conversionLogError), `forward` as before.
		expect(forwardOf(result.sent[0])).toEqual({ platform: 'meta', outcome: 'sent', eventId: purchase.json.conversionId });
		for (const item of [...result.sent, ...result.failed]) expect(item.json.conversionLogError).toBeUndefined();

		const store = db.store();
		const purchaseId = String(purchase.json.conversionId);
		expect(reversal.json.conversionId).toBe(purchaseId);
		const lines = await store.listDeliveries(purchaseId);
		expect(lines).toEqual([
			{ conversionId: purchaseId, destination: 'meta', outcome: 'sent', eventId: purchaseId, at: expect.any(String) },
			{ conversionId: purchaseId, destination: 'meta', outcome: 'skipped', code: 'not_a_conversion', reason: expect.any(String), at: expect.any(String) },
		]);
		expect(Math.abs(Date.parse(lines[0].at) - Date.now())).toBeLessThan(60_000);
		expect(await store.listDeliveries(String(old.json.conversionId))).toEqual([
			expect.objectContaining({ destination: 'meta', outcome: 'failed', code: 'event_too_old', reason: expect.any(String) }),
		]);
		expect(await store.listDeliveries(String(click.json.clickId))).toEqual([]);
	});

	it('with Record in Conversion Log off, nothing is written', async () => {
		const { item } = await funnelItem(
			db.store(),
			{ click_id: 'log_c3', transaction_id: 'LOG-T3', commission: '5', occurred_at: ago(HOUR) },
			adClick('log_c3', ago(2 * HOUR)),
		);
		const result = await runDestination(META, [item], { pixelId: META_FAKE_PIXEL, conversionLog: false, ...storeParameters() }, credential);
		expect(forwardOf(result.sent[0]).outcome).toBe('sent');
		expect(await db.store().listDeliveries(String(item.json.conversionId))).toEqual([]);
	});

	it('a store that cannot be opened never fails the send: the item says why it was not recorded', async () => {
		const { item } = await funnelItem(
			db.store(),
			{ click_id: 'log_c4', transaction_id: 'LOG-T4', commission: '5', occurred_at: ago(HOUR) },
			adClick('log_c4', ago(2 * HOUR)),
		);
		const result = await runDestination(
			META,
			[item],
			{ pixelId: META_FAKE_PIXEL, store: 'sqlite', sqlitePath: '/dev/null/cannot/tracking.sqlite' },
			credential,
		);
		expect(runError(result.run)).toBeUndefined();
		expect(forwardOf(result.sent[0])).toMatchObject({ outcome: 'sent' });
		expect(result.sent[0].json.conversionLogError).toEqual(expect.stringContaining('Could not open the tracking store'));
		expect(fake.events.some((entry) => entry.event.event_id === item.json.conversionId)).toBe(true);
	});

	it('Send Postback records sent, failed and duplicate answers under postback:<target>', async () => {
		const { item } = await funnelItem(
			db.store(),
			{ click_id: 'log_c5', transaction_id: 'LOG-T5', commission: '7', occurred_at: ago(HOUR) },
			adClick('log_c5', ago(2 * HOUR)),
		);
		const refused = await funnelItem(
			db.store(),
			{ click_id: 'log_c6', transaction_id: 'NO-LOG-T6', commission: '7', occurred_at: ago(HOUR) },
			adClick('log_c6', ago(2 * HOUR)),
		);
		const parameters = {
			preset: 'custom',
			urlTemplate: `${partnerUrl}/pb?cid={click_id}&tid={transaction_id}`,
			retries: 0,
			options: { target: 'partner-a' },
			...storeParameters(),
		};
		const first = await runSend(parameters, [item, refused.item]);
		expect(first.data.resultData.error).toBeUndefined();
		expect(outputOfNode(first, SEND_NAME)?.map((out) => (out.json.postback as { status: string }).status)).toEqual(['sent', 'failed']);
		await runSend(parameters, [item]);
		// With dedup off the log still records (the store is shown for the log alone).
		await runSend({ ...parameters, dedup: false, options: {} }, [item]);

		const store = db.store();
		expect(await store.listDeliveries(String(item.json.conversionId))).toEqual([
			expect.objectContaining({ destination: 'postback:partner-a', outcome: 'sent', httpStatus: 200 }),
			expect.objectContaining({ destination: 'postback:partner-a', outcome: 'duplicate' }),
			expect.objectContaining({ destination: 'postback:custom', outcome: 'sent', httpStatus: 200 }),
		]);
		expect(await store.listDeliveries(String(refused.item.json.conversionId))).toEqual([
			expect.objectContaining({ destination: 'postback:partner-a', outcome: 'failed', httpStatus: 400, reason: expect.any(String) }),
		]);
	});
});

describe('Postback Tools: Conversion Log', () => {
	it('lists the latest conversions with their deliveries, ledger lines and status history', async () => {
		const run = await runTools({ operation: 'conversionLog', limit: 50, ...storeParameters() });
		expect(run.data.resultData.error).toBeUndefined();
		const items = outputOfNode(run, TOOLS_NAME) ?? [];
		const stored = await db.store().listConversions({ limit: 50 });
		expect(items.map((item) => item.json.conversionId)).toEqual(stored.map((conversion) => conversion.id));
		for (const item of items) expect(item.pairedItem).toEqual({ item: 0 });

		const purchase = items.find((item) => item.json.transactionId === 'LOG-T1')!.json as Record<string, unknown>;
		expect(purchase).toMatchObject({
			network: 'custom',
			eventName: 'Purchase',
			status: 'reversed',
			commission: '39.5',
			currency: 'USD',
			affiliateId: 'aff_log',
			attribution: 'click',
		});
		expect(purchase.deliveries).toEqual([
			{ destination: 'meta', outcome: 'sent', eventId: purchase.conversionId, at: expect.any(String) },
			expect.objectContaining({ destination: 'meta', outcome: 'skipped', code: 'not_a_conversion' }),
		]);
		expect((purchase.statusHistory as Array<{ status: string }>).map((change) => change.status)).toEqual(['approved', 'reversed']);
		expect((purchase.ledger as Array<{ kind: string; amount: string }>).map((line) => [line.kind, line.amount])).toEqual([
			['commission', '39.5'],
			['reversal', '-39.5'],
		]);
		// No raw postback or user data in the log.
		expect(purchase).not.toHaveProperty('payload');
		expect(JSON.stringify(items)).not.toContain('userData');
	});

	it('filters by network, affiliate, since and limit', async () => {
		const ids = async (parameters: INodeParameters) =>
			(outputOfNode(await runTools({ operation: 'conversionLog', ...storeParameters(), ...parameters }), TOOLS_NAME) ?? []).map(
				(item) => item.json.transactionId,
			);
		expect(await ids({ filters: { affiliateId: 'aff_log' } })).toEqual(['LOG-T1']);
		expect(await ids({ filters: { network: 'shareasale' } })).toEqual([]);
		expect(await ids({ limit: 2 })).toHaveLength(2);
		expect(await ids({ filters: { since: new Date(Date.now() + DAY).toISOString().slice(0, 19) } })).toEqual([]);
		expect((await ids({ filters: { since: new Date(Date.now() - DAY).toISOString().slice(0, 10) } })).length).toBeGreaterThan(3);
	});

	it('an HTML page for Respond to Webhook: a row per conversion, every value escaped', async () => {
		const { item } = await funnelItem(
			db.store(),
			{ click_id: 'log_c7', transaction_id: '<b>T&"1\'</b>', commission: '3', occurred_at: ago(HOUR), affiliate_id: '<script>alert(1)</script>' },
			adClick('log_c7', ago(2 * HOUR), { affiliateId: '<script>alert(1)</script>' }),
		);
		await db
			.store()
			.recordDelivery({ conversionId: String(item.json.conversionId), destination: 'postback:<x>', outcome: 'failed', reason: 'a <reason> & more' });

		const run = await runTools({ operation: 'conversionLog', logOutput: 'html', limit: 10, ...storeParameters() });
		expect(run.data.resultData.error).toBeUndefined();
		const [page, ...rest] = outputOfNode(run, TOOLS_NAME) ?? [];
		expect(rest).toEqual([]);
		const html = String(page.json.html);
		const total = (await db.store().listConversions({ limit: 10 })).length;
		expect(total).toBeGreaterThan(5);
		expect(page.json.count).toBe(total);
		expect(html).toMatch(/^<!DOCTYPE html>/);
		expect(html.match(/<tr data-conversion-id=/g)).toHaveLength(total);
		expect(html).toContain('&lt;b&gt;T&amp;&quot;1&#39;&lt;/b&gt;');
		expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
		expect(html).toContain('postback:&lt;x&gt;: failed');
		expect(html).toContain('a &lt;reason&gt; &amp; more');
		// The page's one script is its own time formatter, placed after the table; nothing stored became markup.
		expect(html.match(/<script>/g)).toHaveLength(1);
		expect(html.indexOf('<script>')).toBeGreaterThan(html.indexOf('</table>'));
		expect(html).not.toContain('<script>alert');
		expect(html).not.toContain('<b>T');
		// Times: the UTC value as text and tooltip (what a browser without JavaScript shows), machine-readable for the script.
		const recorded = (await db.store().listConversions({ limit: 1 }))[0].recordedAt;
		const utc = `${new Date(recorded).toISOString().slice(0, 10)} ${new Date(recorded).toISOString().slice(11, 19)} UTC`;
		expect(html).toContain(`<time datetime="${new Date(recorded).toISOString()}" title="${utc}">${utc}</time>`);
		expect(html).toContain('<span id="zone">Times are in UTC.</span>');
		expect(html).toContain('meta: sent');
		expect(page.binary?.data).toMatchObject({ mimeType: 'text/html', fileName: 'conversion-log.html' });

		const both = outputOfNode(await runTools({ operation: 'conversionLog', logOutput: 'itemsAndHtml', limit: 3, ...storeParameters() }), TOOLS_NAME) ?? [];
		expect(both).toHaveLength(4);
		expect(both[0].json.transactionId).toBe('<b>T&"1\'</b>');
		expect(both[3].json.count).toBe(3);
	});

	it("shows each destination's outbox state (sent, pending until, failed, gave up), escaped and without the item", async () => {
		const store = db.store();
		const { item } = await funnelItem(store, {
			click_id: 'log_ob1',
			transaction_id: 'LOG-OB1',
			commission: '2',
			email: 'outbox.buyer@example.com',
			occurred_at: ago(HOUR),
		});
		const conversionId = String(item.json.conversionId);
		const retryAt = new Date(Date.now() + HOUR).toISOString();
		await store.enqueueDeliveries(
			['meta', 'google_ads', 'tiktok', 'postback:<x>'].map((destination) => ({ conversionId, destination, item: item.json, dueAt: ago(HOUR) })),
		);
		await store.settleDelivery({ conversionId, destination: 'meta' }, { state: 'pending', dueAt: retryAt }, { code: '429', reason: 'slow <down> & "wait"' });
		await store.settleDelivery({ conversionId, destination: 'google_ads' }, { state: 'failed' }, { code: 'invalid_gclid', reason: 'bad click' });
		await store.settleDelivery({ conversionId, destination: 'tiktok' }, { state: 'gave_up' }, { code: 'too_old' });
		await store.settleDelivery({ conversionId, destination: 'postback:<x>' }, { state: 'sent' });

		const run = await runTools({ operation: 'conversionLog', logOutput: 'itemsAndHtml', limit: 50, ...storeParameters() });
		expect(run.data.resultData.error).toBeUndefined();
		const items = outputOfNode(run, TOOLS_NAME) ?? [];
		const entry = items.find((out) => out.json.conversionId === conversionId)!.json;
		expect(entry.outbox).toEqual([
			{ destination: 'google_ads', state: 'failed', attempts: 1, lastCode: 'invalid_gclid', lastReason: 'bad click', updatedAt: expect.any(String) },
			{
				destination: 'meta',
				state: 'pending',
				attempts: 1,
				dueAt: retryAt,
				lastCode: '429',
				lastReason: 'slow <down> & "wait"',
				updatedAt: expect.any(String),
			},
			{ destination: 'postback:<x>', state: 'sent', attempts: 1, updatedAt: expect.any(String) },
			{ destination: 'tiktok', state: 'gave_up', attempts: 1, lastCode: 'too_old', updatedAt: expect.any(String) },
		]);
		const html = String(items[items.length - 1].json.html);
		const row = html.slice(html.indexOf(`<tr data-conversion-id="${conversionId}"`));
		const cells = row.slice(0, row.indexOf('</tr>'));
		const due = new Date(retryAt).toISOString();
		expect(cells).toContain(`meta: pending until <time datetime="${due}"`);
		expect(cells).toContain('1 attempt · 429 · slow &lt;down&gt; &amp; &quot;wait&quot;');
		expect(cells).toContain('google_ads: failed</span> <small>1 attempt · invalid_gclid · bad click</small>');
		expect(cells).toContain('tiktok: gave up</span>');
		expect(cells).toContain('postback:&lt;x&gt;: sent</span>');
		expect(cells).not.toContain('<down>');
		// The outbox item holds the customer's data: never on the page nor in the items.
		expect(html).not.toContain('outbox.buyer@example.com');
		expect(JSON.stringify(items.map((out) => out.json.outbox))).not.toContain('outbox.buyer');
	});

	it('an empty store gives an empty page, and a bad filter fails the node', async () => {
		const empty =
			outputOfNode(await runTools({ operation: 'conversionLog', logOutput: 'html', filters: { network: 'nobody' }, ...storeParameters() }), TOOLS_NAME) ?? [];
		expect(empty).toHaveLength(1);
		expect(empty[0].json.count).toBe(0);
		expect(String(empty[0].json.html)).toContain('0 conversions');

		const bad = await runTools({ operation: 'conversionLog', filters: { since: 'last tuesday' }, ...storeParameters() });
		expect(bad.data.resultData.error).toMatchObject({ name: 'NodeOperationError', message: expect.stringContaining('since') });
	});
});
