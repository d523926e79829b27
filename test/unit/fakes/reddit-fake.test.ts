/**
 * The Reddit fake must be at least as strict as Reddit: each test sends one mistake over HTTP and expects Reddit's
 * refusal (its status and `{ error: { code, message, fields? } }` body).
 */
import { createHash } from 'node:crypto';
import { REDDIT_FAKE_PIXEL, REDDIT_FAKE_TOKEN, type RedditFake, startRedditFake } from '../../fakes/reddit';

const NOW = new Date('2024-06-01T12:00:00Z');
const NOW_MS = NOW.getTime();
const hash = (text: string) => createHash('sha256').update(text).digest('hex');

type Json = Record<string, unknown>;

function event(overrides: Json = {}, user: Json = {}, metadata: Json = {}): Json {
	return {
		event_at: NOW_MS - 3_600_000,
		action_source: 'WEBSITE',
		type: { tracking_type: 'PURCHASE' },
		click_id: 'rdt-click-1',
		event_source_url: 'https://deals.example.com/x',
		user: {
			email: hash('alice@example.com'),
			phone_number: hash('+15554441234'),
			external_id: hash('c-1'),
			ip_address: hash('203.0.113.7'),
			user_agent: 'Mozilla/5.0',
			...user,
		},
		metadata: {
			conversion_id: 'cv_1',
			value: 39.5,
			currency: 'USD',
			...metadata,
		},
		...overrides,
	};
}

const body = (events: Json[], data: Json = {}): Json => ({
	data: { events, ...data },
});

