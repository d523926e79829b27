import type { INodeExecutionData } from 'n8n-workflow';
import { platformNodeClass } from '../../nodes/shared/platform-classes';
import { PINTEREST_FAKE_AD_ACCOUNT, PINTEREST_FAKE_TOKEN, type PinterestFake, startPinterestFake } from '../fakes/pinterest';
import { DAY, HOUR, adClick, ago, clickTrackerItem, forwardOf, funnelItem, runDestination, runError, useTrackingStore } from './destination-helpers';
import { runCredentialTestRequest } from './harness';

const PinterestConversions = platformNodeClass('pinterest');

const PINTEREST = {
	type: 'n8n-nodes-postback.pinterestConversions',
	name: 'Pinterest Conversions API',
	nodeType: new PinterestConversions(),
	credentialType: 'pinterestConversionsApi',
};
const HEX64 = /^[a-f0-9]{64}$/;

const db = useTrackingStore();
let fake: PinterestFake;
let credential: {
	accessToken: string;
	testAdAccountId: string;
	baseUrl: string;
};

beforeAll(async () => {
	fake = await startPinterestFake();
	credential = {
		accessToken: PINTEREST_FAKE_TOKEN,
		testAdAccountId: PINTEREST_FAKE_AD_ACCOUNT,
		baseUrl: `${fake.url}/`,
	};
});
afterAll(async () => {
	await fake.close();
});

const recorded = (eventId: string) => fake.events.find((entry) => entry.event.event_id === eventId);
const parameters = (extra: Record<string, unknown> = {}) => ({
	adAccountId: PINTEREST_FAKE_AD_ACCOUNT,
	...extra,
});

interface SentEvent {
	event_name: string;
	action_source: string;
	event_time: number;
	event_id: string;
	event_source_url?: string;
	user_data: Record<string, unknown>;
	custom_data?: Record<string, unknown>;
}

