/**
 * The TikTok fake must be at least as strict as TikTok: each test sends one mistake over HTTP and expects
 * TikTok's refusal (HTTP 200 with a non-zero code, as the real API answers).
 */
import { createHash } from 'node:crypto';
import { TIKTOK_FAKE_PIXEL, TIKTOK_FAKE_TOKEN, type TikTokFake, startTikTokFake } from '../../fakes/tiktok';

const NOW = new Date('2024-06-01T12:00:00Z');
const NOW_S = NOW.getTime() / 1000;
const hash = (text: string) => createHash('sha256').update(text).digest('hex');

type Json = Record<string, unknown>;

function event(overrides: Json = {}, user: Json = {}): Json {
	return {
		event: 'CompletePayment',
		event_time: NOW_S - 3600,
		event_id: 'evt_1',
		user: {
			email: hash('a@example.com'),
			phone: hash('+16505551212'),
			external_id: hash('c-1'),
			ttclid: 'E.C.P.abc',
			ttp: 'ttp-1',
			ip: '203.0.113.7',
			user_agent: 'Mozilla/5.0',
			...user,
		},
		properties: { value: 39.5, currency: 'USD', order_id: 'O1', content_name: 'WP Engine' },
		page: { url: 'https://deals.example.com/x' },
		...overrides,
	};
}

function body(data: Json[], overrides: Json = {}): Json {
	return { event_source: 'web', event_source_id: TIKTOK_FAKE_PIXEL, data, ...overrides };
}

