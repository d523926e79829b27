/**
 * The Reddit Conversions API node through n8n-core's WorkflowExecute, with funnel items, to the strict Reddit fake.
 */
import type { INodeExecutionData } from 'n8n-workflow';
import type { ClickRecord } from '../../src/store';
import { platformNodeClass } from '../../nodes/shared/platform-classes';
import { REDDIT_FAKE_PIXEL, REDDIT_FAKE_TOKEN, type RedditFake, startRedditFake } from '../fakes/reddit';
import { DAY, HOUR, adClick, ago, clickTrackerItem, forwardOf, funnelItem, runDestination, runError, useTrackingStore } from './destination-helpers';
import { runCredentialTestRequest } from './harness';

const RedditConversions = platformNodeClass('reddit');

const REDDIT = {
	type: 'n8n-nodes-postback.redditConversions',
	name: 'Reddit Conversions API',
	nodeType: new RedditConversions(),
	credentialType: 'redditConversionsApi',
};
const HEX64 = /^[a-f0-9]{64}$/;

const db = useTrackingStore();
let fake: RedditFake;
let credential: { accessToken: string; baseUrl: string };

beforeAll(async () => {
	fake = await startRedditFake();
	credential = { accessToken: REDDIT_FAKE_TOKEN, baseUrl: `${fake.url}/` };
});
afterAll(async () => {
	await fake.close();
});

type Event = {
	event_at: number;
	action_source: string;
	type: Record<string, string>;
	click_id?: string;
	user: Record<string, string>;
	metadata: Record<string, unknown>;
	event_source_url?: string;
};
const recorded = (conversionId: string) => fake.events.find((entry) => (entry.event.metadata as { conversion_id?: string }).conversion_id === conversionId);
const parameters = (extra: Record<string, unknown> = {}) => ({
	pixelId: REDDIT_FAKE_PIXEL,
	...extra,
});

