/**
 * The Pinterest fake must be at least as strict as Pinterest: each test sends one mistake over HTTP and expects
 * Pinterest's refusal (its status and `{ code, message }` body, or a failed event in the per-event list).
 */
import { createHash } from 'node:crypto';
import { PINTEREST_FAKE_AD_ACCOUNT, PINTEREST_FAKE_TOKEN, type PinterestFake, startPinterestFake } from '../../fakes/pinterest';

const NOW = new Date('2024-06-01T12:00:00Z');
const NOW_S = NOW.getTime() / 1000;
const hash = (text: string) => createHash('sha256').update(text).digest('hex');
const BEARER = { Authorization: `Bearer ${PINTEREST_FAKE_TOKEN}` };

type Json = Record<string, unknown>;

function event(overrides: Json = {}, user: Json = {}, custom: Json = {}): Json {
	return {
		event_name: 'checkout',
		action_source: 'web',
		event_time: NOW_S - 3600,
		event_id: 'evt_1',
		event_source_url: 'https://deals.example.com/x',
		user_data: {
			em: [hash('a@example.com')],
			ph: [hash('16505551212')],
			external_id: [hash('c-1')],
			client_ip_address: '203.0.113.7',
			client_user_agent: 'Mozilla/5.0',
			click_id: 'dj0yJnU9b2JDcFFHekV4',
			...user,
		},
		custom_data: { value: '39.50', currency: 'USD', order_id: 'O1', ...custom },
		...overrides,
	};
}

