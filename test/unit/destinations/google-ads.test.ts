/** The Google Ads request builder: fields, the one-click-id rule, offsets, batching, identifiers, the 6-hour rule. */
import { createHash } from 'node:crypto';
import { platformCredentialClass } from '../../../nodes/shared/platform-classes';
import { type PlatformRequest, buildPlatformRequests, eventIdFor, planPlatformRequests } from '../../../src/destinations';
import {
	GOOGLE_ADS_DEFAULT_API_VERSION,
	type GoogleAdsClickConversion,
	type GoogleAdsRequest,
	type GoogleAdsSkippedEvent,
	googleAds,
	googleDateTime,
} from '../../../src/destinations/google_ads';
import { ACCESS_TOKEN, ACTION, ACTION_ID, CUSTOMER, DEVELOPER_TOKEN, HOUR, NOW, config, googleClick, purchase, purchases } from './google-ads-fixtures';

const GoogleAdsConversionsOAuth2Api = platformCredentialClass('google_ads');

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const rows = (request: PlatformRequest) => request.body.conversions as GoogleAdsClickConversion[];
const plan = (...args: Parameters<typeof googleAds.planRequests>) => googleAds.planRequests(...args);

describe('Google Ads request', () => {
	it('builds uploadClickConversions with every field, partialFailure on, and the auth headers', () => {
		const event = purchase();
		const [request, ...more] = buildPlatformRequests('google_ads', [event], config({ loginCustomerId: '111-222-3333', defaultCountry: 'US' }), NOW);
		expect(more).toEqual([]);
		expect(request.method).toBe('POST');
		expect(request.url).toBe(`https://googleads.googleapis.com/${GOOGLE_ADS_DEFAULT_API_VERSION}/customers/${CUSTOMER}:uploadClickConversions`);
		expect(request.headers).toEqual({
			'content-type': 'application/json',
			Authorization: `Bearer ${ACCESS_TOKEN}`,
			'developer-token': DEVELOPER_TOKEN,
			'login-customer-id': '1112223333',
		});
		expect(request.itemIndexes).toEqual([0]);
		expect(request.body).toEqual({
			conversions: [
				{
					conversionAction: ACTION,
					gclid: 'Cj0KCQiA-gclid-0001',
					conversionDateTime: '2026-11-21 06:00:00+00:00',
					conversionValue: 39.5,
					currencyCode: 'USD',
					orderId: eventIdFor(event),
					userIdentifiers: [{ hashedEmail: sha256('johnsmith@gmail.com') }, { hashedPhoneNumber: sha256('+16505551212') }],
				},
			],
			partialFailure: true,
		});
		expect(typeof rows(request)[0].conversionValue).toBe('number');
		expect((request as GoogleAdsRequest).clickedAt).toEqual([event.click?.clickedAt]);
	});

	it('uses the API version, base URL and validateOnly settings; no Authorization header without an access token', () => {
		const [request] = buildPlatformRequests(
			'google_ads',
			[purchase()],
			config({ apiVersion: '25', baseUrl: 'http://127.0.0.1:9/', validateOnly: true, accessToken: '' }),
			NOW,
		);
		expect(request.url).toBe(`http://127.0.0.1:9/v25/customers/${CUSTOMER}:uploadClickConversions`);
		expect(request.headers.Authorization).toBeUndefined();
		expect(request.headers['login-customer-id']).toBeUndefined();
		expect(request.body.validateOnly).toBe(true);
		expect(request.body.partialFailure).toBe(true);
	});

	it('defaults to an API version still alive on 2026-11-21 (v21 and v22 are sunset), the same in the credential', () => {
		expect(Number(GOOGLE_ADS_DEFAULT_API_VERSION.slice(1))).toBeGreaterThan(22);
		const version = new GoogleAdsConversionsOAuth2Api().properties.find((property) => property.name === 'apiVersion');
		expect(version?.default).toBe(GOOGLE_ADS_DEFAULT_API_VERSION);
	});

	it('refuses settings it cannot send with', () => {
		expect(() => buildPlatformRequests('google_ads', [purchase()], config({ customerId: 'acme' }), NOW)).toThrow(/customer ID/);
		expect(() => buildPlatformRequests('google_ads', [purchase()], config({ loginCustomerId: 'mcc' }), NOW)).toThrow(/login customer ID/);
		expect(() => buildPlatformRequests('google_ads', [purchase()], config({ developerToken: ' ' }), NOW)).toThrow(/developer token/);
		expect(() => buildPlatformRequests('google_ads', [purchase()], config({ apiVersion: 'latest' }), NOW)).toThrow(/API version/);
	});

	describe('conversion action', () => {
		it('expands a bare id and keeps a resource name', () => {
			const [request] = buildPlatformRequests(
				'google_ads',
				[purchase(), purchase({ transactionId: 'b' })],
				config({ conversionAction: 'customers/555-000-1111/conversionActions/42' }),
				NOW,
			);
			expect(rows(request)[0].conversionAction).toBe('customers/5550001111/conversionActions/42');
			const [bare] = buildPlatformRequests('google_ads', [purchase()], config({ conversionAction: ` ${ACTION_ID} ` }), NOW);
			expect(rows(bare)[0].conversionAction).toBe(ACTION);
		});

		it('takes the action per event name, with "*" for the others, and skips events without one', () => {
			const events = [purchase(), purchase({ eventName: 'Lead', transactionId: 'l1' }), purchase({ eventName: 'CompleteRegistration', transactionId: 'r1' })];
			const mapped = plan(events, config({ conversionAction: { Purchase: '1', Lead: '2', '*': '3' } }), NOW);
			expect(rows(mapped.requests[0]).map((row) => row.conversionAction.split('/').pop())).toEqual(['1', '2', '3']);

			const partial = planPlatformRequests('google_ads', events, config({ conversionAction: { Purchase: '1' } }), NOW);
			expect(partial.requests[0].itemIndexes).toEqual([0]);
			expect(partial.skipped.map((skip) => [skip.index, skip.code])).toEqual([
				[1, 'no_conversion_action'],
				[2, 'no_conversion_action'],
			]);
			expect(partial.skipped[0].reason).toMatch(/"Lead"/);
		});

		it('skips a conversion action that is neither an id nor a resource name', () => {
			const { requests, skipped } = plan([purchase()], config({ conversionAction: 'Purchases (web)' }), NOW);
			expect(requests).toEqual([]);
			expect(skipped).toEqual([{ index: 0, code: 'invalid_conversion_action', reason: expect.stringMatching(/numeric ID/) }]);
		});
	});

	describe('one click id', () => {
		const clickIdsOf = (click: Parameters<typeof googleClick>[0]) => {
			const [request] = buildPlatformRequests('google_ads', [purchase({ click: googleClick(click) })], config(), NOW);
			const row = rows(request)[0];
			return { gclid: row.gclid, gbraid: row.gbraid, wbraid: row.wbraid };
		};

		it('sends the gclid alone when the click also has braids', () => {
			expect(clickIdsOf({ gclid: 'G1', gbraid: 'GB1', wbraid: 'WB1' })).toEqual({ gclid: 'G1', gbraid: undefined, wbraid: undefined });
		});

		it('never sends gbraid and wbraid together: wbraid (the web one) wins', () => {
			expect(clickIdsOf({ gclid: undefined, gbraid: 'GB1', wbraid: 'WB1' })).toEqual({ gclid: undefined, gbraid: undefined, wbraid: 'WB1' });
			expect(clickIdsOf({ gclid: undefined, gbraid: 'GB1' })).toEqual({ gclid: undefined, gbraid: 'GB1', wbraid: undefined });
		});

		it('skips a conversion without a Google click id, and a Click Tracker item', () => {
			const clickItem = { eventName: 'OutboundClick', clickId: 'c1', clickedAt: NOW.toISOString(), gclid: 'G' };
			const { requests, skipped } = plan(
				[purchase({ click: googleClick({ gclid: undefined }) }), purchase({ click: undefined }), clickItem, purchase()],
				config(),
				NOW,
			);
			expect(requests[0].itemIndexes).toEqual([3]);
			expect(skipped.map((skip) => [skip.index, skip.code])).toEqual([
				[0, 'no_click_id'],
				[1, 'no_click_id'],
				[2, 'not_a_conversion'],
			]);
			expect(skipped[0].reason).toMatch(/gclid, gbraid or wbraid/);
		});
	});

	describe('conversionDateTime', () => {
		const timeOf = (overrides: Parameters<typeof purchase>[0]) =>
			rows(buildPlatformRequests('google_ads', [purchase(overrides)], config(), NOW)[0])[0].conversionDateTime;

		it('is UTC with an explicit +00:00 offset, whole seconds', () => {
			expect(timeOf({ occurredAt: '2026-11-20T12:30:15+02:00' })).toBe('2026-11-20 10:30:15+00:00');
			expect(timeOf({ occurredAt: '2026-11-20T23:59:59.999-05:00' })).toBe('2026-11-21 04:59:59+00:00');
			expect(googleDateTime(new Date('2026-01-02T03:04:05Z'))).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$/);
		});

		it('uses the postback arrival when the network time precedes the click (date-only or skewed clocks)', () => {
			const clickedAt = new Date(NOW.getTime() - 30 * HOUR);
			const occurredAt = new Date(clickedAt.getTime() - 2 * HOUR).toISOString();
			const receivedAt = new Date(clickedAt.getTime() + HOUR).toISOString();
			expect(timeOf({ occurredAt, receivedAt })).toBe(googleDateTime(new Date(receivedAt)));
		});

		it('skips a conversion that precedes its click on every clock', () => {
			const before = new Date(NOW.getTime() - 40 * HOUR).toISOString();
			const { skipped } = plan([purchase({ occurredAt: before, receivedAt: before })], config(), NOW);
			expect(skipped).toEqual([{ index: 0, code: 'CONVERSION_PRECEDES_EVENT', reason: expect.stringMatching(/before the click/) }]);
		});
	});

	describe('the 6-hour rule', () => {
		it('holds back a click younger than 6 hours: retry_later at click time + 6 h, not in the request', () => {
			const clickedAt = new Date(NOW.getTime() - 2 * HOUR);
			const events = [
				purchase(),
				purchase({ transactionId: 'recent', click: googleClick({ gclid: 'G-recent', clickedAt: clickedAt.toISOString() }), occurredAt: NOW.toISOString() }),
			];
			const { requests, skipped } = plan(events, config(), NOW);
			expect(requests[0].itemIndexes).toEqual([0]);
			const [held] = skipped as GoogleAdsSkippedEvent[];
			expect(held).toEqual({
				index: 1,
				outcome: 'retry_later',
				code: 'TOO_RECENT_EVENT',
				retryAt: new Date(clickedAt.getTime() + 6 * HOUR).toISOString(),
				reason: expect.stringMatching(/6 hours/),
			});
		});

		it('the gate comes first: a reversal or an unreadable time with a fresh click is skipped for good, not held for later', () => {
			const fresh = googleClick({ clickedAt: new Date(NOW.getTime() - HOUR).toISOString() });
			const { skipped } = plan(
				[purchase({ click: fresh, status: 'reversed' }), purchase({ click: fresh, transactionId: 't', occurredAt: 'today' })],
				config(),
				NOW,
			);
			expect(skipped).toEqual([
				{ index: 0, code: 'not_a_conversion', reason: expect.stringContaining('conversion adjustments') },
				{ index: 1, code: 'invalid_time', reason: expect.stringContaining('not a date') },
			]);
		});

		it('sends a click exactly 6 hours old', () => {
			const clickedAt = new Date(NOW.getTime() - 6 * HOUR).toISOString();
			const { requests, skipped } = plan([purchase({ click: googleClick({ clickedAt }), occurredAt: NOW.toISOString() })], config(), NOW);
			expect(skipped).toEqual([]);
			expect(requests).toHaveLength(1);
		});
	});

	describe('value', () => {
		const valueOf = (overrides: Parameters<typeof purchase>[0], settings: Parameters<typeof config>[0] = {}) => {
			const row = rows(buildPlatformRequests('google_ads', [purchase(overrides)], config(settings), NOW)[0])[0];
			return [row.conversionValue, row.currencyCode];
		};

		it('is the commission by default, the amount when asked, as a JSON number with the currency', () => {
			expect(valueOf({})).toEqual([39.5, 'USD']);
			expect(valueOf({ currency: 'EUR' }, { valueFrom: 'amount' })).toEqual([79, 'EUR']);
			expect(valueOf({ commission: '0.1' })).toEqual([0.1, 'USD']);
		});

		it('is left out when missing, zero or not wanted, so the action default applies', () => {
			expect(valueOf({ commission: null })).toEqual([undefined, undefined]);
			expect(valueOf({ commission: '0' })).toEqual([undefined, undefined]);
			expect(valueOf({}, { valueFrom: 'none' })).toEqual([undefined, undefined]);
		});

		it('skips a value that is not a decimal, unless no value is wanted', () => {
			expect(plan([purchase({ commission: 'ten' })], config(), NOW).skipped).toEqual([
				{ index: 0, code: 'invalid_value', reason: expect.stringContaining('"ten"') },
			]);
			expect(plan([purchase({ commission: 'ten' })], config({ valueFrom: 'none' }), NOW).skipped).toEqual([]);
			expect(plan([purchase({ commission: '-39.5' })], config({ valueFrom: 'none' }), NOW).skipped).toEqual([]);
		});

		it('refuses a Value From that is none of commission, amount and none', () => {
			expect(() => plan([purchase()], config({ valueFrom: 'payout' as never }), NOW)).toThrow('Value From must be "commission", "amount" or "none"');
		});

		it('skips a negative value (a reversal is a conversion adjustment, not an upload)', () => {
			const { skipped } = plan([purchase({ commission: '-39.5' })], config(), NOW);
			expect(skipped).toEqual([{ index: 0, code: 'not_a_conversion', reason: expect.stringMatching(/reversal.*conversion adjustments/) }]);
		});
	});

	describe('orderId', () => {
		it('is the deterministic event id: the same conversion replayed gets the same one, another event of the transaction another', () => {
			const first = rows(buildPlatformRequests('google_ads', [purchase()], config(), NOW)[0])[0].orderId;
			const replay = rows(buildPlatformRequests('google_ads', [purchase({ receivedAt: NOW.toISOString() })], config(), NOW)[0])[0].orderId;
			const lead = rows(buildPlatformRequests('google_ads', [purchase({ eventName: 'Lead' })], config(), NOW)[0])[0].orderId;
			expect(replay).toBe(first);
			expect(lead).not.toBe(first);
		});

		it('sends the same conversion twice in one input once', () => {
			const { requests, skipped } = plan([purchase(), purchase(), purchase({ transactionId: 'other' })], config(), NOW);
			expect(requests[0].itemIndexes).toEqual([0, 2]);
			expect(skipped.map((skip) => [skip.index, skip.code])).toEqual([[1, 'DUPLICATE_ORDER_ID']]);
		});
	});

	describe('user identifiers', () => {
		const identifiersOf = (user: Parameters<typeof purchase>[0], settings: Parameters<typeof config>[0] = {}) =>
			rows(buildPlatformRequests('google_ads', [purchase(user)], config(settings), NOW)[0])[0].userIdentifiers;

		it('are SHA-256 hex by Google rules (gmail dots removed, E.164 with +), at most 5', () => {
			const identifiers = identifiersOf({}, { defaultCountry: 'US' }) ?? [];
			expect(identifiers.length).toBeLessThanOrEqual(5);
			for (const identifier of identifiers) {
				expect(Object.keys(identifier)).toHaveLength(1);
				expect(Object.values(identifier)[0]).toMatch(/^[0-9a-f]{64}$/);
			}
			expect(identifiers).toEqual([{ hashedEmail: sha256('johnsmith@gmail.com') }, { hashedPhoneNumber: sha256('+16505551212') }]);
		});

		it('pass an already hashed email through and leave out what cannot be normalized', () => {
			const digest = sha256('someone@example.com');
			expect(identifiersOf({ user: { email: digest, phone: 'ask at the front desk' } })).toEqual([{ hashedEmail: digest }]);
			expect(identifiersOf({ user: {} })).toBeUndefined();
			expect(identifiersOf({ user: { email: '  ' } })).toBeUndefined();
		});

		it('are left out when ad-user-data consent is denied, and consent is sent when set', () => {
			const [request] = buildPlatformRequests('google_ads', [purchase()], config({ adUserDataConsent: 'DENIED', adPersonalizationConsent: 'GRANTED' }), NOW);
			expect(rows(request)[0].userIdentifiers).toBeUndefined();
			expect(rows(request)[0].consent).toEqual({ adUserData: 'DENIED', adPersonalization: 'GRANTED' });
		});
	});

	describe('batching', () => {
		it('sends 2,500 conversions as 2,000 + 500, in input order, each with partialFailure', () => {
			const requests = buildPlatformRequests('google_ads', purchases(2500), config(), NOW);
			expect(googleAds.maxBatch).toBe(2000);
			expect(requests.map((request) => rows(request).length)).toEqual([2000, 500]);
			expect(requests[0].itemIndexes).toEqual(Array.from({ length: 2000 }, (_, i) => i));
			expect(requests[1].itemIndexes).toEqual(Array.from({ length: 500 }, (_, i) => 2000 + i));
			expect(requests.every((request) => request.body.partialFailure === true)).toBe(true);
			expect(rows(requests[1])[0].gclid).toBe('tx-gclid-2000');
		});

		it('keeps the input indexes of what it sends when some events are skipped', () => {
			const events = [purchase({ click: undefined }), ...purchases(3)];
			const [request] = buildPlatformRequests('google_ads', events, config(), NOW);
			expect(request.itemIndexes).toEqual([1, 2, 3]);
			expect(rows(request).map((row) => row.gclid)).toEqual(['tx-gclid-0', 'tx-gclid-1', 'tx-gclid-2']);
		});
	});
});
