/**
 * The LinkedIn Conversions API destination: identity rules, request building and skips, response reading.
 * The sends through sendToPlatform against the strict fake are in ./linkedin-send.test.ts.
 */
import { createHash } from 'node:crypto';
import type { ForwardableClick, ForwardableConversion, ForwardableEvent, PlatformRequest } from '../../../src/destinations';
import { eventIdFor } from '../../../src/destinations/event-id';
import {
	LINKEDIN_DEFAULT_VERSION,
	type LinkedInBody,
	type LinkedInConfig,
	conversionRuleUrn,
	elementPosition,
	linkedin,
	linkedinIdentityRules,
	planLinkedInRequests,
	readLinkedInResponse,
} from '../../../src/destinations/linkedin';
import { normalizeAndHash } from '../../../src/destinations/user-data';
import { normalizeAndHashWith, normalizeWith } from '../../../src/identity';
import { LINKEDIN_FAKE_RULE, LINKEDIN_FAKE_TOKEN } from '../../fakes/linkedin';

const NOW = new Date('2026-06-01T12:00:00Z');
const DAY = 86_400_000;
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const RULE_URN = `urn:lla:llaPartnerConversion:${LINKEDIN_FAKE_RULE}`;

const config = (overrides: Partial<LinkedInConfig> = {}): LinkedInConfig => ({
	accessToken: LINKEDIN_FAKE_TOKEN,
	conversionRule: LINKEDIN_FAKE_RULE,
	...overrides,
});

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
		currency: 'usd',
		occurredAt: '2026-06-01T10:00:00Z',
		receivedAt: '2026-06-01T10:01:00Z',
		affiliateId: null,
		offerId: null,
		merchantId: null,
		brandName: null,
		couponCode: null,
		ip: null,
		subIds: {},
		user: { email: ' Mike.Smith+crm@Example.COM ', firstName: ' Mike ', lastName: 'Smith', country: 'United States', phone: '+1 650 555 1212' },
		raw: { method: 'GET', query: {} },
		conversionId: 'conv_1',
		click: {
			clickId: 'clk_1',
			clickedAt: '2026-05-30T09:00:00Z',
			liFatId: 'df5gf5-gh6t7-ph4j7h-fgf6n1',
			landingUrl: 'https://deals.example.com/?li_fat_id=df5gf5-gh6t7-ph4j7h-fgf6n1',
		} as ForwardableConversion['click'],
		...overrides,
	};
}

const many = (count: number) => Array.from({ length: count }, (_, i) => conversion({ transactionId: `T${i}` }));
const bodyOf = (request: PlatformRequest) => request.body as unknown as LinkedInBody;
const plan = (events: ForwardableEvent[], overrides: Partial<LinkedInConfig> = {}, now = NOW) => planLinkedInRequests(events, config(overrides), now);

describe('LinkedIn identity rules', () => {
	it('hashes the email trimmed and lower-cased, dots and +tag kept (LinkedIn asks for no provider-specific form)', () => {
		expect(normalizeWith(linkedinIdentityRules, 'email', ' Mike.Smith+crm@Example.COM ')).toBe('mike.smith+crm@example.com');
		expect(normalizeAndHashWith(linkedinIdentityRules, 'email', ' Mike.Smith+crm@Example.COM ')).toBe(sha256('mike.smith+crm@example.com'));
		expect(normalizeAndHashWith(linkedinIdentityRules, 'email', 'not an email')).toBeUndefined();
		// Unlike Reddit, which removes dots and the +tag before hashing.
		expect(normalizeAndHashWith(linkedinIdentityRules, 'email', 'mike.smith+crm@example.com')).not.toBe(
			normalizeAndHash('reddit', 'email', 'mike.smith+crm@example.com'),
		);
	});

	it('passes an email that already is a SHA-256 through in lower case', () => {
		const digest = sha256('mike@example.com');
		expect(normalizeAndHashWith(linkedinIdentityRules, 'email', ` ${digest.toUpperCase()} `)).toBe(digest);
	});

	it('sends names and country plain (names trimmed, case kept; country as its upper-case ISO code)', () => {
		expect(normalizeAndHashWith(linkedinIdentityRules, 'first_name', ' Mike ')).toBe('Mike');
		expect(normalizeAndHashWith(linkedinIdentityRules, 'last_name', 'van der Berg')).toBe('van der Berg');
		expect(normalizeAndHashWith(linkedinIdentityRules, 'country', 'United States')).toBe('US');
		expect(normalizeAndHashWith(linkedinIdentityRules, 'country', 'de')).toBe('DE');
		// A digest can never become the plain name LinkedIn wants.
		expect(normalizeAndHashWith(linkedinIdentityRules, 'first_name', sha256('mike'))).toBeUndefined();
	});

	it('takes no phone, external id, IP or address fields (no LinkedIn match keys)', () => {
		for (const field of ['phone', 'external_id', 'ip_address', 'city', 'zip'] as const)
			expect(normalizeAndHashWith(linkedinIdentityRules, field, '+16505551212')).toBeUndefined();
		expect(linkedin.identity).toBe(jest.requireActual('../../../src/destinations/linkedin').linkedinIdentityRules);
	});
});