describe('Reddit Conversions API node, funnel items through WorkflowExecute to the strict fake', () => {
	let items: INodeExecutionData[];
	beforeAll(async () => {
		const store = db.store();
		const purchase = await funnelItem(
			store,
			{
				click_id: 'rd_c1',
				transaction_id: 'RD-T1',
				commission: '39.50',
				amount: '79',
				order_id: 'ORD-1',
				occurred_at: ago(HOUR),
				email: 'Jane.Doe+news@Example.com',
				phone: '(415) 555-0100',
			},
			adClick('rd_c1', ago(2 * HOUR), { rdtCid: 'rdt-cid-0001' }),
		);
		const lead = await funnelItem(
			store,
			{
				click_id: 'rd_c2',
				transaction_id: 'RD-T2',
				event_name: 'Lead',
				commission: '0',
				occurred_at: ago(HOUR),
			},
			adClick('rd_c2', ago(3 * HOUR), { rdtCid: 'rdt-cid-0002' }),
		);
		const reversal = await funnelItem(store, {
			click_id: 'rd_c1',
			transaction_id: 'RD-T1',
			commission: '-39.50',
			amount: '-79',
			occurred_at: ago(HOUR / 2),
		});
		expect([purchase.output, lead.output, reversal.output]).toEqual(['purchase', 'lead', 'reversal']);
		items = [purchase.item, lead.item, reversal.item];
	});

	it('sends conversions (hashed PII and IP, raw rdt_cid, milliseconds), fails the reversal as not_a_conversion, pairedItem on every item', async () => {
		const result = await runDestination(REDDIT, items, parameters({ testId: 't2_eventtest' }), credential);
		expect(runError(result.run)).toBeUndefined();
		expect(result.sent.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
		expect(result.failed.map((item) => item.pairedItem)).toEqual([{ item: 2 }]);
		expect(result.collected.sent!.map((item) => item.json)).toEqual(result.sent.map((item) => item.json));
		expect(result.collected.failed!.map((item) => item.json)).toEqual(result.failed.map((item) => item.json));
		for (const item of result.sent)
			expect(forwardOf(item)).toEqual({
				platform: 'reddit',
				outcome: 'sent',
				eventId: item.json.conversionId,
			});
		expect(forwardOf(result.failed[0])).toMatchObject({
			platform: 'reddit',
			outcome: 'failed',
			code: 'not_a_conversion',
			reason: expect.stringContaining('retract'),
		});

		const requests = fake.conversionRequests();
		expect(requests).toHaveLength(1);
		expect(requests[0].path).toBe(`/api/v3/pixels/${REDDIT_FAKE_PIXEL}/conversion_events`);
		expect(requests[0].headers.authorization).toBe(`Bearer ${REDDIT_FAKE_TOKEN}`);

		const purchase = recorded(String(items[0].json.conversionId))!;
		expect(purchase.testId).toBe('t2_eventtest');
		const event = purchase.event as Event;
		expect(event.type).toEqual({ tracking_type: 'PURCHASE' });
		expect(event.action_source).toBe('WEBSITE');
		expect(event.click_id).toBe('rdt-cid-0001');
		expect(String(event.event_at)).toMatch(/^\d{13}$/);
		expect(Math.abs(event.event_at - (Date.now() - HOUR))).toBeLessThan(120_000);
		for (const field of ['email', 'phone_number', 'ip_address']) expect(event.user[field]).toMatch(HEX64);
		expect(event.user.user_agent).toBe('Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0)');
		expect(event.metadata).toEqual({
			conversion_id: items[0].json.conversionId,
			value: 39.5,
			currency: 'USD',
		});
		expect(event.event_source_url).toBe('https://blog.example.com/best-hosting');
		const lead = recorded(String(items[1].json.conversionId))!.event as Event;
		expect(lead.type).toEqual({ tracking_type: 'LEAD' });
		expect(lead.click_id).toBe('rdt-cid-0002');
	});

	it('the Click ID override sets the rdt_cid; a Click Tracker click is skipped as not_a_conversion', async () => {
		const { item } = await funnelItem(db.store(), {
			click_id: 'rd_c3',
			transaction_id: 'RD-T3',
			commission: '5',
			occurred_at: ago(HOUR),
		});
		const click = await clickTrackerItem(db.path(), {
			rdt_cid: 'rdt-from-link',
		});
		const result = await runDestination(REDDIT, [item, click], parameters({ overrides: { clickId: 'rdt-override-9' } }), credential);
		expect(forwardOf(result.sent[0])).toMatchObject({ outcome: 'sent' });
		expect((recorded(String(item.json.conversionId))!.event as Event).click_id).toBe('rdt-override-9');
		expect(forwardOf(result.failed[0])).toMatchObject({
			outcome: 'failed',
			code: 'not_a_conversion',
		});
		expect(result.failed[0].pairedItem).toEqual({ item: 1 });
	});

	it('events older than 168 hours are not sent', async () => {
		const { item } = await funnelItem(db.store(), {
			click_id: 'rd_c4',
			transaction_id: 'RD-T4',
			commission: '5',
			occurred_at: ago(8 * DAY),
			email: 'old@c.example',
		});
		const result = await runDestination(REDDIT, [item], parameters(), credential);
		expect(result.sent).toEqual([]);
		expect(forwardOf(result.failed[0])).toMatchObject({
			outcome: 'failed',
			code: 'event_too_old',
		});
	});

	it('a configuration error fails the node with its item index; with continue on fail the item becomes a Failed item', async () => {
		const { item } = await funnelItem(
			db.store(),
			{
				click_id: 'rd_c6',
				transaction_id: 'RD-T6',
				commission: '5',
				occurred_at: ago(HOUR),
			},
			adClick('rd_c6', ago(2 * HOUR), { rdtCid: 'rdt-6' }),
		);
		const stopped = await runDestination(REDDIT, [item], parameters({ pixelId: ' ' }), credential);
		expect(runError(stopped.run)).toMatchObject({
			name: 'NodeOperationError',
			message: 'Pixel ID is empty',
			context: { itemIndex: 0 },
		});

		const continued = await runDestination(REDDIT, [item], parameters({ pixelId: ' ' }), credential, { onError: 'continueRegularOutput' });
		expect(runError(continued.run)).toBeUndefined();
		expect(continued.sent).toEqual([]);
		expect(continued.failed).toEqual([
			{
				json: {
					...item.json,
					forward: {
						platform: 'reddit',
						outcome: 'failed',
						code: 'configuration',
						reason: 'Pixel ID is empty',
					},
				},
				pairedItem: { item: 0 },
			},
		]);
	});

	it('a token Reddit refuses: Failed with the credential hint', async () => {
		const { item } = await funnelItem(
			db.store(),
			{
				click_id: 'rd_c7',
				transaction_id: 'RD-T7',
				commission: '5',
				occurred_at: ago(HOUR),
			},
			adClick('rd_c7', ago(2 * HOUR), { rdtCid: 'rdt-7' }),
		);
		const result = await runDestination(REDDIT, [item], parameters(), {
			...credential,
			accessToken: 'deleted-token',
		});
		expect(forwardOf(result.failed[0])).toMatchObject({
			outcome: 'failed',
			code: 'http_401',
			reason: expect.stringContaining('Reddit Conversions API credential'),
		});
	});
});

describe('Reddit Conversions API node: consent from the click, the postback and the node', () => {
	const sale = async (clickId: string, query: Record<string, string> = {}, consent?: ClickRecord['consent']) =>
		(
			await funnelItem(
				db.store(),
				{ click_id: clickId, transaction_id: `RD-C-${clickId}`, commission: '10', occurred_at: ago(HOUR), email: 'jane@example.com', ...query },
				adClick(clickId, ago(2 * HOUR), { rdtCid: `rdt-${clickId}`, rdtUuid: `1700000000000.${clickId}`, ...(consent ? { consent } : {}) }),
			)
		).item;

	it("a click whose visitor denied consent: sent with the click id and LDU, without the person's identifiers", async () => {
		const item = await sale('rd_deny', {}, { adUserData: 'denied', adPersonalization: 'denied', source: 'cookie' });
		const result = await runDestination(REDDIT, [item], parameters(), credential);
		expect(runError(result.run)).toBeUndefined();
		expect(result.sent).toHaveLength(1);
		const event = recorded(String(item.json.conversionId))!.event as Event & { data_processing_options?: unknown };
		expect(event.click_id).toBe('rdt-rd_deny');
		expect(event.data_processing_options).toEqual({ modes: ['LDU'] });
		// Only the user agent is left: no email, IP or Reddit cookie.
		expect(event.user).toEqual({ user_agent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0)' });
	});

	it("the node's Consent Default applies to an item without consent; the item's own consent wins over it", async () => {
		const unknown = await sale('rd_default');
		const granted = await sale('rd_granted', { consent: 'granted' });
		const result = await runDestination(REDDIT, [unknown, granted], parameters({ consentDefault: { adUserData: 'denied' } }), credential);
		expect(result.sent).toHaveLength(2);
		const byDefault = recorded(String(unknown.json.conversionId))!.event as Event & { data_processing_options?: unknown };
		expect(byDefault.user).not.toHaveProperty('email');
		expect(byDefault.data_processing_options).toEqual({ modes: ['LDU'] });
		// The item's own grant wins over the node's default: a default is for items that say nothing.
		const own = recorded(String(granted.json.conversionId))!.event as Event & { data_processing_options?: unknown };
		expect(own.user.email).toMatch(HEX64);
		expect(own).not.toHaveProperty('data_processing_options');
	});
});

describe('Reddit Conversions API credential: its Test request against the fake', () => {
	it('GET /api/v3/me with the bearer token: 200', async () => {
		const result = await runCredentialTestRequest('redditConversionsApi', credential);
		expect(result).toMatchObject({ status: 'OK', statusCode: 200 });
		expect(new URL(result.url).pathname).toBe('/api/v3/me');
		expect(result.headers.Authorization).toBe(`Bearer ${REDDIT_FAKE_TOKEN}`);
	});

	it('a wrong token: 401, a failed test', async () => {
		const result = await runCredentialTestRequest('redditConversionsApi', {
			...credential,
			accessToken: 'deleted-token',
		});
		expect(result).toMatchObject({ status: 'Error', statusCode: 401 });
	});
});
