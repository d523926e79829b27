/**
 * The Google Ads destination through the shared sender (sendToPlatform) to the strict fake over real HTTP:
 * what the fake accepts is what Google would, and fault injection shows nothing is lost or sent twice.
 */
import { createHash } from 'node:crypto';
import { type ForwardableConversion, type SendDependencies, sendToPlatform } from '../../../src/destinations';
import type { GoogleAdsOptions } from '../../../src/destinations/google_ads';
import { type GoogleAdsFake, startGoogleAdsFake } from '../../fakes/google-ads';
import { fetchSend } from '../../fakes/server';
import { ACCESS_TOKEN, ACTION, DEVELOPER_TOKEN, HOUR, NOW, config as baseConfig, googleClick, purchase, purchases } from './google-ads-fixtures';

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

let fake: GoogleAdsFake;
let config: GoogleAdsOptions;
let sleeps: number[];

const deps = (): SendDependencies => ({
	send: fetchSend,
	sleep: async (ms) => {
		sleeps.push(ms);
	},
	now: () => NOW,
	random: () => 0.5,
});

/** Tells the fake about each event's click, at the time our click record says. */
function register(events: ForwardableConversion[]) {
	for (const event of events) {
		const click = event.click;
		const id = click?.gclid ?? click?.wbraid ?? click?.gbraid;
		if (id && click) fake.registerClick(id, click.clickedAt);
	}
	return events;
}

const orderIds = () => fake.accepted.map((conversion) => conversion.orderId);
const unique = (values: unknown[]) => new Set(values).size === values.length;

beforeEach(async () => {
	fake = await startGoogleAdsFake({ now: () => NOW, accessTokens: [ACCESS_TOKEN], developerToken: DEVELOPER_TOKEN });
	config = baseConfig({ baseUrl: fake.url, defaultCountry: 'US' });
	sleeps = [];
});
afterEach(async () => {
	await fake.close();
});

