/**
 * Google Ads conversions through the Data Manager API: the request builder (destination, events, hashing,
 * consent, enhanced conversions for leads, reversals), the answer reader and the diagnostics reader.
 */
import { createHash } from 'node:crypto';
import { DESTINATIONS, type ForwardableConversion, type PlatformRequest } from '../../../src/destinations';
import {
	DATA_MANAGER_MAX_EVENTS,
	type GoogleAdsOptions,
	buildClickConversion,
	eventIndexOf,
	planDataManagerRequests,
	readDataManagerResponse,
	readRequestDiagnostics,
	requestStatusUrl,
} from '../../../src/destinations/google_ads';
import { ACTION, ACTION_ID, CUSTOMER, HOUR, NOW, config as baseConfig, googleClick, purchase, purchases } from './google-ads-fixtures';

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const config = (overrides: Partial<GoogleAdsOptions> = {}) => baseConfig({ api: 'dataManager', developerToken: '', accessToken: '', ...overrides });
const google = DESTINATIONS.google_ads;

const plan = (events: ForwardableConversion[], overrides: Partial<GoogleAdsOptions> = {}) => planDataManagerRequests(events, config(overrides), NOW);
const eventsOf = (request: PlatformRequest) => request.body.events as Array<Record<string, unknown>>;
const onlyEvent = (event: ForwardableConversion, overrides: Partial<GoogleAdsOptions> = {}) => {
	const { requests, skipped } = plan([event], overrides);
	expect(skipped).toEqual([]);
	return eventsOf(requests[0])[0];
};
const skipOf = (event: ForwardableConversion, overrides: Partial<GoogleAdsOptions> = {}) => plan([event], overrides).skipped[0];

