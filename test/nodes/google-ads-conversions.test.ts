import type { ICredentialDataDecryptedObject, INodeExecutionData } from 'n8n-workflow';
import { platformNodeClass } from '../../nodes/shared/platform-classes';
import { FAKE_GOOGLE_ACCESS_TOKEN, FAKE_GOOGLE_DEVELOPER_TOKEN, FAKE_GOOGLE_REFRESH_TOKEN, type GoogleAdsFake, startGoogleAdsFake } from '../fakes/google-ads';
import { HOUR, adClick, ago, clickTrackerItem, forwardOf, funnelItem, runDestination, runError, useTrackingStore } from './destination-helpers';
import { runCredentialTestRequest } from './harness';

const GoogleAdsConversions = platformNodeClass('google_ads');

const GOOGLE = {
	type: 'n8n-nodes-postback.googleAdsConversions',
	name: 'Google Ads Conversions',
	nodeType: new GoogleAdsConversions(),
	credentialType: 'googleAdsConversionsOAuth2Api',
};
const HEX64 = /^[a-f0-9]{64}$/;
const CUSTOMER = '1234567890';
const ACTION = '987654321';

const db = useTrackingStore();
let fake: GoogleAdsFake;

/** The credential as n8n stores it once the OAuth2 flow is done: client, token endpoint, token data, developer token. */
function credential(accessToken = FAKE_GOOGLE_ACCESS_TOKEN, extra: ICredentialDataDecryptedObject = {}): ICredentialDataDecryptedObject {
	return {
		clientId: 'fake-client-id.apps.googleusercontent.com',
		clientSecret: 'fake-client-secret',
		accessTokenUrl: fake.tokenUrl,
		developerToken: FAKE_GOOGLE_DEVELOPER_TOKEN,
		baseUrl: fake.url,
		oauthTokenData: {
			access_token: accessToken,
			refresh_token: FAKE_GOOGLE_REFRESH_TOKEN,
			token_type: 'Bearer',
			expires_in: 3599,
			scope: 'https://www.googleapis.com/auth/adwords',
		},
		...extra,
	};
}
const parameters = (extra: Record<string, unknown> = {}) => ({ customerId: '123-456-7890', conversionAction: ACTION, ...extra });

beforeAll(async () => {
	fake = await startGoogleAdsFake();
});
afterAll(async () => {
	await fake.close();
});

/** A funnel conversion whose click (with a gclid unless `click` says otherwise) happened `clickAgeMs` ago; the fake knows the click. */
async function conversion(id: string, clickAgeMs: number, query: Record<string, string> = {}, click: Record<string, string | undefined> = {}) {
	const clickedAt = ago(clickAgeMs);
	const recordedClick = adClick(`g_${id}`, clickedAt, click);
	if (recordedClick.gclid) fake.registerClick(recordedClick.gclid, clickedAt);
	return await funnelItem(
		db.store(),
		{ click_id: `g_${id}`, transaction_id: `G-${id}`, commission: '39.50', amount: '79', occurred_at: ago(HOUR / 2), ...query },
		recordedClick,
	);
}

