/**
 * LinkedIn through sendToPlatform against the strict fake: batching, retries of 429/5xx and of single elements,
 * per-element and whole-request refusals, credential and version errors, deduplication.
 */
import type { EventResult, ForwardableConversion, ForwardableEvent, Platform, PlatformRequest } from '../../../src/destinations';
import { sendToPlatform } from '../../../src/destinations';
import { type LinkedInBody, type LinkedInConfig, planLinkedInRequests, readLinkedInResponse } from '../../../src/destinations/linkedin';
import { fetchSend } from '../../fakes/server';
import { LINKEDIN_FAKE_RULE, LINKEDIN_FAKE_TOKEN, LINKEDIN_FAKE_TOKEN_WITHOUT_SCOPE, type LinkedInFake, startLinkedInFake } from '../../fakes/linkedin';

// LinkedIn is not in the registry yet (the lead wires it): sendToPlatform finds it there.
jest.mock('../../../src/destinations/registry', () => {
	const actual = jest.requireActual('../../../src/destinations/registry');
	return { DESTINATIONS: { ...actual.DESTINATIONS, linkedin: jest.requireActual('../../../src/destinations/linkedin').linkedin } };
});

const NOW = new Date('2026-06-01T12:00:00Z');
const HEX64 = /^[a-f0-9]{64}$/;

function conversion(overrides: Partial<ForwardableConversion> = {}): ForwardableConversion {
	return {
		network: 'impact',
		clickId: 'clk_1',
		transactionId: 'T-1001',
		orderId: 'ORD-77',
		networkEventType: 'SALE',
		eventName: 'Purchase',
		status: 'approved',
		amount: '1500.00',
		commission: '120.5',
		currency: 'USD',
		occurredAt: '2026-06-01T10:00:00Z',
		receivedAt: '2026-06-01T10:01:00Z',
		affiliateId: null,
		offerId: null,
		merchantId: null,
		brandName: null,
		couponCode: null,
		ip: null,
		subIds: {},
		user: { email: 'mike.smith@example.com', firstName: 'Mike', lastName: 'Smith', country: 'US' },
		raw: { method: 'GET', query: {} },
		click: { clickId: 'clk_1', clickedAt: '2026-05-30T09:00:00Z', liFatId: 'df5gf5-gh6t7-ph4j7h-fgf6n1' } as ForwardableConversion['click'],
		...overrides,
	};
}

const many = (count: number) => Array.from({ length: count }, (_, i) => conversion({ transactionId: `T${i}` }));
const bodyOf = (request: { body: unknown }) => request.body as LinkedInBody;

