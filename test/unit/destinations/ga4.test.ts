/**
 * The GA4 Measurement Protocol destination: request planning (URL with the secret in the query, body shape,
 * microseconds, Google's hashing, client ids, batching per client id at 25, skips for what GA4 would silently
 * drop), response reading (204, validation messages, edge errors) and delivery through sendToPlatform to the
 * strict fake, which records anything it would have dropped.
 */
import {
	type EventResult,
	type ForwardableConversion,
	type ForwardableEvent,
	buildPlatformRequests,
	eventIdFor,
	planPlatformRequests,
	sendToPlatform,
} from '../../../src/destinations';
import {
	type Ga4Body,
	type Ga4Config,
	GA4_EU_BASE_URL,
	GA4_MAX_EVENTS,
	clientIdFor,
	deviceCategory,
	ga4,
	planGa4Requests,
	readGa4Response,
} from '../../../src/destinations/ga4';
import { normalizeAndHash } from '../../../src/destinations/user-data';
import { GA4_FAKE_API_SECRET, GA4_FAKE_MEASUREMENT_ID, type Ga4Fake, startGa4Fake } from '../../fakes/ga4';
import { fetchSend } from '../../fakes/server';
import { NOW, click, conversion as tiktokConversion, sha256 } from './tiktok-helpers';

const HEX64 = /^[a-f0-9]{64}$/;
const HOUR = 3_600_000;
const config = (overrides: Partial<Ga4Config> = {}): Ga4Config => ({
	measurementId: GA4_FAKE_MEASUREMENT_ID,
	apiSecret: GA4_FAKE_API_SECRET,
	defaultCountry: 'US',
	...overrides,
});
const conversion = (overrides: Partial<ForwardableConversion> = {}): ForwardableConversion =>
	tiktokConversion({
		destinationEvents: {
			meta: 'Purchase',
			tiktok: 'CompletePayment',
			ga4: 'purchase',
		},
		...overrides,
	});
const bodyOf = (events: ForwardableEvent[], overrides: Partial<Ga4Config> = {}) =>
	planGa4Requests(events, config(overrides), NOW).requests[0].body as unknown as Ga4Body;

describe('GA4 hashing (normalizeAndHash with Google rules)', () => {
	it('matches the published vector for an address without dots, and drops gmail dots before hashing', () => {
		expect(normalizeAndHash('ga4', 'email', 'john_smith@gmail.com')).toBe('62a14e44f765419d10fea99367361a727c12365e2520f32218d505ed9aa0f62f');
		expect(normalizeAndHash('ga4', 'email', ' John.Smith@GoogleMail.com ')).toBe(sha256('johnsmith@googlemail.com'));
		expect(normalizeAndHash('ga4', 'email', 'john.smith@example.com')).toBe(sha256('john.smith@example.com'));
	});
	it('hashes phones in E.164 with + (Meta hashes 16505551212 to e323ec62…; GA4 hashes +16505551212)', () => {
		expect(
			normalizeAndHash('ga4', 'phone', '(650) 555-1212', {
				defaultCountry: 'US',
			}),
		).toBe(sha256('+16505551212'));
		expect(
			normalizeAndHash('ga4', 'phone', '(650) 555-1212', {
				defaultCountry: 'US',
			}),
		).not.toBe('e323ec626319ca94ee8bff2e4c87cf613be6ea19919ed1364124e16807ab3176');
	});
	it('names hashed without digits and symbols; city, region, zip and country plain; a digest passes through', () => {
		expect(normalizeAndHash('ga4', 'first_name', ' Jean-Luc2 ')).toBe(sha256('jeanluc'));
		expect(normalizeAndHash('ga4', 'city', 'San Francisco 1')).toBe('san francisco');
		expect(normalizeAndHash('ga4', 'state', 'CA')).toBe('ca');
		expect(normalizeAndHash('ga4', 'zip', ' 94103. ')).toBe('94103');
		expect(normalizeAndHash('ga4', 'country', 'United States')).toBe('US');
		expect(normalizeAndHash('ga4', 'email', sha256('x@y.com').toUpperCase())).toBe(sha256('x@y.com'));
		expect(normalizeAndHash('ga4', 'external_id', 'abc')).toBeUndefined();
	});
});

