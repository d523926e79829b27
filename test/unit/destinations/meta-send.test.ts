/**
 * The Meta destination through the shared sender (sendToPlatform) to the strict fake over real HTTP:
 * what the fake accepts is what Meta would, and fault injection shows nothing is lost or sent twice.
 */
import { type ForwardableEvent, type SendDependencies, sendToPlatform } from '../../../src/destinations';
import type { MetaDestinationConfig } from '../../../src/destinations/meta';
import { fetchSend } from '../../fakes/server';
import { type MetaFake, startMetaFake } from '../../fakes/meta';
import { DAY, NOW, PIXEL, TOKEN, purchase, trackerClick } from './meta-fixtures';

let fake: MetaFake;
let config: MetaDestinationConfig;
let sleeps: number[];
let sent: number;

const deps = (): SendDependencies => ({
	send: async (request) => {
		sent++;
		return await fetchSend(request);
	},
	sleep: async (ms) => {
		sleeps.push(ms);
	},
	now: () => NOW,
	random: () => 0.5,
});

beforeEach(async () => {
	fake = await startMetaFake({ now: () => NOW, accessToken: TOKEN, pixelId: PIXEL });
	config = { pixelId: PIXEL, accessToken: TOKEN, baseUrl: fake.url };
	sleeps = [];
	sent = 0;
});
afterEach(async () => {
	await fake.close();
});

const conversions = (count: number, prefix = 'tx') =>
	Array.from({ length: count }, (_, i) => purchase({ transactionId: `${prefix}-${i}`, user: { email: `buyer${i}@example.com`, phone: '+1 650 555 1212' } }));

describe('Meta → fake over HTTP', () => {
	it('delivers funnel conversions and a Click Tracker click; the fake records them hashed, timed in seconds, unique', async () => {
		const events: ForwardableEvent[] = [...conversions(3), trackerClick()];
		const results = await sendToPlatform('meta', events, config, deps());
		expect(results.map((result) => result.outcome)).toEqual(['sent', 'sent', 'sent', 'sent']);
		expect(fake.events).toHaveLength(4);
		expect(fake.events.map((record) => record.event.event_id)).toEqual(results.map((result) => result.eventId));
		expect(fake.events.map((record) => record.event.event_name)).toEqual(['Purchase', 'Purchase', 'Purchase', 'OutboundClick']);
		expect(fake.duplicates).toEqual([]);
	});

	it('passes test_event_code through to the fake', async () => {
		await sendToPlatform('meta', conversions(1), { ...config, testEventCode: 'TEST42' }, deps());
		expect(fake.events[0].testEventCode).toBe('TEST42');
	});

	it('sends 2,500 conversions as 3 requests, all accepted', async () => {
		const results = await sendToPlatform('meta', conversions(2500), config, deps());
		expect(results.every((result) => result.outcome === 'sent')).toBe(true);
		expect(fake.requests.map((request) => (request.body as { data: unknown[] }).data.length)).toEqual([1000, 1000, 500]);
		expect(fake.events).toHaveLength(2500);
	});

	it('429 then success: sent once, after waiting at least the Retry-After, no duplicate at the fake', async () => {
		fake.failNext(1, { status: 429, retryAfterSeconds: 2 });
		const results = await sendToPlatform('meta', conversions(5), config, deps());
		expect(results.map((result) => result.outcome)).toEqual(Array(5).fill('sent'));
		expect(fake.requests).toHaveLength(2);
		expect(sleeps).toHaveLength(1);
		expect(sleeps[0]).toBeGreaterThanOrEqual(2000);
		expect(fake.events).toHaveLength(5);
		expect(fake.duplicates).toEqual([]);
	});

	it('Meta-style throttling (400, code 17) then success: retried and sent', async () => {
		fake.failNext(2, { status: 400, code: 17 });
		const results = await sendToPlatform('meta', conversions(2), config, deps());
		expect(results.map((result) => result.outcome)).toEqual(['sent', 'sent']);
		expect(fake.requests).toHaveLength(3);
		expect(fake.events).toHaveLength(2);
	});

	it('500 on every attempt: each event ends as retry (gave up), nothing lost, nothing recorded', async () => {
		fake.failNext(4, { status: 500 });
		const events = conversions(3);
		const results = await sendToPlatform('meta', events, config, deps(), { retry: { maxAttempts: 4 } });
		expect(results).toHaveLength(3);
		expect(results.map((result) => [result.index, result.outcome])).toEqual([
			[0, 'retry'],
			[1, 'retry'],
			[2, 'retry'],
		]);
		expect(results[0].reason).toMatch(/gave up after 4 attempts/);
		expect(results[0].eventId).toBeDefined();
		expect(fake.requests).toHaveLength(4);
		expect(fake.events).toEqual([]);

		// Run again once Meta is back: every event arrives, once.
		const again = await sendToPlatform('meta', events, config, deps());
		expect(again.map((result) => result.outcome)).toEqual(['sent', 'sent', 'sent']);
		expect(fake.events).toHaveLength(3);
	});

	it('503 twice then success: sent, and the first two requests left nothing behind', async () => {
		fake.failNext(2, { status: 503, retryAfterSeconds: 1 });
		const results = await sendToPlatform('meta', conversions(3), config, deps());
		expect(results.every((result) => result.outcome === 'sent')).toBe(true);
		expect(fake.events).toHaveLength(3);
	});

	it('a stale event in the batch is skipped with its reason; the rest are sent and the fake never sees 2804003', async () => {
		const events = conversions(3);
		events[1] = purchase({ transactionId: 'old', occurredAt: new Date(NOW.getTime() - 8 * DAY).toISOString() });
		const results = await sendToPlatform('meta', events, config, deps());
		expect(results.map((result) => [result.index, result.outcome, result.code])).toEqual([
			[0, 'sent', undefined],
			[1, 'failed', 'event_too_old'],
			[2, 'sent', undefined],
		]);
		expect(fake.answers.map((answer) => answer.status)).toEqual([200]);
		expect(fake.events).toHaveLength(2);
	});

	it('replaying the same conversions is harmless: the event ids repeat and the fake drops them as duplicates', async () => {
		await sendToPlatform('meta', conversions(2), config, deps());
		const replay = await sendToPlatform('meta', conversions(2), config, deps());
		expect(replay.every((result) => result.outcome === 'sent')).toBe(true);
		expect(fake.events).toHaveLength(2);
		expect(fake.duplicates).toHaveLength(2);
	});

	it('a wrong token fails every event at once (no retries) with a reason about the credential', async () => {
		const results = await sendToPlatform('meta', conversions(2), { ...config, accessToken: 'EAAwrong' }, deps());
		expect(results.map((result) => [result.outcome, result.code])).toEqual([
			['failed', '190'],
			['failed', '190'],
		]);
		expect(results[0].reason).toMatch(/credential/);
		expect(sent).toBe(1);
	});
});