describe('the events:ingest request', () => {
	it('names the operating account and the conversion action by its numeric id, with HEX encoding and no developer token', () => {
		const { requests } = google.planRequests([purchase()], config({ conversionAction: ACTION }), NOW);
		expect(requests).toHaveLength(1);
		const [request] = requests;
		expect(request.url).toBe('https://datamanager.googleapis.com/v1/events:ingest');
		expect(request.headers).toEqual({ 'content-type': 'application/json' });
		expect(request.body.destinations).toEqual([{ operatingAccount: { accountType: 'GOOGLE_ADS', accountId: CUSTOMER }, productDestinationId: ACTION_ID }]);
		expect(request.body.encoding).toBe('HEX');
		expect(request.body).not.toHaveProperty('validateOnly');
	});

	it('a click conversion: transaction id, RFC 3339 time, the gclid, hashed email and phone (Google’s normalization), value and currency', () => {
		const built = onlyEvent(purchase(), { defaultCountry: 'US' });
		expect(built).toEqual({
			transactionId: expect.stringMatching(/^cv_/),
			eventTimestamp: '2026-11-21T06:00:00.000Z',
			adIdentifiers: { gclid: 'Cj0KCQiA-gclid-0001' },
			// https://developers.google.com/data-manager/api/devguides/concepts/formatting : gmail dots removed,
			// lower-cased; (650) 555-1212 in E.164 (+1 from the default country).
			userData: { userIdentifiers: [{ emailAddress: sha256('johnsmith@gmail.com') }, { phoneNumber: sha256('+16505551212') }] },
			conversionValue: 39.5,
			currency: 'USD',
			eventSource: 'WEB',
		});
	});

	it('the same transaction id as the Google Ads API’s order id: a conversion moved between the APIs is one conversion', () => {
		const event = purchase();
		const legacy = buildClickConversion(event, baseConfig(), NOW) as { row: { orderId: string } };
		expect(onlyEvent(event).transactionId).toBe(legacy.row.orderId);
	});

	it('the formatting page’s examples: (800)555-0100 → +18005550100, and dots kept outside gmail', () => {
		const built = onlyEvent(purchase({ user: { email: ' Jane.Doe@Example.com ', phone: '(800)555-0100' } }), { defaultCountry: 'US' });
		expect(built.userData).toEqual({ userIdentifiers: [{ emailAddress: sha256('jane.doe@example.com') }, { phoneNumber: sha256('+18005550100') }] });
	});

	it('gbraid or wbraid when there is no gclid, only one of them', () => {
		const built = onlyEvent(purchase({ click: googleClick({ gclid: undefined, wbraid: 'wb-1', gbraid: 'gb-1' }) }));
		expect(built.adIdentifiers).toEqual({ wbraid: 'wb-1' });
	});

	it('an enhanced conversion for leads: no click id, the hashed email alone', () => {
		const built = onlyEvent(purchase({ click: undefined, user: { email: 'lead@example.com' } }));
		expect(built).not.toHaveProperty('adIdentifiers');
		expect(built.userData).toEqual({ userIdentifiers: [{ emailAddress: sha256('lead@example.com') }] });
	});

	it('neither a click id nor user data: not sent (Google answers NO_IDENTIFIERS_PROVIDED)', () => {
		expect(skipOf(purchase({ click: undefined, user: {} }))).toMatchObject({ code: 'no_identifiers' });
	});

	it('a zero or absent value is left out, so the conversion action’s default applies', () => {
		const built = onlyEvent(purchase({ commission: '0' }));
		expect(built).not.toHaveProperty('conversionValue');
		expect(built).not.toHaveProperty('currency');
	});

	it('validate only, login (manager or data partner) and linked accounts', () => {
		const { requests } = plan([purchase()], {
			validateOnly: true,
			loginCustomerId: '111-222-3333',
			loginAccountType: 'DATA_PARTNER',
			linkedAccountId: '4445556666',
		});
		expect(requests[0].body.validateOnly).toBe(true);
		expect(requests[0].body.destinations).toEqual([
			{
				operatingAccount: { accountType: 'GOOGLE_ADS', accountId: CUSTOMER },
				loginAccount: { accountType: 'DATA_PARTNER', accountId: '1112223333' },
				linkedAccount: { accountType: 'DATA_PARTNER', accountId: '4445556666' },
				productDestinationId: ACTION_ID,
			},
		]);
	});

	it('at most 2000 events a request, one request per conversion action', () => {
		const many = purchases(DATA_MANAGER_MAX_EVENTS + 1);
		const leads = purchases(2, 'lead').map((event) => ({ ...event, eventName: 'Lead' }));
		const { requests } = plan([...many, ...leads], { conversionAction: { '*': ACTION_ID, Lead: '111' } });
		expect(
			requests.map((request) => [(request.body.destinations as Array<{ productDestinationId: string }>)[0].productDestinationId, eventsOf(request).length]),
		).toEqual([
			[ACTION_ID, 2000],
			[ACTION_ID, 1],
			['111', 2],
		]);
		expect(requests.flatMap((request) => request.itemIndexes)).toEqual(Array.from({ length: 2003 }, (_, index) => index));
	});

	it('the same conversion twice in one input is sent once (a second would be taken as its adjustment)', () => {
		const { requests, skipped } = plan([purchase(), purchase()]);
		expect(eventsOf(requests[0])).toHaveLength(1);
		expect(skipped).toEqual([{ index: 1, code: 'DUPLICATE_TRANSACTION_ID', reason: expect.stringContaining('item 0') }]);
	});

	it('keeps Google Ads’ import rules: a click under 6 hours old is retry_later, a conversion before its click is refused', () => {
		const recent = purchase({ click: googleClick({ clickedAt: new Date(NOW.getTime() - HOUR).toISOString() }) });
		expect(skipOf(recent)).toMatchObject({ outcome: 'retry_later', code: 'TOO_RECENT_EVENT', retryAt: new Date(NOW.getTime() + 5 * HOUR).toISOString() });
		const before = purchase({
			occurredAt: new Date(NOW.getTime() - 40 * HOUR).toISOString(),
			receivedAt: new Date(NOW.getTime() - 40 * HOUR).toISOString(),
		});
		expect(skipOf(before)).toMatchObject({ code: 'CONVERSION_PRECEDES_EVENT' });
	});
});

