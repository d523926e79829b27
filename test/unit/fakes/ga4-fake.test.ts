/**
 * The GA4 fake must be as strict as GA4 and as quiet: production /mp/collect answers 204 to everything and drops
 * bad data silently (the fake records what it dropped), the validation server names each problem. One mistake
 * per test, over HTTP.
 */
import { createHash } from 'node:crypto';
import { GA4_FAKE_API_SECRET, GA4_FAKE_MEASUREMENT_ID, type Ga4Fake, startGa4Fake } from '../../fakes/ga4';

const NOW = new Date('2024-06-01T12:00:00Z');
const NOW_MICROS = NOW.getTime() * 1000;
const HOUR_MICROS = 3600 * 1_000_000;
const hash = (text: string) => createHash('sha256').update(text).digest('hex');

type Json = Record<string, unknown>;

function event(overrides: Json = {}, params: Json = {}): Json {
	return {
		name: 'purchase',
		timestamp_micros: NOW_MICROS - HOUR_MICROS,
		params: {
			transaction_id: 'cv_1',
			value: 39.5,
			currency: 'USD',
			affiliation: 'WP Engine',
			...params,
		},
		...overrides,
	};
}

function body(events: Json[] = [event()], overrides: Json = {}): Json {
	return {
		client_id: '1234567890.1717236000',
		timestamp_micros: NOW_MICROS - HOUR_MICROS,
		user_data: {
			sha256_email_address: [hash('a@example.com')],
			sha256_phone_number: [hash('+16505551212')],
			address: [{ sha256_first_name: hash('jane'), city: 'paris', country: 'FR' }],
		},
		events,
		...overrides,
	};
}

const query = (secret = GA4_FAKE_API_SECRET, id = GA4_FAKE_MEASUREMENT_ID) =>
	new URLSearchParams({
		...(id ? { measurement_id: id } : {}),
		...(secret ? { api_secret: secret } : {}),
	}).toString();

