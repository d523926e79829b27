/**
 * The Snapchat fake must be at least as strict as Snapchat: each test sends one mistake over HTTP and expects
 * Snap's refusal (HTTP 400 `{ status: 'INVALID', event, errors }`, or 401/403 for the token).
 */
import { createHash } from 'node:crypto';
import { SNAPCHAT_FAKE_PIXEL, SNAPCHAT_FAKE_TOKEN, type SnapchatFake, startSnapchatFake } from '../../fakes/snapchat';

const NOW = new Date('2024-06-01T12:00:00Z');
const NOW_S = NOW.getTime() / 1000;
const DAY_S = 86_400;
const hash = (text: string) => createHash('sha256').update(text).digest('hex');

type Json = Record<string, unknown>;

function event(overrides: Json = {}, user: Json = {}): Json {
	return {
		event_name: 'PURCHASE',
		event_time: NOW_S - 3600,
		event_id: 'evt_1',
		action_source: 'WEB',
		event_source_url: 'https://deals.example.com/x',
		user_data: {
			em: [hash('a@example.com')],
			ph: [hash('16505551212')],
			external_id: [hash('c-1')],
			client_ip_address: '203.0.113.7',
			client_user_agent: 'Mozilla/5.0',
			sc_click_id: 'a3f4b5c6-d7e8-9012-3456-7890abcdef12',
			...user,
		},
		custom_data: { value: 39.5, currency: 'USD', order_id: 'O1' },
		...overrides,
	};
}

const body = (data: Json[]) => ({ data });

