/**
 * The Meta fake refuses every mistake reference/destinations.md lists, with Meta's error shape, and
 * accepts a correct request with Meta's success shape. Plain fetch and hand-made hashes: these tests
 * must not depend on the code the fake is there to check.
 */
import { createHash } from 'node:crypto';
import { META_FAKE_PIXEL, META_FAKE_TOKEN, type MetaFake, startMetaFake } from '../../fakes/meta';

const sha = (value: string) => createHash('sha256').update(value).digest('hex');
const NOW = new Date('2026-07-15T12:00:00Z');
const NOW_S = Math.floor(NOW.getTime() / 1000);
const DAY = 86_400;

let clock = NOW;
let fake: MetaFake;

beforeAll(async () => {
	fake = await startMetaFake({ now: () => clock });
});
afterAll(async () => {
	await fake.close();
});
beforeEach(() => {
	clock = NOW;
});

function validEvent(overrides: Record<string, unknown> = {}, userOverrides: Record<string, unknown> = {}): Record<string, unknown> {
	return {
		event_name: 'Purchase',
		event_time: NOW_S - 3600,
		event_id: `evt-${Math.random().toString(36).slice(2)}`,
		action_source: 'website',
		event_source_url: 'https://blog.example.com/best-hosting',
		user_data: {
			em: [sha('john_smith@gmail.com')],
			ph: [sha('16505551212')],
			client_ip_address: '203.0.113.7',
			client_user_agent: 'Mozilla/5.0 (X11; Linux x86_64)',
			fbc: 'fb.1.1752580800000.IwAR2abcDEF_-x',
			fbp: 'fb.1.1752580800000.1234567890',
			...userOverrides,
		},
		custom_data: { value: 39.5, currency: 'USD', order_id: '2617207' },
		...overrides,
	};
}

interface Answer {
	status: number;
	headers: Headers;
	body: { events_received?: number; messages?: unknown[]; fbtrace_id?: string; error?: Record<string, unknown> };
}

async function post(body: unknown, init: { path?: string; query?: string; headers?: Record<string, string>; raw?: string } = {}): Promise<Answer> {
	const path = init.path ?? `/v26.0/${META_FAKE_PIXEL}/events`;
	const query = init.query ?? `access_token=${META_FAKE_TOKEN}`;
	const response = await fetch(`${fake.url}${path}${query ? `?${query}` : ''}`, {
		method: 'POST',
		headers: { 'content-type': 'application/json', ...init.headers },
		body: init.raw ?? JSON.stringify(body),
	});
	return { status: response.status, headers: response.headers, body: (await response.json()) as Answer['body'] };
}

function expectMetaError(answer: Answer, code: number, subcode?: number): void {
	expect(answer.status).toBe(400);
	expect(answer.body.error).toEqual(
		expect.objectContaining({ message: expect.any(String), type: expect.any(String), code, fbtrace_id: expect.any(String), is_transient: false }),
	);
	if (subcode !== undefined) expect(answer.body.error?.error_subcode).toBe(subcode);
}

