/**
 * The Microsoft UET Conversions API fake must be at least as strict as Microsoft: each test sends one mistake
 * over HTTP and expects Microsoft's refusal (401 Unauthorized or 400 ValidationError with details).
 */
import { createHash } from 'node:crypto';
import { MICROSOFT_FAKE_TAG, MICROSOFT_FAKE_TOKEN, type MicrosoftFake, startMicrosoftFake } from '../../fakes/microsoft';

const NOW = new Date('2024-06-01T12:00:00Z');
const NOW_S = NOW.getTime() / 1000;
const hash = (text: string) => createHash('sha256').update(text).digest('hex');
type Json = Record<string, unknown>;

function event(overrides: Json = {}, userData: Json = {}): Json {
	return {
		eventType: 'custom',
		eventId: 'evt_1',
		eventName: 'purchase',
		eventTime: NOW_S - 3600,
		eventSourceUrl: 'https://deals.example.com/x',
		userData: {
			em: hash('john@contoso.com'),
			ph: hash('+14255551234'),
			msclkid: 'dd4afcccb1c9a4cad9544dd7e5006',
			clientIpAddress: '203.0.113.7',
			clientUserAgent: 'Mozilla/5.0',
			...userData,
		},
		customData: { value: 39.5, currency: 'USD', transactionId: 'O1' },
		...overrides,
	};
}

