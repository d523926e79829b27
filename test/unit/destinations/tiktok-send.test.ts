/**
 * The TikTok destination end to end: `sendToPlatform` → real HTTP (fetch) → the strict TikTok fake, with
 * fault injection. Nothing may be lost and nothing sent twice.
 */
import { type EventResult, type ForwardableEvent, sendToPlatform } from '../../../src/destinations';
import type { TikTokOptions } from '../../../src/destinations/tiktok';
import { fetchSend } from '../../fakes/server';
import { type TikTokFake, startTikTokFake } from '../../fakes/tiktok';
import { NOW, PIXEL, TOKEN, click, conversion, conversions, sha256 } from './tiktok-helpers';

const HEX64 = /^[a-f0-9]{64}$/;

describe('TikTok through sendToPlatform against the strict fake', () => {
	let fake: TikTokFake;
	let sleeps: number[];

	beforeEach(async () => {
		fake = await startTikTokFake({ accessToken: TOKEN, pixelCodes: [PIXEL], now: () => NOW });
		sleeps = [];
	});
	afterEach(async () => {
		await fake.close();
	});

	const config = (overrides: Partial<TikTokOptions> = {}): TikTokOptions => ({
		pixelCode: PIXEL,
		accessToken: TOKEN,
		baseUrl: fake.url,
		defaultCountry: 'US',
		...overrides,
	});
	const send = (events: ForwardableEvent[], overrides: Partial<TikTokOptions> = {}): Promise<EventResult[]> =>
		sendToPlatform('tiktok', events, config(overrides), {
			send: fetchSend,
			sleep: async (ms) => {
				sleeps.push(ms);
			},
			now: () => NOW,
			random: () => 0.5,
		});
	const eventIds = () => fake.events.map((recorded) => recorded.event.event_id);

	it('delivers conversions and clicks: the fake accepts and records them, correctly hashed and timed', async () => {
		const results = await send([
			conversion(),
			click(),
			conversion({ eventName: 'Lead', transactionId: 'L1', destinationEvents: { meta: 'Lead', tiktok: 'Lead' } }),
		]);
		expect(results.map((result) => result.outcome)).toEqual(['sent', 'sent', 'sent']);
		expect(fake.trackRequests()).toHaveLength(1);
		expect(fake.events.map((recorded) => recorded.event.event)).toEqual(['CompletePayment', 'OutboundClick', 'Lead']);
		const [sale, outbound] = fake.events.map((recorded) => recorded.event as { user: Record<string, string>; event_time: number });
		expect(sale.user.email).toBe(sha256('john_smith@gmail.com'));
		expect(sale.user.phone).toBe(sha256('+16505551212'));
		expect(sale.user.external_id).toMatch(HEX64);
		expect(sale.user.ttclid).toBe('E.C.P.CqgBmYc7Xk2Lr9');
		expect(sale.event_time).toBe(Date.parse('2024-05-31T00:57:45Z') / 1000);
		expect(outbound.user.ttp).toBe('ttp-cookie-77');
		expect(results.map((result) => result.eventId)).toEqual(eventIds());
		expect(fake.requests[0].headers['access-token']).toBe(TOKEN);
		expect(sleeps).toEqual([]);
	});

	it('a batch of 2,500 reaches TikTok as 3 requests, every event once', async () => {
		const results = await send(conversions(2500));
		expect(results.every((result) => result.outcome === 'sent')).toBe(true);
		expect(fake.trackRequests().map((request) => (request.body as { data: unknown[] }).data.length)).toEqual([1000, 1000, 500]);
		expect(fake.events).toHaveLength(2500);
		expect(fake.duplicates).toHaveLength(0);
	});

	it('test mode: test_event_code reaches TikTok with the events', async () => {
		await send([conversion()], { testEventCode: 'TEST98765' });
		expect(fake.events[0].testEventCode).toBe('TEST98765');
	});

	it('rate limited (HTTP 200, code 40100) then accepted: each event sent exactly once', async () => {
		fake.failNext(1, 'rate_limit', { retryAfter: '2' });
		const results = await send(conversions(3));
		expect(results.map((result) => result.outcome)).toEqual(['sent', 'sent', 'sent']);
		expect(fake.trackRequests()).toHaveLength(2);
		expect(fake.events).toHaveLength(3);
		expect(fake.duplicates).toHaveLength(0);
		expect(sleeps).toEqual([2000]);
	});

	it('HTTP 429 with Retry-After, then a 500, then accepted: each event once, waits honour Retry-After', async () => {
		fake.failNext(1, 429, { retryAfter: '4' });
		fake.failNext(1, 500);
		const results = await send([conversion(), click()]);
		expect(results.map((result) => result.outcome)).toEqual(['sent', 'sent']);
		expect(fake.trackRequests()).toHaveLength(3);
		expect(fake.events).toHaveLength(2);
		expect(sleeps[0]).toBe(4000);
	});

	it('persistent 503: gives up after the retry budget with a retry result per event; nothing lost, nothing recorded', async () => {
		fake.failNext(50, 503);
		const input = conversions(3);
		const results = await send(input);
		expect(results).toHaveLength(3);
		expect(results.map((result) => result.index)).toEqual([0, 1, 2]);
		for (const result of results) {
			expect(result).toMatchObject({ outcome: 'retry', code: 'http_503' });
			expect(result.reason).toMatch(/gave up after 4 attempts/);
		}
		expect(fake.trackRequests()).toHaveLength(4);
		expect(fake.events).toHaveLength(0);
	});

	it('partial success: the event TikTok refuses fails with its path, the others are sent once and not retried', async () => {
		const bad = conversion({ transactionId: 'bad-ip', click: { clickId: 'c9', clickedAt: '2024-05-30T10:00:00Z', ip: 'not-an-ip' } });
		const results = await send([conversion({ transactionId: 'A' }), bad, conversion({ transactionId: 'B' })]);
		expect(results.map((result) => result.outcome)).toEqual(['sent', 'failed', 'sent']);
		expect(results[1]).toMatchObject({ code: 'tiktok_20001', reason: expect.stringContaining('Batch.1.user.ip') });
		expect(fake.trackRequests()).toHaveLength(1);
		expect(fake.events).toHaveLength(2);
	});

	it('sending the same conversions again is deduplicated by TikTok on event + event_id', async () => {
		await send(conversions(2));
		const again = await send(conversions(2));
		expect(again.every((result) => result.outcome === 'sent')).toBe(true);
		expect(fake.events).toHaveLength(2);
		expect(fake.duplicates).toHaveLength(2);
	});

	it('a wrong token fails every event with a credential hint, without retrying', async () => {
		const results = await send(conversions(2), { accessToken: 'not-the-token' });
		expect(results.every((result) => result.outcome === 'failed' && result.code === 'tiktok_40105')).toBe(true);
		expect(results[0].reason).toMatch(/credential/i);
		expect(fake.trackRequests()).toHaveLength(1);
		expect(fake.events).toHaveLength(0);
	});

	it('a pixel the token cannot use fails (40001) and says so', async () => {
		const results = await send([conversion()], { pixelCode: 'COTHERPIXEL' });
		expect(results[0]).toMatchObject({ outcome: 'failed', code: 'tiktok_40001', reason: expect.stringContaining('COTHERPIXEL') });
	});

	it('skipped events come back as failed with their reason, in input order, beside the sent ones', async () => {
		const results = await send([conversion({ amount: '-79', commission: '-39.5' }), conversion({ transactionId: 'ok' })], {});
		expect(results.map((result) => [result.index, result.outcome, result.code])).toEqual([
			[0, 'failed', 'not_a_conversion'],
			[1, 'sent', undefined],
		]);
	});
});