describe('GA4 request planning', () => {
	it('POSTs to /mp/collect with measurement_id and api_secret in the query, nothing secret in headers', () => {
		const [request] = buildPlatformRequests('ga4', [conversion()], config({ baseUrl: 'https://proxy.example/' }), NOW);
		const url = new URL(request.url);
		expect(`${url.origin}${url.pathname}`).toBe('https://proxy.example/mp/collect');
		expect(Object.fromEntries(url.searchParams)).toEqual({
			measurement_id: GA4_FAKE_MEASUREMENT_ID,
			api_secret: GA4_FAKE_API_SECRET,
		});
		expect(request.headers).toEqual({ 'Content-Type': 'application/json' });
		expect(planGa4Requests([conversion()], config(), NOW).requests[0].url).toMatch(/^https:\/\/www\.google-analytics\.com\/mp\/collect\?/);
		expect(planGa4Requests([conversion()], config({ validateOnly: true }), NOW).requests[0].url).toMatch(
			/^https:\/\/www\.google-analytics\.com\/debug\/mp\/collect\?/,
		);
	});

	it('builds the body: client id, microseconds, hashed user_data, purchase params with a numeric value', () => {
		const event = conversion();
		const body = bodyOf([event]);
		const micros = Date.parse(event.occurredAt) * 1000;
		expect(body).toEqual({
			client_id: clientIdFor(event, {}),
			timestamp_micros: micros,
			// The matched click's IP (GA4 derives the location from it) and the device category its user agent tells.
			ip_override: '203.0.113.7',
			device: { category: 'mobile' },
			user_data: {
				sha256_email_address: [sha256('john_smith@gmail.com')],
				sha256_phone_number: [sha256('+16505551212')],
			},
			events: [
				{
					name: 'purchase',
					timestamp_micros: micros,
					params: {
						transaction_id: eventIdFor(event),
						value: 39.5,
						currency: 'USD',
						affiliation: 'WP Engine',
						page_location: event.click!.landingUrl,
					},
				},
			],
		});
		expect(String(body.timestamp_micros)).toMatch(/^\d{16}$/);
		// No click id of any platform, and not the user agent itself: GA4's Measurement Protocol has no field for them.
		expect(
			JSON.stringify({
				...body,
				events: body.events.map((one) => ({
					...one,
					params: { ...one.params, page_location: undefined },
				})),
			}),
		).not.toMatch(/ttclid|gclid|E\.C\.P|Mozilla/);
	});

	it('Collection Endpoint EU sends to region1; a Base URL changed in the credential (a proxy, a test double) wins', () => {
		const from = (region: string, baseUrl?: string) =>
			ga4.configFrom!({ measurementId: 'G-ABC123', region }, { apiSecret: 'secret', ...(baseUrl !== undefined ? { baseUrl } : {}) }).baseUrl;
		expect(from('eu', 'https://www.google-analytics.com')).toBe(GA4_EU_BASE_URL);
		expect(from('eu', 'https://www.google-analytics.com/')).toBe(GA4_EU_BASE_URL);
		expect(from('eu')).toBe(GA4_EU_BASE_URL);
		expect(from('global', 'https://www.google-analytics.com')).toBe('https://www.google-analytics.com');
		expect(from('eu', 'http://127.0.0.1:9999')).toBe('http://127.0.0.1:9999');
		expect(planGa4Requests([conversion()], config({ baseUrl: GA4_EU_BASE_URL }), NOW).requests[0].url).toMatch(
			/^https:\/\/region1\.google-analytics\.com\/mp\/collect\?/,
		);
	});

	it('tells the device category from the user agent: tablets before phones, desktop otherwise', () => {
		const ua = {
			iPhone: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1',
			iPad: 'Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1',
			androidPhone: 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36',
			androidTablet: 'Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36',
			windows: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36',
		};
		expect(Object.fromEntries(Object.entries(ua).map(([name, agent]) => [name, deviceCategory(agent)]))).toEqual({
			iPhone: 'mobile',
			iPad: 'tablet',
			androidPhone: 'mobile',
			androidTablet: 'tablet',
			windows: 'desktop',
		});
		expect(deviceCategory('  ')).toBeUndefined();
		expect(deviceCategory(undefined)).toBeUndefined();
	});

	it('visitors with different IPs or devices go in separate requests (a request has one visitor)', () => {
		const phone = conversion({ transactionId: 'T-ip-1' });
		const other = conversion({ transactionId: 'T-ip-2' });
		other.click = { ...other.click!, ip: '198.51.100.9', userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64)' };
		const plan = planGa4Requests([phone, other], config(), NOW);
		expect(plan.requests.map((request) => [(request.body as unknown as Ga4Body).ip_override, (request.body as unknown as Ga4Body).device])).toEqual([
			['203.0.113.7', { category: 'mobile' }],
			['198.51.100.9', { category: 'desktop' }],
		]);
	});

	it('the event id is the deterministic dedup id (same input, same transaction_id)', () => {
		const first = bodyOf([conversion()]).events[0].params.transaction_id;
		expect(first).toBe(bodyOf([conversion()]).events[0].params.transaction_id);
		expect(first).not.toBe(bodyOf([conversion({ transactionId: 'other' })]).events[0].params.transaction_id);
	});

	it('client id: the setting, else "<32-bit hash of the click id>.<click seconds>", else from the event id', () => {
		const event = conversion();
		expect(clientIdFor(event, { clientId: ' 555.666 ' })).toBe('555.666');
		const derived = clientIdFor(event, {});
		expect(derived).toMatch(/^\d{1,10}\.\d{10}$/);
		expect(derived.split('.')[1]).toBe(String(Date.parse(event.click!.clickedAt) / 1000));
		expect(clientIdFor(conversion({ transactionId: 'another' }), {})).toBe(derived);
		const noClick = conversion({
			click: undefined,
			clickId: null as unknown as string,
		});
		expect(clientIdFor(noClick, {})).toMatch(/^\d{1,10}\.\d{10}$/);
		expect(clientIdFor(noClick, {})).not.toBe(clientIdFor({ ...noClick, transactionId: 'other' }, {}));
		expect(bodyOf([event], { clientId: 'GA1-abc' }).client_id).toBe('GA1-abc');
	});

	it("client id: the visitor's own from the click's _ga cookie comes before the derived one, after the setting", () => {
		const event = conversion();
		const withCookie = { ...event, click: { ...event.click!, gaClientId: '1234567890.1700000000' } };
		expect(clientIdFor(withCookie, {})).toBe('1234567890.1700000000');
		expect(bodyOf([withCookie]).client_id).toBe('1234567890.1700000000');
		expect(clientIdFor(withCookie, { clientId: '555.666' })).toBe('555.666');
	});

	it('standard names without a mapping, the mapping when given; value from the sale amount; zero value left out', () => {
		const lead = conversion({
			eventName: 'Lead',
			transactionId: 'L1',
			commission: '0',
			destinationEvents: undefined,
		});
		expect(bodyOf([lead]).events[0]).toMatchObject({
			name: 'generate_lead',
			params: { transaction_id: expect.any(String) },
		});
		expect(bodyOf([lead]).events[0].params).not.toHaveProperty('value');
		expect(
			bodyOf([
				conversion({
					eventName: 'CompleteRegistration',
					destinationEvents: undefined,
				}),
			]).events[0].name,
		).toBe('sign_up');
		expect(bodyOf([conversion()], { valueFrom: 'amount' }).events[0].params).toMatchObject({ value: 79, currency: 'USD' });
		expect(bodyOf([conversion({ commission: '1234567.89' })]).events[0].params.value).toBe(1234567.89);
	});

	it('user_data address from names and location, in its own array', () => {
		const body = bodyOf([
			conversion({
				user: {
					firstName: 'Jane',
					lastName: "O'Neil",
					city: 'Paris',
					state: 'Île-de-France',
					zip: '75001',
					country: 'France',
				},
			}),
		]);
		expect(body.user_data).toEqual({
			address: [
				{
					sha256_first_name: sha256('jane'),
					sha256_last_name: sha256('oneil'),
					city: 'paris',
					region: 'îledefrance',
					postal_code: '75001',
					country: 'FR',
				},
			],
		});
	});

	it('batches per client id (one request holds one client id), at most 25 events each, in input order', () => {
		const same = Array.from({ length: 30 }, (_, i) => conversion({ transactionId: `T${i}` }));
		const other = conversion({
			transactionId: 'X',
			clickId: 'other-click',
			click: { ...conversion().click!, clickId: 'other-click' },
		});
		const plan = planGa4Requests([...same.slice(0, 10), other, ...same.slice(10)], config(), NOW);
		expect(plan.skipped).toEqual([]);
		expect(plan.requests.map((request) => request.itemIndexes.length)).toEqual([GA4_MAX_EVENTS, 5, 1]);
		expect(plan.requests[0].itemIndexes).toEqual([...Array.from({ length: 10 }, (_, i) => i), ...Array.from({ length: 15 }, (_, i) => i + 11)]);
		expect(plan.requests[2].itemIndexes).toEqual([10]);
		const clientIds = plan.requests.map((request) => (request.body as unknown as Ga4Body).client_id);
		expect(clientIds[0]).toBe(clientIds[1]);
		expect(clientIds[2]).not.toBe(clientIds[0]);
		for (const request of plan.requests) expect((request.body as unknown as Ga4Body).events).toHaveLength(request.itemIndexes.length);
	});

	it('different user data under one client id goes in separate requests (user_data belongs to the request)', () => {
		const plan = planGa4Requests(
			[
				conversion(),
				conversion({
					transactionId: 'T2',
					user: { email: 'other@example.com' },
				}),
			],
			config(),
			NOW,
		);
		expect(plan.requests).toHaveLength(2);
	});

	describe('skips what GA4 would silently drop, with a code', () => {
		const skipOf = (event: ForwardableEvent, overrides: Partial<Ga4Config> = {}) => {
			// Through the platform definition: it checks the required settings (missingConfig) before planning.
			const plan = ga4.planRequests([event], config(overrides), NOW);
			expect(plan.requests).toEqual([]);
			return plan.skipped[0];
		};
		it('a Click Tracker click', () =>
			expect(skipOf(click())).toMatchObject({
				index: 0,
				code: 'not_a_conversion',
			}));
		it('a reversed conversion', () =>
			expect(skipOf(conversion({ status: 'reversed' }))).toMatchObject({
				code: 'not_a_conversion',
				reason: expect.stringContaining('reversed'),
			}));
		it('a rejected conversion', () =>
			expect(skipOf(conversion({ status: 'rejected' }))).toMatchObject({
				code: 'not_a_conversion',
			}));
		it('a negative value', () =>
			expect(skipOf(conversion({ commission: '-39.5' }))).toMatchObject({
				code: 'not_a_conversion',
				reason: expect.stringContaining('negative'),
			}));
		it('a mapping without GA4', () => expect(skipOf(conversion({ destinationEvents: { meta: 'Purchase' } }))).toMatchObject({ code: 'no_ga4_event' }));
		it('an event without a mapping whose own name GA4 would drop', () =>
			expect(skipOf(conversion({ eventName: 'Free Trial', destinationEvents: undefined }))).toMatchObject({ code: 'invalid_event_name' }));
		it('an invalid event name', () => expect(skipOf(conversion({ destinationEvents: { ga4: 'my purchase' } }))).toMatchObject({ code: 'invalid_event_name' }));
		it('a name over 40 characters', () =>
			expect(skipOf(conversion({ destinationEvents: { ga4: `a${'b'.repeat(40)}` } }))).toMatchObject({ code: 'invalid_event_name' }));
		it('a reserved name', () => expect(skipOf(conversion({ destinationEvents: { ga4: 'page_view' } }))).toMatchObject({ code: 'reserved_event_name' }));
		it('a reserved prefix', () => expect(skipOf(conversion({ destinationEvents: { ga4: 'ga_purchase' } }))).toMatchObject({ code: 'reserved_event_name' }));
		it('older than 72 hours', () =>
			expect(
				skipOf(
					conversion({
						occurredAt: new Date(NOW.getTime() - 73 * HOUR).toISOString(),
					}),
				),
			).toMatchObject({ code: 'event_too_old' }));
		it('in the future', () =>
			expect(
				skipOf(
					conversion({
						occurredAt: new Date(NOW.getTime() + HOUR).toISOString(),
					}),
				),
			).toMatchObject({ code: 'event_in_future' }));
		it('a value without currency', () => expect(skipOf(conversion({ currency: null as unknown as string }))).toMatchObject({ code: 'missing_currency' }));
		it('no measurement id or secret', () =>
			expect(skipOf(conversion(), { apiSecret: ' ' })).toMatchObject({
				code: 'missing_config',
			}));
		it('a stream id instead of a measurement id', () =>
			expect(skipOf(conversion(), { measurementId: '1234567890' })).toMatchObject({ code: 'invalid_measurement_id' }));
	});

	it('a time a few seconds ahead (clock skew) is sent as now; 72 hours minus a minute is still sent', () => {
		expect(
			bodyOf([
				conversion({
					occurredAt: new Date(NOW.getTime() + 20_000).toISOString(),
				}),
			]).events[0].timestamp_micros,
		).toBe(NOW.getTime() * 1000);
		expect(
			planGa4Requests(
				[
					conversion({
						occurredAt: new Date(NOW.getTime() - 72 * HOUR + 60_000).toISOString(),
					}),
				],
				config(),
				NOW,
			).requests,
		).toHaveLength(1);
	});

	it('long optional text is left out rather than sent for GA4 to drop', () => {
		const params = bodyOf([conversion({ brandName: 'x'.repeat(101) })]).events[0].params;
		expect(params.affiliation).toBe('shareasale');
	});

	it('the registry knows ga4', () => {
		expect(ga4.maxBatch).toBe(25);
		expect(planPlatformRequests('ga4', [conversion(), click()], config(), NOW).skipped).toEqual([
			expect.objectContaining({ index: 1, code: 'not_a_conversion' }),
		]);
	});
});