describe('LinkedIn through sendToPlatform against the strict fake', () => {
	let fake: LinkedInFake;
	let sleeps: number[];
	beforeEach(async () => {
		fake = await startLinkedInFake({ now: () => NOW });
		sleeps = [];
	});
	afterEach(async () => {
		await fake.close();
	});
	const configFor = (overrides: Partial<LinkedInConfig> = {}): LinkedInConfig => ({
		accessToken: LINKEDIN_FAKE_TOKEN,
		conversionRule: LINKEDIN_FAKE_RULE,
		baseUrl: fake.url,
		...overrides,
	});
	const send = (events: ForwardableEvent[], overrides: Partial<LinkedInConfig> = {}): Promise<EventResult[]> =>
		sendToPlatform('linkedin' as Platform, events, configFor(overrides) as never, {
			send: fetchSend,
			sleep: async (ms) => {
				sleeps.push(ms);
			},
			now: () => NOW,
			random: () => 0.5,
		});

	it('delivers: accepted end to end, the email hashed, li_fat_id raw, skips reported, nothing retried', async () => {
		const results = await send([
			conversion(),
			conversion({ transactionId: 'L1', eventName: 'Lead', commission: '0', user: undefined }),
			conversion({ transactionId: 'R1', status: 'reversed' }),
		]);
		expect(results.map((result) => result.outcome)).toEqual(['sent', 'sent', 'failed']);
		expect(results[2].code).toBe('not_a_conversion');
		const [request] = fake.conversionRequests();
		expect(fake.conversionRequests()).toHaveLength(1);
		expect(request.headers).toMatchObject({
			authorization: `Bearer ${LINKEDIN_FAKE_TOKEN}`,
			'linkedin-version': '202603',
			'x-restli-protocol-version': '2.0.0',
			'x-restli-method': 'BATCH_CREATE',
		});
		const [sale, lead] = fake.events.map((recorded) => recorded.event as unknown as LinkedInBody['elements'][number]);
		expect(sale.user.userIds[0]).toEqual({ idType: 'SHA256_EMAIL', idValue: expect.stringMatching(HEX64) });
		expect(sale.user.userIds[1]).toEqual({ idType: 'LINKEDIN_FIRST_PARTY_ADS_TRACKING_UUID', idValue: 'df5gf5-gh6t7-ph4j7h-fgf6n1' });
		expect(sale.conversionValue).toEqual({ currencyCode: 'USD', amount: '120.5' });
		expect(lead.user).toEqual({ userIds: [{ idType: 'LINKEDIN_FIRST_PARTY_ADS_TRACKING_UUID', idValue: 'df5gf5-gh6t7-ph4j7h-fgf6n1' }] });
		expect(lead).not.toHaveProperty('conversionValue');
		expect(results.slice(0, 2).map((result) => result.eventId)).toEqual([sale.eventId, lead.eventId]);
		expect(sleeps).toEqual([]);
	});

	it("accepts LinkedIn's own published example body (the fake is no stricter than LinkedIn there)", async () => {
		await fake.close();
		fake = await startLinkedInFake({ now: () => new Date('2023-10-01T00:00:00Z'), ruleIds: ['104012'] });
		const example = {
			elements: [
				{
					conversion: 'urn:lla:llaPartnerConversion:104012',
					conversionHappenedAt: 1695739275000,
					conversionValue: { currencyCode: 'USD', amount: '1500.0' },
					user: {
						userIds: [
							{ idType: 'SHA256_EMAIL', idValue: 'bad8677b6c86f5d308ee82786c183482a5995f066694246c58c4df37b0cc41f1' },
							{ idType: 'LINKEDIN_FIRST_PARTY_ADS_TRACKING_UUID', idValue: 'df5gf5-gh6t7-ph4j7h-fgf6n1' },
						],
						userInfo: { firstName: 'mike', lastName: 'smith', title: 'software engineer', companyName: 'microsoft', countryCode: 'US' },
					},
					eventId: 'abc12345',
				},
			],
		};
		const response = await fetchSend({
			method: 'POST',
			url: `${fake.url}/rest/conversionEvents`,
			headers: {
				Authorization: `Bearer ${LINKEDIN_FAKE_TOKEN}`,
				'LinkedIn-Version': '202310',
				'X-Restli-Protocol-Version': '2.0.0',
				'X-RestLi-Method': 'BATCH_CREATE',
			},
			body: example,
			itemIndexes: [0],
		});
		// 202310 is not active in the fake's default window; the answer names it.
		expect(response).toMatchObject({ status: 426, body: { code: 'NONEXISTENT_VERSION' } });
		await fake.close();
		fake = await startLinkedInFake({ now: () => new Date('2023-10-01T00:00:00Z'), activeVersions: ['202310'] });
		const accepted = await fetchSend({
			method: 'POST',
			url: `${fake.url}/rest/conversionEvents`,
			headers: {
				Authorization: `Bearer ${LINKEDIN_FAKE_TOKEN}`,
				'LinkedIn-Version': '202310',
				'X-Restli-Protocol-Version': '2.0.0',
				'X-RestLi-Method': 'BATCH_CREATE',
			},
			body: example,
			itemIndexes: [0],
		});
		expect(accepted).toMatchObject({ status: 200, body: { elements: [{ status: 201 }] } });
	});

	it('12,000 events reach LinkedIn as 3 requests, every event once', async () => {
		const results = await send(many(12_000));
		expect(results.every((result) => result.outcome === 'sent')).toBe(true);
		expect(fake.conversionRequests().map((request) => bodyOf(request).elements.length)).toEqual([5000, 5000, 2000]);
		expect(fake.events).toHaveLength(12_000);
		expect(fake.duplicates).toHaveLength(0);
	});

	it('an injected 429 (Retry-After 2) then a 503 are retried; the events arrive once', async () => {
		fake.failNext(1, 429, { retryAfter: '2' });
		fake.failNext(1, 503);
		const results = await send(many(3));
		expect(results.map((result) => result.outcome)).toEqual(['sent', 'sent', 'sent']);
		expect(fake.conversionRequests()).toHaveLength(3);
		expect(sleeps).toHaveLength(2);
		expect(sleeps[0]).toBeGreaterThanOrEqual(2000);
		expect(fake.events).toHaveLength(3);
		expect(fake.duplicates).toHaveLength(0);
	});

	it('one element answering 503 inside a 200: only that event goes again, the others are never sent twice', async () => {
		const events = many(3);
		const [planned] = planLinkedInRequests(events, configFor(), NOW).requests;
		fake.failEventOnce(bodyOf(planned).elements[1].eventId, 503);
		const results = await send(events);
		expect(results.map((result) => result.outcome)).toEqual(['sent', 'sent', 'sent']);
		const requests = fake.conversionRequests();
		expect(requests.map((request) => bodyOf(request).elements.length)).toEqual([3, 1]);
		expect(bodyOf(requests[1]).elements[0].eventId).toBe(bodyOf(planned).elements[1].eventId);
		expect(fake.events).toHaveLength(3);
		expect(fake.duplicates).toHaveLength(0);
	});

	it("per-element refusals (an unknown rule): that event failed with LinkedIn's words, the others sent, nothing retried", async () => {
		const results = await send([conversion(), conversion({ transactionId: 'L1', eventName: 'Lead' })], {
			conversionRule: { Purchase: LINKEDIN_FAKE_RULE, Lead: '999' },
		});
		expect(results.map((result) => [result.outcome, result.code])).toEqual([
			['sent', undefined],
			['failed', 'http_404'],
		]);
		expect(results[1].reason).toContain('urn:lla:llaPartnerConversion:999');
		expect(fake.conversionRequests()).toHaveLength(1);
		expect(sleeps).toEqual([]);
	});

	it("a request the data schema refuses (422): the reader blames the element the fake's ERROR line names", async () => {
		const [planned] = planLinkedInRequests(many(3), configFor(), NOW).requests;
		const broken: PlatformRequest = {
			...planned,
			body: { elements: bodyOf(planned).elements.map((event, i) => (i === 1 ? { ...event, conversionHappenedAt: '2026-06-01' } : event)) },
		};
		const response = await fetchSend(broken);
		expect(response.status).toBe(422);
		const results = readLinkedInResponse(broken, response, NOW);
		expect(results.map((result) => [result.outcome, result.code])).toEqual([
			['retry', 'batch_rejected'],
			['failed', 'http_422'],
			['retry', 'batch_rejected'],
		]);
		expect(results[1].reason).toContain('conversionHappenedAt: "2026-06-01" is not a long');
		expect(fake.events).toEqual([]);
	});

	it('a wrong token: every event failed with the credential hint, not retried', async () => {
		const results = await send(many(2), { accessToken: 'AQV-wrong-token-000000' });
		expect(results.map((result) => [result.outcome, result.code])).toEqual([
			['failed', 'linkedin_INVALID_ACCESS_TOKEN'],
			['failed', 'linkedin_INVALID_ACCESS_TOKEN'],
		]);
		expect(results[0].reason).toContain('connect it again');
		expect(fake.conversionRequests()).toHaveLength(1);
		expect(fake.events).toEqual([]);
	});

	it('a token without rw_conversions: failed with the permission hint', async () => {
		const [result] = await send(many(1), { accessToken: LINKEDIN_FAKE_TOKEN_WITHOUT_SCOPE });
		expect(result).toMatchObject({ outcome: 'failed', code: 'linkedin_ACCESS_DENIED', reason: expect.stringContaining('rw_conversions') });
	});

	it('a sunset API version: failed with the version hint, not retried', async () => {
		const results = await send(many(2), { apiVersion: '202401' });
		expect(results.map((result) => result.code)).toEqual(['linkedin_NONEXISTENT_VERSION', 'linkedin_NONEXISTENT_VERSION']);
		expect(results[0].reason).toContain('Set API Version');
		expect(fake.conversionRequests()).toHaveLength(1);
	});

	it('sending the same conversions again: each rule + eventId is kept once', async () => {
		await send(many(2));
		const again = await send(many(2));
		expect(again.every((result) => result.outcome === 'sent')).toBe(true);
		expect(fake.events).toHaveLength(2);
		expect(fake.duplicates).toHaveLength(2);
	});

	it('serves the harmless read a credential test runs (GET /rest/adAccountUsers?q=authenticatedUser)', async () => {
		const headers = { Authorization: `Bearer ${LINKEDIN_FAKE_TOKEN}`, 'LinkedIn-Version': '202603', 'X-Restli-Protocol-Version': '2.0.0' };
		const ok = await fetch(`${fake.url}/rest/adAccountUsers?q=authenticatedUser`, { headers });
		expect(ok.status).toBe(200);
		expect(await ok.json()).toMatchObject({ elements: [{ role: 'CAMPAIGN_MANAGER' }] });
		const wrong = await fetch(`${fake.url}/rest/adAccountUsers?q=authenticatedUser`, { headers: { ...headers, Authorization: 'Bearer nope' } });
		expect(wrong.status).toBe(401);
		const unversioned = await fetch(`${fake.url}/rest/adAccountUsers?q=authenticatedUser`, {
			headers: { Authorization: headers.Authorization, 'X-Restli-Protocol-Version': '2.0.0' },
		});
		expect(await unversioned.json()).toMatchObject({ status: 400, code: 'VERSION_MISSING' });
	});
});
