/**
 * The Snapchat Conversions API v3 destination: building requests, reading answers, and delivering through
 * sendToPlatform to the strict fake (accepted end to end, retries after 429/500, nothing doubled).
 */
import { createHash } from 'node:crypto';
import {
	DESTINATIONS,
	type EventResult,
	type ForwardableClick,
	type ForwardableConversion,
	type ForwardableEvent,
	type PlatformRequest,
	type PlatformResponse,
	buildPlatformRequests,
	eventIdFor,
	sendToPlatform,
} from '../../../src/destinations';
import { type SnapchatBody, type SnapchatConfig, readSnapchatResponse, snapchat } from '../../../src/destinations/snapchat';
import { normalizeAndHash } from '../../../src/destinations/user-data';
import { fetchSend } from '../../fakes/server';
import { SNAPCHAT_FAKE_PIXEL, SNAPCHAT_FAKE_TOKEN, type SnapchatFake, startSnapchatFake } from '../../fakes/snapchat';

const NOW = new Date('2024-06-01T12:00:00Z');
const PIXEL = SNAPCHAT_FAKE_PIXEL;
const TOKEN = SNAPCHAT_FAKE_TOKEN;
const HEX64 = /^[a-f0-9]{64}$/;
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const bodyOf = (request: PlatformRequest) => request.body as unknown as SnapchatBody;

const config = (overrides: Partial<SnapchatConfig> = {}): SnapchatConfig => ({
	pixelId: PIXEL,
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
		commission: '39.5',
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
			sccid: '7b3a7917-a82a-47e8-9728-e1b3b045abb2',
			ip: '203.0.113.7',
			userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)',
			landingUrl: 'https://deals.example.com/wpengine?ScCid=7b3a7917-a82a-47e8-9728-e1b3b045abb2',
		},
		destinationEvents: {
			meta: 'Purchase',
			tiktok: 'CompletePayment',
			snapchat: 'PURCHASE',
		},
		...overrides,
	};
}

const lead = (overrides: Partial<ForwardableConversion> = {}) =>
	conversion({
		eventName: 'Lead',
		transactionId: 'L1',
		commission: '0',
		destinationEvents: { meta: 'Lead', snapchat: 'SIGN_UP' },
		...overrides,
	});

function click(): ForwardableClick {
	return {
		clickId: 'clk_1',
		clickedAt: '2024-06-01T11:59:00Z',
		visitorId: 'vis_1',
		network: 'shareasale',
		offerId: 'wpengine',
		sccid: 'sc-1',
		ip: '198.51.100.23',
		userAgent: 'Mozilla/5.0',
	};
}

const conversions = (count: number) => Array.from({ length: count }, (_, i) => conversion({ transactionId: `T${i}`, orderId: `O${i}` }));

describe('Snapchat destination: registry and identity', () => {
	it('is registered as the snapchat destination, 2000 events per request', () => {
		expect(DESTINATIONS.snapchat).toBe(snapchat);
		expect(snapchat.platform).toBe('snapchat');
		expect(snapchat.maxBatch).toBe(2000);
	});

	it("hashes by Snap's published examples: email trimmed and lower-cased, phone digits with country code and no '+'", () => {
		// developers.snap.com, Conversions API → Parameters.
		expect(normalizeAndHash('snapchat', 'email', 'Person@Example.com')).toBe('542d240129883c019e106e3b1b2d3f3cb3537c43c425364de8e951d5a3083345');
		expect(normalizeAndHash('snapchat', 'phone', '+44 844 412 4653')).toBe('dc008fda46e2e64002cf2f82a4906236282d431c4f75e5b60bfe79fc48546383');
		expect(normalizeAndHash('snapchat', 'first_name', 'John')).toBe('96d9632f363564cc3032521409cf22a852f2032eec099ed5967c0d000cec607a');
		expect(normalizeAndHash('snapchat', 'first_name', 'Raphaël')).toBe('e74bb89e718fe1e19c422a48382870399f8bf7ca8dfa008739e75b0be76627b7');
		// Meta's published vectors hold too (same forms).
		expect(normalizeAndHash('snapchat', 'email', ' John_Smith@Gmail.com')).toBe('62a14e44f765419d10fea99367361a727c12365e2520f32218d505ed9aa0f62f');
		expect(
			normalizeAndHash('snapchat', 'phone', '(650) 555-1212', {
				defaultCountry: 'US',
			}),
		).toBe('e323ec626319ca94ee8bff2e4c87cf613be6ea19919ed1364124e16807ab3176');
		// International prefix 00 and the national leading 0 go.
		expect(normalizeAndHash('snapchat', 'phone', '0044 844 412 4653')).toBe(sha256('448444124653'));
		expect(
			normalizeAndHash('snapchat', 'phone', '0844 412 4653', {
				defaultCountry: 'GB',
			}),
		).toBe(sha256('448444124653'));
		// Already a digest: passed through; empty: nothing.
		expect(normalizeAndHash('snapchat', 'email', sha256('x').toUpperCase())).toBe(sha256('x'));
		expect(normalizeAndHash('snapchat', 'email', '  ')).toBeUndefined();
	});
});

