/**
 * The Pinterest destination: the request builder (body shape, units, hashing, batching, skips), the response
 * reader (per-event results, partial failure, auth, throttling, 5xx), and sendToPlatform against the strict fake.
 */
import { createHash } from 'node:crypto';
import {
	type EventResult,
	type ForwardableClick,
	type ForwardableConversion,
	type ForwardableEvent,
	type PlatformRequest,
	buildPlatformRequests,
	eventIdFor,
	planPlatformRequests,
	sendToPlatform,
} from '../../../src/destinations';
import { type PinterestBody, type PinterestConfig, PINTEREST_MAX_BATCH, pinterest, readPinterestResponse } from '../../../src/destinations/pinterest';
import { normalizeAndHash } from '../../../src/destinations/user-data';
import { PINTEREST_FAKE_AD_ACCOUNT, PINTEREST_FAKE_TOKEN, type PinterestFake, startPinterestFake } from '../../fakes/pinterest';
import { fetchSend } from '../../fakes/server';

const NOW = new Date('2024-06-01T12:00:00Z');
const ACCOUNT = PINTEREST_FAKE_AD_ACCOUNT;
const TOKEN = PINTEREST_FAKE_TOKEN;
const HEX64 = /^[a-f0-9]{64}$/;
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
/** Published by Meta; the same normalized strings hash the same for Pinterest (lower-case email, digits-only phone). */
const EMAIL_VECTOR = '62a14e44f765419d10fea99367361a727c12365e2520f32218d505ed9aa0f62f';
const PHONE_VECTOR = 'e323ec626319ca94ee8bff2e4c87cf613be6ea19919ed1364124e16807ab3176';

const config = (overrides: Partial<PinterestConfig> = {}): PinterestConfig => ({
	adAccountId: ACCOUNT,
	accessToken: TOKEN,
	defaultCountry: 'US',
	...overrides,
});

function conversion(overrides: Partial<ForwardableConversion> = {}): ForwardableConversion {
	return {
		network: 'shareasale',
		clickId: 'Zojr5qPF3fVk6VlfJbAcGeuHnxkcOst2gr',
		transactionId: '198198598',
		orderId: '2617207',
		networkEventType: 'SALE',
		eventName: 'Purchase',
		status: 'approved',
		amount: '79',
		commission: '39.50',
		currency: 'USD',
		occurredAt: '2024-05-31T00:57:45Z',
		receivedAt: '2024-05-31T00:58:00Z',
		affiliateId: null,
		offerId: null,
		merchantId: '87575',
		brandName: 'WP Engine',
		couponCode: null,
		ip: null,
		subIds: {},
		user: {
			email: '  John_Smith@Gmail.com ',
			phone: '(650) 555-1212',
			externalId: 'customer-42',
		},
		raw: { method: 'GET', query: {} },
		conversionId: 'conv_1',
		click: {
			clickId: 'Zojr5qPF3fVk6VlfJbAcGeuHnxkcOst2gr',
			clickedAt: '2024-05-30T10:00:00Z',
			epik: 'dj0yJnU9b2JDcFFHekV4SHJNcmVrbFBkUEdqakh0akdUT1VjVVUmcD0y',
			ip: '203.0.113.7',
			userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)',
			landingUrl: 'https://deals.example.com/wpengine?epik=dj0y',
		},
		destinationEvents: {
			meta: 'Purchase',
			tiktok: 'CompletePayment',
			pinterest: 'checkout',
		},
		...overrides,
	};
}

const click = (): ForwardableClick => ({
	clickId: 'clk_1',
	clickedAt: '2024-06-01T11:59:00Z',
	visitorId: 'vis_1',
	network: 'shareasale',
	offerId: 'wpengine',
	offerUrl: 'https://shareasale.com/r.cfm?b=1',
	epik: 'dj0yClick',
	ip: '198.51.100.23',
	userAgent: 'Mozilla/5.0',
});

const plan = (events: ForwardableEvent[], overrides: Partial<PinterestConfig> = {}, now = NOW) =>
	planPlatformRequests('pinterest', events, config(overrides), now);
