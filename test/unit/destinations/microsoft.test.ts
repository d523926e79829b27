/**
 * The Microsoft UET Conversions API destination: request building (body, seconds, Microsoft's hashing, raw
 * msclkid), batching, skips, response reading, and sendToPlatform end to end against the strict fake.
 */
import { createHash } from 'node:crypto';
import {
	DESTINATIONS,
	type EventResult,
	type ForwardableClick,
	type ForwardableConversion,
	type ForwardableEvent,
	type PlatformRequest,
	buildPlatformRequests,
	eventIdFor,
	sendToPlatform,
} from '../../../src/destinations';
import { type MicrosoftBody, type MicrosoftConfig, microsoft, readMicrosoftResponse } from '../../../src/destinations/microsoft';
import { normalizeAndHash } from '../../../src/destinations/user-data';
import { MICROSOFT_FAKE_TAG, MICROSOFT_FAKE_TOKEN, type MicrosoftFake, startMicrosoftFake } from '../../fakes/microsoft';
import { fetchSend } from '../../fakes/server';

const NOW = new Date('2024-06-01T12:00:00Z');
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const HEX64 = /^[a-f0-9]{64}$/;
const config = (overrides: Partial<MicrosoftConfig> = {}): MicrosoftConfig => ({
	tagId: MICROSOFT_FAKE_TAG,
	accessToken: MICROSOFT_FAKE_TOKEN,
	defaultCountry: 'US',
	...overrides,
});
const bodyOf = (request: PlatformRequest) => request.body as unknown as MicrosoftBody;

function conversion(overrides: Partial<ForwardableConversion> = {}): ForwardableConversion {
	return {
		network: 'shareasale',
		clickId: 'clk_Zojr5qPF3fVk6Vlf',
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
			email: '  John@Contoso.com ',
			phone: '(425) 555-1234',
			externalId: 'customer-42',
		},
		raw: { method: 'GET', query: {} },
		conversionId: 'conv_1',
		click: {
			clickId: 'clk_Zojr5qPF3fVk6Vlf',
			clickedAt: '2024-05-30T10:00:00Z',
			msclkid: 'dd4afcccb1c9a4cad9544dd7e5006',
			ip: '203.0.113.7',
			userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)',
			landingUrl: 'https://deals.example.com/wpengine?msclkid=dd4afcccb1c9a4cad9544dd7e5006',
		},
		destinationEvents: { meta: 'Purchase', microsoft: 'purchase' },
		...overrides,
	} as ForwardableConversion;
}
const conversions = (count: number) => Array.from({ length: count }, (_, i) => conversion({ transactionId: `T${i}`, orderId: `O${i}` }));
const click = (): ForwardableClick =>
	({
		clickId: 'clk_1',
		clickedAt: '2024-06-01T11:59:00Z',
		msclkid: 'abc',
		offerId: 'x',
	}) as unknown as ForwardableClick;

describe('Microsoft destination: identity', () => {
	it('is registered, 1,000 events per request, and normalizeAndHash knows the platform', () => {
		expect(DESTINATIONS.microsoft).toBe(microsoft);
		expect(microsoft.maxBatch).toBe(1000);
		// Microsoft's published vectors (CAPI guide, "Hashed Identifiers").
		expect(normalizeAndHash('microsoft', 'email', 'john@contoso.com')).toBe('ec81f3ac7b2b19675bab9d54cf416f9f18cff87c97da5cca82c0f0891bc40602');
		expect(normalizeAndHash('microsoft', 'phone', '+14255551234')).toBe('c59475d96e9f01d7d18d06cfad84dd02333207f02c0c2c5663ef2782cda0390e');
		expect(
			normalizeAndHash('microsoft', 'phone', '(425) 555-1234', {
				defaultCountry: 'US',
			}),
		).toBe(sha256('+14255551234'));
	});

	it('email: dots and +alias removed from the user part for every domain, lower case; digests pass through', () => {
		expect(normalizeAndHash('microsoft', 'email', ' J.Smith+news@Example.COM ')).toBe(sha256('jsmith@example.com'));
		expect(normalizeAndHash('microsoft', 'email', 'john_smith@gmail.com')).toBe(sha256('john_smith@gmail.com'));
		expect(normalizeAndHash('microsoft', 'email', sha256('a@b.example'))).toBe(sha256('a@b.example'));
		expect(normalizeAndHash('microsoft', 'email', '   ')).toBeUndefined();
		expect(normalizeAndHash('microsoft', 'ip_address', '203.0.113.7')).toBe('203.0.113.7');
	});
});