describe('Snapchat destination: building requests', () => {
	it('builds one v3 request, the token in the access_token query parameter only', () => {
		const plan = snapchat.planRequests([conversion()], config(), NOW);
		expect(plan.skipped).toEqual([]);
		const [request] = plan.requests;
		expect(request.method).toBe('POST');
		expect(request.url).toBe(`https://tr.snapchat.com/v3/${PIXEL}/events?access_token=${TOKEN}`);
		expect(request.headers).toEqual({ 'Content-Type': 'application/json' });
		expect(JSON.stringify(request.body)).not.toContain(TOKEN);
		expect(request.itemIndexes).toEqual([0]);
		expect(Object.keys(bodyOf(request))).toEqual(['data']);
	});

	it('fills every field: name, seconds, event id, WEB, page, hashed lists, raw ScCid/IP/UA, value as a number', () => {
		const input = conversion();
		const [event] = bodyOf(snapchat.planRequests([input], config(), NOW).requests[0]).data;
		expect(event).toEqual({
			event_name: 'PURCHASE',
			event_time: Date.parse('2024-05-31T00:57:45Z') / 1000,
			event_id: eventIdFor(input),
			action_source: 'WEB',
			event_source_url: 'https://deals.example.com/wpengine?ScCid=7b3a7917-a82a-47e8-9728-e1b3b045abb2',
			user_data: {
				em: ['62a14e44f765419d10fea99367361a727c12365e2520f32218d505ed9aa0f62f'],
				ph: ['e323ec626319ca94ee8bff2e4c87cf613be6ea19919ed1364124e16807ab3176'],
				external_id: [normalizeAndHash('snapchat', 'external_id', 'customer-42')],
				client_ip_address: '203.0.113.7',
				client_user_agent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)',
				sc_click_id: '7b3a7917-a82a-47e8-9728-e1b3b045abb2',
			},
			custom_data: { value: 39.5, currency: 'USD', order_id: '2617207' },
		});
		expect(String(event.event_time)).toMatch(/^\d{10}$/);
		expect(event.user_data.external_id![0]).toMatch(HEX64);
	});

	it("sends the click's _scid cookie as sc_cookie1, as it is", () => {
		const input = conversion();
		const withCookie = { ...input, click: { ...input.click!, scCookie1: 'scid-cookie-value' } };
		const [event] = bodyOf(snapchat.planRequests([withCookie], config(), NOW).requests[0]).data;
		expect(event.user_data.sc_cookie1).toBe('scid-cookie-value');
	});

	it('hashes the other person fields Snap takes (fn, ln, ct, st, zp, country)', () => {
		const input = conversion({
			user: {
				email: 'a@b.example',
				firstName: 'Raphaël',
				lastName: "O'Neil",
				city: 'San Francisco',
				state: 'California',
				zip: '94103-1234',
				country: 'United States',
			},
		});
		const { user_data: user } = bodyOf(snapchat.planRequests([input], config(), NOW).requests[0]).data[0];
		expect(user.fn).toEqual(['e74bb89e718fe1e19c422a48382870399f8bf7ca8dfa008739e75b0be76627b7']);
		expect(user.ln).toEqual([sha256('oneil')]);
		expect(user.ct).toEqual([sha256('sanfrancisco')]);
		expect(user.st).toEqual([sha256('ca')]);
		expect(user.zp).toEqual([sha256('94103')]);
		expect(user.country).toEqual([sha256('us')]);
	});

	it('the click id override lands in sc_click_id; a lead goes as SIGN_UP with value 0', () => {
		const [event] = bodyOf(snapchat.planRequests([lead()], config(), NOW).requests[0]).data;
		expect(event.event_name).toBe('SIGN_UP');
		expect(event.custom_data).toEqual({
			value: 0,
			currency: 'USD',
			order_id: '2617207',
		});
		expect(event.user_data.sc_click_id).toBe('7b3a7917-a82a-47e8-9728-e1b3b045abb2');
	});

	it('validate only: the Test Event Tool endpoint; OFFLINE; the sale amount as value; a fallback page; a base URL', () => {
		const input = conversion({
			click: undefined,
			user: { email: 'a@b.example' },
		});
		const [request] = snapchat.planRequests(
			[input],
			config({
				validateOnly: true,
				actionSource: 'OFFLINE',
				valueFrom: 'amount',
				baseUrl: 'http://127.0.0.1:9/',
				eventSourceUrl: 'https://deals.example.com/',
			}),
			NOW,
		).requests;
		expect(request.url).toBe(`http://127.0.0.1:9/v3/${PIXEL}/events/validate?access_token=${TOKEN}`);
		const [event] = bodyOf(request).data;
		expect(event.action_source).toBe('OFFLINE');
		expect(event.event_source_url).toBe('https://deals.example.com/');
		expect(event.custom_data?.value).toBe(79);
	});

	it('URL-encodes the pixel and the token', () => {
		const [request] = snapchat.planRequests([conversion()], config({ accessToken: 'a+b/c=', pixelId: 'p x' }), NOW).requests;
		expect(request.url).toBe('https://tr.snapchat.com/v3/p%20x/events?access_token=a%2Bb%2Fc%3D');
	});

	it('the event id is stable across plans, and differs per transaction', () => {
		const first = bodyOf(snapchat.planRequests([conversion()], config(), NOW).requests[0]).data[0].event_id;
		expect(bodyOf(snapchat.planRequests([conversion()], config(), new Date('2024-06-02T00:00:00Z')).requests[0]).data[0].event_id).toBe(first);
		expect(bodyOf(snapchat.planRequests([conversion({ transactionId: 'x' })], config(), NOW).requests[0]).data[0].event_id).not.toBe(first);
	});

	it('batches 4,500 conversions into 2000, 2000 and 500, in input order, every event id once', () => {
		const plan = snapchat.planRequests(conversions(4500), config(), NOW);
		expect(plan.requests.map((request) => bodyOf(request).data.length)).toEqual([2000, 2000, 500]);
		expect(plan.requests.flatMap((request) => request.itemIndexes)).toEqual(Array.from({ length: 4500 }, (_, i) => i));
		expect(new Set(plan.requests.flatMap((request) => bodyOf(request).data.map((event) => event.event_id))).size).toBe(4500);
	});

	it('buildPlatformRequests accepts the snapchat id', () => {
		const [request] = buildPlatformRequests('snapchat', [conversion()], config(), NOW);
		expect(request.url).toContain('/v3/');
	});

	it('refuses bad settings', () => {
		expect(() => snapchat.planRequests([conversion()], config({ valueFrom: 'payout' as never }), NOW)).toThrow(/Value From/);
		expect(() => snapchat.planRequests([conversion()], config({ actionSource: 'website' as never }), NOW)).toThrow(/Action Source/);
		expect(() => snapchat.planRequests([conversion()], config({ eventSourceUrl: 'not a url' }), NOW)).toThrow(/Event Source URL/);
		expect(snapchat.planRequests([conversion()], config({ pixelId: ' ' }), NOW).skipped).toEqual([
			{
				index: 0,
				code: 'missing_config',
				reason: 'The Snapchat configuration has no pixel ID',
			},
		]);
	});

	describe('skips', () => {
		const skipOf = (input: ForwardableEvent, overrides: Partial<SnapchatConfig> = {}) => {
			const plan = snapchat.planRequests([input], config(overrides), NOW);
			expect(plan.requests).toEqual([]);
			return plan.skipped[0];
		};

		it('Click Tracker clicks, reversed and rejected conversions and negative values: not_a_conversion', () => {
			expect(skipOf(click())).toMatchObject({
				code: 'not_a_conversion',
				reason: expect.stringContaining('Click Tracker'),
			});
			expect(skipOf(conversion({ status: 'reversed' }))).toMatchObject({
				code: 'not_a_conversion',
				reason: expect.stringContaining('reversed'),
			});
			expect(skipOf(conversion({ status: 'rejected' }))).toMatchObject({
				code: 'not_a_conversion',
			});
			expect(skipOf(conversion({ commission: '-39.5', amount: '-79' }))).toMatchObject({
				code: 'not_a_conversion',
				reason: expect.stringContaining('negative'),
			});
		});

		it('no Snapchat event in the mapping: no_snapchat_event; without a mapping, our standard name', () => {
			expect(skipOf(conversion({ destinationEvents: { meta: 'Purchase' } }))).toMatchObject({
				code: 'no_snapchat_event',
				reason: expect.stringContaining('Event Name'),
			});
			expect(skipOf(conversion({ eventName: 'Subscribe', destinationEvents: undefined }))).toMatchObject({ code: 'no_snapchat_event' });
			const [request] = snapchat.planRequests([conversion({ destinationEvents: undefined })], config(), NOW).requests;
			expect(bodyOf(request).data[0].event_name).toBe('PURCHASE');
		});

		it('older than 37 days: event_too_old; 36 days: sent; an hour ahead: event_in_future', () => {
			expect(skipOf(conversion({ occurredAt: '2024-04-24T11:00:00Z' }))).toMatchObject({
				code: 'event_too_old',
				reason: expect.stringContaining('37 days'),
			});
			expect(snapchat.planRequests([conversion({ occurredAt: '2024-04-26T12:00:00Z' })], config(), NOW).requests).toHaveLength(1);
			expect(skipOf(conversion({ occurredAt: '2024-06-01T13:00:00Z' }))).toMatchObject({ code: 'event_in_future' });
		});

		it('a web event without a page: no_event_source_url (offline is fine)', () => {
			const bare = conversion({ click: undefined });
			expect(skipOf(bare)).toMatchObject({
				code: 'no_event_source_url',
				reason: expect.stringContaining('Event Source URL'),
			});
			expect(snapchat.planRequests([bare], config({ actionSource: 'OFFLINE' }), NOW).requests).toHaveLength(1);
		});

		it('nothing to match on: insufficient_user_data; the ScCid alone is enough', () => {
			const anonymous = conversion({
				user: { externalId: 'c-1' },
				click: {
					clickId: 'c',
					clickedAt: '2024-05-30T10:00:00Z',
					ip: '203.0.113.7',
					landingUrl: 'https://x.example/',
				},
			});
			expect(skipOf(anonymous)).toMatchObject({
				code: 'insufficient_user_data',
			});
			const withSccid = conversion({
				user: {},
				click: {
					clickId: 'c',
					clickedAt: '2024-05-30T10:00:00Z',
					sccid: 'sc-9',
					landingUrl: 'https://x.example/',
				},
			});
			expect(bodyOf(snapchat.planRequests([withSccid], config(), NOW).requests[0]).data[0].user_data).toEqual({ sc_click_id: 'sc-9' });
		});

		it('a PURCHASE without the chosen amount: missing_value (Snap refuses it); a bad amount: invalid_value', () => {
			expect(skipOf(conversion({ commission: null }))).toMatchObject({
				code: 'missing_value',
				reason: expect.stringContaining('commission'),
			});
			expect(skipOf(conversion({ commission: 'abc' }))).toMatchObject({
				code: 'invalid_value',
			});
		});

		it('skipped events never poison the batch: the others are planned', () => {
			const plan = snapchat.planRequests([conversion({ status: 'reversed' }), conversion({ transactionId: 'ok' })], config(), NOW);
			expect(plan.requests.flatMap((request) => request.itemIndexes)).toEqual([1]);
			expect(plan.skipped.map((entry) => entry.index)).toEqual([0]);
		});
	});
});