const bodyOf = (request: PlatformRequest) => request.body as unknown as PinterestBody;

describe('Pinterest identity rules', () => {
	test('normalizeAndHash accepts the pinterest id, with the published vectors', () => {
		expect(normalizeAndHash('pinterest', 'email', '  John_Smith@Gmail.com ')).toBe(EMAIL_VECTOR);
		expect(
			normalizeAndHash('pinterest', 'phone', '(650) 555-1212', {
				defaultCountry: 'US',
			}),
		).toBe(PHONE_VECTOR);
		expect(normalizeAndHash('pinterest', 'phone', '+1 650 555 1212')).toBe(PHONE_VECTOR);
	});
	test('address fields are hashed in Pinterest form; the IP goes plain', () => {
		expect(normalizeAndHash('pinterest', 'state', 'California')).toBe(sha256('ca'));
		expect(normalizeAndHash('pinterest', 'country', 'United States')).toBe(sha256('us'));
		expect(normalizeAndHash('pinterest', 'city', 'San Francisco')).toBe(sha256('sanfrancisco'));
		expect(normalizeAndHash('pinterest', 'zip', '94103-1234')).toBe(sha256('94103'));
		expect(normalizeAndHash('pinterest', 'external_id', 'Customer-42')).toBe(sha256('Customer-42'));
		expect(normalizeAndHash('pinterest', 'ip_address', '203.0.113.7')).toBe('203.0.113.7');
	});
	test('a value that already is a digest passes through', () => {
		expect(normalizeAndHash('pinterest', 'email', EMAIL_VECTOR.toUpperCase())).toBe(EMAIL_VECTOR);
	});
});