describe('Microsoft destination: building requests', () => {
	it('POST /v1/{tag}/events with the token as Bearer only, one custom event with every field', () => {
		const input = conversion();
		const plan = microsoft.planRequests([input], config(), NOW);
		expect(plan.skipped).toEqual([]);
		const [request] = plan.requests;
		expect(request.url).toBe(`https://capi.uet.microsoft.com/v1/${MICROSOFT_FAKE_TAG}/events`);
		expect(request.headers).toEqual({
			Authorization: `Bearer ${MICROSOFT_FAKE_TOKEN}`,
			'Content-Type': 'application/json',
		});
		expect(request.url).not.toContain(MICROSOFT_FAKE_TOKEN);
		const body = bodyOf(request);
		expect(body.continueOnValidationError).toBe(false);
		expect(body.data).toEqual([
			{
				eventType: 'custom',
				eventId: eventIdFor(input),
				eventName: 'purchase',
				eventTime: Date.parse('2024-05-31T00:57:45Z') / 1000,
				eventSourceUrl: 'https://deals.example.com/wpengine?msclkid=dd4afcccb1c9a4cad9544dd7e5006',
				userData: {
					em: 'ec81f3ac7b2b19675bab9d54cf416f9f18cff87c97da5cca82c0f0891bc40602',
					ph: 'c59475d96e9f01d7d18d06cfad84dd02333207f02c0c2c5663ef2782cda0390e',
					msclkid: 'dd4afcccb1c9a4cad9544dd7e5006',
					clientIpAddress: '203.0.113.7',
					clientUserAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)',
					anonymousId: 'clk_Zojr5qPF3fVk6Vlf',
					externalId: sha256('customer-42'),
				},
				customData: { value: 39.5, currency: 'USD', transactionId: '2617207' },
			},
		]);
		expect(String(body.data[0].eventTime)).toMatch(/^\d{10}$/);
	});

	it('value from the sale amount; zero value left out; consent when configured; buildPlatformRequests accepts the id', () => {
		const [amount] = bodyOf(microsoft.planRequests([conversion()], config({ valueFrom: 'amount', adStorageConsent: 'D' }), NOW).requests[0]).data;
		expect(amount.customData).toEqual({
			value: 79,
			currency: 'USD',
			transactionId: '2617207',
		});
		expect(amount.adStorageConsent).toBe('D');
		const lead = conversion({
			eventName: 'Lead',
			commission: '0',
			destinationEvents: { microsoft: 'generate_lead' },
		});
		const [event] = bodyOf(buildPlatformRequests('microsoft', [lead], config(), NOW)[0]).data;
		expect(event.eventName).toBe('generate_lead');
		expect(event.customData).toEqual({ transactionId: '2617207' });
	});

	it('batches 2,500 conversions as 1,000 + 1,000 + 500, in input order', () => {
		const plan = microsoft.planRequests(conversions(2500), config(), NOW);
		expect(plan.requests.map((request) => bodyOf(request).data.length)).toEqual([1000, 1000, 500]);
		expect(plan.requests[2].itemIndexes[0]).toBe(2000);
	});

	it('skips what must not be sent, with clear codes', () => {
		const inputs: ForwardableEvent[] = [
			click(),
			conversion({ status: 'reversed', transactionId: 'r' }),
			conversion({ commission: '-39.5', transactionId: 'n' }),
			conversion({ occurredAt: '2024-02-01T00:00:00Z', transactionId: 'old' }),
			conversion({
				occurredAt: '2024-06-02T00:00:00Z',
				transactionId: 'future',
			}),
			conversion({
				destinationEvents: { meta: 'Subscribe' },
				eventName: 'Subscribe',
				transactionId: 's',
			}),
			conversion({
				clickId: null,
				click: undefined,
				user: {},
				transactionId: 'anon',
			} as unknown as Partial<ForwardableConversion>),
			conversion({ transactionId: 'fine' }),
		];
		const plan = microsoft.planRequests(inputs, config(), NOW);
		expect(plan.skipped.map(({ index, code }) => [index, code])).toEqual([
			[0, 'not_a_conversion'],
			[1, 'not_a_conversion'],
			[2, 'not_a_conversion'],
			[3, 'event_too_old'],
			[4, 'event_in_future'],
			[5, 'no_microsoft_event'],
			[6, 'no_user_data'],
		]);
		expect(plan.requests.flatMap((request) => request.itemIndexes)).toEqual([7]);
		for (const skipped of plan.skipped) expect(skipped.reason).not.toMatch(/contoso|555/i);
	});

	it('a missing tag or token skips everything as missing_config', () => {
		const plan = microsoft.planRequests([conversion()], config({ tagId: ' ' }), NOW);
		expect(plan.requests).toEqual([]);
		expect(plan.skipped).toMatchObject([{ index: 0, code: 'missing_config' }]);
	});
});

