import type { INodeExecutionData } from 'n8n-workflow';
import { platformNodeClass } from '../../nodes/shared/platform-classes';
import { SNAPCHAT_FAKE_PIXEL, SNAPCHAT_FAKE_TOKEN, type SnapchatFake, startSnapchatFake } from '../fakes/snapchat';
import { DAY, HOUR, adClick, ago, clickTrackerItem, forwardOf, funnelItem, runDestination, runError, useTrackingStore } from './destination-helpers';
import { runCredentialTestRequest } from './harness';

const SnapchatConversions = platformNodeClass('snapchat');

const SNAPCHAT = {
	type: 'n8n-nodes-postback.snapchatConversions',
	name: 'Snapchat Conversions API',
	nodeType: new SnapchatConversions(),
	credentialType: 'snapchatConversionsApi',
};
const HEX64 = /^[a-f0-9]{64}$/;

const db = useTrackingStore();
let fake: SnapchatFake;
let credential: { accessToken: string; baseUrl: string; testPixelId: string };

beforeAll(async () => {
	fake = await startSnapchatFake();
	credential = {
		accessToken: SNAPCHAT_FAKE_TOKEN,
		baseUrl: `${fake.url}/`,
		testPixelId: SNAPCHAT_FAKE_PIXEL,
	};
});
afterAll(async () => {
	await fake.close();
});

const recorded = (eventId: string) => fake.events.find((entry) => entry.event.event_id === eventId);
const parameters = (extra: Record<string, unknown> = {}) => ({
	pixelId: SNAPCHAT_FAKE_PIXEL,
	...extra,
});
const snapClick = (clickId: string, at: string) => adClick(clickId, at, { sccid: `sc-${clickId}-7b3a7917` });

