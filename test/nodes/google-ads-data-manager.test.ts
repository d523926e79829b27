import type { ICredentialDataDecryptedObject, INodeExecutionData } from 'n8n-workflow';
import { platformNodeClass } from '../../nodes/shared/platform-classes';
import {
	type DataManagerFake,
	FAKE_ADWORDS_ONLY_TOKEN,
	FAKE_DATA_MANAGER_ACCESS_TOKEN,
	FAKE_DATA_MANAGER_REFRESH_TOKEN,
	startDataManagerFake,
} from '../fakes/google-data-manager';
import { FAKE_GOOGLE_ACCESS_TOKEN, FAKE_GOOGLE_DEVELOPER_TOKEN, FAKE_GOOGLE_REFRESH_TOKEN, type GoogleAdsFake, startGoogleAdsFake } from '../fakes/google-ads';
import { HOUR, adClick, ago, forwardOf, funnelItem, runDestination, runError, useTrackingStore } from './destination-helpers';
import { runCredentialTestRequest } from './harness';
import { readRequestDiagnostics } from '../../src/destinations/google_ads';

/**
 * The Google Ads Conversions node as a new node gets it (type version 2): Data Manager API by default, through
 * n8n-core's OAuth2 helper to the strict fake; the Google Ads API still chosen by the API setting; and a saved
 * version 1 node choosing the Data Manager API explicitly.
 */
const GoogleAdsConversions = platformNodeClass('google_ads');
const TYPE = 'n8n-nodes-postback.googleAdsConversions';
const NAME = 'Google Ads Conversions';
const DATA_MANAGER = { type: TYPE, name: NAME, nodeType: new GoogleAdsConversions(), credentialType: 'googleDataManagerOAuth2Api' };
const LEGACY = { ...DATA_MANAGER, credentialType: 'googleAdsConversionsOAuth2Api' };
const HEX64 = /^[a-f0-9]{64}$/;
const CUSTOMER = '1234567890';
const ACTION = '987654321';

const db = useTrackingStore();
let fake: DataManagerFake;
let legacy: GoogleAdsFake;

function credential(accessToken = FAKE_DATA_MANAGER_ACCESS_TOKEN, extra: ICredentialDataDecryptedObject = {}): ICredentialDataDecryptedObject {
	return {
		clientId: 'fake-client-id.apps.googleusercontent.com',
		clientSecret: 'fake-client-secret',
		accessTokenUrl: fake.tokenUrl,
		baseUrl: fake.url,
		testAccountId: '123-456-7890',
		oauthTokenData: {
			access_token: accessToken,
			refresh_token: FAKE_DATA_MANAGER_REFRESH_TOKEN,
			token_type: 'Bearer',
			expires_in: 3599,
			scope: 'https://www.googleapis.com/auth/datamanager',
		},
		...extra,
	};
}
const parameters = (extra: Record<string, unknown> = {}) => ({ customerId: '123-456-7890', conversionAction: ACTION, ...extra });
const version = (typeVersion: number) => ({ typeVersion });

beforeAll(async () => {
	fake = await startDataManagerFake();
	legacy = await startGoogleAdsFake();
});
afterAll(async () => {
	await fake.close();
	await legacy.close();
});

/** A funnel conversion whose click (with a gclid unless `click` says otherwise) happened 8 hours ago. */
async function conversion(id: string, query: Record<string, string> = {}, click: Record<string, string | undefined> = {}) {
	const clickedAt = ago(8 * HOUR);
	const recordedClick = adClick(`dm_${id}`, clickedAt, { gclid: `Cj0KCQg_dm_${id}`, ...click });
	if (recordedClick.gclid) legacy.registerClick(recordedClick.gclid, clickedAt);
	const { item } = await funnelItem(
		db.store(),
		{ click_id: `dm_${id}`, transaction_id: `DM-${id}`, commission: '39.50', amount: '79', occurred_at: ago(HOUR / 2), ...query },
		recordedClick,
	);
	return item;
}