describe('Reddit fake', () => {
	let fake: RedditFake;
	beforeEach(async () => {
		fake = await startRedditFake({ now: () => NOW });
	});
	afterEach(async () => {
		await fake.close();
	});

	async function post(
		payload: unknown,
		headers: Record<string, string> = {
			Authorization: `Bearer ${REDDIT_FAKE_TOKEN}`,
		},
		path = `/api/v3/pixels/${REDDIT_FAKE_PIXEL}/conversion_events`,
	) {
		const response = await fetch(`${fake.url}${path}`, {
			method: 'POST',
			headers: { 'content-type': 'application/json', ...headers },
			body: typeof payload === 'string' ? payload : JSON.stringify(payload),
		});
		const json = (await response.json()) as {
			data?: { message?: string };
			error?: {
				code: number;
				message: string;
				fields?: Array<{ field: string; message: string }>;
			};
		};
		return { status: response.status, json, headers: response.headers };
	}

	/** One invalid event: HTTP 400, "There were 1 invalid conversion events", a field naming the problem, nothing recorded. */
	async function expectInvalid(payload: Json, field: string, message: RegExp) {
		const { status, json } = await post(payload);
		expect(status).toBe(400);
		expect(json.error).toMatchObject({
			code: 400,
			message: 'There were 1 invalid conversion events. None were processed.',
		});
		expect(json.error!.fields).toEqual(expect.arrayContaining([{ field, message: expect.stringMatching(message) }]));
		expect(fake.events).toEqual([]);
	}

	it('accepts a valid request: 200 with Reddit success message, the events recorded once per conversion_id', async () => {
		const { status, json } = await post(
			body([event(), event({}, {}, { conversion_id: 'cv_2' })], {
				test_id: 't2_test',
			}),
		);
		expect(status).toBe(200);
		expect(json).toEqual({
			data: { message: 'Successfully processed 2 conversion events.' },
		});
		expect(fake.events.map((entry) => entry.event.metadata)).toEqual([
			expect.objectContaining({ conversion_id: 'cv_1' }),
			expect.objectContaining({ conversion_id: 'cv_2' }),
		]);
		expect(fake.events[0]).toMatchObject({
			pixelId: REDDIT_FAKE_PIXEL,
			testId: 't2_test',
		});
		await post(body([event()]));
		expect(fake.events).toHaveLength(2);
		expect(fake.duplicates).toHaveLength(1);
	});

	it('accepts a CUSTOM event with its name', async () => {
		const { status } = await post(
			body([
				event({
					type: { tracking_type: 'CUSTOM', custom_event_name: 'Trial Started' },
				}),
			]),
		);
		expect(status).toBe(200);
	});

	describe('authentication', () => {
		it('no Authorization header: 401 No bearer token provided', async () => {
			const { status, json } = await post(body([event()]), {});
			expect(status).toBe(401);
			expect(json.error).toEqual({
				code: 401,
				message: 'No bearer token provided',
			});
		});
		it('the token in the query string is not read: 401', async () => {
			const { status, json } = await post(body([event()]), {}, `/api/v3/pixels/${REDDIT_FAKE_PIXEL}/conversion_events?access_token=${REDDIT_FAKE_TOKEN}`);
			expect(status).toBe(401);
			expect(json.error!.message).toBe('No bearer token provided');
		});
		it('the token without "Bearer": 401', async () => {
			const { status } = await post(body([event()]), {
				Authorization: REDDIT_FAKE_TOKEN,
			});
			expect(status).toBe(401);
		});
		it('a wrong token: 401 UNAUTHORIZED', async () => {
			const { status, json } = await post(body([event()]), {
				Authorization: 'Bearer not-the-token',
			});
			expect(status).toBe(401);
			expect(json.error!.message).toBe('UNAUTHORIZED');
		});
		it('a pixel the token may not post to: 403', async () => {
			const { status, json } = await post(body([event()]), undefined, '/api/v3/pixels/t2_other/conversion_events');
			expect(status).toBe(403);
			expect(json.error!.message).toBe("You're not authorized to post conversions to Pixel ID t2_other.");
		});
		it('GET /api/v3/me answers the right token and refuses a wrong one', async () => {
			expect(
				(
					await fetch(`${fake.url}/api/v3/me`, {
						headers: { Authorization: `Bearer ${REDDIT_FAKE_TOKEN}` },
					})
				).status,
			).toBe(200);
			expect(
				(
					await fetch(`${fake.url}/api/v3/me`, {
						headers: { Authorization: 'Bearer nope' },
					})
				).status,
			).toBe(401);
		});
	});

	describe('request shape', () => {
		it('events outside the data wrapper (v2 shape): unknown field', async () => {
			const { status, json } = await post({ events: [event()] });
			expect(status).toBe(400);
			expect(json.error!.message).toBe('JSON error "unknown field" on field "events"');
		});
		it('test_id at the top level instead of inside data: unknown field', async () => {
			const { status, json } = await post({ ...body([event()]), test_id: 'x' });
			expect(status).toBe(400);
			expect(json.error!.message).toContain('"test_id"');
		});
		it('more than 1000 events: 400 Bad Request', async () => {
			const { status, json } = await post(body(Array.from({ length: 1001 }, (_, i) => event({}, {}, { conversion_id: `cv_${i}` }))));
			expect(status).toBe(400);
			expect(json.error!.message).toBe('Bad Request');
		});
		it('an empty event list: 400', async () => {
			expect((await post(body([]))).status).toBe(400);
		});
	});

	describe('events', () => {
		it('event_at in seconds', () => expectInvalid(body([event({ event_at: Math.floor(NOW_MS / 1000) })]), '$.data.events[0].event_at', /milliseconds/));
		it('event_at as an ISO string (v2)', () => expectInvalid(body([event({ event_at: NOW.toISOString() })]), '$.data.events[0].event_at', /integer/));
		it('event_at older than 168 hours', () => expectInvalid(body([event({ event_at: NOW_MS - 169 * 3_600_000 })]), '$.data.events[0].event_at', /168h0m0s/));
		it('event_at more than 5 minutes ahead', () => expectInvalid(body([event({ event_at: NOW_MS + 6 * 60_000 })]), '$.data.events[0].event_at', /future/));
		it('missing action_source', () => expectInvalid(body([event({ action_source: undefined })]), '$.data.events[0].action_source', /missing action_source/));
		it('lower-case action_source', () =>
			expectInvalid(body([event({ action_source: 'website' })]), '$.data.events[0].action_source', /invalid action_source: website/));
		it('a v2 tracking type', () =>
			expectInvalid(body([event({ type: { tracking_type: 'Purchase' } })]), '$.data.events[0].type.tracking_type', /invalid tracking_type/));
		it('CUSTOM without custom_event_name', () =>
			expectInvalid(body([event({ type: { tracking_type: 'CUSTOM' } })]), '$.data.events[0].type.custom_event_name', /required/));
		it('v2 event_type instead of type', () =>
			expectInvalid(body([event({ type: undefined, event_type: { tracking_type: 'PURCHASE' } })]), '$.data.events[0].type', /missing/));
		it('an unhashed email', () => expectInvalid(body([event({}, { email: 'alice@example.com' })]), '$.data.events[0].user.email', /SHA-256/));
		it('an unhashed phone number', () => expectInvalid(body([event({}, { phone_number: '+15554441234' })]), '$.data.events[0].user.phone_number', /SHA-256/));
		it('an unhashed IP address', () => expectInvalid(body([event({}, { ip_address: '203.0.113.7' })]), '$.data.events[0].user.ip_address', /SHA-256/));
		it('an upper-case hex digest', () =>
			expectInvalid(body([event({}, { external_id: hash('c-1').toUpperCase() })]), '$.data.events[0].user.external_id', /SHA-256/));
		it('a hashed user agent', () => expectInvalid(body([event({}, { user_agent: hash('Mozilla/5.0') })]), '$.data.events[0].user.user_agent', /not hashed/));
		it('a hashed click id', () => expectInvalid(body([event({ click_id: hash('rdt-click-1') })]), '$.data.events[0].click_id', /not hashed/));
		it('a value as a string', () => expectInvalid(body([event({}, {}, { value: '39.50' })]), '$.data.events[0].metadata.value', /number/));
		it('v2 value_decimal', () => expectInvalid(body([event({}, {}, { value_decimal: 39.5 })]), '$.data.events[0].metadata.value_decimal', /unknown field/));
		it('a lower-case currency', () => expectInvalid(body([event({}, {}, { currency: 'usd' })]), '$.data.events[0].metadata.currency', /ISO 4217/));
		it('a relative event_source_url', () => expectInvalid(body([event({ event_source_url: '/checkout' })]), '$.data.events[0].event_source_url', /absolute/));

		it('one bad event refuses the whole request and names its position', async () => {
			const { status, json } = await post(body([event(), event({ event_at: 1 }, {}, { conversion_id: 'cv_2' }), event({}, {}, { conversion_id: 'cv_3' })]));
			expect(status).toBe(400);
			expect(json.error!.fields!.map((entry) => entry.field)).toEqual(['$.data.events[1].event_at']);
			expect(fake.events).toEqual([]);
		});
	});

	describe('faults', () => {
		it('429 with Retry-After, then 500, then the request goes through', async () => {
			fake.failNext(1, 429, { retryAfter: '3' });
			fake.failNext(1, 500);
			const throttled = await post(body([event()]));
			expect(throttled.status).toBe(429);
			expect(throttled.headers.get('retry-after')).toBe('3');
			expect(throttled.json.error!.message).toBe('Too many requests/events within timeframe.');
			const down = await post(body([event()]));
			expect(down.status).toBe(500);
			expect(down.json.error!.message).toContain('No conversion events were processed');
			expect(fake.events).toEqual([]);
			expect((await post(body([event()]))).status).toBe(200);
			expect(fake.events).toHaveLength(1);
		});
	});
});