describe('reversals', () => {
	it('a reversed conversion is not retracted through the Data Manager API: the reason says where it can be', () => {
		const skip = skipOf(purchase({ status: 'reversed' }));
		expect(skip).toMatchObject({ code: 'not_a_conversion' });
		expect(skip.reason).toContain('RETRACTION');
		expect(skip.reason).toContain('https://developers.google.com/data-manager/api/devguides/events/google-ads/conversion-adjustments');
		expect(skipOf(purchase({ commission: '-39.5' }))).toMatchObject({ code: 'not_a_conversion', reason: expect.stringContaining('RETRACTION') });
	});

	it('a conversion sent again with a new value carries the same transaction id: Google restates its value', () => {
		const first = onlyEvent(purchase());
		const restated = onlyEvent(purchase({ commission: '20', receivedAt: new Date(NOW.getTime() - HOUR).toISOString() }));
		expect(restated.transactionId).toBe(first.transactionId);
		expect(restated.conversionValue).toBe(20);
	});
});

describe('consent', () => {
	it('the node’s default when the item carries none, in the Data Manager API’s names', () => {
		expect(onlyEvent(purchase(), { adUserDataConsent: 'GRANTED', adPersonalizationConsent: 'DENIED' }).consent).toEqual({
			adUserData: 'CONSENT_GRANTED',
			adPersonalization: 'CONSENT_DENIED',
		});
		expect(onlyEvent(purchase())).not.toHaveProperty('consent');
	});

	it('the item’s own consent wins, signal by signal; the node’s default fills what it does not say', () => {
		const item = { ...purchase(), consent: { adPersonalization: 'granted', source: 'cookie' } } as ForwardableConversion;
		expect(onlyEvent(item, { adUserDataConsent: 'GRANTED', adPersonalizationConsent: 'DENIED' }).consent).toEqual({
			adUserData: 'CONSENT_GRANTED',
			adPersonalization: 'CONSENT_GRANTED',
		});
	});

	it('ad user data denied on the item: no email or phone, the gclid still goes', () => {
		const item = { ...purchase(), consent: { adUserData: 'denied' } } as ForwardableConversion;
		const built = onlyEvent(item, { adUserDataConsent: 'GRANTED' });
		expect(built).not.toHaveProperty('userData');
		expect(built.adIdentifiers).toEqual({ gclid: 'Cj0KCQiA-gclid-0001' });
		expect(built.consent).toEqual({ adUserData: 'CONSENT_DENIED' });
	});

	it('denied with no click id: nothing to match on, not sent', () => {
		const item = { ...purchase({ click: undefined }), consent: { adUserData: 'denied' } } as ForwardableConversion;
		expect(skipOf(item)).toMatchObject({ code: 'no_identifiers', reason: expect.stringContaining('denied consent') });
	});

	it('a consent that is not one (a typo, a wrong type) is ignored: the node’s default applies', () => {
		const item = { ...purchase(), consent: { adUserData: 'yes' } } as unknown as ForwardableConversion;
		expect(onlyEvent(item, { adUserDataConsent: 'DENIED' }).consent).toEqual({ adUserData: 'CONSENT_DENIED' });
	});

	it('the Google Ads API path reads the item’s consent the same way', () => {
		const item = { ...purchase(), consent: { adUserData: 'denied', adPersonalization: 'granted' } } as ForwardableConversion;
		const built = buildClickConversion(item, baseConfig({ adUserDataConsent: 'GRANTED' }), NOW) as unknown as { row: Record<string, unknown> };
		expect(built.row.consent).toEqual({ adUserData: 'DENIED', adPersonalization: 'GRANTED' });
		expect(built.row).not.toHaveProperty('userIdentifiers');
	});
});