describe('Pinterest fake', () => {
	let fake: PinterestFake;
	beforeEach(async () => {
		fake = await startPinterestFake({ now: () => NOW });
	});
	afterEach(async () => {
		await fake.close();
	});

	async function post(payload: unknown, headers: Record<string, string> = BEARER, query = '', account = PINTEREST_FAKE_AD_ACCOUNT) {
		const response = await fetch(`${fake.url}/v5/ad_accounts/${account}/events${query}`, {
			method: 'POST',
			headers: { 'content-type': 'application/json', ...headers },
			body: typeof payload === 'string' ? payload : JSON.stringify(payload),
		});
		const text = await response.text();
		let json: Json = {};
		try {
			json = JSON.parse(text) as Json;
		} catch {
			// not JSON (an injected 5xx page)
		}
		return { status: response.status, headers: response.headers, json };
	}

	/** A refusal of the whole request: the status, Pinterest's code, a message matching `pattern`, nothing recorded. */
	async function expectRefused(
		payload: unknown,
		status: number,
		code: number,
		pattern: RegExp,
		headers?: Record<string, string>,
		query?: string,
		account?: string,
	) {
		const answer = await post(payload, headers, query, account);
		expect(answer.status).toBe(status);
		expect(answer.json.code).toBe(code);
		expect(answer.json.message).toMatch(pattern);
		expect(fake.events).toHaveLength(0);
	}

	/** One event that fails: HTTP 422 with the per-event list under `details`, its error matching `pattern`. */
	async function expectEventFailed(one: Json, pattern: RegExp) {
		const answer = await post({ data: [one] });
		expect(answer.status).toBe(422);
		const details = answer.json.details as {
			num_events_received: number;
			num_events_processed: number;
			events: Array<{ status: string; error_message: string }>;
		};
		expect(details).toMatchObject({
			num_events_received: 1,
			num_events_processed: 0,
		});
		expect(details.events[0].status).toBe('failed');
		expect(details.events[0].error_message).toMatch(pattern);
		expect(fake.events).toHaveLength(0);
	}

	test('a valid request is processed: 200 with one result per event, events recorded', async () => {
		const answer = await post({
			data: [event(), event({ event_id: 'evt_2', event_name: 'lead' })],
		});
		expect(answer.status).toBe(200);
		expect(answer.json).toEqual({
			num_events_received: 2,
			num_events_processed: 2,
			events: [
				{ status: 'processed', error_message: null, warning_message: null },
				{ status: 'processed', error_message: null, warning_message: null },
			],
		});
		expect(fake.events.map((recorded) => recorded.event.event_id)).toEqual(['evt_1', 'evt_2']);
	});

	test('the same event_id twice is recorded once', async () => {
		await post({ data: [event()] });
		const again = await post({ data: [event()] });
		expect(again.status).toBe(200);
		expect(fake.events).toHaveLength(1);
		expect(fake.duplicates).toHaveLength(1);
	});

	test('test mode validates and records nothing', async () => {
		const answer = await post({ data: [event()] }, BEARER, '?test=true');
		expect(answer.status).toBe(200);
		expect(fake.events).toHaveLength(0);
		expect(fake.testEvents).toHaveLength(1);
	});

	describe('authentication', () => {
		test('no token: 401 code 2', async () => {
			await expectRefused({ data: [event()] }, 401, 2, /Authentication failed/, {});
		});
		test('the token in the query string is not read', async () => {
			await expectRefused({ data: [event()] }, 401, 2, /Authentication failed/, {}, `?access_token=${PINTEREST_FAKE_TOKEN}`);
		});
		test('the token without the Bearer scheme', async () => {
			await expectRefused({ data: [event()] }, 401, 2, /Authentication failed/, { Authorization: PINTEREST_FAKE_TOKEN });
		});
		test('a wrong token', async () => {
			await expectRefused({ data: [event()] }, 401, 2, /Authentication failed/, { Authorization: 'Bearer pina_wrong' });
		});
		test('an ad account the token may not use: 403 code 29', async () => {
			await expectRefused({ data: [event()] }, 403, 29, /not permitted/, BEARER, '', '123456789');
		});
	});

	describe('the schema (400, the whole request refused)', () => {
		test('no data', async () => {
			await expectRefused({}, 400, 1, /'data' is a required property/);
		});
		test('an empty data list', async () => {
			await expectRefused({ data: [] }, 400, 1, /non-empty/);
		});
		test('more than 1000 events', async () => {
			const data = Array.from({ length: 1001 }, (_, i) => event({ event_id: `evt_${i}` }));
			await expectRefused({ data }, 400, 1, /too long/);
		});
		test.each(['event_name', 'action_source', 'event_time', 'event_id', 'user_data'])('a missing %s', async (field) => {
			const one = event();
			delete one[field];
			await expectRefused({ data: [one] }, 400, 1, new RegExp(`'${field}' is a required property`));
		});
		test('event_time as a string', async () => {
			await expectRefused({ data: [event({ event_time: String(NOW_S) })] }, 400, 1, /event_time: is not of type integer/);
		});
		test('value as a number', async () => {
			await expectRefused({ data: [event({}, {}, { value: 39.5 })] }, 400, 1, /custom_data\.value: 39.5 is not of type 'string'/);
		});
		test('em as a string instead of a list', async () => {
			await expectRefused({ data: [event({}, { em: hash('a@example.com') })] }, 400, 1, /user_data\.em: is not of type array/);
		});
		test('a property the schema does not know', async () => {
			await expectRefused({ data: [event({}, {}, { category_name: 'x' })] }, 400, 1, /'category_name' was unexpected/);
		});
		test('user_data without em, hashed_maids or IP + user agent', async () => {
			const one = event({
				user_data: {
					ph: [hash('16505551212')],
					client_ip_address: '203.0.113.7',
				},
			});
			await expectRefused({ data: [one] }, 400, 1, /not valid under any of the given schemas/);
		});
		test('one bad event refuses the whole batch', async () => {
			await expectRefused({ data: [event(), event({ event_id: 'evt_2', event_time: 'now' })] }, 400, 1, /data\[1\]\.event_time/);
		});
	});

	describe('per-event checks (422, the event failed)', () => {
		test('an unhashed email', async () => {
			await expectEventFailed(event({}, { em: ['a@example.com'] }), /user_data\.em must contain SHA-256/);
		});
		test('an unhashed phone', async () => {
			await expectEventFailed(event({}, { ph: ['+16505551212'] }), /user_data\.ph must contain SHA-256/);
		});
		test('an upper-case digest', async () => {
			await expectEventFailed(event({}, { external_id: [hash('c-1').toUpperCase()] }), /user_data\.external_id/);
		});
		test('a hashed click id', async () => {
			await expectEventFailed(event({}, { click_id: hash('epik') }), /click_id must be sent as is/);
		});
		test('an IP that is not an address (hashed)', async () => {
			await expectEventFailed(event({}, { client_ip_address: hash('203.0.113.7') }), /client_ip_address is not a valid/);
		});
		test('event_time in milliseconds lands in the future', async () => {
			await expectEventFailed(event({ event_time: NOW.getTime() - 3_600_000 }), /in the future/);
		});
		test('an event older than 7 days', async () => {
			await expectEventFailed(event({ event_time: NOW_S - 8 * 24 * 3600 }), /older than 7 days/);
		});
		test('an unknown event name', async () => {
			await expectEventFailed(event({ event_name: 'Purchase' }), /event_name 'Purchase'/);
		});
		test('an unknown action source', async () => {
			await expectEventFailed(event({ action_source: 'website' }), /action_source 'website'/);
		});
		test('a value that is not a decimal', async () => {
			await expectEventFailed(event({}, {}, { value: '39,50' }), /custom_data\.value/);
		});
		test('a currency that is not an ISO code', async () => {
			await expectEventFailed(event({}, {}, { currency: 'usd' }), /currency 'usd'/);
		});
		test('partial failure: the good event is processed, results in request order', async () => {
			const answer = await post({
				data: [event({}, { em: ['a@example.com'] }), event({ event_id: 'evt_2' })],
			});
			expect(answer.status).toBe(422);
			expect(answer.json).toMatchObject({
				message: /Not all events/,
				details: { num_events_received: 2, num_events_processed: 1 },
			});
			const details = answer.json.details as {
				events: Array<{ status: string }>;
			};
			expect(details.events.map((verdict) => verdict.status)).toEqual(['failed', 'processed']);
			expect(fake.events.map((recorded) => recorded.event.event_id)).toEqual(['evt_2']);
		});
	});

	describe('faults', () => {
		test('an injected 429 carries code 8 and Retry-After, then the next request goes through', async () => {
			fake.failNext(1, 429, { retryAfter: '3' });
			const throttled = await post({ data: [event()] });
			expect(throttled.status).toBe(429);
			expect(throttled.json.code).toBe(8);
			expect(throttled.headers.get('retry-after')).toBe('3');
			expect(fake.events).toHaveLength(0);
			expect((await post({ data: [event()] })).status).toBe(200);
			expect(fake.events).toHaveLength(1);
		});
		test('an injected 503 carries code 4197', async () => {
			fake.failNext(1, 503);
			const answer = await post({ data: [event()] });
			expect(answer.status).toBe(503);
			expect(answer.json.code).toBe(4197);
		});
		test('an injected 500 is an HTML page', async () => {
			fake.failNext(1, 500);
			expect((await post({ data: [event()] })).status).toBe(500);
			expect(fake.events).toHaveLength(0);
		});
	});

	test('GET on the events endpoint is refused', async () => {
		const response = await fetch(`${fake.url}/v5/ad_accounts/${PINTEREST_FAKE_AD_ACCOUNT}/events`, { headers: BEARER });
		expect(response.status).toBe(405);
	});
});
