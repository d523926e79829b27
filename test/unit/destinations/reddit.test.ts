/**
 * The Reddit Conversions API v3 destination: request building, Reddit's hashing (published vectors), skips,
 * response reading, and a send through sendToPlatform against the strict fake.
 */
import { createHash } from 'node:crypto';
import {
	type EventResult,
	type ForwardableClick,
	type ForwardableConversion,
	type ForwardableEvent,
	type PlatformRequest,
	buildPlatformRequests,
	planPlatformRequests,
	sendToPlatform,
} from '../../../src/destinations';
import { eventIdFor } from '../../../src/destinations/event-id';
import { type RedditBody, type RedditConfig, readRedditResponse, reddit, redditType } from '../../../src/destinations/reddit';
import { normalizeAndHash, normalizeForPlatform } from '../../../src/destinations/user-data';
import { ipAddress } from '../../../src/identity/normalizers';
import { fetchSend } from '../../fakes/server';
import { REDDIT_FAKE_PIXEL, REDDIT_FAKE_TOKEN, type RedditFake, startRedditFake } from '../../fakes/reddit';

const NOW = new Date('2024-06-01T12:00:00Z');
const HOUR = 3_600_000;
const HEX64 = /^[a-f0-9]{64}$/;
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

const config = (overrides: Partial<RedditConfig> = {}): RedditConfig => ({
	pixelId: REDDIT_FAKE_PIXEL,
	accessToken: REDDIT_FAKE_TOKEN,
	defaultCountry: 'US',
	...overrides,
});

function conversion(overrides: Partial<ForwardableConversion> = {}): ForwardableConversion {
	return {
		network: 'shareasale',
		clickId: 'clk_1',
		transactionId: '198198598',
		orderId: '2617207',
		networkEventType: 'SALE',
		eventName: 'Purchase',
		status: 'approved',
		amount: '79',
		commission: '39.5',
		currency: 'USD',
		occurredAt: '2024-06-01T10:57:45Z',
		receivedAt: '2024-06-01T10:58:00Z',
		affiliateId: null,
		offerId: null,
		merchantId: '87575',
		brandName: 'WP Engine',
		couponCode: null,
		ip: null,
		subIds: {},
		user: {
			email: '  Al.ice+Apple@Example.Com ',
			phone: '(555) 444-1234',
			externalId: 'customer-42',
		},
		raw: { method: 'GET', query: {} },
		conversionId: 'conv_1',
		click: {
			clickId: 'clk_1',
			clickedAt: '2024-06-01T09:00:00Z',
			rdtCid: 't2_rdtclick_3184742045291813272',
			ip: '203.0.113.7',
			userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)',
			landingUrl: 'https://deals.example.com/wpengine?rdt_cid=3184742045291813272',
		},
		destinationEvents: { meta: 'Purchase', reddit: 'PURCHASE' },
		...overrides,
	};
}

const many = (count: number) => Array.from({ length: count }, (_, i) => conversion({ transactionId: `T${i}` }));
const bodyOf = (request: PlatformRequest) => request.body as unknown as RedditBody;
const plan = (events: ForwardableEvent[], overrides: Partial<RedditConfig> = {}, now = NOW) => planPlatformRequests('reddit', events, config(overrides), now);