describe('GA4 fake', () => {
	let fake: Ga4Fake;
	beforeEach(async () => {
		fake = await startGa4Fake({ now: () => NOW });
	});
	afterEach(async () => {
		await fake.close();
	});

	async function post(path: string, payload: unknown, search = query()) {
		const response = await fetch(`${fake.url}${path}?${search}`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: typeof payload === 'string' ? payload : JSON.stringify(payload),
		});
		return {
			status: response.status,
			text: await response.text(),
			headers: response.headers,
		};
	}

	/** Production: 204, empty, nothing recorded, and the drop recorded with `code` at `fieldPath`. */
	async function expectDropped(payload: unknown, code: string, fieldPath: string | RegExp, search?: string) {
		const answer = await post('/mp/collect', payload, search);
		expect(answer.status).toBe(204);
		expect(answer.text).toBe('');
		expect(fake.events).toHaveLength(0);
		expect(fake.dropped.map((drop) => drop.message)).toContainEqual(
			expect.objectContaining({
				validationCode: code,
				fieldPath: typeof fieldPath === 'string' ? fieldPath : expect.stringMatching(fieldPath),
			}),
		);
	}

	it('accepts a valid request with 204 and an empty body, and records the event', async () => {
		const answer = await post('/mp/collect', body());
		expect(answer.status).toBe(204);
		expect(answer.text).toBe('');
		expect(fake.dropped).toEqual([]);
		expect(fake.events).toEqual([
			{
				measurementId: GA4_FAKE_MEASUREMENT_ID,
				clientId: '1234567890.1717236000',
				userData: body().user_data,
				timestampMicros: NOW_MICROS - HOUR_MICROS,
				event: event(),
			},
		]);
	});

	it('the validation server answers 200 with no messages for the same request, and records nothing', async () => {
		const answer = await post('/debug/mp/collect', body());
		expect(answer.status).toBe(200);
		expect(JSON.parse(answer.text)).toEqual({ validationMessages: [] });
		expect(fake.events).toEqual([]);
	});

	describe('the secret and the stream (GA4 still answers 204)', () => {
		it('drops a request without api_secret', () => expectDropped(body(), 'VALUE_REQUIRED', 'api_secret', query('')));
		it('drops a request with a wrong api_secret', () => expectDropped(body(), 'VALUE_INVALID', 'api_secret', query('wrong-secret')));
		it('drops a request without measurement_id', () => expectDropped(body(), 'VALUE_REQUIRED', 'measurement_id', query(GA4_FAKE_API_SECRET, '')));
		it('drops a request for another stream', () => expectDropped(body(), 'VALUE_INVALID', 'measurement_id', query(GA4_FAKE_API_SECRET, 'G-OTHER999')));
		it('drops a request with the secret in the body instead of the query', () =>
			expectDropped(body([event()], { api_secret: GA4_FAKE_API_SECRET }), 'VALUE_REQUIRED', 'api_secret', query('')));
		it('the validation server does not check the secret (as Google says)', async () => {
			const answer = await post('/debug/mp/collect', body(), query('wrong-secret'));
			expect(JSON.parse(answer.text)).toEqual({ validationMessages: [] });
		});
	});

	describe('request rules', () => {
		it('drops a request without client_id', () => expectDropped(body([event()], { client_id: undefined }), 'VALUE_REQUIRED', 'client_id'));
		it('drops a request with no events', () => expectDropped(body([]), 'VALUE_REQUIRED', 'events'));
		it('drops a request of 26 events', () =>
			expectDropped(body(Array.from({ length: 26 }, (_, i) => event({}, { transaction_id: `cv_${i}` }))), 'EXCEEDED_MAX_ENTITIES', 'events'));
		it('takes 25 events', async () => {
			await post('/mp/collect', body(Array.from({ length: 25 }, (_, i) => event({}, { transaction_id: `cv_${i}` }))));
			expect(fake.events).toHaveLength(25);
		});
		it('drops a body that is not JSON', () => expectDropped('client_id=1', 'VALUE_INVALID', ''));
		it('drops a body over 130 kB', () => expectDropped(body([event()], { padding: 'x'.repeat(131_000) }), 'VALUE_OUT_OF_BOUNDS', ''));
		it('drops a request timestamp in milliseconds', () =>
			expectDropped(
				body([event({ timestamp_micros: undefined })], {
					timestamp_micros: NOW.getTime() - 3_600_000,
				}),
				'VALUE_OUT_OF_BOUNDS',
				'timestamp_micros',
			));
	});

	describe('user_data', () => {
		it('drops an unhashed email', () =>
			expectDropped(
				body([event()], {
					user_data: { sha256_email_address: ['a@example.com'] },
				}),
				'VALUE_INVALID',
				'user_data.sha256_email_address',
			));
		it('drops a hashed email that is not in an array', () =>
			expectDropped(
				body([event()], {
					user_data: { sha256_email_address: hash('a@example.com') },
				}),
				'VALUE_INVALID',
				'user_data.sha256_email_address',
			));
		it('drops an unhashed phone', () =>
			expectDropped(
				body([event()], {
					user_data: { sha256_phone_number: ['+16505551212'] },
				}),
				'VALUE_INVALID',
				'user_data.sha256_phone_number',
			));
		it('drops an upper-case digest', () =>
			expectDropped(
				body([event()], {
					user_data: {
						sha256_phone_number: [hash('+16505551212').toUpperCase()],
					},
				}),
				'VALUE_INVALID',
				'user_data.sha256_phone_number',
			));
		it('drops a hashed city (GA4 wants it plain)', () =>
			expectDropped(body([event()], { user_data: { address: [{ city: hash('paris') }] } }), 'VALUE_INVALID', 'user_data.address[0].city'));
		it('drops an unhashed first name', () =>
			expectDropped(
				body([event()], {
					user_data: { address: [{ sha256_first_name: 'jane' }] },
				}),
				'VALUE_INVALID',
				'user_data.address[0].sha256_first_name',
			));
	});

	describe('event rules (only the bad event is dropped)', () => {
		async function expectEventDropped(bad: Json, code: string, fieldPath: string) {
			const answer = await post('/mp/collect', body([bad, event({}, { transaction_id: 'cv_ok' })]));
			expect(answer.status).toBe(204);
			expect(fake.events.map((entry) => entry.event.params?.transaction_id)).toEqual(['cv_ok']);
			expect(fake.dropped).toContainEqual({
				position: 0,
				event: bad,
				message: expect.objectContaining({ validationCode: code, fieldPath }),
			});
			const debug = await post('/debug/mp/collect', body([bad]));
			expect((JSON.parse(debug.text) as { validationMessages: unknown[] }).validationMessages).toContainEqual(
				expect.objectContaining({ validationCode: code, fieldPath }),
			);
		}
		it('a name starting with a digit', () => expectEventDropped(event({ name: '1purchase' }), 'NAME_INVALID', 'events[0].name'));
		it('a name with a space', () => expectEventDropped(event({ name: 'my purchase' }), 'NAME_INVALID', 'events[0].name'));
		it('a name of 41 characters', () => expectEventDropped(event({ name: `a${'b'.repeat(40)}` }), 'VALUE_OUT_OF_BOUNDS', 'events[0].name'));
		it('a reserved name', () => expectEventDropped(event({ name: 'session_start' }), 'NAME_RESERVED', 'events[0].name'));
		it('a reserved prefix', () => expectEventDropped(event({ name: 'google_purchase' }), 'NAME_RESERVED', 'events[0].name'));
		it('a missing name', () => expectEventDropped(event({ name: undefined }), 'VALUE_REQUIRED', 'events[0].name'));
		it('a time in milliseconds', () =>
			expectEventDropped(event({ timestamp_micros: NOW.getTime() - 3_600_000 }), 'VALUE_OUT_OF_BOUNDS', 'events[0].timestamp_micros'));
		it('a time in seconds', () =>
			expectEventDropped(event({ timestamp_micros: Math.floor(NOW.getTime() / 1000) - 3600 }), 'VALUE_OUT_OF_BOUNDS', 'events[0].timestamp_micros'));
		it('a time 73 hours back', () =>
			expectEventDropped(event({ timestamp_micros: NOW_MICROS - 73 * HOUR_MICROS }), 'VALUE_OUT_OF_BOUNDS', 'events[0].timestamp_micros'));
		it('a time in the future', () =>
			expectEventDropped(event({ timestamp_micros: NOW_MICROS + HOUR_MICROS }), 'VALUE_OUT_OF_BOUNDS', 'events[0].timestamp_micros'));
		it('a fractional time', () =>
			expectEventDropped(event({ timestamp_micros: NOW_MICROS - HOUR_MICROS + 0.5 }), 'VALUE_INVALID', 'events[0].timestamp_micros'));
		it('a value sent as a string', () => expectEventDropped(event({}, { value: '39.50' }), 'VALUE_INVALID', 'events[0].params.value'));
		it('a value without currency', () => expectEventDropped(event({}, { currency: undefined }), 'VALUE_REQUIRED', 'events[0].params.currency'));
		it('a lower-case currency', () => expectEventDropped(event({}, { currency: 'usd' }), 'VALUE_INVALID', 'events[0].params.currency'));
		it('a text param of 101 characters', () =>
			expectEventDropped(event({}, { affiliation: 'x'.repeat(101) }), 'VALUE_OUT_OF_BOUNDS', 'events[0].params.affiliation'));
		it('a gclid param (reserved)', () => expectEventDropped(event({}, { gclid: 'Cj0abc' }), 'NAME_RESERVED', 'events[0].params.gclid'));
		it('26 params', () =>
			expectEventDropped(event({}, Object.fromEntries(Array.from({ length: 22 }, (_, i) => [`p${i}`, i]))), 'EXCEEDED_MAX_ENTITIES', 'events[0].params'));
	});

	it('a page_location may be 1000 characters', async () => {
		await post('/mp/collect', body([event({}, { page_location: `https://example.com/${'a'.repeat(900)}` })]));
		expect(fake.events).toHaveLength(1);
	});

	it('keeps one purchase per transaction_id', async () => {
		await post('/mp/collect', body());
		await post('/mp/collect', body());
		expect(fake.events).toHaveLength(1);
		expect(fake.duplicates).toHaveLength(1);
	});

	it('injected faults answer first, then the request is processed normally', async () => {
		fake.failNext(1, 429, { retryAfter: '3' });
		fake.failNext(1, 503);
		const first = await post('/mp/collect', body());
		expect(first.status).toBe(429);
		expect(first.headers.get('retry-after')).toBe('3');
		expect((await post('/mp/collect', body())).status).toBe(503);
		expect(fake.events).toHaveLength(0);
		expect((await post('/mp/collect', body())).status).toBe(204);
		expect(fake.events).toHaveLength(1);
	});

	it('answers 404 elsewhere and 405 to a GET', async () => {
		expect(
			(
				await fetch(`${fake.url}/collect?${query()}`, {
					method: 'POST',
					body: '{}',
				})
			).status,
		).toBe(404);
		expect((await fetch(`${fake.url}/mp/collect?${query()}`)).status).toBe(405);
	});
});