describe('Meta fake: success', () => {
	it('accepts a correct request with Meta’s success shape and records the events', async () => {
		const before = fake.events.length;
		const event = validEvent();
		const answer = await post({ data: [event, validEvent({ event_name: 'Lead', custom_data: undefined })] });
		expect(answer.status).toBe(200);
		expect(answer.body).toEqual({ events_received: 2, messages: [], fbtrace_id: expect.any(String) });
		expect(fake.events.slice(before).map((record) => record.event.event_id)).toContain(event.event_id);
	});

	it('records test_event_code with the events', async () => {
		const event = validEvent();
		await post({ data: [event], test_event_code: 'TEST123' });
		expect(fake.events.find((record) => record.event.event_id === event.event_id)?.testEventCode).toBe('TEST123');
	});

	it('accepts a form body with data=<json>', async () => {
		const event = validEvent();
		const raw = new URLSearchParams({ data: JSON.stringify([event]) }).toString();
		const answer = await post(undefined, { raw, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
		expect(answer.status).toBe(200);
	});

	it('answers the credential test on /me only with the right token', async () => {
		const ok = await fetch(`${fake.url}/v26.0/me?access_token=${META_FAKE_TOKEN}`);
		expect(ok.status).toBe(200);
		expect(await ok.json()).toEqual({ id: expect.any(String), name: expect.any(String) });
		const bad = await fetch(`${fake.url}/v26.0/me?access_token=wrong`);
		expect(bad.status).toBe(400);
		expect(((await bad.json()) as Answer['body']).error?.code).toBe(190);
	});
});

describe('Meta fake: auth and addressing', () => {
	it('refuses the token in an Authorization header instead of the access_token query parameter', async () => {
		const answer = await post({ data: [validEvent()] }, { query: '', headers: { authorization: `Bearer ${META_FAKE_TOKEN}` } });
		expectMetaError(answer, 104);
		expect(String(answer.body.error?.error_user_msg)).toMatch(/query parameter/);
	});

	it('refuses a wrong token with code 190', async () => {
		expectMetaError(await post({ data: [validEvent()] }, { query: 'access_token=nope' }), 190);
	});

	it('refuses another pixel id', async () => {
		expectMetaError(await post({ data: [validEvent()] }, { path: '/v26.0/999/events' }), 100, 33);
	});

	it('refuses a path without a vN.N version', async () => {
		expect((await post({ data: [validEvent()] }, { path: `/${META_FAKE_PIXEL}/events` })).status).toBe(400);
	});
});

describe('Meta fake: request shape', () => {
	it.each([
		['no body object', []],
		['no data', {}],
		['empty data', { data: [] }],
		['data not an array', { data: validEvent() }],
	])('refuses %s', async (_name, body) => {
		expectMetaError(await post(body), 100);
	});

	it('refuses more than 1000 events and accepts exactly 1000', async () => {
		const many = Array.from({ length: 1001 }, () => validEvent());
		expectMetaError(await post({ data: many }), 100, 2804019);
		expect((await post({ data: many.slice(0, 1000) })).status).toBe(200);
	});
});

describe('Meta fake: events', () => {
	it.each([
		['missing event_name', { event_name: undefined }],
		['empty event_name', { event_name: '' }],
		['a numeric event_id', { event_id: 42 }],
		['missing action_source', { action_source: undefined }],
		['an unknown action_source', { action_source: 'web' }],
		['missing event_time', { event_time: undefined }],
		['event_time as an ISO string', { event_time: NOW.toISOString() }],
		['event_time in milliseconds (13 digits)', { event_time: NOW.getTime() - 3_600_000 }],
		['fractional event_time', { event_time: NOW_S - 0.5 }],
		['more than one minute in the future', { event_time: NOW_S + 61 }],
		['missing user_data', { user_data: undefined }],
		['empty user_data', { user_data: {} }],
		['a relative event_source_url', { event_source_url: '/best-hosting' }],
		['value as a string', { custom_data: { value: '39.5', currency: 'USD' } }],
		['a bad currency', { custom_data: { value: 39.5, currency: 'dollars' } }],
		['Purchase without value', { custom_data: { currency: 'USD' } }],
		['Purchase without currency', { custom_data: { value: 39.5 } }],
		['Purchase without custom_data', { custom_data: undefined }],
	])('refuses %s', async (_name, overrides) => {
		expectMetaError(await post({ data: [validEvent(overrides)] }), 100, 2804019);
	});

	it('accepts an event 59 seconds ahead and one just inside 7 days', async () => {
		expect((await post({ data: [validEvent({ event_time: NOW_S + 59 }), validEvent({ event_time: NOW_S - 7 * DAY + 1 })] })).status).toBe(200);
	});

	it('fails the WHOLE request with subcode 2804003 when one event is older than 7 days, recording nothing', async () => {
		const before = fake.events.length;
		const answer = await post({ data: [validEvent(), validEvent({ event_time: NOW_S - 7 * DAY - 1 }), validEvent()] });
		expectMetaError(answer, 100, 2804003);
		expect(answer.body.error?.error_user_title).toBe('Event Timestamp Too Old');
		expect(fake.events.length).toBe(before);
	});

	it('allows physical_store events up to 62 days old', async () => {
		const store = { action_source: 'physical_store', event_source_url: undefined };
		expect((await post({ data: [validEvent({ ...store, event_time: NOW_S - 30 * DAY })] })).status).toBe(200);
		expectMetaError(await post({ data: [validEvent({ ...store, event_time: NOW_S - 63 * DAY })] }), 100, 2804003);
	});

	it.each(['em', 'ph', 'fn', 'ln', 'db', 'ct', 'st', 'zp', 'country', 'external_id'])('refuses unhashed %s', async (key) => {
		const raw = {
			em: 'john@example.com',
			ph: '16505551212',
			fn: 'john',
			ln: 'smith',
			db: '19900101',
			ct: 'menlopark',
			st: 'ca',
			zp: '94025',
			country: 'us',
			external_id: 'cust-42',
		}[key];
		expectMetaError(await post({ data: [validEvent({}, { [key]: [raw] })] }), 100, 2804019);
		// a single string is checked the same way, and an upper-case hex digest is not Meta's form either
		expectMetaError(await post({ data: [validEvent({}, { [key]: raw })] }), 100, 2804019);
		expectMetaError(await post({ data: [validEvent({}, { [key]: [sha(String(raw)).toUpperCase()] })] }), 100, 2804019);
	});

	it('accepts every hashed field hashed, as a string or an array', async () => {
		const hashed = Object.fromEntries(['fn', 'ln', 'db', 'ct', 'st', 'zp', 'country', 'external_id'].map((key) => [key, [sha(key)]]));
		expect((await post({ data: [validEvent({}, { ...hashed, em: sha('a@b.co') })] })).status).toBe(200);
	});

	it.each(['client_ip_address', 'client_user_agent', 'fbc', 'fbp'])('refuses a hashed %s', async (key) => {
		expectMetaError(await post({ data: [validEvent({}, { [key]: sha('anything') })] }), 100);
	});

	it.each([
		['no fb prefix', 'IwAR2abc'],
		['seconds instead of ms', 'fb.1.1752580800.IwAR2abc'],
		['no fbclid', 'fb.1.1752580800000.'],
		['a bad subdomain index', 'fb.7.1752580800000.IwAR2abc'],
	])('refuses a malformed fbc (%s) with subcode 2804001', async (_name, fbc) => {
		expectMetaError(await post({ data: [validEvent({}, { fbc })] }), 100, 2804001);
	});

	it('refuses a malformed fbp and a malformed IP address', async () => {
		expectMetaError(await post({ data: [validEvent({}, { fbp: 'abc' })] }), 100, 2804019);
		expectMetaError(await post({ data: [validEvent({}, { client_ip_address: '999.1.1.1' })] }), 100, 2804019);
	});

	it('refuses website events without client_user_agent or event_source_url, and accepts them for other sources', async () => {
		expectMetaError(await post({ data: [validEvent({}, { client_user_agent: undefined })] }), 100, 2804019);
		expectMetaError(await post({ data: [validEvent({ event_source_url: undefined })] }), 100, 2804019);
		const other = validEvent({ action_source: 'system_generated', event_source_url: undefined }, { client_user_agent: undefined });
		expect((await post({ data: [other] })).status).toBe(200);
	});

	it('names the failing event in error_user_msg', async () => {
		const answer = await post({ data: [validEvent(), validEvent({}, { em: ['raw@example.com'] })] });
		expect(String(answer.body.error?.error_user_msg)).toMatch(/^Event 1: /);
	});
});

describe('Meta fake: dedup', () => {
	it('drops the same event_name + event_id within 48 hours and reports what it dropped', async () => {
		const event = validEvent({ event_id: 'dedup-1' });
		const first = fake.events.length;
		await post({ data: [event] });
		clock = new Date(NOW.getTime() + 47 * 3600 * 1000);
		const again = await post({ data: [{ ...event, event_time: Math.floor(clock.getTime() / 1000) - 60 }] });
		expect(again.status).toBe(200);
		expect(again.body.events_received).toBe(1);
		expect(fake.events.filter((record) => record.event.event_id === 'dedup-1')).toHaveLength(1);
		expect(fake.duplicates.map((record) => record.event.event_id)).toContain('dedup-1');
		expect(fake.events.length).toBe(first + 1);
	});

	it('keeps the same event_id under another event_name, and the same pair after 48 hours', async () => {
		await post({ data: [validEvent({ event_id: 'dedup-2' }), validEvent({ event_id: 'dedup-2', event_name: 'Lead', custom_data: undefined })] });
		expect(fake.events.filter((record) => record.event.event_id === 'dedup-2')).toHaveLength(2);
		clock = new Date(NOW.getTime() + 49 * 3600 * 1000);
		await post({ data: [validEvent({ event_id: 'dedup-2', event_time: Math.floor(clock.getTime() / 1000) - 60 })] });
		expect(fake.events.filter((record) => record.event.event_id === 'dedup-2')).toHaveLength(3);
	});
});

describe('Meta fake: fault injection', () => {
	it('answers the next N requests with 429 and Retry-After, then normally', async () => {
		fake.failNext(2, { status: 429, retryAfterSeconds: 3 });
		const before = fake.events.length;
		for (let i = 0; i < 2; i++) {
			const answer = await post({ data: [validEvent()] });
			expect(answer.status).toBe(429);
			expect(answer.headers.get('retry-after')).toBe('3');
			expect(answer.body.error).toEqual(expect.objectContaining({ code: 4, is_transient: true, fbtrace_id: expect.any(String) }));
		}
		expect(fake.events.length).toBe(before);
		expect((await post({ data: [validEvent()] })).status).toBe(200);
	});

	it.each([500, 503])('answers %d with Meta’s transient error shape', async (status) => {
		fake.failNext(1, { status });
		const answer = await post({ data: [validEvent()] });
		expect(answer.status).toBe(status);
		expect(answer.body.error).toEqual(expect.objectContaining({ code: 2, is_transient: true }));
	});

	it('can throttle the way Meta does (HTTP 400, code 17)', async () => {
		fake.failNext(1, { status: 400, code: 17 });
		const answer = await post({ data: [validEvent()] });
		expect(answer.status).toBe(400);
		expect(answer.body.error?.code).toBe(17);
	});
});