describe('Reddit identity rules', () => {
	it("hashes email in Reddit's canonical form: Reddit's published vector", () => {
		expect(normalizeAndHash('reddit', 'email', 'alice@example.com')).toBe('ff8d9819fc0e12bf0d24892e45987e249a28dce836a85cad60e28eaaa8c6d976');
		// Reddit: dots and the +tag of the local part go, for every domain.
		expect(normalizeAndHash('reddit', 'email', ' Al.ice+Apple@Example.Com ')).toBe('ff8d9819fc0e12bf0d24892e45987e249a28dce836a85cad60e28eaaa8c6d976');
		expect(normalizeForPlatform('reddit', 'email', 'John_Smith@Gmail.com')).toBe('john_smith@gmail.com');
		expect(normalizeAndHash('reddit', 'email', 'John_Smith@Gmail.com')).toBe('62a14e44f765419d10fea99367361a727c12365e2520f32218d505ed9aa0f62f');
		expect(normalizeAndHash('reddit', 'email', 'not an email')).toBeUndefined();
		expect(normalizeAndHash('reddit', 'email', '+tag@example.com')).toBeUndefined();
	});

	it("hashes phone numbers as E.164 with '+': Reddit's published vector", () => {
		expect(
			normalizeForPlatform('reddit', 'phone', '(555) 444-1234', {
				defaultCountry: 'US',
			}),
		).toBe('+15554441234');
		expect(normalizeAndHash('reddit', 'phone', '+1 555 444 1234')).toBe('e5b124c58580eb16bd959b8d0cac12b12c952e2ceae0203d416cff94f10b994a');
		// Not Meta's digits-only form.
		expect(normalizeAndHash('reddit', 'phone', '+15554441234')).not.toBe(sha256('15554441234'));
	});

	it('hashes the IP address (Reddit does) and the external id; passes digests through; omits empty values', () => {
		expect(normalizeAndHash('reddit', 'ip_address', ' 203.0.113.7 ')).toBe(sha256('203.0.113.7'));
		expect(normalizeAndHash('reddit', 'external_id', 'Customer-42')).toBe(sha256('Customer-42'));
		const digest = sha256('x');
		expect(normalizeAndHash('reddit', 'email', digest.toUpperCase())).toBe(digest);
		expect(normalizeAndHash('reddit', 'ip_address', '   ')).toBeUndefined();
		expect(normalizeAndHash('reddit', 'first_name', 'Jane')).toBeUndefined();
	});

	describe('the shared ipAddress normalizer', () => {
		it.each([
			['203.0.113.7', '203.0.113.7'],
			['203.0.113.7:8443', '203.0.113.7'],
			['2001:DB8::1', '2001:db8::1'],
			['[2001:db8::1]:443', '2001:db8::1'],
			['fe80::1%eth0', 'fe80::1'],
			['::ffff:198.51.100.23', '198.51.100.23'],
		])('%s → %s', (input, expected) => {
			expect(ipAddress(input)).toBe(expected);
			expect(normalizeAndHash('reddit', 'ip_address', input)).toBe(sha256(expected));
		});
		it.each(['not-an-ip', '999.1.1.1', 'example.com'])('%s is no address', (input) => {
			expect(ipAddress(input)).toBeUndefined();
			expect(normalizeAndHash('reddit', 'ip_address', input)).toBeUndefined();
		});
	});
});