describe('Snapchat destination: reading answers', () => {
	const request = snapchat.planRequests(conversions(3), config(), NOW).requests[0];
	const read = (status: number, body: unknown, headers: PlatformResponse['headers'] = {}) => readSnapchatResponse(request, { status, headers, body }, NOW);
	const ids = bodyOf(request).data.map((event) => event.event_id);

	it('VALID: every event sent, with its event id', () => {
		expect(
			read(200, {
				status: 'VALID',
				reason: 'Events have been processed successfully',
			}),
		).toEqual(ids.map((eventId, index) => ({ index, eventId, outcome: 'sent' })));
	});

	it('400 INVALID naming event 1: that one failed with the code and message, the others retried without it', () => {
		const results = read(400, {
			status: 'INVALID',
			event: 1,
			reason: 'bad time',
			errors: {
				codes: ['INVALID_TIMESTAMP'],
				error_msgs: ['event_time must be in seconds'],
			},
		});
		expect(results.map((result) => [result.outcome, result.code])).toEqual([
			['retry', 'batch_rejected'],
			['failed', 'snapchat_INVALID_TIMESTAMP'],
			['retry', 'batch_rejected'],
		]);
		expect(results[1].reason).toContain('INVALID_TIMESTAMP: event_time must be in seconds');
	});

	it('400 INVALID without an event: all failed with the reason', () => {
		const results = read(400, {
			status: 'INVALID',
			reason: 'data must hold between 1 and 2000 events',
		});
		expect(results.every((result) => result.outcome === 'failed' && result.code === 'snapchat_invalid')).toBe(true);
		expect(results[0].reason).toContain('between 1 and 2000');
	});

	it('401 and 403: failed with the credential hint; the token never appears in a reason', () => {
		for (const status of [401, 403]) {
			const results = read(status, {
				status: 'INVALID',
				reason: `Unauthorized token ${TOKEN}`,
			});
			expect(results.every((result) => result.outcome === 'failed' && result.code === `http_${status}`)).toBe(true);
			expect(results[0].reason).toMatch(/Snapchat Conversions API credential/);
			expect(results[0].reason).not.toContain(TOKEN);
		}
	});

	it('429 with Retry-After and 5xx: retry', () => {
		expect(read(429, { status: 'INVALID', reason: 'Too many requests' }, { 'retry-after': '7' })[0]).toMatchObject({
			outcome: 'retry',
			code: 'http_429',
			retryAfterMs: 7000,
		});
		expect(read(500, '<html>oops</html>')[0]).toMatchObject({
			outcome: 'retry',
			code: 'http_500',
		});
		expect(read(503, '')[0]).toMatchObject({
			outcome: 'retry',
			code: 'http_503',
		});
	});

	it('404: the pixel or endpoint is unknown', () => {
		expect(read(404, { status: 'INVALID', reason: 'No route' })[0]).toMatchObject({
			outcome: 'failed',
			code: 'http_404',
			reason: expect.stringContaining('Pixel ID'),
		});
	});

	it('200 without the envelope: failed (unknown whether Snap took them), never sent', () => {
		expect(read(200, '<html>proxy</html>')[0]).toMatchObject({
			outcome: 'failed',
			code: 'unexpected_response',
		});
	});

	it('validate answers: one log per event', () => {
		const results = read(400, {
			status: 'INVALID',
			test_event: true,
			event_logs: [
				{ event: 0, status: 'VALID', warnings: [] },
				{
					event: 1,
					status: 'INVALID',
					errors: {
						codes: ['UNHASHED_PII'],
						error_msgs: ['user_data.em must be SHA-256 hashed'],
					},
				},
				{ event: 2, status: 'VALID' },
			],
		});
		expect(results.map((result) => [result.outcome, result.code])).toEqual([
			['sent', undefined],
			['failed', 'snapchat_UNHASHED_PII'],
			['sent', undefined],
		]);
	});
});