describe('reading the answer', () => {
	const request = (count: number, validateOnly = false): PlatformRequest => {
		const { requests } = plan(purchases(count), validateOnly ? { validateOnly } : {});
		return requests[0];
	};
	const read = (req: PlatformRequest, status: number, body: unknown) => google.readResponse(req, { status, headers: {}, body }, NOW);
	const violation = (field: string, reason: string) => ({
		error: {
			code: 400,
			message: 'There was a problem with the request.',
			status: 'INVALID_ARGUMENT',
			details: [
				{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason, domain: 'datamanager.googleapis.com' },
				{ '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: [{ field, description: 'The SHA256 encoded value is malformed.', reason }] },
			],
		},
	});

	it('a request id: every event sent, the id in the reason for diagnostics', () => {
		const req = request(2);
		const results = read(req, 200, { requestId: 'abc-123' });
		expect(results.map((result) => [result.outcome, result.code, result.eventId])).toEqual(
			eventsOf(req).map((event) => ['sent', 'accepted', event.transactionId]),
		);
		expect(results[0].reason).toContain('abc-123');
		expect(results.map((result) => result.requestId)).toEqual(['abc-123', 'abc-123']);
	});

	it('validate only: every event validated, nothing recorded', () => {
		expect(read(request(1, true), 200, {}).map((result) => [result.outcome, result.code])).toEqual([['sent', 'validated']]);
	});

	it('a 2xx without a request id is not taken as recorded', () => {
		expect(read(request(1), 200, '<html>proxy</html>')[0]).toMatchObject({ outcome: 'failed', code: 'unexpected_response' });
	});

	it('a violation naming an event fails that event; the others were not processed and go again', () => {
		const results = read(request(3), 400, violation('events[1].user_data.user_identifiers[0].email_address', 'INVALID_SHA256_FORMAT'));
		expect(results.map((result) => [result.outcome, result.code])).toEqual([
			['retry', 'batch_rejected'],
			['failed', 'INVALID_SHA256_FORMAT'],
			['retry', 'batch_rejected'],
		]);
		expect(eventIndexOf({ field: 'events.events[7].event_timestamp' })).toBe(7);
	});

	it('a violation of the request itself fails every event with Google’s reason', () => {
		const results = read(request(2), 400, violation('destinations[0].product_destination_id', 'INVALID_CONVERSION_ACTION_ID'));
		expect(results.map((result) => [result.outcome, result.code])).toEqual([
			['failed', 'INVALID_CONVERSION_ACTION_ID'],
			['failed', 'INVALID_CONVERSION_ACTION_ID'],
		]);
	});

	it('401 and a token without the Data Manager scope point at the credential', () => {
		const unauthenticated = read(request(1), 401, {
			error: { code: 401, message: 'Request had invalid authentication credentials.', status: 'UNAUTHENTICATED' },
		});
		expect(unauthenticated[0]).toMatchObject({ outcome: 'failed', reason: expect.stringContaining('reconnect the Google Data Manager credential') });
		const scope = read(request(1), 403, {
			error: {
				code: 403,
				message: 'Request had insufficient authentication scopes.',
				status: 'PERMISSION_DENIED',
				details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'ACCESS_TOKEN_SCOPE_INSUFFICIENT' }],
			},
		});
		expect(scope[0]).toMatchObject({ outcome: 'failed', code: 'ACCESS_TOKEN_SCOPE_INSUFFICIENT', reason: expect.stringContaining('datamanager') });
	});

	it('429 is retried with Google’s RetryInfo delay', () => {
		const results = read(request(1), 429, {
			error: {
				code: 429,
				status: 'RESOURCE_EXHAUSTED',
				message: 'Quota exceeded.',
				details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '30s' }],
			},
		});
		expect(results[0]).toMatchObject({ outcome: 'retry', code: 'RESOURCE_EXHAUSTED', retryAfterMs: 30_000 });
	});

	it('the Google Ads API’s answers are still read as before', () => {
		const { requests } = google.planRequests([purchase()], baseConfig(), NOW);
		expect(google.readResponse(requests[0], { status: 200, headers: {}, body: { results: [{}] } }, NOW)[0]).toMatchObject({ outcome: 'sent' });
	});
});

describe('diagnostics (requestStatus:retrieve)', () => {
	it('the worst status over the destinations and the error counts', () => {
		const diagnostics = readRequestDiagnostics({
			requestStatusPerDestination: [
				{
					requestStatus: 'PARTIAL_SUCCESS',
					errorInfo: { errorCounts: [{ recordCount: '2', reason: 'PROCESSING_ERROR_REASON_UNKNOWN_CONSENT' }] },
					eventsIngestionStatus: { recordCount: '5' },
				},
			],
		});
		expect(diagnostics).toEqual({
			status: 'PARTIAL_SUCCESS',
			recordCount: 5,
			errors: [{ reason: 'PROCESSING_ERROR_REASON_UNKNOWN_CONSENT', recordCount: 2 }],
			summary: 'PARTIAL_SUCCESS (5 events): 2 × PROCESSING_ERROR_REASON_UNKNOWN_CONSENT',
		});
		expect(requestStatusUrl(undefined, 'a b')).toBe('https://datamanager.googleapis.com/v1/requestStatus:retrieve?requestId=a%20b');
	});
});
