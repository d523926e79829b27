/**
 * The Data Manager API fake refuses what Google's reference says the API refuses, in google.rpc.Status JSON,
 * takes a request shaped like Google's quickstart, and records what the destination sends through the shared
 * sender (sendToPlatform), retries included.
 */
import { type ForwardableConversion, type PlatformRequest, type SendDependencies, sendToPlatform } from '../../../src/destinations';
import { planDataManagerRequests, readRequestDiagnostics } from '../../../src/destinations/google_ads';
import { type DataManagerFake, FAKE_ADWORDS_ONLY_TOKEN, FAKE_DATA_MANAGER_ACCESS_TOKEN, startDataManagerFake } from '../../fakes/google-data-manager';
import { fetchSend } from '../../fakes/server';
import { ACTION_ID, CUSTOMER, NOW, config as baseConfig, purchase, purchases } from '../destinations/google-ads-fixtures';

const HASH = 'a'.repeat(64);
let fake: DataManagerFake;

beforeEach(async () => {
	fake = await startDataManagerFake({ now: () => NOW });
});
afterEach(async () => {
	await fake.close();
});

async function post(body: unknown, token: string | null = FAKE_DATA_MANAGER_ACCESS_TOKEN, path = '/v1/events:ingest') {
	const response = await fetch(`${fake.url}${path}`, {
		method: 'POST',
		headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
		body: JSON.stringify(body),
	});
	return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}