describe('Pinterest request builder', () => {
	test('one conversion: URL, bearer header, body shape, seconds, hashing, raw click id', () => {
		const { requests, skipped } = plan([conversion()]);
		expect(skipped).toEqual([]);
		expect(requests).toHaveLength(1);
		const [request] = requests;
		expect(request.url).toBe(`https://api.pinterest.com/v5/ad_accounts/${ACCOUNT}/events`);
		expect(request.headers.Authorization).toBe(`Bearer ${TOKEN}`);
		expect(request.url).not.toContain(TOKEN);
		expect(bodyOf(request)).toEqual({
			data: [
				{
					event_name: 'checkout',
					action_source: 'web',
					event_time: Date.parse('2024-05-31T00:57:45Z') / 1000,
					event_id: eventIdFor(conversion()),
					event_source_url: 'https://deals.example.com/wpengine?epik=dj0y',
					user_data: {
						em: [EMAIL_VECTOR],
						ph: [PHONE_VECTOR],
						external_id: [sha256('customer-42')],
						client_ip_address: '203.0.113.7',
						client_user_agent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)',
						click_id: 'dj0yJnU9b2JDcFFHekV4SHJNcmVrbFBkUEdqakh0akdUT1VjVVUmcD0y',
					},
					custom_data: {
						value: '39.5',
						currency: 'USD',
						order_id: '2617207',
						content_name: 'WP Engine',
					},
				},
			],
		});
		expect(String(bodyOf(request).data[0].event_time)).toMatch(/^\d{10}$/);
	});

	test('the value is the exact decimal as a string; Value From amount uses the sale amount', () => {
		expect(bodyOf(plan([conversion({ commission: '0.1000000000000000055' })]).requests[0]).data[0].custom_data?.value).toBe('0.1000000000000000055');
		expect(bodyOf(plan([conversion()], { valueFrom: 'amount' }).requests[0]).data[0].custom_data?.value).toBe('79');
		const noValue = bodyOf(plan([conversion({ commission: null })]).requests[0]).data[0].custom_data;
		expect(noValue).toEqual({ order_id: '2617207', content_name: 'WP Engine' });
	});

	test('test mode adds ?test=true; a base URL replaces the host; offline action source', () => {
		const [request] = plan([conversion()], {
			testMode: true,
			baseUrl: 'http://127.0.0.1:9/',
			actionSource: 'offline',
		}).requests;
		expect(request.url).toBe(`http://127.0.0.1:9/v5/ad_accounts/${ACCOUNT}/events?test=true`);
		expect(bodyOf(request).data[0].action_source).toBe('offline');
	});

	test('the event name comes from destinationEvents.pinterest (lead, signup)', () => {
		const lead = conversion({
			eventName: 'Lead',
			transactionId: 'L1',
			destinationEvents: { meta: 'Lead', pinterest: 'lead' },
		});
		const signup = conversion({
			eventName: 'CompleteRegistration',
			transactionId: 'S1',
			destinationEvents: { pinterest: 'signup' },
		});
		const { requests } = plan([lead, signup]);
		expect(bodyOf(requests[0]).data.map((event) => event.event_name)).toEqual(['lead', 'signup']);
	});

	test('without destinationEvents the standard name of the event is used', () => {
		const { requests } = plan([conversion({ destinationEvents: undefined })]);
		expect(bodyOf(requests[0]).data[0].event_name).toBe('checkout');
	});

	test('batches at 1000 events, in input order', () => {
		const events = Array.from({ length: PINTEREST_MAX_BATCH + 1 }, (_, i) => conversion({ transactionId: `T${i}` }));
		const { requests } = plan(events);
		expect(requests.map((request) => bodyOf(request).data.length)).toEqual([1000, 1]);
		expect(requests[1].itemIndexes).toEqual([1000]);
		expect(pinterest.maxBatch).toBe(1000);
	});

	test('buildPlatformRequests accepts the pinterest id', () => {
		expect(buildPlatformRequests('pinterest', [conversion()], config(), NOW)).toHaveLength(1);
	});

	describe('skips', () => {
		test.each([
			['a Click Tracker click', click(), 'not_a_conversion'],
			['a reversed conversion', conversion({ status: 'reversed' }), 'not_a_conversion'],
			['a rejected conversion', conversion({ status: 'rejected' }), 'not_a_conversion'],
			['a negative value', conversion({ commission: '-39.50' }), 'not_a_conversion'],
			['a conversion the funnel mapped to no Pinterest event', conversion({ destinationEvents: { meta: 'Purchase' } }), 'no_pinterest_event'],
			['a custom event without a Pinterest name', conversion({ eventName: 'Subscribe', destinationEvents: undefined }), 'no_pinterest_event'],
			['an event older than 7 days', conversion({ occurredAt: '2024-05-24T11:00:00Z' }), 'event_too_old'],
			['an event an hour in the future', conversion({ occurredAt: '2024-06-01T13:00:00Z' }), 'event_in_future'],
			['an event without email or IP + user agent', conversion({ user: { phone: '(650) 555-1212' }, click: undefined }), 'no_user_data'],
			['a value that is no decimal', conversion({ commission: 'abc' }), 'invalid_value'],
		])('%s', (_, event, code) => {
			const { requests, skipped } = plan([conversion({ transactionId: 'ok' }), event as ForwardableEvent]);
			expect(requests.flatMap((request) => request.itemIndexes)).toEqual([0]);
			expect(skipped).toHaveLength(1);
			expect(skipped[0]).toMatchObject({ index: 1, code });
			expect(skipped[0].reason).not.toMatch(/john|650|555/i);
		});

		test('a few seconds of clock skew is sent as now', () => {
			const { requests } = plan([conversion({ occurredAt: '2024-06-01T12:01:00Z' })]);
			expect(bodyOf(requests[0]).data[0].event_time).toBe(NOW.getTime() / 1000);
		});

		test('IP and user agent alone are enough', () => {
			const { requests, skipped } = plan([conversion({ user: {} })]);
			expect(skipped).toEqual([]);
			expect(bodyOf(requests[0]).data[0].user_data).toEqual({
				client_ip_address: '203.0.113.7',
				client_user_agent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)',
				click_id: 'dj0yJnU9b2JDcFFHekV4SHJNcmVrbFBkUEdqakh0akdUT1VjVVUmcD0y',
			});
		});

		test('no ad account or token: every event skipped with missing_config', () => {
			expect(plan([conversion()], { accessToken: '' }).skipped).toMatchObject([{ index: 0, code: 'missing_config' }]);
		});

		test('a malformed ad account id is a configuration error', () => {
			expect(() => plan([conversion()], { adAccountId: 'act_123' })).toThrow(/up to 18 digits/);
		});
	});
});

