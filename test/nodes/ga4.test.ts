import type { INodeExecutionData } from 'n8n-workflow';
import { platformNodeClass } from '../../nodes/shared/platform-classes';
import { GA4_FAKE_API_SECRET, GA4_FAKE_MEASUREMENT_ID, type Ga4Fake, startGa4Fake } from '../fakes/ga4';
import { DAY, HOUR, adClick, ago, clickTrackerItem, forwardOf, funnelItem, runDestination, runError, useTrackingStore } from './destination-helpers';
import { runCredentialTestRequest } from './harness';

const Ga4MeasurementProtocol = platformNodeClass('ga4');

const GA4 = {
	type: 'n8n-nodes-postback.ga4MeasurementProtocol',
	name: 'GA4 Measurement Protocol',
	nodeType: new Ga4MeasurementProtocol(),
	credentialType: 'ga4MeasurementProtocolApi',
};
const HEX64 = /^[a-f0-9]{64}$/;

const db = useTrackingStore();
let fake: Ga4Fake;
let credential: { apiSecret: string; baseUrl: string };

beforeAll(async () => {
	fake = await startGa4Fake();
	credential = { apiSecret: GA4_FAKE_API_SECRET, baseUrl: `${fake.url}/` };
});
afterAll(async () => {
	await fake.close();
});

const recorded = (eventId: string) => fake.events.find((entry) => entry.event.params?.transaction_id === eventId);
const parameters = (extra: Record<string, unknown> = {}) => ({
	measurementId: GA4_FAKE_MEASUREMENT_ID,
	...extra,
});