describe('Reddit request building', () => {
	it('builds one v3 request: data wrapper, ms time, WEBSITE, tracking type, raw click id, hashed user, conversion_id, numeric value', () => {
		const [request] = buildPlatformRequests('reddit', [conversion()], config({ testId: 't2_testid' }), NOW);
		expect(request.method).toBe('POST');
		expect(request.url).toBe(`https://ads-api.reddit.com/api/v3/pixels/${REDDIT_FAKE_PIXEL}/conversion_events`);
		expect(request.headers).toEqual({
			Authorization: `Bearer ${REDDIT_FAKE_TOKEN}`,
			'Content-Type': 'application/json',
		});
		expect(request.itemIndexes).toEqual([0]);
		expect(bodyOf(request)).toEqual({
			data: {
				test_id: 't2_testid',
				events: [
					{
						event_at: Date.parse('2024-06-01T10:57:45Z'),
						action_source: 'WEBSITE',
						type: { tracking_type: 'PURCHASE' },
						click_id: 't2_rdtclick_3184742045291813272',
						event_source_url: 'https://deals.example.com/wpengine?rdt_cid=3184742045291813272',
						user: {
							email: 'ff8d9819fc0e12bf0d24892e45987e249a28dce836a85cad60e28eaaa8c6d976',
							phone_number: 'e5b124c58580eb16bd959b8d0cac12b12c952e2ceae0203d416cff94f10b994a',
							external_id: sha256('customer-42'),
							ip_address: sha256('203.0.113.7'),
							user_agent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)',
						},
						metadata: {
							conversion_id: eventIdFor(conversion()),
							value: 39.5,
							currency: 'USD',
						},
					},
				],
			},
		});
		expect(String(bodyOf(request).data.events[0].event_at)).toMatch(/^\d{13}$/);
	});

	it('takes the base URL from the config, leaves test_id out when empty, and the sale amount when asked', () => {
		const [request] = buildPlatformRequests(
			'reddit',
			[conversion()],
			config({
				baseUrl: 'http://127.0.0.1:9/',
				testId: ' ',
				valueFrom: 'amount',
			}),
			NOW,
		);
		expect(request.url).toBe(`http://127.0.0.1:9/api/v3/pixels/${REDDIT_FAKE_PIXEL}/conversion_events`);
		expect(bodyOf(request).data).not.toHaveProperty('test_id');
		expect(bodyOf(request).data.events[0].metadata).toMatchObject({
			value: 79,
			currency: 'USD',
		});
	});

	it("sends the click's _rdt_uuid cookie as user.uuid, as it is (never hashed)", () => {
		const input = conversion();
		const withCookie = { ...input, click: { ...input.click!, rdtUuid: '1700000000000.a1b2c3d4-uuid' } };
		const [request] = buildPlatformRequests('reddit', [withCookie], config(), NOW);
		expect(bodyOf(request).data.events[0].user).toMatchObject({ uuid: '1700000000000.a1b2c3d4-uuid' });
	});

	it('a zero value (a lead) is sent without value and currency; the conversion IP is used without a click', () => {
		const lead = conversion({
			eventName: 'Lead',
			commission: '0',
			click: undefined,
			ip: '198.51.100.9',
			destinationEvents: { reddit: 'LEAD' },
		});
		const [event] = bodyOf(buildPlatformRequests('reddit', [lead], config(), NOW)[0]).data.events;
		expect(event.type).toEqual({ tracking_type: 'LEAD' });
		expect(event.metadata).toEqual({ conversion_id: eventIdFor(lead) });
		expect(event).not.toHaveProperty('click_id');
		expect(event.user!.ip_address).toBe(sha256('198.51.100.9'));
	});

	it('maps names to tracking types ignoring case and separators; other names go as CUSTOM, case kept', () => {
		expect(redditType('SIGN_UP')).toEqual({ tracking_type: 'SIGN_UP' });
		expect(redditType('SignUp')).toEqual({ tracking_type: 'SIGN_UP' });
		expect(redditType('purchase')).toEqual({ tracking_type: 'PURCHASE' });
		expect(redditType('Trial Started')).toEqual({
			tracking_type: 'CUSTOM',
			custom_event_name: 'Trial Started',
		});
		const registration = conversion({
			eventName: 'CompleteRegistration',
			destinationEvents: { reddit: 'SIGN_UP' },
		});
		const custom = conversion({
			transactionId: 'C1',
			eventName: 'Rebill',
			destinationEvents: { reddit: 'Rebill Paid' },
		});
		const direct = conversion({
			transactionId: 'D1',
			destinationEvents: undefined,
		});
		const events = bodyOf(buildPlatformRequests('reddit', [registration, custom, direct], config(), NOW)[0]).data.events;
		expect(events.map((event) => event.type)).toEqual([
			{ tracking_type: 'SIGN_UP' },
			{ tracking_type: 'CUSTOM', custom_event_name: 'Rebill Paid' },
			{ tracking_type: 'PURCHASE' },
		]);
	});

	it('batches at 1000 events per request, in input order', () => {
		const { requests, skipped } = plan(many(2500));
		expect(skipped).toEqual([]);
		expect(requests.map((request) => bodyOf(request).data.events.length)).toEqual([1000, 1000, 500]);
		expect(requests.flatMap((request) => request.itemIndexes)).toEqual(Array.from({ length: 2500 }, (_, i) => i));
		expect(reddit.maxBatch).toBe(1000);
	});

	describe('skips', () => {
		const click: ForwardableClick = {
			clickId: 'clk_9',
			clickedAt: '2024-06-01T11:00:00Z',
			visitorId: 'vis_9',
			rdtCid: 'rdt-9',
			ip: '203.0.113.9',
		} as ForwardableClick;
		it.each([
			['a Click Tracker click', 'not_a_conversion', click],
			['a reversed conversion', 'not_a_conversion', conversion({ status: 'reversed' })],
			['a rejected conversion', 'not_a_conversion', conversion({ status: 'rejected' })],
			['a negative commission', 'not_a_conversion', conversion({ commission: '-39.5', amount: '-79' })],
			[
				'an event older than 168 hours',
				'event_too_old',
				conversion({
					occurredAt: new Date(NOW.getTime() - 169 * HOUR).toISOString(),
				}),
			],
			[
				'an event more than 5 minutes ahead',
				'event_in_future',
				conversion({
					occurredAt: new Date(NOW.getTime() + 6 * 60_000).toISOString(),
				}),
			],
			['a mapping without Reddit', 'no_reddit_event', conversion({ destinationEvents: { meta: 'Subscribe' } })],
			['a custom name over 64 characters', 'invalid_event_name', conversion({ destinationEvents: { reddit: 'x'.repeat(65) } })],
			['no match key at all', 'no_match_keys', conversion({ user: {}, click: undefined })],
		] as Array<[string, string, ForwardableEvent]>)('%s: skipped with %s, the others still sent', (_, code, event) => {
			const { requests, skipped } = plan([conversion({ transactionId: 'OK' }), event]);
			expect(requests.flatMap((request) => request.itemIndexes)).toEqual([0]);
			expect(skipped).toEqual([{ index: 1, code, reason: expect.any(String) }]);
			expect(skipped[0].reason).not.toContain('alice');
		});
		it('just inside the window (167 h old, 4 min ahead) is sent', () => {
			const old = conversion({
				transactionId: 'A',
				occurredAt: new Date(NOW.getTime() - 167 * HOUR).toISOString(),
			});
			const ahead = conversion({
				transactionId: 'B',
				occurredAt: new Date(NOW.getTime() + 4 * 60_000).toISOString(),
			});
			expect(plan([old, ahead]).skipped).toEqual([]);
		});
		it('a missing pixel ID or token skips every event with missing_config', () => {
			expect(plan([conversion()], { pixelId: ' ' }).skipped).toMatchObject([{ index: 0, code: 'missing_config' }]);
			expect(plan([conversion()], { accessToken: '' }).requests).toEqual([]);
		});
	});
});