describe('Pinterest response reader', () => {
	const request = (count = 2): PlatformRequest => plan(Array.from({ length: count }, (_, i) => conversion({ transactionId: `T${i}` }))).requests[0];
	const read = (status: number, body: unknown, headers: Record<string, string> = {}, count = 2) =>
		readPinterestResponse(request(count), { status, headers, body }, NOW);

	test('200 with every event processed: all sent, with their event ids', () => {
		const results = read(200, {
			num_events_received: 2,
			num_events_processed: 2,
			events: [{ status: 'processed' }, { status: 'processed', warning_message: 'x' }],
		});
		expect(results.map((result) => result.outcome)).toEqual(['sent', 'sent']);
		expect(results.map((result) => result.eventId)).toEqual(bodyOf(request()).data.map((event) => event.event_id));
	});

	test('422 partial failure: per event, in request order, PII masked', () => {
		const results = read(422, {
			code: 1,
			message: 'Not all events were successfully processed.',
			details: {
				num_events_received: 2,
				num_events_processed: 1,
				events: [
					{ status: 'processed' },
					{
						status: 'failed',
						error_message: "em 'john_smith@gmail.com' from 203.0.113.7 is not hashed",
					},
				],
			},
		});
		expect(results.map((result) => result.outcome)).toEqual(['sent', 'failed']);
		expect(results[1].code).toBe('pinterest_event_failed');
		expect(results[1].reason).toContain('[email]');
		expect(results[1].reason).toContain('[ip]');
		expect(results[1].reason).not.toMatch(/john_smith|203\.0\.113\.7/);
	});

	test('400: the whole request refused, with Pinterest code and message', () => {
		const results = read(400, {
			code: 1,
			message: "Invalid request: data[0].custom_data.value: 39.5 is not of type 'string'",
		});
		expect(results).toMatchObject([
			{ outcome: 'failed', code: 'pinterest_1' },
			{ outcome: 'failed', code: 'pinterest_1' },
		]);
		expect(results[0].reason).toMatch(/invalid.*custom_data\.value/);
	});

	test('401: failed, telling the operator to fix the credential, never showing the token', () => {
		const results = read(401, { code: 2, message: 'Authentication failed.' });
		expect(results.every((result) => result.outcome === 'failed' && result.code === 'pinterest_2')).toBe(true);
		expect(results[0].reason).toMatch(/credential/);
		expect(results[0].reason).not.toContain(TOKEN);
	});

	test('403: failed, about access to the ad account', () => {
		expect(
			read(403, {
				code: 29,
				message: 'You are not permitted to access that resource.',
			})[0],
		).toMatchObject({
			outcome: 'failed',
			code: 'pinterest_29',
			reason: expect.stringMatching(/ad account/),
		});
	});

	test('429 with Retry-After: retry after that long', () => {
		expect(read(429, { code: 8, message: 'rate limit' }, { 'retry-after': '7' })).toMatchObject([
			{ outcome: 'retry', code: 'pinterest_8', retryAfterMs: 7000 },
			{ outcome: 'retry', retryAfterMs: 7000 },
		]);
	});

	test('5xx: retry', () => {
		expect(read(503, { code: 4197, message: 'ramped down' })[0]).toMatchObject({
			outcome: 'retry',
			code: 'pinterest_4197',
		});
		expect(read(500, '<html>oops</html>')[0]).toMatchObject({
			outcome: 'retry',
			code: 'http_500',
		});
	});

	test('a 200 that is not Pinterest’s answer is not reported as sent', () => {
		expect(read(200, '<html>proxy</html>')[0]).toMatchObject({
			outcome: 'failed',
			code: 'unexpected_response',
		});
		expect(read(200, { events: [{ status: 'processed' }] })[0]).toMatchObject({
			outcome: 'failed',
			code: 'unexpected_response',
		});
	});
});