describe('GA4 response reading', () => {
	const [request] = planGa4Requests([conversion(), conversion({ transactionId: 'T2' })], config(), NOW).requests;
	const [debugRequest] = planGa4Requests([conversion(), conversion({ transactionId: 'T2' })], config({ validateOnly: true }), NOW).requests;
	const read = (status: number, body: unknown = '', headers: Record<string, string> = {}, on = request) => readGa4Response(on, { status, headers, body }, NOW);

	it('204: every event sent, with its transaction id as event id', () => {
		const ids = (request.body as unknown as Ga4Body).events.map((event) => event.params.transaction_id);
		expect(read(204)).toEqual([
			{ index: 0, eventId: ids[0], outcome: 'sent' },
			{ index: 1, eventId: ids[1], outcome: 'sent' },
		]);
	});
	it('429 with Retry-After, and 5xx: retry', () => {
		expect(read(429, '', { 'retry-after': '7' })[0]).toMatchObject({
			outcome: 'retry',
			code: 'http_429',
			retryAfterMs: 7000,
		});
		expect(read(503)[1]).toMatchObject({ outcome: 'retry', code: 'http_503' });
	});
	it('401/403: failed, pointing at the credential; other 4xx failed', () => {
		expect(read(403)[0]).toMatchObject({
			outcome: 'failed',
			code: 'http_403',
			reason: expect.stringContaining('GA4 Measurement Protocol credential'),
		});
		expect(read(404)[0]).toMatchObject({ outcome: 'failed', code: 'http_404' });
	});
	it('validation server: no messages → sent (validated), per-event messages fail that event, request messages fail all', () => {
		expect(read(200, { validationMessages: [] }, {}, debugRequest).map((result) => [result.outcome, result.code])).toEqual([
			['sent', 'validated'],
			['sent', 'validated'],
		]);
		const perEvent = read(
			200,
			{
				validationMessages: [
					{
						fieldPath: 'events[1].params.currency',
						description: 'Event at index: [1] has currency that is not an ISO 4217 code.',
						validationCode: 'VALUE_INVALID',
					},
				],
			},
			{},
			debugRequest,
		);
		expect(perEvent.map((result) => result.outcome)).toEqual(['sent', 'failed']);
		expect(perEvent[1]).toMatchObject({
			code: 'VALUE_INVALID',
			reason: expect.stringContaining('events[1].params.currency'),
		});
		const byDescription = read(
			200,
			{
				validationMessages: [
					{
						fieldPath: 'events',
						description: 'Event at index: [0] has invalid name [_x].',
						validationCode: 'NAME_INVALID',
					},
				],
			},
			{},
			debugRequest,
		);
		expect(byDescription.map((result) => result.outcome)).toEqual(['failed', 'sent']);
		const general = read(
			200,
			{
				validationMessages: [
					{
						fieldPath: 'client_id',
						description: 'client_id is required',
						validationCode: 'VALUE_REQUIRED',
					},
				],
			},
			{},
			debugRequest,
		);
		expect(general.map((result) => result.code)).toEqual(['VALUE_REQUIRED', 'VALUE_REQUIRED']);
		expect(read(200, 'not json', {}, debugRequest)[0]).toMatchObject({
			outcome: 'failed',
			code: 'unexpected_response',
		});
	});
});

