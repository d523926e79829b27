import type { INodeExecutionData } from 'n8n-workflow';
import { platformNodeClass } from '../../nodes/shared/platform-classes';
import { TIKTOK_FAKE_PIXEL, TIKTOK_FAKE_TOKEN, type TikTokFake, startTikTokFake } from '../fakes/tiktok';
import { DAY, HOUR, adClick, ago, clickTrackerItem, forwardOf, funnelItem, runDestination, runError, useTrackingStore } from './destination-helpers';
import { runCredentialTestRequest } from './harness';

const TikTokEvents = platformNodeClass('tiktok');

const TIKTOK = { type: 'n8n-nodes-postback.tikTokEvents', name: 'TikTok Events API', nodeType: new TikTokEvents(), credentialType: 'tikTokEventsApi' };
const HEX64 = /^[a-f0-9]{64}$/;

const db = useTrackingStore();
let fake: TikTokFake;
let credential: { accessToken: string; baseUrl: string };

beforeAll(async () => {
	fake = await startTikTokFake();
	credential = { accessToken: TIKTOK_FAKE_TOKEN, baseUrl: `${fake.url}/` };
});
afterAll(async () => {
	await fake.close();
});

const recorded = (eventId: string) => fake.events.find((entry) => entry.event.event_id === eventId);
const parameters = (extra: Record<string, unknown> = {}) => ({ pixelCode: TIKTOK_FAKE_PIXEL, ...extra });