describe('GA4 Measurement Protocol node, funnel items through WorkflowExecute to the strict fake', () => {
	let items: INodeExecutionData[];
	beforeAll(async () => {
		const store = db.store();
		const purchase = await funnelItem(
			store,
			{
				click_id: 'ga_c1',
				transaction_id: 'GA-T1',
				commission: '39.50',
				amount: '79',
				order_id: 'ORD-1',
				occurred_at: ago(HOUR),
				email: 'Jane.Doe@GMail.com',
				phone: '(415) 555-0100',
			},
			adClick('ga_c1', ago(2 * HOUR)),
		);
		const lead = await funnelItem(
			store,
			{
				click_id: 'ga_c2',
				transaction_id: 'GA-T2',
				event_name: 'Lead',
				commission: '0',
				occurred_at: ago(HOUR),
			},
			adClick('ga_c2', ago(3 * HOUR)),
		);
		const reversal = await funnelItem(store, {
			click_id: 'ga_c1',
			transaction_id: 'GA-T1',
			commission: '-39.50',
			amount: '-79',
			occurred_at: ago(HOUR / 2),
		});
		expect([purchase.output, lead.output, reversal.output]).toEqual(['purchase', 'lead', 'reversal']);
		items = [purchase.item, lead.item, reversal.item];
	});

	it('sends purchase and lead (hashed user data, microseconds, one client id per click), the reversal goes to Failed', async () => {
		const result = await runDestination(GA4, items, parameters(), credential);
		expect(runError(result.run)).toBeUndefined();
		expect(result.sent.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
		expect(result.failed.map((item) => item.pairedItem)).toEqual([{ item: 2 }]);
		expect(result.collected.sent!.map((item) => item.json)).toEqual(result.sent.map((item) => item.json));
		for (const item of result.sent)
			expect(forwardOf(item)).toEqual({
				platform: 'ga4',
				outcome: 'sent',
				eventId: item.json.conversionId,
			});
		expect(forwardOf(result.failed[0])).toMatchObject({
			platform: 'ga4',
			outcome: 'failed',
			code: 'not_a_conversion',
			reason: expect.stringContaining('reversed'),
		});
		expect(fake.dropped).toEqual([]);

		// Two clicks → two client ids → two requests, the secret in the query only.
		const requests = fake.collectRequests();
		expect(requests).toHaveLength(2);
		for (const request of requests)
			expect(request.query).toEqual({
				measurement_id: GA4_FAKE_MEASUREMENT_ID,
				api_secret: GA4_FAKE_API_SECRET,
			});

		const purchase = recorded(String(items[0].json.conversionId))!;
		expect(purchase.event.name).toBe('purchase');
		expect(purchase.event.params).toMatchObject({
			value: 39.5,
			currency: 'USD',
			page_location: 'https://blog.example.com/best-hosting',
		});
		expect(String(purchase.timestampMicros)).toMatch(/^\d{16}$/);
		expect(Math.abs(purchase.timestampMicros / 1000 - (Date.now() - HOUR))).toBeLessThan(120_000);
		expect(purchase.userData).toEqual({
			sha256_email_address: [expect.stringMatching(HEX64)],
			sha256_phone_number: [expect.stringMatching(HEX64)],
		});
		expect(purchase.clientId).toMatch(/^\d+\.\d{10}$/);
		const lead = recorded(String(items[1].json.conversionId))!;
		expect(lead.event.name).toBe('generate_lead');
		expect(lead.clientId).not.toBe(purchase.clientId);
	});

	it('the Client ID setting replaces the derived one; the same purchase again is kept once by GA4', async () => {
		const result = await runDestination(GA4, items.slice(0, 1), parameters({ clientId: '={{ "111222333.1700000000" }}' }), credential);
		expect(result.sent).toHaveLength(1);
		expect(fake.collectRequests().at(-1)!.body).toMatchObject({
			client_id: '111222333.1700000000',
		});
		expect(fake.duplicates.map((entry) => entry.event.params?.transaction_id)).toContain(items[0].json.conversionId);
	});

	it('events older than 72 hours and Click Tracker clicks are not sent', async () => {
		const { item } = await funnelItem(db.store(), {
			click_id: 'ga_c3',
			transaction_id: 'GA-T3',
			commission: '5',
			occurred_at: ago(4 * DAY),
			email: 'old@c.example',
		});
		const click = await clickTrackerItem(db.path(), { gclid: 'Cj0-click' });
		const before = fake.collectRequests().length;
		const result = await runDestination(GA4, [item, click], parameters(), credential);
		expect(result.sent).toEqual([]);
		expect(result.failed.map((failed) => forwardOf(failed).code)).toEqual(['event_too_old', 'not_a_conversion']);
		expect(fake.collectRequests().length).toBe(before);
	});

	it('Validate Only sends to the validation server, records nothing, and reports events as validated', async () => {
		const { item } = await funnelItem(
			db.store(),
			{
				click_id: 'ga_c4',
				transaction_id: 'GA-T4',
				commission: '5',
				occurred_at: ago(HOUR),
			},
			adClick('ga_c4', ago(2 * HOUR)),
		);
		const before = fake.events.length;
		const result = await runDestination(
			GA4,
			[item],
			parameters({
				validateOnly: true,
				overrides: { eventName: 'affiliate_sale' },
			}),
			credential,
		);
		expect(forwardOf(result.sent[0])).toMatchObject({
			outcome: 'sent',
			code: 'validated',
		});
		expect(fake.debugRequests().at(-1)!.body).toMatchObject({
			events: [{ name: 'affiliate_sale' }],
		});
		expect(fake.events.length).toBe(before);
	});

	it('a reserved event name override is held back with a clear code', async () => {
		const { item } = await funnelItem(
			db.store(),
			{
				click_id: 'ga_c5',
				transaction_id: 'GA-T5',
				commission: '5',
				occurred_at: ago(HOUR),
			},
			adClick('ga_c5', ago(2 * HOUR)),
		);
		const result = await runDestination(GA4, [item], parameters({ overrides: { eventName: 'page_view' } }), credential);
		expect(forwardOf(result.failed[0])).toMatchObject({
			outcome: 'failed',
			code: 'reserved_event_name',
		});
	});

	it('throttling is retried; still throttled after 4 attempts, the item is Failed with outcome retry', async () => {
		const { item } = await funnelItem(
			db.store(),
			{
				click_id: 'ga_c6',
				transaction_id: 'GA-T6',
				commission: '5',
				occurred_at: ago(HOUR),
			},
			adClick('ga_c6', ago(2 * HOUR)),
		);
		const before = fake.collectRequests().length;
		fake.failNext(4, 429);
		const result = await runDestination(GA4, [item], parameters(), credential);
		expect(fake.collectRequests().length - before).toBe(4);
		expect(forwardOf(result.failed[0])).toMatchObject({
			platform: 'ga4',
			outcome: 'retry',
			code: 'http_429',
			reason: expect.stringContaining('gave up after 4 attempts'),
		});
		const again = await runDestination(GA4, [item], parameters(), credential);
		expect(forwardOf(again.sent[0])).toMatchObject({ outcome: 'sent' });
	}, 20_000);

	it('a bad Measurement ID fails the node with the item index; with continue on fail it becomes a Failed item', async () => {
		const { item } = await funnelItem(
			db.store(),
			{
				click_id: 'ga_c7',
				transaction_id: 'GA-T7',
				commission: '5',
				occurred_at: ago(HOUR),
			},
			adClick('ga_c7', ago(2 * HOUR)),
		);
		const stopped = await runDestination(GA4, [item], parameters({ measurementId: 'UA-12345-1' }), credential);
		expect(runError(stopped.run)).toMatchObject({
			name: 'NodeOperationError',
			message: expect.stringContaining('is not a GA4 Measurement ID'),
			context: { itemIndex: 0 },
		});

		const empty = await runDestination(GA4, [item], parameters({ measurementId: ' ' }), credential);
		expect(runError(empty.run)).toMatchObject({
			message: 'Measurement ID is empty',
			context: { itemIndex: 0 },
		});

		const continued = await runDestination(GA4, [item], parameters({ measurementId: 'UA-12345-1' }), credential, { onError: 'continueRegularOutput' });
		expect(runError(continued.run)).toBeUndefined();
		expect(continued.sent).toEqual([]);
		expect(forwardOf(continued.failed[0])).toMatchObject({
			platform: 'ga4',
			outcome: 'failed',
			code: 'configuration',
			reason: expect.stringContaining('UA-12345-1'),
		});
	});
});

describe('GA4 Measurement Protocol credential: its Test request against the fake', () => {
	it('POSTs to the validation server with api_secret in the query: 200 answers pass', async () => {
		const result = await runCredentialTestRequest('ga4MeasurementProtocolApi', credential);
		expect(result).toMatchObject({ status: 'OK', statusCode: 200 });
		const url = new URL(result.url);
		expect(url.pathname).toBe('/debug/mp/collect');
		expect(url.searchParams.get('api_secret')).toBe(GA4_FAKE_API_SECRET);
	});

	it('a Base URL that is not GA4 fails; a wrong secret cannot be detected (GA4 never says)', async () => {
		const wrongHost = await runCredentialTestRequest('ga4MeasurementProtocolApi', { ...credential, baseUrl: `${fake.url}/not-ga4` });
		expect(wrongHost).toMatchObject({ status: 'Error', statusCode: 404 });
		const wrongSecret = await runCredentialTestRequest('ga4MeasurementProtocolApi', { ...credential, apiSecret: 'wrong' });
		expect(wrongSecret.status).toBe('OK');
	});
});