describe('Pinterest Conversions API node, funnel items through WorkflowExecute to the strict fake', () => {
	let items: INodeExecutionData[];
	beforeAll(async () => {
		const store = db.store();
		const purchase = await funnelItem(
			store,
			{
				click_id: 'pin_c1',
				transaction_id: 'PIN-T1',
				commission: '39.50',
				amount: '79',
				order_id: 'ORD-1',
				occurred_at: ago(HOUR),
				email: 'Jane.Doe@Example.com',
				phone: '(415) 555-0100',
			},
			adClick('pin_c1', ago(2 * HOUR), { epik: 'dj0yJnU9cGluX2Mx' }),
		);
		const lead = await funnelItem(
			store,
			{
				click_id: 'pin_c2',
				transaction_id: 'PIN-T2',
				event_name: 'Lead',
				commission: '0',
				occurred_at: ago(HOUR),
			},
			adClick('pin_c2', ago(3 * HOUR), { epik: 'dj0yLead' }),
		);
		const reversal = await funnelItem(store, {
			click_id: 'pin_c1',
			transaction_id: 'PIN-T1',
			commission: '-39.50',
			amount: '-79',
			occurred_at: ago(HOUR / 2),
		});
		expect([purchase.output, lead.output, reversal.output]).toEqual(['purchase', 'lead', 'reversal']);
		items = [purchase.item, lead.item, reversal.item];
	});

	it('sends conversions as Pinterest events (hashed PII, raw epik, seconds), the reversal on Failed as not_a_conversion', async () => {
		const result = await runDestination(PINTEREST, items, parameters(), credential);
		expect(runError(result.run)).toBeUndefined();
		expect(result.sent.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
		expect(result.failed.map((item) => item.pairedItem)).toEqual([{ item: 2 }]);
		expect(result.collected.sent!.map((item) => item.json)).toEqual(result.sent.map((item) => item.json));
		expect(result.collected.failed!.map((item) => item.json)).toEqual(result.failed.map((item) => item.json));
		for (const item of result.sent)
			expect(forwardOf(item)).toEqual({
				platform: 'pinterest',
				outcome: 'sent',
				eventId: item.json.conversionId,
			});
		expect(forwardOf(result.failed[0])).toMatchObject({
			platform: 'pinterest',
			outcome: 'failed',
			code: 'not_a_conversion',
			reason: expect.stringContaining('reversed'),
		});

		const requests = fake.eventRequests();
		expect(requests).toHaveLength(1);
		expect(requests[0].path).toBe(`/v5/ad_accounts/${PINTEREST_FAKE_AD_ACCOUNT}/events`);
		expect(requests[0].query).toEqual({});
		expect(requests[0].headers.authorization).toBe(`Bearer ${PINTEREST_FAKE_TOKEN}`);

		const purchase = recorded(String(items[0].json.conversionId))!.event as unknown as SentEvent;
		expect(purchase.event_name).toBe('checkout');
		expect(purchase.action_source).toBe('web');
		expect(String(purchase.event_time)).toMatch(/^\d{10}$/);
		expect(Math.abs(purchase.event_time - Math.floor((Date.now() - HOUR) / 1000))).toBeLessThan(120);
		expect(purchase.user_data.em).toEqual([expect.stringMatching(HEX64)]);
		expect(purchase.user_data.ph).toEqual([expect.stringMatching(HEX64)]);
		expect(purchase.user_data).toMatchObject({
			click_id: 'dj0yJnU9cGluX2Mx',
			client_ip_address: '203.0.113.50',
			client_user_agent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0)',
		});
		expect(JSON.stringify(purchase)).not.toMatch(/jane|415/i);
		expect(purchase.custom_data).toEqual({
			value: '39.5',
			currency: 'USD',
			order_id: 'ORD-1',
		});
		expect(purchase.event_source_url).toBe('https://blog.example.com/best-hosting');
		const lead = recorded(String(items[1].json.conversionId))!.event as unknown as SentEvent;
		expect(lead).toMatchObject({
			event_name: 'lead',
			user_data: { click_id: 'dj0yLead' },
		});
	});

	it('the same items again: Pinterest keeps the first of each event_id', async () => {
		const before = fake.events.length;
		const result = await runDestination(PINTEREST, items.slice(0, 1), parameters(), credential);
		expect(result.sent).toHaveLength(1);
		expect(fake.events.length).toBe(before);
		expect(fake.duplicates.map((entry) => entry.event.event_id)).toContain(items[0].json.conversionId);
	});

	it('Test Mode sends with ?test=true: validated, not recorded', async () => {
		const { item } = await funnelItem(
			db.store(),
			{
				click_id: 'pin_c3',
				transaction_id: 'PIN-T3',
				commission: '5',
				occurred_at: ago(HOUR),
			},
			adClick('pin_c3', ago(2 * HOUR)),
		);
		const result = await runDestination(PINTEREST, [item], parameters({ testMode: true }), credential);
		expect(forwardOf(result.sent[0])).toMatchObject({ outcome: 'sent' });
		expect(fake.eventRequests().at(-1)!.query).toEqual({ test: 'true' });
		expect(recorded(String(item.json.conversionId))).toBeUndefined();
		expect(fake.testEvents.map((entry) => entry.event.event_id)).toContain(item.json.conversionId);
	});

	it('the Click ID override sets the epik; events older than 7 days are not sent', async () => {
		const { item } = await funnelItem(db.store(), {
			click_id: 'pin_c4',
			transaction_id: 'PIN-T4',
			commission: '5',
			occurred_at: ago(HOUR),
			email: 'x@y.example',
		});
		const result = await runDestination(PINTEREST, [item], parameters({ overrides: { clickId: 'dj0yOverride' } }), credential);
		expect(forwardOf(result.sent[0])).toMatchObject({ outcome: 'sent' });
		expect((recorded(String(item.json.conversionId))!.event as unknown as SentEvent).user_data.click_id).toBe('dj0yOverride');

		const old = await funnelItem(db.store(), {
			click_id: 'pin_c5',
			transaction_id: 'PIN-T5',
			commission: '5',
			occurred_at: ago(8 * DAY),
			email: 'old@y.example',
		});
		const stale = await runDestination(PINTEREST, [old.item], parameters(), credential);
		expect(forwardOf(stale.failed[0])).toMatchObject({
			outcome: 'failed',
			code: 'event_too_old',
		});
	});

	it('a Click Tracker click is not a Pinterest conversion', async () => {
		const click = await clickTrackerItem(db.path(), { epik: 'dj0yClick' });
		const result = await runDestination(PINTEREST, [click], parameters(), credential);
		expect(runError(result.run)).toBeUndefined();
		expect(result.sent).toEqual([]);
		expect(forwardOf(result.failed[0])).toMatchObject({
			platform: 'pinterest',
			outcome: 'failed',
			code: 'not_a_conversion',
		});
	});

	it('throttling is retried; still throttled after 4 attempts, the item is Failed with outcome retry', async () => {
		const { item } = await funnelItem(
			db.store(),
			{
				click_id: 'pin_c6',
				transaction_id: 'PIN-T6',
				commission: '5',
				occurred_at: ago(HOUR),
			},
			adClick('pin_c6', ago(2 * HOUR)),
		);
		const before = fake.eventRequests().length;
		fake.failNext(4, 429);
		const result = await runDestination(PINTEREST, [item], parameters(), credential);
		expect(fake.eventRequests().length - before).toBe(4);
		expect(forwardOf(result.failed[0])).toMatchObject({
			outcome: 'retry',
			code: 'pinterest_8',
			reason: expect.stringContaining('gave up after 4 attempts'),
		});
		const again = await runDestination(PINTEREST, [item], parameters(), credential);
		expect(forwardOf(again.sent[0])).toMatchObject({ outcome: 'sent' });
	}, 20_000);

	it('a bad Ad Account ID fails the node with its itemIndex; with continue on fail the item is Failed', async () => {
		const { item } = await funnelItem(
			db.store(),
			{
				click_id: 'pin_c7',
				transaction_id: 'PIN-T7',
				commission: '5',
				occurred_at: ago(HOUR),
			},
			adClick('pin_c7', ago(2 * HOUR)),
		);
		const stopped = await runDestination(PINTEREST, [item], parameters({ adAccountId: 'act_123' }), credential);
		expect(runError(stopped.run)).toMatchObject({
			name: 'NodeOperationError',
			message: 'Ad Account ID "act_123" is not a Pinterest ad account ID',
			context: { itemIndex: 0 },
		});

		const continued = await runDestination(PINTEREST, [item], parameters({ adAccountId: ' ' }), credential, { onError: 'continueRegularOutput' });
		expect(runError(continued.run)).toBeUndefined();
		expect(continued.sent).toEqual([]);
		expect(continued.failed).toEqual([
			{
				json: {
					...item.json,
					forward: {
						platform: 'pinterest',
						outcome: 'failed',
						code: 'configuration',
						reason: 'Ad Account ID is empty',
					},
				},
				pairedItem: { item: 0 },
			},
		]);
	});

	it('a token Pinterest refuses: Failed with the credential hint', async () => {
		const { item } = await funnelItem(
			db.store(),
			{
				click_id: 'pin_c8',
				transaction_id: 'PIN-T8',
				commission: '5',
				occurred_at: ago(HOUR),
			},
			adClick('pin_c8', ago(2 * HOUR)),
		);
		const result = await runDestination(PINTEREST, [item], parameters(), {
			...credential,
			accessToken: 'pina_revoked',
		});
		expect(forwardOf(result.failed[0])).toMatchObject({
			outcome: 'failed',
			code: 'pinterest_2',
			reason: expect.stringContaining('Pinterest Conversions API credential'),
		});
	});
});

describe('Pinterest Conversions API credential: its Test request against the fake', () => {
	it('one test-mode event with the Bearer token: 200, nothing recorded', async () => {
		const before = fake.events.length;
		const result = await runCredentialTestRequest('pinterestConversionsApi', credential);
		expect(result).toMatchObject({
			status: 'OK',
			statusCode: 200,
			body: { num_events_received: 1, num_events_processed: 1 },
		});
		const url = new URL(result.url);
		expect(url.pathname).toBe(`/v5/ad_accounts/${PINTEREST_FAKE_AD_ACCOUNT}/events`);
		expect(url.searchParams.get('test')).toBe('true');
		expect(result.headers.Authorization).toBe(`Bearer ${PINTEREST_FAKE_TOKEN}`);
		expect(fake.events.length).toBe(before);
	});

	it('a wrong token: HTTP 401, a failed test', async () => {
		const result = await runCredentialTestRequest('pinterestConversionsApi', {
			...credential,
			accessToken: 'pina_wrong',
		});
		expect(result).toMatchObject({
			status: 'Error',
			statusCode: 401,
			body: { code: 2 },
		});
	});
});