describe('Google Ads Conversions, type version 2: the Data Manager API by default', () => {
	let items: INodeExecutionData[];
	beforeAll(async () => {
		const purchase = await conversion('1', { email: ' Jane.Doe@Gmail.com ', phone: '+1 415 555 0100' });
		const denied = await conversion('2', { email: 'denied@example.com' });
		denied.json.consent = { adUserData: 'denied', adPersonalization: 'denied', source: 'cookie' };
		const lead = await conversion('3', { event_name: 'Lead', email: 'lead@example.com', commission: '0' }, { gclid: undefined });
		items = [purchase, denied, lead];
	});

	it('sends through events:ingest with the OAuth2 bearer and no developer token; consent from the item, else the node default', async () => {
		const result = await runDestination(DATA_MANAGER, items, parameters({ options: { adUserDataConsent: 'GRANTED' } }), credential(), version(2));
		expect(runError(result.run)).toBeUndefined();
		expect(result.failed).toEqual([]);
		expect(result.sent.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		expect(forwardOf(result.sent[0])).toMatchObject({
			platform: 'google_ads',
			outcome: 'sent',
			code: 'accepted',
			reason: expect.stringContaining('request ID'),
		});

		const [ingest] = fake.ingests();
		expect(fake.ingests()).toHaveLength(1);
		expect(ingest.path).toBe('/v1/events:ingest');
		expect(ingest.headers.authorization).toBe(`Bearer ${FAKE_DATA_MANAGER_ACCESS_TOKEN}`);
		expect(ingest.headers['developer-token']).toBeUndefined();

		const byTransaction = new Map(fake.recorded.map((conversion) => [conversion.transactionId, conversion]));
		const purchase = byTransaction.get(String(items[0].json.conversionId));
		expect(purchase).toMatchObject({
			operatingAccountId: CUSTOMER,
			conversionActionId: ACTION,
			adIdentifiers: { gclid: 'Cj0KCQg_dm_1' },
			conversionValue: 39.5,
			currency: 'USD',
			consent: { adUserData: 'CONSENT_GRANTED' },
		});
		expect(purchase?.userIdentifiers).toEqual([{ emailAddress: expect.stringMatching(HEX64) }, { phoneNumber: expect.stringMatching(HEX64) }]);
		// The visitor denied ad user data: the email stays home (and Google drops the event in processing).
		expect(ingest.body).toMatchObject({
			events: expect.arrayContaining([expect.objectContaining({ consent: { adUserData: 'CONSENT_DENIED', adPersonalization: 'CONSENT_DENIED' } })]),
		});
		const deniedEvent = (ingest.body as { events: Array<Record<string, unknown>> }).events.find((event) => event.transactionId === items[1].json.conversionId);
		expect(deniedEvent).not.toHaveProperty('userData');
		// An enhanced conversion for leads: no click id, the hashed email.
		const lead = byTransaction.get(String(items[2].json.conversionId));
		expect(lead).not.toHaveProperty('adIdentifiers');
		expect(lead?.userIdentifiers).toEqual([{ emailAddress: expect.stringMatching(HEX64) }]);
	});

	it('validate only: Google checks, nothing is recorded', async () => {
		const before = fake.recorded.length;
		const item = await conversion('4');
		const result = await runDestination(DATA_MANAGER, [item], parameters({ validateOnly: true }), credential(), version(2));
		expect(forwardOf(result.sent[0])).toMatchObject({ outcome: 'sent', code: 'validated' });
		expect(fake.recorded).toHaveLength(before);
	});

	it('an expired access token is refreshed by n8n-core through the credential’s token URL', async () => {
		const item = await conversion('5');
		const result = await runDestination(DATA_MANAGER, [item], parameters(), credential('expired-token'), version(2));
		expect(forwardOf(result.sent[0])).toMatchObject({ outcome: 'sent', code: 'accepted' });
		expect(result.credentials.tokenUpdates).toEqual([
			{ type: 'googleDataManagerOAuth2Api', oauthTokenData: expect.objectContaining({ access_token: expect.any(String) }) },
		]);
	});

	it('a Google Ads API token (no Data Manager scope): failed, with the hint to reconnect', async () => {
		const item = await conversion('6');
		const result = await runDestination(DATA_MANAGER, [item], parameters(), credential(FAKE_ADWORDS_ONLY_TOKEN), version(2));
		expect(forwardOf(result.failed[0])).toMatchObject({
			outcome: 'failed',
			code: 'ACCESS_TOKEN_SCOPE_INSUFFICIENT',
			reason: expect.stringContaining('datamanager'),
		});
	});

	it('a reversal is not retracted through the Data Manager API: the item says where to retract it', async () => {
		const item = await conversion('7');
		const reversal = await funnelItem(db.store(), {
			click_id: 'dm_7',
			transaction_id: 'DM-7',
			commission: '-39.50',
			amount: '-79',
			occurred_at: ago(HOUR / 4),
		});
		expect(reversal.output).toBe('reversal');
		const result = await runDestination(DATA_MANAGER, [item, reversal.item], parameters(), credential(), version(2));
		expect(forwardOf(result.failed[0])).toMatchObject({ outcome: 'failed', code: 'not_a_conversion', reason: expect.stringContaining('RETRACTION') });
	});

	it('the API setting still chooses the Google Ads API, with its own credential', async () => {
		const item = await conversion('8');
		const credentials: ICredentialDataDecryptedObject = {
			clientId: 'fake-client-id.apps.googleusercontent.com',
			clientSecret: 'fake-client-secret',
			accessTokenUrl: legacy.tokenUrl,
			developerToken: FAKE_GOOGLE_DEVELOPER_TOKEN,
			baseUrl: legacy.url,
			oauthTokenData: { access_token: FAKE_GOOGLE_ACCESS_TOKEN, refresh_token: FAKE_GOOGLE_REFRESH_TOKEN, token_type: 'Bearer', expires_in: 3599 },
		};
		const ingestsBefore = fake.ingests().length;
		const result = await runDestination(LEGACY, [item], parameters({ api: 'googleAds' }), credentials, version(2));
		expect(forwardOf(result.sent[0])).toMatchObject({ outcome: 'sent' });
		expect(legacy.accepted.map((accepted) => accepted.orderId)).toContain(item.json.conversionId);
		expect(fake.ingests()).toHaveLength(ingestsBefore);
	});
});

describe('a saved version 1 node', () => {
	it('sends through the Data Manager API when its API setting says so', async () => {
		const item = await conversion('9');
		const result = await runDestination(DATA_MANAGER, [item], parameters({ api: 'dataManager' }), credential(), version(1));
		expect(forwardOf(result.sent[0])).toMatchObject({ outcome: 'sent', code: 'accepted' });
		expect(fake.recorded.map((conversion) => conversion.transactionId)).toContain(item.json.conversionId);
	});
});

describe('the Google Data Manager credential’s Test', () => {
	it('lists one user list of the account: the token, the scope and the access are proven, nothing is changed', async () => {
		const result = await runCredentialTestRequest('googleDataManagerOAuth2Api', credential());
		expect(result).toMatchObject({ status: 'OK', statusCode: 200 });
		const url = new URL(result.url);
		expect([url.pathname, url.searchParams.get('pageSize')]).toEqual([`/v1/accountTypes/GOOGLE_ADS/accounts/${CUSTOMER}/userLists`, '1']);
		expect(result.headers).toEqual({ Authorization: `Bearer ${FAKE_DATA_MANAGER_ACCESS_TOKEN}` });
	});

	it('a token without the Data Manager scope fails the Test (403)', async () => {
		const result = await runCredentialTestRequest('googleDataManagerOAuth2Api', credential(FAKE_ADWORDS_ONLY_TOKEN));
		expect(result).toMatchObject({ status: 'Error', statusCode: 403 });
	});
});