describe('Snapchat fake', () => {
	let fake: SnapchatFake;
	beforeEach(async () => {
		fake = await startSnapchatFake({ now: () => NOW });
	});
	afterEach(async () => {
		await fake.close();
	});

	async function post(
		payload: unknown,
		query: string = `?access_token=${SNAPCHAT_FAKE_TOKEN}`,
		headers: Record<string, string> = {},
		path = `/v3/${SNAPCHAT_FAKE_PIXEL}/events`,
	) {
		const response = await fetch(`${fake.url}${path}${query}`, {
			method: 'POST',
			headers: { 'content-type': 'application/json', ...headers },
			body: typeof payload === 'string' ? payload : JSON.stringify(payload),
		});
		const text = await response.text();
		let json: Json = {};
		try {
			json = JSON.parse(text) as Json;
		} catch {
			// an injected 5xx page
		}
		return { status: response.status, headers: response.headers, json, text };
	}

	/** A refused event: HTTP 400, INVALID, the event's position, a code and a message matching `pattern`; nothing recorded. */
	async function expectEventRefused(payload: unknown, position: number, code: string, pattern: RegExp) {
		const answer = await post(payload);
		expect(answer.status).toBe(400);
		expect(answer.json).toMatchObject({
			status: 'INVALID',
			event: position,
			errors: { codes: expect.arrayContaining([code]) },
		});
		expect((answer.json.errors as { error_msgs: string[] }).error_msgs.join('; ')).toMatch(pattern);
		expect(fake.events).toHaveLength(0);
	}

	async function expectRequestRefused(payload: unknown, status: number, pattern: RegExp, query?: string, headers?: Record<string, string>) {
		const answer = await post(payload, query, headers);
		expect(answer.status).toBe(status);
		expect(answer.json).toMatchObject({
			status: 'INVALID',
			reason: expect.stringMatching(pattern),
		});
		expect(fake.events).toHaveLength(0);
	}

	it("accepts a correct request with Snap's VALID answer and records the event", async () => {
		const answer = await post(body([event()]));
		expect(answer.status).toBe(200);
		expect(answer.json).toEqual({
			status: 'VALID',
			reason: expect.any(String),
		});
		expect(fake.events).toEqual([{ pixelId: SNAPCHAT_FAKE_PIXEL, event: event() }]);
	});

	describe('auth placement', () => {
		it('refuses a missing token', () => expectRequestRefused(body([event()]), 401, /access_token is missing/, ''));
		it('refuses a Bearer Authorization header instead of the query parameter', () =>
			expectRequestRefused(body([event()]), 401, /Authorization header is not read/, '', { Authorization: `Bearer ${SNAPCHAT_FAKE_TOKEN}` }));
		it('refuses a wrong token', () => expectRequestRefused(body([event()]), 401, /invalid or has been revoked/, '?access_token=wrong'));
		it('refuses "Bearer " inside access_token', () =>
			expectRequestRefused(body([event()]), 401, /invalid/, `?access_token=${encodeURIComponent(`Bearer ${SNAPCHAT_FAKE_TOKEN}`)}`));
		it('refuses a pixel the token may not use', async () => {
			const answer = await post(body([event()]), undefined, undefined, '/v3/other-pixel/events');
			expect(answer.status).toBe(403);
			expect(answer.json).toMatchObject({
				status: 'INVALID',
				reason: expect.stringContaining('other-pixel'),
			});
		});
	});

	describe('request fields', () => {
		it('refuses a body that is not JSON', () => expectRequestRefused('data=[]', 400, /JSON object/));
		it('refuses a missing data list', () => expectRequestRefused({ events: [event()] }, 400, /data is required/));
		it('refuses an empty batch', () => expectRequestRefused(body([]), 400, /between 1 and 2000/));
		it('refuses more than 2000 events', () =>
			expectRequestRefused(body(Array.from({ length: 2001 }, (_, i) => event({ event_id: `e${i}` }))), 400, /between 1 and 2000/));
		it('accepts exactly 2000 events', async () => {
			const answer = await post(body(Array.from({ length: 2000 }, (_, i) => event({ event_id: `e${i}` }))));
			expect(answer.status).toBe(200);
			expect(fake.events).toHaveLength(2000);
		});
	});

	describe('event fields', () => {
		it('refuses a missing event_name', () =>
			expectEventRefused(body([event({ event_name: undefined })]), 0, 'MISSING_REQUIRED_FIELD', /event_name is required/));
		it('refuses a missing event_time', () =>
			expectEventRefused(body([event({ event_time: undefined })]), 0, 'MISSING_REQUIRED_FIELD', /event_time is required/));
		it('refuses event_time in milliseconds', () =>
			expectEventRefused(body([event({ event_time: NOW.getTime() })]), 0, 'INVALID_TIMESTAMP', /seconds, not milliseconds/));
		it('refuses event_time as a string', () => expectEventRefused(body([event({ event_time: String(NOW_S) })]), 0, 'INVALID_TIMESTAMP', /integer/));
		it('refuses an event older than 37 days', () => expectEventRefused(body([event({ event_time: NOW_S - 38 * DAY_S })]), 0, 'INVALID_TIMESTAMP', /37 days/));
		it('accepts an event 36 days old', async () => {
			expect((await post(body([event({ event_time: NOW_S - 36 * DAY_S })]))).status).toBe(200);
		});
		it('refuses an event an hour in the future', () => expectEventRefused(body([event({ event_time: NOW_S + 3600 })]), 0, 'INVALID_TIMESTAMP', /future/));
		it('refuses a missing action_source', () =>
			expectEventRefused(body([event({ action_source: undefined })]), 0, 'MISSING_REQUIRED_FIELD', /action_source is required/));
		it("refuses Meta's lower-case action_source", () =>
			expectEventRefused(body([event({ action_source: 'website' })]), 0, 'INVALID_ACTION_SOURCE', /WEB, MOBILE_APP, OFFLINE/));
		it('refuses a web event without event_source_url', () =>
			expectEventRefused(body([event({ event_source_url: undefined })]), 0, 'MISSING_REQUIRED_FIELD', /event_source_url/));
		it('accepts an offline event without event_source_url', async () => {
			expect((await post(body([event({ event_source_url: undefined, action_source: 'OFFLINE' })]))).status).toBe(200);
		});
		it('refuses an event_source_url without its protocol', () =>
			expectEventRefused(body([event({ event_source_url: 'deals.example.com/x' })]), 0, 'INVALID_URL', /absolute URL/));
		it('refuses a missing user_data', () => expectEventRefused(body([event({ user_data: undefined })]), 0, 'MISSING_REQUIRED_FIELD', /user_data is required/));
		for (const [field, plain] of [
			['em', 'a@example.com'],
			['ph', '16505551212'],
			['external_id', 'c-1'],
		] as const) {
			it(`refuses an unhashed ${field}`, () =>
				expectEventRefused(body([event({}, { [field]: [plain] })]), 0, 'UNHASHED_PII', new RegExp(`user_data\\.${field} must be SHA-256`)));
			it(`refuses an upper-case ${field} digest`, () =>
				expectEventRefused(body([event({}, { [field]: [hash(plain).toUpperCase()] })]), 0, 'UNHASHED_PII', new RegExp(field)));
		}
		it('accepts em as a single digest string (Snap: "string or list of strings")', async () => {
			expect((await post(body([event({}, { em: hash('a@example.com') })]))).status).toBe(200);
		});
		it('refuses an empty em list', () => expectEventRefused(body([event({}, { em: [] })]), 0, 'UNHASHED_PII', /user_data\.em/));
		it('refuses a hashed IP address', () =>
			expectEventRefused(body([event({}, { client_ip_address: hash('203.0.113.7') })]), 0, 'INVALID_HASHED_IP', /unhashed/));
		it('refuses an IP that is not an IP', () => expectEventRefused(body([event({}, { client_ip_address: 'localhost' })]), 0, 'INVALID_IP', /not an IP/));
		it('refuses a hashed sc_click_id', () =>
			expectEventRefused(body([event({}, { sc_click_id: hash('click') })]), 0, 'INVALID_PARAMETER', /sc_click_id must be sent as is/));
		it('refuses an event it cannot match (IP without user agent, nothing else)', () =>
			expectEventRefused(
				body([
					event(
						{},
						{
							em: undefined,
							ph: undefined,
							sc_click_id: undefined,
							client_user_agent: undefined,
						},
					),
				]),
				0,
				'INSUFFICIENT_PII',
				/needs em, ph, sc_click_id/,
			));
		it('accepts an event matched by sc_click_id alone', async () => {
			const answer = await post(
				body([
					event(
						{},
						{
							em: undefined,
							ph: undefined,
							external_id: undefined,
							client_ip_address: undefined,
							client_user_agent: undefined,
						},
					),
				]),
			);
			expect(answer.status).toBe(200);
		});
		it('refuses a PURCHASE without value', () =>
			expectEventRefused(body([event({ custom_data: { currency: 'USD' } })]), 0, 'MISSING_PRICE_OR_CURRENCY', /value and custom_data\.currency/));
		it('refuses a PURCHASE without currency', () =>
			expectEventRefused(body([event({ custom_data: { value: 5 } })]), 0, 'MISSING_PRICE_OR_CURRENCY', /PURCHASE/));
		it('accepts a SIGN_UP without value', async () => {
			expect((await post(body([event({ event_name: 'SIGN_UP', custom_data: undefined })]))).status).toBe(200);
		});
		it('refuses a value that is not a number', () =>
			expectEventRefused(body([event({ custom_data: { value: 'ten', currency: 'USD' } })]), 0, 'INVALID_VALUE', /must be a number/));
		it('refuses a boolean value', () => expectEventRefused(body([event({ custom_data: { value: true, currency: 'USD' } })]), 0, 'INVALID_VALUE', /number/));
		it('refuses a lower-case currency', () =>
			expectEventRefused(body([event({ custom_data: { value: 1, currency: 'usd' } })]), 0, 'INVALID_CURRENCY', /ISO 4217/));
	});

	describe('one bad event refuses the request and is named by position', () => {
		it('answers 400 with event: 1 and records nothing', async () => {
			const answer = await post(body([event({ event_id: 'a' }), event({ event_id: 'b', event_time: NOW.getTime() }), event({ event_id: 'c' })]));
			expect(answer.status).toBe(400);
			expect(answer.json).toMatchObject({
				status: 'INVALID',
				event: 1,
				errors: { codes: ['INVALID_TIMESTAMP'] },
			});
			expect(fake.events).toHaveLength(0);
		});

		it('records event_name + event_id once', async () => {
			await post(body([event({ event_id: 'x' })]));
			await post(body([event({ event_id: 'x' })]));
			await post(body([event({ event_id: 'x', event_name: 'SIGN_UP' })]));
			expect(fake.events.map((recorded) => recorded.event.event_name)).toEqual(['PURCHASE', 'SIGN_UP']);
			expect(fake.duplicates).toHaveLength(1);
		});
	});

	describe('validate endpoint (Test Event Tool)', () => {
		const validatePath = `/v3/${SNAPCHAT_FAKE_PIXEL}/events/validate`;

		it('answers one log per event, records nothing as a live event', async () => {
			const answer = await post(body([event()]), undefined, undefined, validatePath);
			expect(answer.status).toBe(200);
			expect(answer.json).toMatchObject({
				status: 'VALID',
				test_event: true,
				event_logs: [{ event: 0, status: 'VALID' }],
			});
			expect(fake.events).toHaveLength(0);
			expect(fake.validated).toHaveLength(1);
		});

		it('reports each invalid event in its log with HTTP 400', async () => {
			const answer = await post(body([event(), event({ event_id: 'b' }, { em: ['plain@example.com'] })]), undefined, undefined, validatePath);
			expect(answer.status).toBe(400);
			expect(answer.json).toMatchObject({
				status: 'INVALID',
				event_logs: [
					{ event: 0, status: 'VALID' },
					{ event: 1, status: 'INVALID', errors: { codes: ['UNHASHED_PII'] } },
				],
			});
		});

		it('checks the token too', async () => {
			const answer = await post(body([event()]), '?access_token=nope', undefined, validatePath);
			expect(answer.status).toBe(401);
		});
	});

	describe('fault injection', () => {
		it('answers the next requests with HTTP 429 (and Retry-After), then normally', async () => {
			fake.failNext(2, 429, { retryAfter: '3' });
			for (let i = 0; i < 2; i++) {
				const answer = await post(body([event()]));
				expect(answer.status).toBe(429);
				expect(answer.headers.get('retry-after')).toBe('3');
			}
			expect(fake.events).toHaveLength(0);
			expect((await post(body([event()]))).status).toBe(200);
			expect(fake.events).toHaveLength(1);
		});

		it('answers HTTP 500 and 503 with an HTML page', async () => {
			fake.failNext(1, 500);
			fake.failNext(1, 503);
			expect((await post(body([event()]))).status).toBe(500);
			const second = await post(body([event()]));
			expect(second.status).toBe(503);
			expect(second.text).toContain('<html>');
			expect(fake.events).toHaveLength(0);
		});
	});

	describe('other routes', () => {
		it('serves the credential test: GET validate/stats with access_token in the query', async () => {
			const good = await fetch(`${fake.url}/v3/${SNAPCHAT_FAKE_PIXEL}/events/validate/stats?access_token=${SNAPCHAT_FAKE_TOKEN}`);
			expect(good.status).toBe(200);
			expect(await good.json()).toMatchObject({
				status: 'SUCCESS',
				stats: { test: expect.any(Object), live: expect.any(Object) },
			});
			const bad = await fetch(`${fake.url}/v3/${SNAPCHAT_FAKE_PIXEL}/events/validate/stats?access_token=nope`);
			expect(bad.status).toBe(401);
			expect(await bad.json()).toMatchObject({ status: 'FAILURE' });
		});

		it('refuses GET on the events endpoint and unknown routes', async () => {
			expect((await fetch(`${fake.url}/v3/${SNAPCHAT_FAKE_PIXEL}/events?access_token=${SNAPCHAT_FAKE_TOKEN}`)).status).toBe(405);
			expect((await fetch(`${fake.url}/v2/conversion`, { method: 'POST' })).status).toBe(404);
		});
	});
});