describe('Snapchat Conversions API node, funnel items through WorkflowExecute to the strict fake', () => {
	let items: INodeExecutionData[];
	beforeAll(async () => {
		const store = db.store();
		const purchase = await funnelItem(
			store,
			{
				click_id: 'sc_c1',
				transaction_id: 'SC-T1',
				commission: '39.50',
				amount: '79',
				order_id: 'ORD-1',
				occurred_at: ago(HOUR),
				email: 'Jane.Doe@Example.com',
				phone: '(415) 555-0100',
			},
			snapClick('sc_c1', ago(2 * HOUR)),
		);
		const lead = await funnelItem(
			store,
			{
				click_id: 'sc_c2',
				transaction_id: 'SC-T2',
				event_name: 'Lead',
				commission: '0',
				occurred_at: ago(HOUR),
			},
			snapClick('sc_c2', ago(3 * HOUR)),
		);
		const reversal = await funnelItem(store, {
			click_id: 'sc_c1',
			transaction_id: 'SC-T1',
			commission: '-39.50',
			amount: '-79',
			occurred_at: ago(HOUR / 2),
		});
		expect([purchase.output, lead.output, reversal.output]).toEqual(['purchase', 'lead', 'reversal']);
		items = [purchase.item, lead.item, reversal.item];
	});

	it('sends conversions as Snapchat events (hashed lists, seconds, the ScCid raw), skips the reversal, pairedItem on every item', async () => {
		const result = await runDestination(SNAPCHAT, items, parameters(), credential);
		expect(runError(result.run)).toBeUndefined();
		expect(result.sent.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
		expect(result.failed.map((item) => item.pairedItem)).toEqual([{ item: 2 }]);
		expect(result.collected.sent!.map((item) => item.json)).toEqual(result.sent.map((item) => item.json));
		for (const item of result.sent)
			expect(forwardOf(item)).toEqual({
				platform: 'snapchat',
				outcome: 'sent',
				eventId: item.json.conversionId,
			});
		expect(forwardOf(result.failed[0])).toMatchObject({
			platform: 'snapchat',
			outcome: 'failed',
			code: 'not_a_conversion',
			reason: expect.stringContaining('reversed'),
		});

		// One request, the token as the access_token query parameter only.
		const requests = fake.eventRequests();
		expect(requests).toHaveLength(1);
		expect(requests[0].path).toBe(`/v3/${SNAPCHAT_FAKE_PIXEL}/events`);
		expect(requests[0].query).toEqual({ access_token: SNAPCHAT_FAKE_TOKEN });
		expect(requests[0].headers.authorization).toBeUndefined();

		const event = recorded(String(items[0].json.conversionId))!.event as {
			event_name: string;
			event_time: number;
			action_source: string;
			event_source_url: string;
			user_data: Record<string, unknown>;
			custom_data: unknown;
		};
		expect(event.event_name).toBe('PURCHASE');
		expect(event.action_source).toBe('WEB');
		expect(String(event.event_time)).toMatch(/^\d{10}$/);
		expect(Math.abs(event.event_time - Math.floor((Date.now() - HOUR) / 1000))).toBeLessThan(120);
		expect(event.user_data.em).toEqual([expect.stringMatching(HEX64)]);
		expect(event.user_data.ph).toEqual([expect.stringMatching(HEX64)]);
		expect(event.user_data).toMatchObject({
			sc_click_id: 'sc-sc_c1-7b3a7917',
			client_ip_address: '203.0.113.50',
			client_user_agent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0)',
		});
		expect(event.event_source_url).toBe('https://blog.example.com/best-hosting');
		expect(event.custom_data).toEqual({
			value: 39.5,
			currency: 'USD',
			order_id: 'ORD-1',
		});
		expect(recorded(String(items[1].json.conversionId))!.event).toMatchObject({
			event_name: 'SIGN_UP',
			user_data: { sc_click_id: 'sc-sc_c2-7b3a7917' },
		});
	});

	it('the same items again: Snapchat keeps the first of each event_id', async () => {
		const before = fake.events.length;
		const result = await runDestination(SNAPCHAT, items.slice(0, 1), parameters(), credential);
		expect(result.sent).toHaveLength(1);
		expect(fake.events.length).toBe(before);
		expect(fake.duplicates.map((entry) => entry.event.event_id)).toContain(items[0].json.conversionId);
	});

	it('Validate Only sends to the Test Event Tool; the Click ID override reaches sc_click_id', async () => {
		const { item } = await funnelItem(
			db.store(),
			{
				click_id: 'sc_c3',
				transaction_id: 'SC-T3',
				commission: '5',
				occurred_at: ago(HOUR),
				email: 'v@c.example',
			},
			adClick('sc_c3', ago(2 * HOUR)),
		);
		const before = fake.events.length;
		const result = await runDestination(
			SNAPCHAT,
			[item],
			parameters({
				validateOnly: true,
				overrides: { clickId: 'override-sccid-1' },
			}),
			credential,
		);
		expect(forwardOf(result.sent[0])).toMatchObject({ outcome: 'sent' });
		expect(fake.events.length).toBe(before);
		expect(fake.validated.at(-1)!.event).toMatchObject({
			user_data: { sc_click_id: 'override-sccid-1' },
		});
		expect(fake.eventRequests().at(-1)!.path).toBe(`/v3/${SNAPCHAT_FAKE_PIXEL}/events/validate`);
	});

	it('events older than 37 days and Click Tracker clicks are not sent, with clear codes', async () => {
		const { item } = await funnelItem(db.store(), {
			click_id: 'sc_c4',
			transaction_id: 'SC-T4',
			commission: '5',
			occurred_at: ago(40 * DAY),
			email: 'old@c.example',
		});
		const click = await clickTrackerItem(db.path(), { ScCid: 'sc-click-test' });
		const result = await runDestination(SNAPCHAT, [item, click], parameters({ eventSourceUrl: 'https://deals.example.com/' }), credential);
		expect(result.sent).toEqual([]);
		expect(result.failed.map((failed) => forwardOf(failed).code)).toEqual(['event_too_old', 'not_a_conversion']);
	});

	it('throttling is retried with backoff; still throttled after 4 attempts, the item is Failed with outcome retry', async () => {
		const { item } = await funnelItem(
			db.store(),
			{
				click_id: 'sc_c5',
				transaction_id: 'SC-T5',
				commission: '5',
				occurred_at: ago(HOUR),
			},
			snapClick('sc_c5', ago(2 * HOUR)),
		);
		const requestsBefore = fake.eventRequests().length;
		fake.failNext(4, 429);
		const result = await runDestination(SNAPCHAT, [item], parameters(), credential);
		expect(fake.eventRequests().length - requestsBefore).toBe(4);
		expect(result.sent).toEqual([]);
		expect(forwardOf(result.failed[0])).toMatchObject({
			platform: 'snapchat',
			outcome: 'retry',
			code: 'http_429',
			reason: expect.stringContaining('gave up after 4 attempts'),
		});
		const again = await runDestination(SNAPCHAT, [item], parameters(), credential);
		expect(forwardOf(again.sent[0])).toMatchObject({ outcome: 'sent' });
	}, 20_000);

	it('a configuration error fails the node with its item index; with continue on fail each item becomes a Failed item', async () => {
		const { item } = await funnelItem(
			db.store(),
			{
				click_id: 'sc_c6',
				transaction_id: 'SC-T6',
				commission: '5',
				occurred_at: ago(HOUR),
			},
			snapClick('sc_c6', ago(2 * HOUR)),
		);
		const stopped = await runDestination(SNAPCHAT, [item], parameters({ pixelId: ' ' }), credential);
		expect(runError(stopped.run)).toMatchObject({
			name: 'NodeOperationError',
			message: 'Pixel ID is empty',
			context: { itemIndex: 0 },
		});
		const badUrl = await runDestination(SNAPCHAT, [item], parameters({ eventSourceUrl: 'not a url' }), credential);
		expect(runError(badUrl.run)).toMatchObject({
			name: 'NodeOperationError',
			message: expect.stringContaining('Event Source URL'),
			context: { itemIndex: 0 },
		});

		const continued = await runDestination(SNAPCHAT, [item], parameters({ pixelId: ' ' }), credential, { onError: 'continueRegularOutput' });
		expect(runError(continued.run)).toBeUndefined();
		expect(continued.sent).toEqual([]);
		expect(continued.failed).toEqual([
			{
				json: {
					...item.json,
					forward: {
						platform: 'snapchat',
						outcome: 'failed',
						code: 'configuration',
						reason: 'Pixel ID is empty',
					},
				},
				pairedItem: { item: 0 },
			},
		]);
	});

	it('a token Snapchat refuses: Failed with the credential hint, the token nowhere in the item', async () => {
		const { item } = await funnelItem(
			db.store(),
			{
				click_id: 'sc_c7',
				transaction_id: 'SC-T7',
				commission: '5',
				occurred_at: ago(HOUR),
			},
			snapClick('sc_c7', ago(2 * HOUR)),
		);
		const result = await runDestination(SNAPCHAT, [item], parameters(), {
			...credential,
			accessToken: 'revoked-token',
		});
		expect(forwardOf(result.failed[0])).toMatchObject({
			outcome: 'failed',
			code: 'http_401',
			reason: expect.stringContaining('Snapchat Conversions API credential'),
		});
		expect(JSON.stringify(result.failed[0].json)).not.toContain('revoked-token');
	});
});

describe('Snapchat Conversions API credential: its Test request against the fake', () => {
	it('GET /v3/{pixel}/events/validate/stats with access_token in the query: 200 and SUCCESS', async () => {
		const result = await runCredentialTestRequest('snapchatConversionsApi', credential);
		expect(result).toMatchObject({
			status: 'OK',
			statusCode: 200,
			body: { status: 'SUCCESS' },
		});
		const url = new URL(result.url);
		expect(url.pathname).toBe(`/v3/${SNAPCHAT_FAKE_PIXEL}/events/validate/stats`);
		expect(url.searchParams.get('access_token')).toBe(SNAPCHAT_FAKE_TOKEN);
		expect(result.headers.Authorization).toBeUndefined();
	});

	it('a wrong token fails the test', async () => {
		const result = await runCredentialTestRequest('snapchatConversionsApi', {
			...credential,
			accessToken: 'revoked-token',
		});
		expect(result).toMatchObject({ status: 'Error', statusCode: 401 });
	});
});