const get = async (path: string, token = FAKE_DATA_MANAGER_ACCESS_TOKEN) => {
	const response = await fetch(`${fake.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
	return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

const destination = { operatingAccount: { accountType: 'GOOGLE_ADS', accountId: CUSTOMER }, productDestinationId: ACTION_ID };
/** A request shaped like the quickstart's (https://developers.google.com/data-manager/api/devguides/events/send-events), our own values. */
const example = (eventOverrides: Record<string, unknown> = {}, bodyOverrides: Record<string, unknown> = {}) => ({
	destinations: [destination],
	encoding: 'HEX',
	events: [
		{
			adIdentifiers: { gclid: 'Cj0KCQiA-example' },
			conversionValue: 12.5,
			currency: 'EUR',
			eventTimestamp: '2026-11-21T10:18:44.291Z',
			transactionId: 'example-transaction-1',
			eventSource: 'WEB',
			userData: { userIdentifiers: [{ emailAddress: HASH }, { phoneNumber: 'b'.repeat(64) }] },
			consent: { adUserData: 'CONSENT_GRANTED', adPersonalization: 'CONSENT_DENIED' },
			...eventOverrides,
		},
	],
	...bodyOverrides,
});

/** The refusal's status, ErrorInfo reason and the fields its BadRequest names. */
function refusal(answer: { status: number; body: Record<string, unknown> }) {
	const error = answer.body.error as { status: string; details: Array<{ reason?: string; fieldViolations?: Array<{ field: string; reason: string }> }> };
	return {
		http: answer.status,
		status: error.status,
		reason: error.details.find((detail) => detail.reason)?.reason,
		fields: error.details.flatMap((detail) => detail.fieldViolations ?? []).map((violation) => `${violation.field} ${violation.reason}`),
	};
}

describe('the Data Manager API fake accepts', () => {
	it('a quickstart-shaped request: a request id, the conversion recorded', async () => {
		const answer = await post(example());
		expect(answer).toEqual({ status: 200, body: { requestId: expect.any(String) } });
		expect(fake.recorded).toEqual([
			expect.objectContaining({ operatingAccountId: CUSTOMER, conversionActionId: ACTION_ID, transactionId: 'example-transaction-1', conversionValue: 12.5 }),
		]);
	});

	it('validate only: checked, an empty answer, nothing recorded', async () => {
		expect(await post(example({}, { validateOnly: true }))).toEqual({ status: 200, body: {} });
		expect(fake.recorded).toEqual([]);
	});

	it('the same transaction id again is an adjustment: the value restated, not a second conversion', async () => {
		await post(example());
		await post(example({ conversionValue: 5 }));
		expect(fake.recorded).toHaveLength(1);
		expect(fake.recorded[0]).toMatchObject({ conversionValue: 5, restatedTo: [5] });
	});
});

describe('the Data Manager API fake refuses what Google refuses', () => {
	it('no token, an unknown token: 401 UNAUTHENTICATED; a Google Ads API token without the datamanager scope: 403', async () => {
		expect(refusal(await post(example(), null))).toMatchObject({ http: 401, status: 'UNAUTHENTICATED' });
		expect(refusal(await post(example(), 'someone-elses-token'))).toMatchObject({ http: 401, status: 'UNAUTHENTICATED' });
		expect(refusal(await post(example(), FAKE_ADWORDS_ONLY_TOKEN))).toMatchObject({
			http: 403,
			status: 'PERMISSION_DENIED',
			reason: 'ACCESS_TOKEN_SCOPE_INSUFFICIENT',
		});
		expect(fake.recorded).toEqual([]);
	});

	it.each([
		['no destinations', example({}, { destinations: undefined }), 'destinations REQUIRED_FIELD_MISSING'],
		['11 destinations', example({}, { destinations: Array.from({ length: 11 }, () => destination) }), 'destinations TOO_MANY_DESTINATIONS'],
		[
			'a conversion action resource name',
			example({}, { destinations: [{ ...destination, productDestinationId: `customers/${CUSTOMER}/conversionActions/${ACTION_ID}` }] }),
			'destinations[0].product_destination_id INVALID_CONVERSION_ACTION_ID',
		],
		[
			'an account id with dashes',
			example({}, { destinations: [{ ...destination, operatingAccount: { accountType: 'GOOGLE_ADS', accountId: '123-456-7890' } }] }),
			'destinations[0].operating_account.account_id INVALID_DESTINATION',
		],
		[
			'a linked account without a data partner login',
			example({}, { destinations: [{ ...destination, linkedAccount: { accountType: 'DATA_PARTNER', accountId: '1' } }] }),
			'destinations[0].linked_account LINKED_ACCOUNT_ONLY_ALLOWED_WITH_DATA_PARTNER_LOGIN_ACCOUNT',
		],
		['a time that is not RFC 3339', example({ eventTimestamp: '2026-11-21 10:18:44+00:00' }), 'events[0].event_timestamp INVALID_FORMAT'],
		['a time in the future', example({ eventTimestamp: '2026-11-22T10:00:00Z' }), 'events[0].event_timestamp EVENT_TIME_INVALID'],
		['no time', example({ eventTimestamp: undefined }), 'events[0].event_timestamp REQUIRED_FIELD_MISSING'],
		[
			'an unhashed email',
			example({ userData: { userIdentifiers: [{ emailAddress: 'jane@example.com' }] } }),
			'events[0].user_data.user_identifiers[0].email_address INVALID_HEX_ENCODING',
		],
		[
			'a hash cut short',
			example({ userData: { userIdentifiers: [{ phoneNumber: 'ab12' }] } }),
			'events[0].user_data.user_identifiers[0].phone_number INVALID_SHA256_FORMAT',
		],
		['hex under BASE64', example({}, { encoding: 'BASE64' }), 'events[0].user_data.user_identifiers[0].email_address INVALID_BASE64_ENCODING'],
		['user data without encoding', example({}, { encoding: undefined }), 'encoding REQUIRED_FIELD_MISSING'],
		[
			'two identifiers in one',
			example({ userData: { userIdentifiers: [{ emailAddress: HASH, phoneNumber: HASH }] } }),
			'events[0].user_data.user_identifiers[0] INVALID_FORMAT',
		],
		[
			'11 user identifiers',
			example({ userData: { userIdentifiers: Array.from({ length: 11 }, () => ({ emailAddress: HASH })) } }),
			'events[0].user_data.user_identifiers TOO_MANY_USER_IDENTIFIERS',
		],
		['no identifier at all', example({ adIdentifiers: undefined, userData: undefined }), 'events[0] NO_IDENTIFIERS_PROVIDED'],
		['a gclid and a wbraid', example({ adIdentifiers: { gclid: 'g', wbraid: 'w' } }), 'events[0].ad_identifiers INVALID_EVENT'],
		['a lower-case currency', example({ currency: 'eur' }), 'events[0].currency INVALID_CURRENCY_CODE'],
		['a value as a string', example({ conversionValue: '12.5' }), 'events[0].conversion_value INVALID_NUMBER_FORMAT'],
		['the Google Ads API’s consent names', example({ consent: { adUserData: 'GRANTED' } }), 'events[0].consent.adUserData INVALID_ENUM_VALUE'],
		['a field the API does not have', example({ orderId: 'x' }), 'events[0].orderId INVALID_ARGUMENT'],
		['the Google Ads API’s body', { conversions: [], partialFailure: true }, 'conversions INVALID_ARGUMENT'],
	])('%s: 400 INVALID_ARGUMENT naming the field, nothing recorded', async (_, body, field) => {
		const answer = refusal(await post(body));
		expect(answer).toMatchObject({ http: 400, status: 'INVALID_ARGUMENT' });
		expect(answer.fields).toContain(field);
		expect(fake.recorded).toEqual([]);
	});

	it('more than 2000 events: TOO_MANY_EVENTS', async () => {
		const [event] = example().events;
		expect(refusal(await post(example({}, { events: Array.from({ length: 2001 }, () => event) })))).toMatchObject({ http: 400, reason: 'TOO_MANY_EVENTS' });
	});

	it('one bad event refuses the whole request (no partial failure)', async () => {
		const [good] = example().events;
		const bad = { ...good, transactionId: 'bad', eventTimestamp: 'yesterday' };
		expect(refusal(await post(example({}, { events: [good, bad] })))).toMatchObject({ http: 400, fields: ['events[1].event_timestamp INVALID_FORMAT'] });
		expect(fake.recorded).toEqual([]);
	});

	it('an account reached only through a manager the request does not name: 403', async () => {
		await fake.close();
		fake = await startDataManagerFake({ now: () => NOW, accounts: { [CUSTOMER]: { manager: '1112223333' } } });
		expect(refusal(await post(example()))).toMatchObject({ http: 403, status: 'PERMISSION_DENIED' });
		const through = { ...destination, loginAccount: { accountType: 'GOOGLE_ADS', accountId: '1112223333' } };
		expect((await post(example({}, { destinations: [through] }))).status).toBe(200);
	});
});

describe('what Google checks only while processing, seen in requestStatus:retrieve', () => {
	it('no consent for an account that needs it, or ad user data denied: the events fail in diagnostics, unrecorded', async () => {
		await fake.close();
		fake = await startDataManagerFake({ now: () => NOW, consentRequired: [CUSTOMER] });
		const [event] = example().events;
		const events = [
			{ ...event, transactionId: 't1', consent: undefined },
			{ ...event, transactionId: 't2', consent: { adUserData: 'CONSENT_DENIED' } },
			{ ...event, transactionId: 't3' },
		];
		const answer = await post(example({}, { events }));
		const status = await get(`/v1/requestStatus:retrieve?requestId=${String(answer.body.requestId)}`);
		expect(readRequestDiagnostics(status.body)).toMatchObject({
			status: 'PARTIAL_SUCCESS',
			recordCount: 3,
			errors: [
				{ reason: 'PROCESSING_ERROR_REASON_UNKNOWN_CONSENT', recordCount: 1 },
				{ reason: 'PROCESSING_ERROR_REASON_DENIED_CONSENT', recordCount: 1 },
			],
		});
		expect(fake.recorded.map((conversion) => conversion.transactionId)).toEqual(['t3']);
		expect(refusal(await get('/v1/requestStatus:retrieve?requestId=unknown'))).toMatchObject({ http: 400, reason: 'INVALID_REQUEST_ID' });
	});
});

describe('the destination through sendToPlatform to the fake', () => {
	const sleeps: number[] = [];
	const deps: SendDependencies = {
		send: async (request: PlatformRequest) =>
			await fetchSend({ ...request, headers: { ...request.headers, Authorization: `Bearer ${FAKE_DATA_MANAGER_ACCESS_TOKEN}` } }),
		sleep: async (ms) => {
			sleeps.push(ms);
		},
		now: () => NOW,
		random: () => 0.5,
	};
	const config = () => baseConfig({ api: 'dataManager', developerToken: '', accessToken: '', baseUrl: fake.url, defaultCountry: 'US' });

	it('what the builder plans, the fake takes: click conversions and an enhanced conversion for leads', async () => {
		const lead: ForwardableConversion = { ...purchase({ transactionId: 'lead-1', click: undefined }), eventName: 'Lead' };
		const events = [...purchases(2), lead];
		const results = await sendToPlatform('google_ads', events, config(), deps);
		expect(results.map((result) => result.outcome)).toEqual(['sent', 'sent', 'sent']);
		expect(fake.recorded.map((conversion) => conversion.transactionId)).toEqual(results.map((result) => result.eventId));
		expect(fake.recorded[2]).not.toHaveProperty('adIdentifiers');
		expect(fake.recorded[2].userIdentifiers).toHaveLength(2);
		expect(planDataManagerRequests(events, config(), NOW).requests).toHaveLength(1);
	});

	it('a 429 then a 503 are retried; nothing is recorded twice', async () => {
		fake.failNext(1, 429);
		fake.failNext(1, 503);
		const results = await sendToPlatform('google_ads', purchases(2), config(), deps);
		expect(results.map((result) => result.outcome)).toEqual(['sent', 'sent']);
		expect(fake.ingests()).toHaveLength(1);
		expect(fake.recorded).toHaveLength(2);
	});
});