describe('Microsoft destination: reading responses', () => {
	const request = microsoft.planRequests(conversions(3), config(), NOW).requests[0];
	const ids = bodyOf(request).data.map((event) => event.eventId);
	const read = (status: number, body: unknown, headers: Record<string, string> = {}) => readMicrosoftResponse(request, { status, headers, body }, NOW);

	it('200: every event sent, with its event id', () => {
		expect(read(200, {})).toEqual(ids.map((eventId, index) => ({ index, eventId, outcome: 'sent' })));
	});

	it('401: failed, telling the operator to fix the credential', () => {
		const results = read(401, {
			error: {
				code: 'Unauthorized',
				message: 'You are not authorized to access this resource.',
			},
		});
		expect(results.every((result) => result.outcome === 'failed' && result.code === 'microsoft_Unauthorized')).toBe(true);
		expect(results[0].reason).toContain('Microsoft Ads Conversions API credential');
	});

	it('400 ValidationError: the events named fail, the others are sent again', () => {
		const results = read(400, {
			error: {
				code: 'ValidationError',
				message: 'see details',
				details: [
					{
						index: 1,
						propertyName: 'data[1].userData.em',
						errorMessage: "'em' must be a valid SHA256 string.",
					},
				],
			},
		});
		expect(results.map((result) => [result.outcome, result.code])).toEqual([
			['retry', 'batch_rejected'],
			['failed', 'microsoft_ValidationError'],
			['retry', 'batch_rejected'],
		]);
		expect(results[1].reason).toBe("Microsoft refused this event: userData.em: 'em' must be a valid SHA256 string.");
	});

	it('429 with Retry-After and 5xx: retry', () => {
		expect(read(429, { error: { code: 'TooManyRequests' } }, { 'retry-after': '7' })[0]).toMatchObject({ outcome: 'retry', retryAfterMs: 7000 });
		expect(read(503, '<html>down</html>')[0]).toMatchObject({
			outcome: 'retry',
			code: 'http_503',
		});
	});
});

describe('Microsoft through sendToPlatform against the strict fake', () => {
	let fake: MicrosoftFake;
	let sleeps: number[];
	beforeEach(async () => {
		fake = await startMicrosoftFake({ now: () => NOW });
		sleeps = [];
	});
	afterEach(async () => {
		await fake.close();
	});
	const send = (events: ForwardableEvent[]): Promise<EventResult[]> =>
		sendToPlatform('microsoft', events, config({ baseUrl: fake.url }), {
			send: fetchSend,
			sleep: async (ms) => {
				sleeps.push(ms);
			},
			now: () => NOW,
			random: () => 0.5,
		});

	it('delivers conversions, hashed and timed as Microsoft wants; the click is skipped', async () => {
		const results = await send([
			conversion(),
			click(),
			conversion({
				eventName: 'Lead',
				transactionId: 'L1',
				destinationEvents: { microsoft: 'generate_lead' },
			}),
		]);
		expect(results.map((result) => result.outcome)).toEqual(['sent', 'failed', 'sent']);
		expect(results[1].code).toBe('not_a_conversion');
		expect(fake.eventRequests()).toHaveLength(1);
		const [sale] = fake.events.map((entry) => entry.event as { userData: Record<string, string>; eventTime: number });
		expect(sale.userData.em).toMatch(HEX64);
		expect(sale.userData.msclkid).toBe('dd4afcccb1c9a4cad9544dd7e5006');
		expect(fake.requests[0].headers.authorization).toBe(`Bearer ${MICROSOFT_FAKE_TOKEN}`);
		expect(sleeps).toEqual([]);
	});

	it('2,500 conversions reach Microsoft as 3 requests, every event once', async () => {
		const results = await send(conversions(2500));
		expect(results.every((result) => result.outcome === 'sent')).toBe(true);
		expect(fake.eventRequests().map((request) => (request.body as { data: unknown[] }).data.length)).toEqual([1000, 1000, 500]);
		expect(fake.events).toHaveLength(2500);
		expect(fake.duplicates).toHaveLength(0);
	});

	it('retries after an injected 429 (honouring Retry-After) and a 500; nothing doubled', async () => {
		fake.failNext(1, 429, { retryAfter: '2' });
		fake.failNext(1, 500);
		const results = await send(conversions(3));
		expect(results.map((result) => result.outcome)).toEqual(['sent', 'sent', 'sent']);
		expect(fake.eventRequests()).toHaveLength(3);
		expect(sleeps).toHaveLength(2);
		expect(sleeps[0]).toBeGreaterThanOrEqual(2000);
		expect(fake.events).toHaveLength(3);
		expect(fake.duplicates).toHaveLength(0);
	});

	it('a wrong token: every event failed with the credential hint', async () => {
		const results = await sendToPlatform('microsoft', [conversion()], config({ baseUrl: fake.url, accessToken: 'wrong' }), {
			send: fetchSend,
			sleep: async () => {},
			now: () => NOW,
		});
		expect(results[0]).toMatchObject({
			outcome: 'failed',
			code: 'microsoft_Unauthorized',
		});
		expect(fake.events).toHaveLength(0);
	});
});