describe('Snapchat through sendToPlatform against the strict fake', () => {
	let fake: SnapchatFake;
	let sleeps: number[];
	beforeEach(async () => {
		fake = await startSnapchatFake({ now: () => NOW });
		sleeps = [];
	});
	afterEach(async () => {
		await fake.close();
	});

	const send = (events: ForwardableEvent[], overrides: Partial<SnapchatConfig> = {}): Promise<EventResult[]> =>
		sendToPlatform('snapchat', events, config({ baseUrl: fake.url, ...overrides }), {
			send: fetchSend,
			sleep: async (ms) => {
				sleeps.push(ms);
			},
			now: () => NOW,
			random: () => 0.5,
		});

	it('delivers conversions: accepted and recorded, hashed, in seconds, the ScCid raw; the click is skipped', async () => {
		const results = await send([conversion(), lead(), click()]);
		expect(results.map((result) => [result.outcome, result.code])).toEqual([
			['sent', undefined],
			['sent', undefined],
			['failed', 'not_a_conversion'],
		]);
		expect(fake.eventRequests()).toHaveLength(1);
		expect(fake.eventRequests()[0].query).toEqual({ access_token: TOKEN });
		expect(fake.events.map((recorded) => recorded.event.event_name)).toEqual(['PURCHASE', 'SIGN_UP']);
		const sale = fake.events[0].event as {
			user_data: Record<string, unknown>;
			event_time: number;
		};
		expect(sale.user_data.em).toEqual([sha256('john_smith@gmail.com')]);
		expect(sale.user_data.ph).toEqual([sha256('16505551212')]);
		expect(sale.user_data.sc_click_id).toBe('7b3a7917-a82a-47e8-9728-e1b3b045abb2');
		expect(sale.event_time).toBe(Date.parse('2024-05-31T00:57:45Z') / 1000);
		expect(results.slice(0, 2).map((result) => result.eventId)).toEqual(fake.events.map((recorded) => recorded.event.event_id));
	});

	it('4,500 conversions reach Snap as 3 requests, every event once', async () => {
		const results = await send(conversions(4500));
		expect(results.every((result) => result.outcome === 'sent')).toBe(true);
		expect(fake.eventRequests().map((request) => (request.body as { data: unknown[] }).data.length)).toEqual([2000, 2000, 500]);
		expect(fake.events).toHaveLength(4500);
		expect(fake.duplicates).toHaveLength(0);
	});

	it('validate only: the Test Event Tool checks the events and nothing counts as live', async () => {
		const results = await send([conversion()], { validateOnly: true });
		expect(results[0].outcome).toBe('sent');
		expect(fake.validated).toHaveLength(1);
		expect(fake.events).toHaveLength(0);
	});

	it('HTTP 429 with Retry-After, then 500, then accepted: each event once, waits honour Retry-After', async () => {
		fake.failNext(1, 429, { retryAfter: '4' });
		fake.failNext(1, 500);
		const results = await send(conversions(2));
		expect(results.map((result) => result.outcome)).toEqual(['sent', 'sent']);
		expect(fake.eventRequests()).toHaveLength(3);
		expect(fake.events).toHaveLength(2);
		expect(fake.duplicates).toHaveLength(0);
		expect(sleeps[0]).toBe(4000);
	});

	it('persistent 503: gives up after the retry budget, nothing recorded', async () => {
		fake.failNext(50, 503);
		const results = await send(conversions(2));
		for (const result of results)
			expect(result).toMatchObject({
				outcome: 'retry',
				code: 'http_503',
				reason: expect.stringMatching(/gave up after 4 attempts/),
			});
		expect(fake.eventRequests()).toHaveLength(4);
		expect(fake.events).toHaveLength(0);
	});

	it('one event Snap refuses: it fails with its code, the others go again without it and are sent once', async () => {
		const bad = conversion({
			transactionId: 'bad-ip',
			click: {
				clickId: 'c9',
				clickedAt: '2024-05-30T10:00:00Z',
				ip: 'not-an-ip',
				landingUrl: 'https://x.example/',
			},
		});
		const results = await send([conversion({ transactionId: 'A' }), bad, conversion({ transactionId: 'B' })]);
		expect(results.map((result) => result.outcome)).toEqual(['sent', 'failed', 'sent']);
		expect(results[1]).toMatchObject({
			code: 'snapchat_INVALID_IP',
			reason: expect.stringContaining('client_ip_address'),
		});
		expect(fake.eventRequests()).toHaveLength(2);
		expect(fake.events).toHaveLength(2);
		expect(fake.duplicates).toHaveLength(0);
	});

	it('sending the same conversions again is deduplicated by Snap on event_id', async () => {
		await send(conversions(2));
		await send(conversions(2));
		expect(fake.events).toHaveLength(2);
		expect(fake.duplicates).toHaveLength(2);
	});

	it('a wrong token or a pixel the token cannot use: failed with the credential hint, no retry, no token in the reason', async () => {
		const wrong = await send(conversions(2), { accessToken: 'not-the-token' });
		expect(wrong.every((result) => result.outcome === 'failed' && result.code === 'http_401')).toBe(true);
		expect(wrong[0].reason).toMatch(/credential/);
		expect(wrong[0].reason).not.toContain('not-the-token');
		const otherPixel = await send([conversion()], { pixelId: 'other-pixel' });
		expect(otherPixel[0]).toMatchObject({
			outcome: 'failed',
			code: 'http_403',
		});
		expect(fake.eventRequests()).toHaveLength(2);
		expect(fake.events).toHaveLength(0);
	});
});