describe('TikTok Events API node, funnel items through WorkflowExecute to the strict fake', () => {
	let items: INodeExecutionData[];
	beforeAll(async () => {
		const store = db.store();
		const purchase = await funnelItem(
			store,
			{
				click_id: 'tt_c1',
				transaction_id: 'TT-T1',
				commission: '39.50',
				amount: '79',
				order_id: 'ORD-1',
				occurred_at: ago(HOUR),
				email: 'Jane.Doe@Example.com',
				phone: '(415) 555-0100',
			},
			adClick('tt_c1', ago(2 * HOUR)),
		);
		const lead = await funnelItem(
			store,
			{ click_id: 'tt_c2', transaction_id: 'TT-T2', event_name: 'Lead', commission: '0', occurred_at: ago(HOUR) },
			adClick('tt_c2', ago(3 * HOUR)),
		);
		const noClick = await funnelItem(store, { click_id: 'tt_unknown', transaction_id: 'TT-T3', commission: '5', occurred_at: ago(HOUR), email: 'b@c.example' });
		const reversal = await funnelItem(store, { click_id: 'tt_c1', transaction_id: 'TT-T1', commission: '-39.50', amount: '-79', occurred_at: ago(HOUR / 2) });
		expect([purchase.output, lead.output, noClick.output, reversal.output]).toEqual(['purchase', 'lead', 'purchase', 'reversal']);
		items = [purchase.item, lead.item, noClick.item, reversal.item];
	});

	it('sends conversions as TikTok events (hashed user data, seconds), fails the reversal, pairedItem on every item', async () => {
		const result = await runDestination(TIKTOK, items, parameters({ testEventCode: 'TEST42' }), credential);
		expect(runError(result.run)).toBeUndefined();
		expect(result.sent.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		expect(result.failed.map((item) => item.pairedItem)).toEqual([{ item: 3 }]);
		// Through the engine to the nodes connected to each output.
		expect(result.collected.sent!.map((item) => item.json)).toEqual(result.sent.map((item) => item.json));
		expect(result.collected.failed!.map((item) => item.json)).toEqual(result.failed.map((item) => item.json));
		for (const item of result.sent) expect(forwardOf(item)).toEqual({ platform: 'tiktok', outcome: 'sent', eventId: item.json.conversionId });
		expect(forwardOf(result.failed[0])).toMatchObject({
			platform: 'tiktok',
			outcome: 'failed',
			code: 'not_a_conversion',
			reason: expect.stringContaining('reversed'),
		});

		// One request with the token in the Access-Token header only.
		const requests = fake.trackRequests();
		expect(requests).toHaveLength(1);
		expect(requests[0].headers['access-token']).toBe(TIKTOK_FAKE_TOKEN);
		expect(requests[0].headers.authorization).toBeUndefined();
		expect(requests[0].body).toMatchObject({ event_source: 'web', event_source_id: TIKTOK_FAKE_PIXEL, test_event_code: 'TEST42' });

		const purchase = recorded(String(items[0].json.conversionId))!;
		expect(purchase.testEventCode).toBe('TEST42');
		const event = purchase.event as { event: string; event_time: number; user: Record<string, string>; properties: unknown; page: unknown };
		expect(event.event).toBe('CompletePayment');
		expect(String(event.event_time)).toMatch(/^\d{10}$/);
		expect(Math.abs(event.event_time - Math.floor((Date.now() - HOUR) / 1000))).toBeLessThan(120);
		expect(event.user.email).toMatch(HEX64);
		expect(event.user.phone).toMatch(HEX64);
		expect(event.user).toMatchObject({
			ttclid: 'E.C.P.tt_c1',
			ttp: 'ttp-cookie-1',
			ip: '203.0.113.50',
			user_agent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0)',
		});
		expect(event.properties).toEqual({ value: 39.5, currency: 'USD', order_id: 'ORD-1' });
		expect(event.page).toEqual({ url: 'https://blog.example.com/best-hosting' });
		expect(recorded(String(items[1].json.conversionId))!.event).toMatchObject({ event: 'Lead' });
		expect((recorded(String(items[2].json.conversionId))!.event as { user: Record<string, string> }).user).toEqual({ email: expect.stringMatching(HEX64) });
	});

	it('the same items again: TikTok keeps the first of each event + event_id', async () => {
		const before = fake.events.length;
		const result = await runDestination(TIKTOK, items.slice(0, 1), parameters(), credential);
		expect(result.sent).toHaveLength(1);
		expect(fake.events.length).toBe(before);
		expect(fake.duplicates.map((entry) => entry.event.event_id)).toContain(items[0].json.conversionId);
	});

	it('offline events older than 28 days are not sent', async () => {
		const { item } = await funnelItem(db.store(), {
			click_id: 'tt_c4',
			transaction_id: 'TT-T4',
			commission: '5',
			occurred_at: ago(30 * DAY),
			email: 'old@c.example',
		});
		const result = await runDestination(TIKTOK, [item], parameters({ eventSource: 'offline' }), credential);
		expect(result.sent).toEqual([]);
		expect(forwardOf(result.failed[0])).toMatchObject({ outcome: 'failed', code: 'event_too_old' });
	});

	it('throttling is retried with backoff; still throttled after 4 attempts, the item is Failed with outcome retry', async () => {
		const { item } = await funnelItem(
			db.store(),
			{ click_id: 'tt_c5', transaction_id: 'TT-T5', commission: '5', occurred_at: ago(HOUR) },
			adClick('tt_c5', ago(2 * HOUR)),
		);
		const requestsBefore = fake.trackRequests().length;
		fake.failNext(4, 'rate_limit');
		const result = await runDestination(TIKTOK, [item], parameters(), credential);
		expect(fake.trackRequests().length - requestsBefore).toBe(4);
		expect(result.sent).toEqual([]);
		expect(forwardOf(result.failed[0])).toMatchObject({
			platform: 'tiktok',
			outcome: 'retry',
			code: 'tiktok_40100',
			reason: expect.stringContaining('gave up after 4 attempts'),
		});

		// Next time it goes through.
		const again = await runDestination(TIKTOK, [item], parameters(), credential);
		expect(forwardOf(again.sent[0])).toMatchObject({ outcome: 'sent' });
	}, 20_000);

	it('a Click Tracker click goes as OutboundClick with its ttclid, ip, user agent and page', async () => {
		const click = await clickTrackerItem(db.path(), { ttclid: 'E.C.P.clicktest' });
		const result = await runDestination(TIKTOK, [click], parameters(), credential);
		expect(runError(result.run)).toBeUndefined();
		expect(result.failed).toEqual([]);
		expect(result.sent[0].pairedItem).toEqual({ item: 0 });
		const eventId = `click_${String(click.json.clickId)}`;
		expect(forwardOf(result.sent[0])).toEqual({ platform: 'tiktok', outcome: 'sent', eventId });
		const event = recorded(eventId)!.event as { event: string; event_time: number; user: Record<string, string>; page: unknown };
		expect(event.event).toBe('OutboundClick');
		expect(String(event.event_time)).toMatch(/^\d{10}$/);
		expect(event.user).toMatchObject({ ttclid: 'E.C.P.clicktest', ttp: 'ttp-click', user_agent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)' });
		expect(event.user.external_id).toMatch(HEX64);
		expect(event.page).toEqual({ url: 'https://blog.example.com/review', referrer: 'https://blog.example.com/review' });
	});

	it('a configuration error fails the node; with continue on fail each item becomes a Failed item', async () => {
		const { item } = await funnelItem(
			db.store(),
			{ click_id: 'tt_c6', transaction_id: 'TT-T6', commission: '5', occurred_at: ago(HOUR) },
			adClick('tt_c6', ago(2 * HOUR)),
		);
		const stopped = await runDestination(TIKTOK, [item], parameters({ pixelCode: ' ' }), credential);
		expect(runError(stopped.run)).toMatchObject({ name: 'NodeOperationError', message: 'Pixel Code is empty', context: { itemIndex: 0 } });

		const continued = await runDestination(TIKTOK, [item], parameters({ pixelCode: ' ' }), credential, { onError: 'continueRegularOutput' });
		expect(runError(continued.run)).toBeUndefined();
		expect(continued.sent).toEqual([]);
		expect(continued.failed).toEqual([
			{
				json: { ...item.json, forward: { platform: 'tiktok', outcome: 'failed', code: 'configuration', reason: 'Pixel Code is empty' } },
				pairedItem: { item: 0 },
			},
		]);
	});

	it('a token TikTok refuses: Failed with the credential hint', async () => {
		const { item } = await funnelItem(
			db.store(),
			{ click_id: 'tt_c7', transaction_id: 'TT-T7', commission: '5', occurred_at: ago(HOUR) },
			adClick('tt_c7', ago(2 * HOUR)),
		);
		const result = await runDestination(TIKTOK, [item], parameters(), { ...credential, accessToken: 'revoked-token' });
		expect(forwardOf(result.failed[0])).toMatchObject({
			outcome: 'failed',
			code: 'tiktok_40105',
			reason: expect.stringContaining('TikTok Events API credential'),
		});
	});
});

describe('TikTok Events API credential: its Test request against the fake', () => {
	it('GET /open_api/v1.3/user/info/ with the Access-Token header: 200 and code 0', async () => {
		const result = await runCredentialTestRequest('tikTokEventsApi', credential);
		expect(result).toMatchObject({ status: 'OK', statusCode: 200, body: { code: 0 } });
		expect(new URL(result.url).pathname).toBe('/open_api/v1.3/user/info/');
		expect(result.headers['Access-Token']).toBe(TIKTOK_FAKE_TOKEN);
	});

	it('a revoked token: HTTP 200 with code 40105, which the rules turn into a failed test', async () => {
		const result = await runCredentialTestRequest('tikTokEventsApi', { ...credential, accessToken: 'revoked-token' });
		expect(result).toMatchObject({
			status: 'Error',
			statusCode: 200,
			body: { code: 40105 },
			message: 'TikTok says the access token is incorrect or has been revoked',
		});
	});
});