describe('Google Ads → fake over HTTP', () => {
	it('uploads funnel conversions: the fake records them hashed, timed with an offset, once', async () => {
		const events = register(purchases(3));
		const results = await sendToPlatform('google_ads', events, config, deps());
		expect(results.map((result) => result.outcome)).toEqual(['sent', 'sent', 'sent']);
		expect(orderIds()).toEqual(results.map((result) => result.eventId));
		expect(fake.accepted[0]).toMatchObject({
			customerId: '1234567890',
			conversionAction: ACTION,
			clickId: 'tx-gclid-0',
			clickIdType: 'gclid',
			conversionDateTime: '2026-11-21 06:00:00+00:00',
			conversionValue: 39.5,
			currencyCode: 'USD',
			userIdentifiers: [{ hashedEmail: sha256('johnsmith@gmail.com') }, { hashedPhoneNumber: sha256('+16505551212') }],
		});
		expect(fake.requests).toHaveLength(1);
	});

	it('goes through a manager account with a dashed login customer ID', async () => {
		await fake.close();
		fake = await startGoogleAdsFake({ now: () => NOW, customers: { '1234567890': { manager: '1112223333' } } });
		const events = register(purchases(1));
		const results = await sendToPlatform('google_ads', events, { ...config, baseUrl: fake.url, loginCustomerId: '111-222-3333' }, deps());
		expect(results[0].outcome).toBe('sent');
		expect(fake.requests[0].headers['login-customer-id']).toBe('1112223333');
	});

	it('sends 2,500 conversions as 2,000 + 500, all accepted', async () => {
		const events = register(purchases(2500));
		const results = await sendToPlatform('google_ads', events, config, deps());
		expect(results.every((result) => result.outcome === 'sent')).toBe(true);
		expect(fake.uploads().map((request) => (request.body as { conversions: unknown[] }).conversions.length)).toEqual([2000, 500]);
		expect(fake.accepted).toHaveLength(2500);
		expect(unique(orderIds())).toBe(true);
	});

	describe('fault injection', () => {
		it("429 RESOURCE_EXHAUSTED then success: waits Google's retry delay, each conversion sent once", async () => {
			const events = register(purchases(3));
			fake.failNext(1, 429);
			const results = await sendToPlatform('google_ads', events, config, deps());
			expect(results.map((result) => result.outcome)).toEqual(['sent', 'sent', 'sent']);
			expect(fake.requests).toHaveLength(2);
			expect(sleeps).toHaveLength(1);
			expect(sleeps[0]).toBeGreaterThanOrEqual(1000);
			expect(orderIds()).toEqual(results.map((result) => result.eventId));
			expect(unique(orderIds())).toBe(true);
		});

		it('500 and 503 then success: retried with backoff, nothing lost, nothing twice', async () => {
			const events = register(purchases(4));
			fake.failNext(1, 500);
			fake.failNext(1, 503);
			const results = await sendToPlatform('google_ads', events, config, deps());
			expect(results.every((result) => result.outcome === 'sent')).toBe(true);
			expect(fake.requests).toHaveLength(3);
			expect(sleeps).toHaveLength(2);
			expect(fake.accepted).toHaveLength(4);
			expect(unique(orderIds())).toBe(true);
		});

		it('gives up after the attempts and says so, recording nothing', async () => {
			const events = register(purchases(2));
			fake.failNext(10, 503);
			const results = await sendToPlatform('google_ads', events, config, deps());
			expect(results.map((result) => result.outcome)).toEqual(['retry', 'retry']);
			expect(results[0].reason).toMatch(/gave up after 4 attempts/);
			expect(fake.requests).toHaveLength(4);
			expect(fake.accepted).toEqual([]);
		});

		it('partial failure: failed rows fail, the others are sent, too recent ones come back for later, nothing is resent', async () => {
			const [unknownClick, good, recentAtGoogle, good2, alreadyThere] = purchases(5);
			recentAtGoogle.occurredAt = new Date(NOW.getTime() - HOUR).toISOString();
			register([good, good2, alreadyThere]);
			// Google's own click log says this click is 2 hours old (our record says 30): it answers TOO_RECENT_EVENT.
			fake.registerClick(recentAtGoogle.click?.gclid as string, new Date(NOW.getTime() - 2 * HOUR));
			await sendToPlatform('google_ads', [alreadyThere], config, deps());
			expect(fake.accepted).toHaveLength(1);

			const results = await sendToPlatform('google_ads', [unknownClick, good, recentAtGoogle, good2, alreadyThere], config, deps());
			expect(results.map((result) => [result.index, result.outcome, result.code])).toEqual([
				[0, 'failed', 'CLICK_NOT_FOUND'],
				[1, 'sent', undefined],
				[2, 'retry_later', 'TOO_RECENT_EVENT'],
				[3, 'sent', undefined],
				[4, 'sent', 'CLICK_CONVERSION_ALREADY_EXISTS'],
			]);
			expect(results[2].retryAt).toBe(new Date(NOW.getTime() + 6 * HOUR).toISOString());
			// One upload for this batch (after the earlier one): the refused and too-recent rows were not resent.
			expect(fake.requests).toHaveLength(2);
			expect((fake.uploads()[1].body as { conversions: unknown[] }).conversions).toHaveLength(5);
			expect(sleeps).toEqual([]);
			expect(orderIds()).toEqual([results[4].eventId, results[1].eventId, results[3].eventId]);
		});

		it('429 then a partial failure: the retry carries every row once, the refused row is not sent again', async () => {
			const [unknownClick, ...known] = purchases(4);
			register(known);
			fake.failNext(1, 429);
			const results = await sendToPlatform('google_ads', [unknownClick, ...known], config, deps());
			expect(results.map((result) => result.outcome)).toEqual(['failed', 'sent', 'sent', 'sent']);
			expect(fake.requests).toHaveLength(2);
			expect(fake.accepted).toHaveLength(3);
			expect(unique(orderIds())).toBe(true);
		});

		it('replaying the same conversions later sends nothing twice: Google says it already has them', async () => {
			const events = register(purchases(3));
			await sendToPlatform('google_ads', events, config, deps());
			const replay = await sendToPlatform('google_ads', events, config, deps());
			expect(replay.map((result) => [result.outcome, result.code])).toEqual(Array(3).fill(['sent', 'CLICK_CONVERSION_ALREADY_EXISTS']));
			expect(fake.accepted).toHaveLength(3);
		});
	});

	it('holds back a click younger than 6 hours without calling Google: retry_later with retryAt', async () => {
		const clickedAt = new Date(NOW.getTime() - 2 * HOUR);
		const recent = purchase({
			transactionId: 'recent',
			occurredAt: NOW.toISOString(),
			click: googleClick({ gclid: 'G-recent', clickedAt: clickedAt.toISOString() }),
		});
		const results = await sendToPlatform('google_ads', [recent], config, deps());
		expect(results[0]).toMatchObject({ outcome: 'retry_later', code: 'TOO_RECENT_EVENT', retryAt: new Date(clickedAt.getTime() + 6 * HOUR).toISOString() });
		expect(fake.requests).toEqual([]);
	});

	it('validateOnly: validated by the fake, nothing recorded', async () => {
		const events = register(purchases(2));
		const results = await sendToPlatform('google_ads', events, { ...config, validateOnly: true }, deps());
		expect(results.map((result) => [result.outcome, result.code])).toEqual(Array(2).fill(['sent', 'validated']));
		expect(fake.accepted).toEqual([]);
	});

	it('a retired API version fails at once with a hint, without retries', async () => {
		const results = await sendToPlatform('google_ads', register(purchases(2)), { ...config, apiVersion: 'v22' }, deps());
		expect(results.map((result) => result.outcome)).toEqual(['failed', 'failed']);
		expect(results[0].reason).toMatch(/API version/);
		expect(fake.requests).toHaveLength(1);
	});

	it('a rejected access token fails at once with a credential hint', async () => {
		const results = await sendToPlatform('google_ads', register(purchases(1)), { ...config, accessToken: 'expired' }, deps());
		expect(results[0]).toMatchObject({ outcome: 'failed', code: 'OAUTH_TOKEN_INVALID', reason: expect.stringMatching(/reconnect/) });
		expect(fake.requests).toHaveLength(1);
	});
});