describe('LinkedIn request building', () => {
	it('builds one BATCH_CREATE request: versioned headers, rule URN, ms time, value as a string, hashed email, li_fat_id raw, userInfo', () => {
		const { requests, skipped } = plan([conversion()]);
		expect(skipped).toEqual([]);
		const [request] = requests;
		expect(request.method).toBe('POST');
		expect(request.url).toBe('https://api.linkedin.com/rest/conversionEvents');
		expect(request.headers).toEqual({
			Authorization: `Bearer ${LINKEDIN_FAKE_TOKEN}`,
			'Content-Type': 'application/json',
			'LinkedIn-Version': LINKEDIN_DEFAULT_VERSION,
			'X-Restli-Protocol-Version': '2.0.0',
			'X-RestLi-Method': 'BATCH_CREATE',
		});
		expect(request.itemIndexes).toEqual([0]);
		expect(bodyOf(request)).toEqual({
			elements: [
				{
					conversion: RULE_URN,
					conversionHappenedAt: Date.parse('2026-06-01T10:00:00Z'),
					conversionValue: { currencyCode: 'USD', amount: '120.5' },
					eventId: eventIdFor(conversion()),
					user: {
						userIds: [
							{ idType: 'SHA256_EMAIL', idValue: sha256('mike.smith+crm@example.com') },
							{ idType: 'LINKEDIN_FIRST_PARTY_ADS_TRACKING_UUID', idValue: 'df5gf5-gh6t7-ph4j7h-fgf6n1' },
						],
						userInfo: { firstName: 'Mike', lastName: 'Smith', countryCode: 'US' },
					},
				},
			],
		});
		expect(String(bodyOf(request).elements[0].conversionHappenedAt)).toMatch(/^\d{13}$/);
	});

	it("has the shape of LinkedIn's published example event (same keys, amount a string, time in ms)", () => {
		// "Stream multiple conversion events to the conversion rule", LinkedIn's Postman collection.
		const published = {
			conversion: 'urn:lla:llaPartnerConversion:conversion_id',
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
		};
		const [ours] = bodyOf(plan([conversion()], { valueFrom: 'amount' }).requests[0]).elements;
		expect(Object.keys(ours).sort()).toEqual(Object.keys(published).sort());
		expect(Object.keys(ours.user).sort()).toEqual(Object.keys(published.user).sort());
		// The decimal as normalized (trailing zeros go), still a string like LinkedIn's "1500.0".
		expect(ours.conversionValue).toEqual({ currencyCode: 'USD', amount: '1500' });
		expect(typeof ours.conversionHappenedAt).toBe(typeof published.conversionHappenedAt);
		expect(ours.user.userIds.map((id) => id.idType)).toEqual(published.user.userIds.map((id) => id.idType));
	});

	it('takes the base URL and API version from the config; a bad version is a setting error', () => {
		const [request] = plan([conversion()], { baseUrl: 'http://127.0.0.1:9/', apiVersion: ' 202512 ' }).requests;
		expect(request.url).toBe('http://127.0.0.1:9/rest/conversionEvents');
		expect(request.headers['LinkedIn-Version']).toBe('202512');
		expect(plan([conversion()], { apiVersion: '202603.01' }).requests[0].headers['LinkedIn-Version']).toBe('202603.01');
		for (const apiVersion of ['2026-03', 'v202603', '202613', '201912']) expect(() => plan([conversion()], { apiVersion })).toThrow(/API Version/);
		expect(() => plan([conversion()], { valueFrom: 'tax' as never })).toThrow(/Value From/);
	});

	it('keeps the exact decimal as a string; a zero or missing value goes without conversionValue', () => {
		const exact = bodyOf(plan([conversion({ commission: '1234567.891' })]).requests[0]).elements[0];
		expect(exact.conversionValue).toEqual({ currencyCode: 'USD', amount: '1234567.891' });
		const lead = bodyOf(plan([conversion({ eventName: 'Lead', commission: '0' })]).requests[0]).elements[0];
		expect(lead).not.toHaveProperty('conversionValue');
		const none = bodyOf(plan([conversion({ commission: null })]).requests[0]).elements[0];
		expect(none).not.toHaveProperty('conversionValue');
	});

	it('takes the rule as its numeric id or its URN, one for every event or one per event name', () => {
		expect(conversionRuleUrn(' 104012 ')).toBe(RULE_URN);
		expect(conversionRuleUrn(RULE_URN)).toBe(RULE_URN);
		expect(conversionRuleUrn('urn:li:conversion:104012')).toBeUndefined();
		const events = [
			conversion({ transactionId: 'A' }),
			conversion({ transactionId: 'B', eventName: 'Lead' }),
			conversion({ transactionId: 'C', eventName: 'Subscribe' }),
		];
		const rules = { Purchase: '111', Lead: 'urn:lla:llaPartnerConversion:222', '*': '333' };
		expect(bodyOf(plan(events, { conversionRule: rules }).requests[0]).elements.map((event) => event.conversion)).toEqual([
			'urn:lla:llaPartnerConversion:111',
			'urn:lla:llaPartnerConversion:222',
			'urn:lla:llaPartnerConversion:333',
		]);
		const withoutDefault = plan(events, { conversionRule: { Purchase: '111' } });
		expect(withoutDefault.requests[0].itemIndexes).toEqual([0]);
		expect(withoutDefault.skipped).toEqual([
			{ index: 1, code: 'no_conversion_rule', reason: expect.stringContaining('"Lead"') },
			{ index: 2, code: 'no_conversion_rule', reason: expect.stringContaining('"Subscribe"') },
		]);
	});

	it('sends userInfo only with both names, and never names without a user id', () => {
		const onlyFirst = conversion({ user: { email: 'a@example.com', firstName: 'Mike' }, click: undefined });
		expect(bodyOf(plan([onlyFirst]).requests[0]).elements[0].user).toEqual({ userIds: [{ idType: 'SHA256_EMAIL', idValue: sha256('a@example.com') }] });
		const namesOnly = conversion({ user: { firstName: 'Jane', lastName: 'Doe' }, click: undefined });
		expect(plan([namesOnly]).skipped).toEqual([{ index: 0, code: 'no_match_keys', reason: expect.stringContaining('a name alone is not enough') }]);
		const clickOnly = conversion({ user: undefined });
		expect(bodyOf(plan([clickOnly]).requests[0]).elements[0].user).toEqual({
			userIds: [{ idType: 'LINKEDIN_FIRST_PARTY_ADS_TRACKING_UUID', idValue: 'df5gf5-gh6t7-ph4j7h-fgf6n1' }],
		});
	});

	it('batches at 5,000 events per request, in input order', () => {
		const { requests, skipped } = plan(many(12_000));
		expect(skipped).toEqual([]);
		expect(requests.map((request) => bodyOf(request).elements.length)).toEqual([5000, 5000, 2000]);
		expect(requests.flatMap((request) => request.itemIndexes)).toEqual(Array.from({ length: 12_000 }, (_, i) => i));
		expect(linkedin.maxBatch).toBe(5000);
	});

	describe('skips', () => {
		const click = { clickId: 'clk_9', clickedAt: '2026-06-01T11:00:00Z', visitorId: 'vis_9' } as ForwardableClick;
		it.each([
			['a Click Tracker click', 'not_a_conversion', click],
			['a reversed conversion', 'not_a_conversion', conversion({ status: 'reversed' })],
			['a rejected conversion', 'not_a_conversion', conversion({ status: 'rejected' })],
			['a negative commission', 'not_a_conversion', conversion({ commission: '-120.5' })],
			['a value that is no decimal', 'invalid_value', conversion({ commission: 'lots' })],
			['an event older than 90 days', 'event_too_old', conversion({ occurredAt: new Date(NOW.getTime() - 91 * DAY).toISOString() })],
			['an event more than 5 minutes ahead', 'event_in_future', conversion({ occurredAt: new Date(NOW.getTime() + 6 * 60_000).toISOString() })],
			['a rule that is no rule', 'invalid_conversion_rule', conversion({ eventName: 'Lead' })],
			['no email and no li_fat_id', 'no_match_keys', conversion({ user: { phone: '+16505551212', firstName: 'Mike', lastName: 'Smith' }, click: undefined })],
		] as Array<[string, string, ForwardableEvent]>)('%s: skipped with %s, the others still sent', (_, code, event) => {
			const { requests, skipped } = plan([conversion({ transactionId: 'OK' }), event], { conversionRule: { Purchase: LINKEDIN_FAKE_RULE, Lead: 'lead-rule' } });
			expect(requests.flatMap((request) => request.itemIndexes)).toEqual([0]);
			expect(skipped).toEqual([{ index: 1, code, reason: expect.any(String) }]);
			expect(skipped[0].reason).not.toMatch(/mike\.smith/i);
		});
		it('just inside the window (89 days old, 4 minutes ahead) is sent', () => {
			const old = conversion({ transactionId: 'A', occurredAt: new Date(NOW.getTime() - 89 * DAY).toISOString() });
			const ahead = conversion({ transactionId: 'B', occurredAt: new Date(NOW.getTime() + 4 * 60_000).toISOString() });
			expect(plan([old, ahead]).skipped).toEqual([]);
		});
		it('a missing token or rule skips every event with missing_config', () => {
			expect(plan([conversion(), conversion()], { accessToken: ' ' }).skipped).toMatchObject([
				{ index: 0, code: 'missing_config', reason: 'The LinkedIn configuration has no access token' },
				{ index: 1, code: 'missing_config' },
			]);
			expect(plan([conversion()], { conversionRule: '' }).skipped).toMatchObject([
				{ code: 'missing_config', reason: expect.stringContaining('conversion rule') },
			]);
			expect(plan([conversion()], { conversionRule: { Lead: ' ' } }).requests).toEqual([]);
		});
	});
});