describe('Microsoft UET Conversions API fake', () => {
	let fake: MicrosoftFake;
	beforeEach(async () => {
		fake = await startMicrosoftFake({ now: () => NOW });
	});
	afterEach(async () => {
		await fake.close();
	});

	async function post(
		payload: unknown,
		headers: Record<string, string> = {
			Authorization: `Bearer ${MICROSOFT_FAKE_TOKEN}`,
		},
		path = `/v1/${MICROSOFT_FAKE_TAG}/events`,
	) {
		const response = await fetch(`${fake.url}${path}`, {
			method: 'POST',
			headers: { 'content-type': 'application/json', ...headers },
			body: JSON.stringify(payload),
		});
		return {
			status: response.status,
			body: (await response.json()) as {
				error?: {
					code: string;
					details?: Array<{
						index: number;
						propertyName: string;
						errorMessage: string;
					}>;
				};
			},
		};
	}
	const refusedFor = async (payload: unknown) => {
		const answer = await post(payload);
		expect(answer.status).toBe(400);
		expect(answer.body.error?.code).toBe('ValidationError');
		expect(fake.events).toHaveLength(0);
		return answer.body.error!.details!.map((detail) => detail.propertyName);
	};

	it('accepts a valid custom event with 200 and records it once per eventId', async () => {
		expect((await post({ data: [event()], continueOnValidationError: false })).status).toBe(200);
		expect((await post({ data: [event()] })).status).toBe(200);
		expect(fake.events).toHaveLength(1);
		expect(fake.duplicates).toHaveLength(1);
		expect(fake.events[0]).toMatchObject({
			tagId: MICROSOFT_FAKE_TAG,
			event: { eventId: 'evt_1' },
		});
	});

	it('refuses a missing token, another scheme, a wrong token, a token in the query and another tag with 401 Unauthorized', async () => {
		for (const [headers, path] of [
			[{}, undefined],
			[{ Authorization: MICROSOFT_FAKE_TOKEN }, undefined],
			[{ Authorization: 'Bearer wrong' }, undefined],
			[{}, `/v1/${MICROSOFT_FAKE_TAG}/events?access_token=${MICROSOFT_FAKE_TOKEN}`],
			[{ Authorization: `Bearer ${MICROSOFT_FAKE_TOKEN}` }, '/v1/999/events'],
		] as Array<[Record<string, string>, string | undefined]>) {
			const answer = await post({ data: [event()] }, headers, path);
			expect(answer.status).toBe(401);
			expect(answer.body).toEqual({
				error: {
					code: 'Unauthorized',
					message: 'You are not authorized to access this resource.',
				},
			});
		}
		expect(fake.events).toHaveLength(0);
	});

	it('refuses unhashed email and phone', async () => {
		expect(await refusedFor({ data: [event({}, { em: 'john@contoso.com' })] })).toEqual(['data[0].userData.em']);
		expect(await refusedFor({ data: [event({}, { ph: '+14255551234' })] })).toEqual(['data[0].userData.ph']);
		expect(await refusedFor({ data: [event({}, { em: hash('x').toUpperCase() })] })).toEqual(['data[0].userData.em']);
	});

	it('refuses milliseconds, a missing time, too old and future times', async () => {
		expect(await refusedFor({ data: [event({ eventTime: (NOW_S - 60) * 1000 })] })).toEqual(['data[0].eventTime']);
		expect(await refusedFor({ data: [event({ eventTime: undefined })] })).toEqual(['data[0].eventTime']);
		expect(await refusedFor({ data: [event({ eventTime: NOW_S - 91 * 86400 })] })).toEqual(['data[0].eventTime']);
		expect(await refusedFor({ data: [event({ eventTime: NOW_S + 3600 })] })).toEqual(['data[0].eventTime']);
	});

	it('refuses a bad eventType, a pageLoad without eventSourceUrl and a bad URL', async () => {
		expect(await refusedFor({ data: [event({ eventType: 'purchase' })] })).toEqual(['data[0].eventType']);
		expect(
			await refusedFor({
				data: [event({ eventType: 'pageLoad', eventSourceUrl: undefined })],
			}),
		).toEqual(['data[0].eventSourceUrl']);
		expect(await refusedFor({ data: [event({ eventSourceUrl: 'not a url' })] })).toEqual(['data[0].eventSourceUrl']);
	});

	it('refuses an event with no user identifier', async () => {
		expect(
			await refusedFor({
				data: [event({ userData: { clientIpAddress: '203.0.113.7' } })],
			}),
		).toEqual(['data[0].userData']);
	});

	it('refuses a value that is not a number and a bad currency', async () => {
		expect(
			await refusedFor({
				data: [event({ customData: { value: '39.50', currency: 'USD' } })],
			}),
		).toEqual(['data[0].customData.value']);
		expect(
			await refusedFor({
				data: [event({ customData: { value: 39.5, currency: 'usd' } })],
			}),
		).toEqual(['data[0].customData.currency']);
	});

	it('refuses more than 1,000 events', async () => {
		const data = Array.from({ length: 1001 }, (_, i) => event({ eventId: `e${i}` }));
		expect(await refusedFor({ data })).toEqual(['data']);
	});

	it('one bad event refuses the whole batch, naming its index; with continueOnValidationError the others are kept', async () => {
		const data = [event({ eventId: 'ok' }), event({ eventId: 'bad' }, { em: 'plain@x.example' })];
		const answer = await post({ data });
		expect(answer.status).toBe(400);
		expect(answer.body.error?.details).toEqual([
			{
				index: 1,
				propertyName: 'data[1].userData.em',
				errorMessage: "'em' must be a valid SHA256 string.",
			},
		]);
		expect(fake.events).toHaveLength(0);
		expect((await post({ data, continueOnValidationError: true })).status).toBe(200);
		expect(fake.events.map((entry) => entry.event.eventId)).toEqual(['ok']);
	});

	it('injects 429 with Retry-After and 500, then serves normally', async () => {
		fake.failNext(1, 429, { retryAfter: '3' });
		fake.failNext(1, 500);
		const first = await fetch(`${fake.url}/v1/${MICROSOFT_FAKE_TAG}/events`, {
			method: 'POST',
			headers: { Authorization: `Bearer ${MICROSOFT_FAKE_TOKEN}` },
			body: JSON.stringify({ data: [event()] }),
		});
		expect(first.status).toBe(429);
		expect(first.headers.get('retry-after')).toBe('3');
		const second = await fetch(`${fake.url}/v1/${MICROSOFT_FAKE_TAG}/events`, {
			method: 'POST',
			headers: { Authorization: `Bearer ${MICROSOFT_FAKE_TOKEN}` },
			body: JSON.stringify({ data: [event()] }),
		});
		expect(second.status).toBe(500);
		expect((await post({ data: [event()] })).status).toBe(200);
		expect(fake.events).toHaveLength(1);
	});

	it('an empty batch (the credential test) is accepted with the right token and refused with a wrong one', async () => {
		expect((await post({ data: [] })).status).toBe(200);
		expect((await post({ data: [] }, { Authorization: 'Bearer nope' })).status).toBe(401);
	});
});