describe('Reddit response reading', () => {
	const [request] = buildPlatformRequests('reddit', many(3), config(), NOW);
	const ids = bodyOf(request).data.events.map((event) => event.metadata.conversion_id);
	const read = (status: number, body: unknown, headers: Record<string, string> = {}) => readRedditResponse(request, { status, headers, body }, NOW);

	it('200: every event sent, with its conversion_id', () => {
		expect(
			read(200, {
				data: { message: 'Successfully processed 3 conversion events.' },
			}),
		).toEqual(
			[0, 1, 2].map((index) => ({
				index,
				outcome: 'sent',
				eventId: ids[index],
			})),
		);
	});
	it('400 naming one event: it failed, the others are retried without it', () => {
		const results = read(400, {
			error: {
				code: 400,
				message: 'There were 1 invalid conversion events. None were processed.',
				fields: [
					{
						field: '$.data.events[1].user.uuid',
						message: 'user.UUID: invalid UUID',
					},
				],
			},
		});
		expect(results.map((result) => [result.outcome, result.code])).toEqual([
			['retry', 'batch_rejected'],
			['failed', 'invalid_event'],
			['retry', 'batch_rejected'],
		]);
		expect(results[1].reason).toContain('user.uuid');
	});
	it('400 without fields (too many events): all failed with the message', () => {
		expect(read(400, { error: { code: 400, message: 'Bad Request' } })).toEqual(
			expect.arrayContaining([
				expect.objectContaining({
					outcome: 'failed',
					code: 'http_400',
					reason: expect.stringContaining('Bad Request'),
				}),
			]),
		);
	});
	it('401: failed, telling the operator to fix the credential', () => {
		const [result] = read(401, {
			error: { code: 401, message: 'UNAUTHORIZED' },
		});
		expect(result).toMatchObject({
			outcome: 'failed',
			code: 'http_401',
			reason: expect.stringContaining('Reddit Conversions API credential'),
		});
		expect(result.reason).not.toContain(REDDIT_FAKE_TOKEN);
	});
	it('403: failed, naming the pixel permission', () => {
		expect(
			read(403, {
				error: {
					code: 403,
					message: "You're not authorized to post conversions to Pixel ID x.",
				},
			})[0],
		).toMatchObject({
			outcome: 'failed',
			reason: expect.stringContaining('Pixel ID'),
		});
	});
	it('429 with Retry-After and 5xx: retry', () => {
		expect(
			read(
				429,
				{
					error: {
						code: 429,
						message: 'Too many requests/events within timeframe.',
					},
				},
				{ 'retry-after': '7' },
			)[0],
		).toMatchObject({ outcome: 'retry', code: 'http_429', retryAfterMs: 7000 });
		expect(read(503, '<html>down</html>')[0]).toMatchObject({
			outcome: 'retry',
			code: 'http_503',
		});
		expect(
			read(500, {
				error: { code: 500, message: 'The service is currently unavailable.' },
			})[0].retryAfterMs,
		).toBeUndefined();
	});
	it("a 200 that is not Reddit's envelope: failed as unexpected (never counted as sent)", () => {
		expect(read(200, '<html>proxy</html>')[0]).toMatchObject({
			outcome: 'failed',
			code: 'unexpected_response',
		});
	});
});