describe('Pinterest through sendToPlatform against the strict fake', () => {
	let fake: PinterestFake;
	let sleeps: number[];
	beforeEach(async () => {
		fake = await startPinterestFake({ now: () => NOW });
		sleeps = [];
	});
	afterEach(async () => {
		await fake.close();
	});

	const send = (events: ForwardableEvent[], overrides: Partial<PinterestConfig> = {}): Promise<EventResult[]> =>
		sendToPlatform('pinterest', events, config({ baseUrl: fake.url, ...overrides }), {
			send: fetchSend,
			sleep: async (ms) => {
				sleeps.push(ms);
			},
			now: () => NOW,
			random: () => 0.5,
		});

	test('accepted end to end: hashed PII, raw epik, seconds; skips reported in place', async () => {
		const lead = conversion({
			eventName: 'Lead',
			transactionId: 'L1',
			commission: '0',
			destinationEvents: { pinterest: 'lead' },
		});
		const results = await send([conversion(), conversion({ transactionId: 'R1', status: 'reversed' }), lead]);
		expect(results.map((result) => result.outcome)).toEqual(['sent', 'failed', 'sent']);
		expect(results[1].code).toBe('not_a_conversion');
		expect(fake.eventRequests()).toHaveLength(1);
		const [sale, sentLead] = fake.events.map((recorded) => recorded.event as unknown as PinterestBody['data'][number]);
		expect(sale.user_data.em?.[0]).toMatch(HEX64);
		expect(sale.user_data.ph?.[0]).toBe(PHONE_VECTOR);
		expect(sale.user_data.click_id).toBe('dj0yJnU9b2JDcFFHekV4SHJNcmVrbFBkUEdqakh0akdUT1VjVVUmcD0y');
		expect(sentLead.event_name).toBe('lead');
		expect(sentLead.custom_data?.value).toBe('0');
		expect(results[0].eventId).toBe(sale.event_id);
	});

	test('test mode: validated by the fake, nothing recorded', async () => {
		const results = await send([conversion()], { testMode: true });
		expect(results[0].outcome).toBe('sent');
		expect(fake.events).toHaveLength(0);
		expect(fake.testEvents).toHaveLength(1);
	});

	test('a 429 with Retry-After is retried after that delay, nothing doubled', async () => {
		fake.failNext(1, 429, { retryAfter: '2' });
		const results = await send([conversion(), conversion({ transactionId: 'T2' })]);
		expect(results.map((result) => result.outcome)).toEqual(['sent', 'sent']);
		expect(fake.eventRequests()).toHaveLength(2);
		expect(sleeps).toHaveLength(1);
		expect(sleeps[0]).toBeGreaterThanOrEqual(2000);
		expect(fake.events).toHaveLength(2);
		expect(fake.duplicates).toHaveLength(0);
	});

	test('a 500 then success: retried once, recorded once', async () => {
		fake.failNext(1, 500);
		const results = await send([conversion()]);
		expect(results[0].outcome).toBe('sent');
		expect(fake.events).toHaveLength(1);
		expect(fake.duplicates).toHaveLength(0);
	});

	test('a partial failure is not retried: the processed event is not sent twice', async () => {
		const unhashable = conversion({
			transactionId: 'X',
			currency: 'usd' as never,
		});
		const results = await send([conversion(), unhashable]);
		expect(results.map((result) => result.outcome)).toEqual(['sent', 'failed']);
		expect(results[1].reason).toMatch(/currency/);
		expect(fake.eventRequests()).toHaveLength(1);
		expect(fake.events).toHaveLength(1);
	});

	test('a wrong token fails every event with the credential hint, no retries', async () => {
		const results = await send([conversion()], { accessToken: 'pina_wrong' });
		expect(results[0]).toMatchObject({
			outcome: 'failed',
			code: 'pinterest_2',
		});
		expect(sleeps).toHaveLength(0);
	});
});