describe('TikTok fake', () => {
	let fake: TikTokFake;
	beforeEach(async () => {
		fake = await startTikTokFake({ now: () => NOW });
	});
	afterEach(async () => {
		await fake.close();
	});

	async function post(payload: unknown, headers: Record<string, string> = { 'Access-Token': TIKTOK_FAKE_TOKEN }, query = '') {
		const response = await fetch(`${fake.url}/open_api/v1.3/event/track/${query}`, {
			method: 'POST',
			headers: { 'content-type': 'application/json', ...headers },
			body: typeof payload === 'string' ? payload : JSON.stringify(payload),
		});
		const text = await response.text();
		let json: { code?: number; message?: string; request_id?: string; data?: unknown } = {};
		try {
			json = JSON.parse(text) as typeof json;
		} catch {
			// not JSON (an injected 5xx page)
		}
		return { status: response.status, headers: response.headers, json, text };
	}

	/** A refusal: HTTP 200, the given code, a message matching `pattern`, nothing recorded. */
	async function expectRefused(payload: unknown, code: number, pattern: RegExp, headers?: Record<string, string>, query?: string) {
		const answer = await post(payload, headers, query);
		expect(answer.status).toBe(200);
		expect(answer.json.code).toBe(code);
		expect(answer.json.message).toMatch(pattern);
		expect(answer.json.request_id).toEqual(expect.any(String));
		expect(fake.events).toHaveLength(0);
	}

	it("accepts a correct request with TikTok's success envelope and records the event", async () => {
		const answer = await post(body([event()], { test_event_code: 'TEST1' }));
		expect(answer.status).toBe(200);
		expect(answer.json).toEqual({ code: 0, message: 'OK', request_id: expect.any(String), data: {} });
		expect(fake.events).toEqual([{ eventSource: 'web', pixelCode: TIKTOK_FAKE_PIXEL, testEventCode: 'TEST1', event: event() }]);
	});

	describe('auth placement', () => {
		it('refuses a missing token', () => expectRefused(body([event()]), 40104, /Access token is null/, {}));
		it('refuses the token in the query string', () => expectRefused(body([event()]), 40104, /Access-Token header/, {}, `?access_token=${TIKTOK_FAKE_TOKEN}`));
		it('refuses the token in the query string even beside the header', () =>
			expectRefused(body([event()]), 40104, /query string/, { 'Access-Token': TIKTOK_FAKE_TOKEN }, `?access_token=${TIKTOK_FAKE_TOKEN}`));
		it('refuses a Bearer Authorization header', () =>
			expectRefused(body([event()]), 40104, /Authorization header is not read/, { Authorization: `Bearer ${TIKTOK_FAKE_TOKEN}` }));
		it('refuses "Bearer " inside Access-Token', () => expectRefused(body([event()]), 40105, /incorrect/, { 'Access-Token': `Bearer ${TIKTOK_FAKE_TOKEN}` }));
		it('refuses a wrong token', () => expectRefused(body([event()]), 40105, /incorrect or has been revoked/, { 'Access-Token': 'wrong' }));
	});

	describe('request fields', () => {
		it('refuses a body that is not JSON', () => expectRefused('data=[]', 40002, /JSON/));
		it('refuses a missing event_source', () => expectRefused(body([event()], { event_source: undefined }), 40002, /event_source: Missing/));
		it('refuses an unknown event_source', () => expectRefused(body([event()], { event_source: 'website' }), 40002, /event_source: Must be one of/));
		it('refuses a missing event_source_id', () => expectRefused(body([event()], { event_source_id: undefined }), 40002, /event_source_id: Missing/));
		it('refuses a pixel the token may not use', () =>
			expectRefused(body([event()], { event_source_id: 'COTHER' }), 40001, /No permission to operate pixel COTHER/));
		it('refuses an empty test_event_code', () => expectRefused(body([event()], { test_event_code: '' }), 40002, /test_event_code/));
		it('refuses a missing data array', () => expectRefused({ event_source: 'web', event_source_id: TIKTOK_FAKE_PIXEL }, 40002, /data: Missing/));
		it('refuses an empty batch', () => expectRefused(body([]), 40002, /between 1 and 1000/));
		it('refuses more than 1000 events', () =>
			expectRefused(body(Array.from({ length: 1001 }, (_, i) => event({ event_id: `e${i}` }))), 40002, /between 1 and 1000/));
		it('accepts exactly 1000 events', async () => {
			const answer = await post(body(Array.from({ length: 1000 }, (_, i) => event({ event_id: `e${i}` }))));
			expect(answer.json.code).toBe(0);
			expect(fake.events).toHaveLength(1000);
		});
	});

	describe('event fields', () => {
		it('refuses a missing event name', () => expectRefused(body([event({ event: undefined })]), 40002, /Batch\.0\.event: Missing/));
		it('refuses a missing event_time', () => expectRefused(body([event({ event_time: undefined })]), 40002, /Batch\.0\.event_time: Missing/));
		it('refuses event_time in milliseconds', () => expectRefused(body([event({ event_time: NOW.getTime() })]), 40002, /milliseconds/));
		it('refuses event_time as a string', () => expectRefused(body([event({ event_time: String(NOW_S) })]), 40002, /Batch\.0\.event_time: Not a valid integer/));
		it('refuses an offline event older than 28 days', () =>
			expectRefused(body([event({ event_time: NOW_S - 29 * 86400 })], { event_source: 'offline' }), 40002, /within the last 28 days/));
		it('refuses a CRM event older than 28 days', () =>
			expectRefused(body([event({ event_time: NOW_S - 29 * 86400 })], { event_source: 'crm' }), 40002, /28 days/));
		it('accepts a web event older than 28 days', async () => {
			expect((await post(body([event({ event_time: NOW_S - 29 * 86400 })]))).json.code).toBe(0);
		});
		for (const field of ['email', 'phone', 'external_id']) {
			it(`refuses an unhashed ${field}`, () =>
				expectRefused(
					body([event({}, { [field]: field === 'phone' ? '+16505551212' : 'a@example.com' })]),
					40002,
					new RegExp(`Batch\\.0\\.user\\.${field}: Must be a SHA-256`),
				));
			it(`refuses an upper-case ${field} digest`, () =>
				expectRefused(body([event({}, { [field]: hash('x').toUpperCase() })]), 40002, new RegExp(`user\\.${field}`)));
		}
		it('refuses an empty-string email (the digest of nothing is not a digest of a person, and "" is not a digest)', () =>
			expectRefused(body([event({}, { email: '' })]), 40002, /user\.email/));
		for (const field of ['ttclid', 'ttp', 'ip', 'user_agent']) {
			it(`refuses a hashed ${field}`, () =>
				expectRefused(body([event({}, { [field]: hash('raw') })]), 40002, new RegExp(`Batch\\.0\\.user\\.${field}: Must be sent as is`)));
		}
		it('refuses an IP that is not an IP', () => expectRefused(body([event({}, { ip: 'localhost' })]), 40002, /user\.ip: Not a valid IP/));
		it('refuses a value sent as a string', () =>
			expectRefused(body([event({ properties: { value: '39.5', currency: 'USD' } })]), 40002, /properties\.value: Not a valid number/));
		it('refuses a lower-case currency', () => expectRefused(body([event({ properties: { value: 1, currency: 'usd' } })]), 40002, /properties\.currency/));
		it('refuses a page url that is not a URL', () => expectRefused(body([event({ page: { url: 'deals.example.com' } })]), 40002, /page\.url/));
	});

	describe('partial success and dedup', () => {
		it('answers 20001 naming the bad events and records only the good ones', async () => {
			const answer = await post(body([event({ event_id: 'a' }), event({ event_id: 'b', event_time: NOW.getTime() }), event({ event_id: 'c' })]));
			expect(answer.status).toBe(200);
			expect(answer.json.code).toBe(20001);
			expect(answer.json.message).toMatch(/Batch\.1\.event_time/);
			expect(answer.json.message).not.toMatch(/Batch\.[02]/);
			expect(fake.events.map((recorded) => recorded.event.event_id)).toEqual(['a', 'c']);
		});

		it('names every refused event when all are bad', async () => {
			const answer = await post(body([event({ event: '' }), event({ event_id: 'b' }, { email: 'plain@example.com' })]));
			expect(answer.json.code).toBe(40002);
			expect(answer.json.message).toMatch(/Batch\.0\.event: .*; Batch\.1\.user\.email/);
		});

		it('records event + event_id once; the same id under another (case-sensitive) name is another event', async () => {
			await post(body([event({ event_id: 'x' })]));
			await post(body([event({ event_id: 'x' })]));
			await post(body([event({ event_id: 'x', event: 'completepayment' })]));
			expect(fake.events.map((recorded) => recorded.event.event)).toEqual(['CompletePayment', 'completepayment']);
			expect(fake.duplicates).toHaveLength(1);
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
			expect((await post(body([event()]))).json.code).toBe(0);
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

		it("answers TikTok's own throttling and system error as HTTP 200 with codes 40100 and 50000", async () => {
			fake.failNext(1, 'rate_limit');
			fake.failNext(1, 'system_error');
			const throttled = await post(body([event()]));
			expect([throttled.status, throttled.json.code]).toEqual([200, 40100]);
			const broken = await post(body([event()]));
			expect([broken.status, broken.json.code]).toEqual([200, 50000]);
			expect(fake.events).toHaveLength(0);
		});
	});

	describe('other routes', () => {
		it('serves the credential test: GET user/info with the Access-Token header', async () => {
			const good = await fetch(`${fake.url}/open_api/v1.3/user/info/`, { headers: { 'Access-Token': TIKTOK_FAKE_TOKEN } });
			expect(good.status).toBe(200);
			expect(await good.json()).toMatchObject({ code: 0, message: 'OK', data: { display_name: expect.any(String) } });
			const bad = await fetch(`${fake.url}/open_api/v1.3/user/info/`, { headers: { 'Access-Token': 'nope' } });
			expect(await bad.json()).toMatchObject({ code: 40105 });
		});

		it('refuses GET on the track endpoint and unknown routes', async () => {
			expect((await fetch(`${fake.url}/open_api/v1.3/event/track/`)).status).toBe(405);
			expect((await fetch(`${fake.url}/open_api/v1.2/event/track/`, { method: 'POST' })).status).toBe(404);
		});
	});
});