describe('Reddit through sendToPlatform against the strict fake', () => {
	let fake: RedditFake;
	let sleeps: number[];
	beforeEach(async () => {
		fake = await startRedditFake({ now: () => NOW });
		sleeps = [];
	});
	afterEach(async () => {
		await fake.close();
	});
	const send = (events: ForwardableEvent[], overrides: Partial<RedditConfig> = {}): Promise<EventResult[]> =>
		sendToPlatform('reddit', events, config({ baseUrl: fake.url, ...overrides }), {
			send: fetchSend,
			sleep: async (ms) => {
				sleeps.push(ms);
			},
			now: () => NOW,
			random: () => 0.5,
		});

	it('delivers: accepted end to end, hashed as Reddit wants, the click id raw, nothing retried', async () => {
		const results = await send(
			[
				conversion(),
				conversion({
					transactionId: 'L1',
					eventName: 'Lead',
					commission: '0',
					destinationEvents: { reddit: 'LEAD' },
				}),
				conversion({ transactionId: 'R1', status: 'reversed' }),
			],
			{ testId: 't2_test' },
		);
		expect(results.map((result) => result.outcome)).toEqual(['sent', 'sent', 'failed']);
		expect(results[2].code).toBe('not_a_conversion');
		expect(fake.conversionRequests()).toHaveLength(1);
		expect(fake.conversionRequests()[0].headers.authorization).toBe(`Bearer ${REDDIT_FAKE_TOKEN}`);
		const [sale] = fake.events;
		expect(sale.testId).toBe('t2_test');
		const event = sale.event as {
			click_id: string;
			user: Record<string, string>;
			event_at: number;
		};
		expect(event.click_id).toBe('t2_rdtclick_3184742045291813272');
		for (const field of ['email', 'phone_number', 'external_id', 'ip_address']) expect(event.user[field]).toMatch(HEX64);
		expect(event.event_at).toBe(Date.parse('2024-06-01T10:57:45Z'));
		expect(results.slice(0, 2).map((result) => result.eventId)).toEqual(
			fake.events.map((recorded) => (recorded.event.metadata as { conversion_id: string }).conversion_id),
		);
		expect(sleeps).toEqual([]);
	});

	it('2,500 events reach Reddit as 3 requests, every event once', async () => {
		const results = await send(many(2500));
		expect(results.every((result) => result.outcome === 'sent')).toBe(true);
		expect(fake.conversionRequests().map((request) => (request.body as RedditBody).data.events.length)).toEqual([1000, 1000, 500]);
		expect(fake.events).toHaveLength(2500);
		expect(fake.duplicates).toHaveLength(0);
	});

	it('an injected 429 (Retry-After 2) then a 500 are retried; the events arrive once', async () => {
		fake.failNext(1, 429, { retryAfter: '2' });
		fake.failNext(1, 500);
		const results = await send(many(3));
		expect(results.map((result) => result.outcome)).toEqual(['sent', 'sent', 'sent']);
		expect(fake.conversionRequests()).toHaveLength(3);
		expect(sleeps).toHaveLength(2);
		expect(sleeps[0]).toBeGreaterThanOrEqual(2000);
		expect(fake.events).toHaveLength(3);
		expect(fake.duplicates).toHaveLength(0);
	});

	it('a wrong token: every event failed with the credential hint, not retried', async () => {
		const results = await send(many(2), { accessToken: 'wrong' });
		expect(results.map((result) => [result.outcome, result.code])).toEqual([
			['failed', 'http_401'],
			['failed', 'http_401'],
		]);
		expect(fake.conversionRequests()).toHaveLength(1);
		expect(fake.events).toEqual([]);
	});

	it('sending the same conversions again: Reddit keeps the first of each conversion_id', async () => {
		await send(many(2));
		const again = await send(many(2));
		expect(again.every((result) => result.outcome === 'sent')).toBe(true);
		expect(fake.events).toHaveLength(2);
		expect(fake.duplicates).toHaveLength(2);
	});
});