describe('Google Ads Conversions node, funnel items through WorkflowExecute to the strict fake', () => {
	let items: INodeExecutionData[];
	let recentClickAt: string;
	beforeAll(async () => {
		const purchase = await conversion('1', 8 * HOUR, { email: ' Jane.Doe@Gmail.com ', phone: '+1 415 555 0100' });
		const recent = await conversion('2', HOUR, { event_name: 'Lead', commission: '0' });
		recentClickAt = String((recent.item.json.click as { clickedAt: string }).clickedAt);
		const noGclid = await conversion('3', 8 * HOUR, {}, { gclid: undefined });
		const reversal = await funnelItem(db.store(), { click_id: 'g_1', transaction_id: 'G-1', commission: '-39.50', amount: '-79', occurred_at: ago(HOUR / 4) });
		expect([purchase.output, recent.output, noGclid.output, reversal.output]).toEqual(['purchase', 'lead', 'purchase', 'reversal']);
		items = [purchase.item, recent.item, noGclid.item, reversal.item];
	});

	it('uploads with the OAuth2 bearer token; a click under 6 hours old is retry_later with retryAt; pairedItem on every item', async () => {
		const result = await runDestination(GOOGLE, items, parameters(), credential());
		expect(runError(result.run)).toBeUndefined();
		expect(result.sent.map((item) => item.pairedItem)).toEqual([{ item: 0 }]);
		expect(result.failed.map((item) => item.pairedItem)).toEqual([{ item: 1 }, { item: 2 }, { item: 3 }]);
		expect(result.collected.sent!.map((item) => item.json)).toEqual(result.sent.map((item) => item.json));
		expect(result.collected.failed!.map((item) => item.json)).toEqual(result.failed.map((item) => item.json));

		expect(forwardOf(result.sent[0])).toEqual({ platform: 'google_ads', outcome: 'sent', eventId: items[0].json.conversionId });
		const retryAt = new Date(Date.parse(recentClickAt) + 6 * HOUR).toISOString();
		expect(forwardOf(result.failed[0])).toEqual({
			platform: 'google_ads',
			outcome: 'retry_later',
			code: 'TOO_RECENT_EVENT',
			retryAt,
			reason: expect.stringContaining(retryAt),
		});
		expect(forwardOf(result.failed[1])).toMatchObject({ platform: 'google_ads', outcome: 'failed', code: 'no_click_id' });
		expect(forwardOf(result.failed[2])).toMatchObject({ platform: 'google_ads', outcome: 'failed', code: 'not_a_conversion' });

		// One upload, authenticated by n8n-core's OAuth2 helper from the credential's token data.
		const [upload] = fake.uploads();
		expect(fake.uploads()).toHaveLength(1);
		expect(upload.path).toBe(`/v26/customers/${CUSTOMER}:uploadClickConversions`);
		expect(upload.headers.authorization).toBe(`Bearer ${FAKE_GOOGLE_ACCESS_TOKEN}`);
		expect(upload.headers['developer-token']).toBe(FAKE_GOOGLE_DEVELOPER_TOKEN);
		expect(upload.query).toEqual({});
		expect(upload.body).toMatchObject({ partialFailure: true });

		const [accepted] = fake.accepted;
		expect(fake.accepted).toHaveLength(1);
		expect(accepted).toMatchObject({
			customerId: CUSTOMER,
			conversionAction: `customers/${CUSTOMER}/conversionActions/${ACTION}`,
			clickId: 'Cj0KCQg_1',
			clickIdType: 'gclid',
			conversionValue: 39.5,
			currencyCode: 'USD',
			orderId: items[0].json.conversionId,
		});
		expect(accepted.conversionDateTime).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\+00:00$/);
		expect(accepted.userIdentifiers).toEqual([{ hashedEmail: expect.stringMatching(HEX64) }, { hashedPhoneNumber: expect.stringMatching(HEX64) }]);
	});

	it('the same conversion again: Google already has it, reported as sent (nothing recorded twice)', async () => {
		const result = await runDestination(GOOGLE, [items[0]], parameters(), credential());
		expect(forwardOf(result.sent[0])).toMatchObject({ outcome: 'sent', code: expect.stringMatching(/ALREADY/) });
		expect(fake.accepted).toHaveLength(1);
	});

	it('an expired access token: n8n-core refreshes it at the token endpoint and sends again', async () => {
		const { item } = await conversion('4', 7 * HOUR);
		const result = await runDestination(GOOGLE, [item], parameters(), credential('expired-access-token'));
		expect(runError(result.run)).toBeUndefined();
		expect(forwardOf(result.sent[0])).toMatchObject({ outcome: 'sent' });
		expect(fake.issuedTokens).toHaveLength(1);
		expect(result.credentials.tokenUpdates).toEqual([
			{ type: 'googleAdsConversionsOAuth2Api', oauthTokenData: expect.objectContaining({ access_token: fake.issuedTokens[0] }) },
		]);
		expect(fake.uploads().at(-1)!.headers.authorization).toBe(`Bearer ${fake.issuedTokens[0]}`);
	});

	it('validate only: Google checks the rows and records nothing; the items are Sent with code validated', async () => {
		const { item } = await conversion('5', 7 * HOUR);
		const before = fake.accepted.length;
		const result = await runDestination(GOOGLE, [item], parameters({ validateOnly: true }), credential());
		expect(forwardOf(result.sent[0])).toMatchObject({ outcome: 'sent', code: 'validated' });
		expect(fake.accepted.length).toBe(before);
	});

	it('a 503 is retried with backoff and the row is accepted on the next attempt', async () => {
		const { item } = await conversion('6', 7 * HOUR);
		fake.failNext(1, 503);
		const result = await runDestination(GOOGLE, [item], parameters(), credential());
		expect(forwardOf(result.sent[0])).toMatchObject({ outcome: 'sent' });
		expect(fake.accepted.at(-1)!.orderId).toBe(item.json.conversionId);
	});

	it('a Click Tracker click is not a conversion for Google Ads: Failed', async () => {
		const click = await clickTrackerItem(db.path(), { gclid: 'Cj0clicktest' });
		const result = await runDestination(GOOGLE, [click], parameters(), credential());
		expect(result.sent).toEqual([]);
		expect(result.failed[0].pairedItem).toEqual({ item: 0 });
		expect(forwardOf(result.failed[0])).toMatchObject({ outcome: 'failed', code: 'not_a_conversion' });
	});

	it('a configuration error fails the node; with continue on fail it becomes a Failed item whose forward says why', async () => {
		const { item } = await conversion('7', 7 * HOUR);
		const stopped = await runDestination(GOOGLE, [item], parameters({ customerId: 'abc' }), credential());
		expect(runError(stopped.run)).toMatchObject({ name: 'NodeOperationError', message: expect.stringContaining('customer ID'), context: { itemIndex: 0 } });

		const continued = await runDestination(GOOGLE, [item], parameters({ customerId: 'abc' }), credential(), { onError: 'continueRegularOutput' });
		expect(runError(continued.run)).toBeUndefined();
		expect(continued.sent).toEqual([]);
		expect(continued.failed).toEqual([
			{
				json: { ...item.json, forward: { platform: 'google_ads', outcome: 'failed', code: 'configuration', reason: expect.stringContaining('customer ID') } },
				pairedItem: { item: 0 },
			},
		]);
	});
});

describe('Google Ads Conversions credential: its Test request against the fake', () => {
	it('GET /{version}/customers:listAccessibleCustomers with the bearer token and developer token: 200', async () => {
		const result = await runCredentialTestRequest('googleAdsConversionsOAuth2Api', credential());
		expect(result).toMatchObject({ status: 'OK', statusCode: 200, body: { resourceNames: [`customers/${CUSTOMER}`] } });
		expect(new URL(result.url).pathname).toBe('/v26/customers:listAccessibleCustomers');
		expect(result.headers).toEqual({ Authorization: `Bearer ${FAKE_GOOGLE_ACCESS_TOKEN}`, 'developer-token': FAKE_GOOGLE_DEVELOPER_TOKEN });
	});

	it('an unknown developer token fails the test (403)', async () => {
		const result = await runCredentialTestRequest('googleAdsConversionsOAuth2Api', credential(FAKE_GOOGLE_ACCESS_TOKEN, { developerToken: 'not-approved' }));
		expect(result).toMatchObject({ status: 'Error', statusCode: 403 });
	});
});