describe('GA4 through sendToPlatform against the strict fake', () => {
	let fake: Ga4Fake;
	let sleeps: number[];
	beforeEach(async () => {
		fake = await startGa4Fake({ now: () => NOW });
		sleeps = [];
	});
	afterEach(async () => {
		await fake.close();
	});
	const send = (events: ForwardableEvent[], overrides: Partial<Ga4Config> = {}): Promise<EventResult[]> =>
		sendToPlatform('ga4', events, config({ baseUrl: fake.url, ...overrides }), {
			send: fetchSend,
			sleep: async (ms) => {
				sleeps.push(ms);
			},
			now: () => NOW,
			random: () => 0.5,
		});

	it('delivers conversions; the fake processes them and drops nothing; skipped ones never reach it', async () => {
		const events: ForwardableEvent[] = [
			conversion(),
			click(),
			conversion({
				eventName: 'Lead',
				transactionId: 'L1',
				commission: '0',
				destinationEvents: { ga4: 'generate_lead' },
			}),
			conversion({ transactionId: 'R1', status: 'reversed' }),
			conversion({ transactionId: 'OLD', occurredAt: '2024-05-01T00:00:00Z' }),
		];
		const results = await send(events);
		expect(results.map((result) => [result.outcome, result.code])).toEqual([
			['sent', undefined],
			['failed', 'not_a_conversion'],
			['sent', undefined],
			['failed', 'not_a_conversion'],
			['failed', 'event_too_old'],
		]);
		expect(fake.dropped).toEqual([]);
		expect(fake.events.map((entry) => entry.event.name)).toEqual(['purchase', 'generate_lead']);
		const [purchase] = fake.events;
		expect(purchase.userData!.sha256_email_address).toEqual([expect.stringMatching(HEX64)]);
		expect(purchase.event.params).toMatchObject({
			value: 39.5,
			currency: 'USD',
			transaction_id: results[0].eventId,
		});
		expect(purchase.timestampMicros).toBe(Date.parse(conversion().occurredAt) * 1000);
		expect(fake.collectRequests()).toHaveLength(1);
	});

	it('sends 26 events of one client as 25 + 1, all processed', async () => {
		const events = Array.from({ length: 26 }, (_, i) => conversion({ transactionId: `B${i}` }));
		const results = await send(events);
		expect(results.every((result) => result.outcome === 'sent')).toBe(true);
		expect(fake.collectRequests().map((request) => (request.body as Ga4Body).events.length)).toEqual([25, 1]);
		expect(fake.events).toHaveLength(26);
		expect(fake.dropped).toEqual([]);
	});

	it('retries after a 429 (honouring Retry-After) and a 500, and nothing is recorded twice', async () => {
		fake.failNext(1, 429, { retryAfter: '2' });
		fake.failNext(1, 500);
		const results = await send([conversion(), conversion({ transactionId: 'T2' })]);
		expect(results.map((result) => result.outcome)).toEqual(['sent', 'sent']);
		expect(fake.collectRequests()).toHaveLength(3);
		expect(sleeps[0]).toBeGreaterThanOrEqual(2000);
		expect(fake.events).toHaveLength(2);
		expect(fake.duplicates).toEqual([]);
	});

	it('Validate Only: the validation server checks the events and nothing is recorded', async () => {
		const results = await send([conversion()], { validateOnly: true });
		expect(results[0]).toMatchObject({ outcome: 'sent', code: 'validated' });
		expect(fake.debugRequests()).toHaveLength(1);
		expect(fake.events).toEqual([]);
	});

	it('Validate Only turns validation messages into failed results (a client id GA4 cannot take)', async () => {
		// A hand-made request the builder would never produce, to see the message come back through readGa4Response.
		const [request] = planGa4Requests([conversion()], config({ baseUrl: fake.url, validateOnly: true }), NOW).requests;
		const broken = {
			...request,
			body: { ...request.body, client_id: undefined },
		};
		const [result] = readGa4Response(broken, await fetchSend(broken), NOW);
		expect(result).toMatchObject({
			outcome: 'failed',
			code: 'VALUE_REQUIRED',
			reason: expect.stringContaining('client_id'),
		});
	});

	it('a wrong API secret is invisible in production (GA4 answers 204 and drops the request)', async () => {
		const results = await send([conversion()], { apiSecret: 'wrong' });
		expect(results[0].outcome).toBe('sent');
		expect(fake.events).toEqual([]);
		expect(fake.dropped[0].message.fieldPath).toBe('api_secret');
	});
});

describe('GA4 event names without the funnel', () => {
	it('an event outside the mapping table keeps its own name, as a GA4 custom event', () => {
		const [request] = planGa4Requests([conversion({ eventName: 'Subscribe', destinationEvents: undefined })], config(), NOW).requests;
		expect((request.body as unknown as Ga4Body).events[0].name).toBe('Subscribe');
	});
});