describe('LinkedIn response reading', () => {
	const [request] = plan(many(3)).requests;
	const ids = bodyOf(request).elements.map((event) => event.eventId);
	const read = (status: number, body: unknown, headers: Record<string, string> = {}) => readLinkedInResponse(request, { status, headers, body }, NOW);

	it('200 with a 201 element per event: every event sent, with its eventId', () => {
		expect(read(200, { elements: [{ status: 201 }, { status: 201 }, { status: 201 }] })).toEqual(
			[0, 1, 2].map((index) => ({ index, outcome: 'sent', eventId: ids[index] })),
		);
	});

	it('per-element statuses: 201 sent, 422 failed with its message, 503 retried', () => {
		const results = read(200, {
			elements: [
				{ status: 201 },
				{ status: 422, error: { status: 422, serviceErrorCode: 422, message: '/conversionHappenedAt: conversion happened more than 90 days ago' } },
				{ status: 503, error: { status: 503, message: 'Internal Server Error' } },
			],
		});
		expect(results.map((result) => [result.outcome, result.code])).toEqual([
			['sent', undefined],
			['failed', 'http_422'],
			['retry', 'http_503'],
		]);
		expect(results[1].reason).toContain('more than 90 days ago');
		expect(results[1].eventId).toBe(ids[1]);
	});

	it('a 2xx without one element per event is not counted as sent', () => {
		for (const body of ['<html>proxy</html>', { elements: [{ status: 201 }] }, '']) {
			expect(read(200, body)[0]).toMatchObject({ outcome: 'failed', code: 'unexpected_response' });
		}
		expect(read(200, { elements: [{ status: 201 }, {}, { status: 201 }] })[1]).toMatchObject({ outcome: 'failed', code: 'unexpected_response' });
	});

	it("422 naming one element in Rest.li's ERROR lines: it failed, the others go again without it", () => {
		const results = read(422, {
			status: 422,
			serviceErrorCode: 422,
			message:
				'ERROR :: /elements/1/conversionHappenedAt :: "soon" is not a long\nERROR :: /elements/1/user/userIds :: field is required but not found and has no default value\n',
		});
		expect(results.map((result) => [result.outcome, result.code])).toEqual([
			['retry', 'batch_rejected'],
			['failed', 'http_422'],
			['retry', 'batch_rejected'],
		]);
		expect(results[1].reason).toBe(
			'LinkedIn refused this event (HTTP 422): conversionHappenedAt: "soon" is not a long; user/userIds: field is required but not found and has no default value',
		);
	});

	it('400 naming an element in errorDetails.inputErrors: blamed the same way', () => {
		const results = read(400, {
			status: 400,
			code: 'VALIDATION_FAILED',
			message: 'Validation failed',
			errorDetails: { inputErrors: [{ description: 'must be ISO 4217', input: { inputPath: { fieldPath: '/elements/2/conversionValue/currencyCode' } } }] },
		});
		expect(results.map((result) => result.outcome)).toEqual(['retry', 'retry', 'failed']);
		expect(results[2]).toMatchObject({ code: 'linkedin_VALIDATION_FAILED', reason: expect.stringContaining('conversionValue/currencyCode: must be ISO 4217') });
		expect(elementPosition('elements[4].user')).toBe(4);
		expect(elementPosition('/user/userIds')).toBeUndefined();
	});

	it('400 without a position: every event failed with the message', () => {
		expect(read(400, { status: 400, message: 'Batch size 5001 exceeds the maximum of 5000' })).toEqual(
			[0, 1, 2].map((index) => expect.objectContaining({ index, outcome: 'failed', code: 'http_400', reason: expect.stringContaining('Batch size') })),
		);
	});

	it('401: failed, telling the operator to reconnect the credential, the token never quoted', () => {
		const [result] = read(401, { status: 401, serviceErrorCode: 65600, code: 'INVALID_ACCESS_TOKEN', message: `Invalid access token ${LINKEDIN_FAKE_TOKEN}` });
		expect(result).toMatchObject({ outcome: 'failed', code: 'linkedin_INVALID_ACCESS_TOKEN', reason: expect.stringContaining('connect it again') });
		expect(result.reason).not.toContain(LINKEDIN_FAKE_TOKEN);
		expect(result.reason).toContain('[access token]');
	});

	it('403: failed, naming the scope and the ad account role', () => {
		expect(read(403, { status: 403, serviceErrorCode: 100, code: 'ACCESS_DENIED', message: 'Not enough permissions' })[0]).toMatchObject({
			outcome: 'failed',
			code: 'linkedin_ACCESS_DENIED',
			reason: expect.stringMatching(/rw_conversions.*ad account/),
		});
	});

	it('426: failed, asking for a current API version', () => {
		expect(read(426, { status: 426, code: 'NONEXISTENT_VERSION', message: 'Requested version 202401 is not active' })[0]).toMatchObject({
			outcome: 'failed',
			code: 'linkedin_NONEXISTENT_VERSION',
			reason: expect.stringContaining('Set API Version'),
		});
	});

	it('429 with Retry-After and 5xx: retry', () => {
		expect(read(429, { status: 429, message: 'Resource level throttle APPLICATION DAY limit' }, { 'Retry-After': '30' })[0]).toMatchObject({
			outcome: 'retry',
			code: 'http_429',
			retryAfterMs: 30_000,
		});
		expect(read(500, { status: 500, message: 'Internal Server Error' })[0]).toMatchObject({ outcome: 'retry', code: 'http_500' });
		expect(read(502, '<html>bad gateway</html>')[0].retryAfterMs).toBeUndefined();
	});

	it('404: failed, pointing at the Base URL', () => {
		expect(read(404, { status: 404, message: 'No resource found' })[0]).toMatchObject({ outcome: 'failed', reason: expect.stringContaining('Base URL') });
	});
});
