/**
 * The Microsoft Ads Conversions API node inside n8n's real WorkflowExecute, against the strict fake.
 * Needs the harness (test/nodes/harness.ts) to know the credential type microsoftAdsConversionsApi.
 */
import type { INodeExecutionData } from 'n8n-workflow';
import { platformNodeClass } from '../../nodes/shared/platform-classes';
import { MICROSOFT_FAKE_TAG, MICROSOFT_FAKE_TOKEN, type MicrosoftFake, startMicrosoftFake } from '../fakes/microsoft';
import { HOUR, adClick, ago, forwardOf, funnelItem, runDestination, runError, useTrackingStore } from './destination-helpers';
import { runCredentialTestRequest } from './harness';

const MicrosoftAdsConversions = platformNodeClass('microsoft');

const MICROSOFT = {
	type: 'n8n-nodes-postback.microsoftAdsConversions',
	name: 'Microsoft Ads Conversions API',
	nodeType: new MicrosoftAdsConversions(),
	credentialType: 'microsoftAdsConversionsApi',
};
const HEX64 = /^[a-f0-9]{64}$/;

const db = useTrackingStore();
let fake: MicrosoftFake;
let credential: { accessToken: string; tagId: string; baseUrl: string };

beforeAll(async () => {
	fake = await startMicrosoftFake();
	credential = {
		accessToken: MICROSOFT_FAKE_TOKEN,
		tagId: MICROSOFT_FAKE_TAG,
		baseUrl: `${fake.url}/`,
	};
});
afterAll(async () => {
	await fake.close();
});

const recorded = (eventId: string) => fake.events.find((entry) => entry.event.eventId === eventId);
const parameters = (extra: Record<string, unknown> = {}) => ({
	tagId: MICROSOFT_FAKE_TAG,
	...extra,
});

describe('Microsoft Ads Conversions API node, funnel items through WorkflowExecute to the strict fake', () => {
	let items: INodeExecutionData[];
	beforeAll(async () => {
		const store = db.store();
		const purchase = await funnelItem(
			store,
			{
				click_id: 'ms_c1',
				transaction_id: 'MS-T1',
				commission: '39.50',
				amount: '79',
				order_id: 'ORD-1',
				occurred_at: ago(HOUR),
				email: 'Jane.Doe@Example.com',
				phone: '(415) 555-0100',
			},
			adClick('ms_c1', ago(2 * HOUR), { msclkid: 'f00dcafe1234msclk' }),
		);
		const lead = await funnelItem(
			store,
			{
				click_id: 'ms_c2',
				transaction_id: 'MS-T2',
				event_name: 'Lead',
				commission: '0',
				occurred_at: ago(HOUR),
			},
			adClick('ms_c2', ago(3 * HOUR), { msclkid: 'leadmsclk42' }),
		);
		const reversal = await funnelItem(store, {
			click_id: 'ms_c1',
			transaction_id: 'MS-T1',
			commission: '-39.50',
			amount: '-79',
			occurred_at: ago(HOUR / 2),
		});
		expect([purchase.output, lead.output, reversal.output]).toEqual(['purchase', 'lead', 'reversal']);
		items = [purchase.item, lead.item, reversal.item];
	});

	it('sends conversions with hashed email/phone and the raw msclkid; the reversal is Failed as not_a_conversion', async () => {
		const result = await runDestination(MICROSOFT, items, parameters(), credential);
		expect(runError(result.run)).toBeUndefined();
		expect(result.sent.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
		expect(result.failed.map((item) => item.pairedItem)).toEqual([{ item: 2 }]);
		for (const item of result.sent)
			expect(forwardOf(item)).toEqual({
				platform: 'microsoft',
				outcome: 'sent',
				eventId: item.json.conversionId,
			});
		expect(forwardOf(result.failed[0])).toMatchObject({
			platform: 'microsoft',
			outcome: 'failed',
			code: 'not_a_conversion',
		});

		const requests = fake.eventRequests();
		expect(requests).toHaveLength(1);
		expect(requests[0].path).toBe(`/v1/${MICROSOFT_FAKE_TAG}/events`);
		expect(requests[0].headers.authorization).toBe(`Bearer ${MICROSOFT_FAKE_TOKEN}`);

		const event = recorded(String(items[0].json.conversionId))!.event as {
			eventType: string;
			eventName: string;
			eventTime: number;
			userData: Record<string, string>;
			customData: unknown;
		};
		expect(event.eventType).toBe('custom');
		expect(event.eventName).toBe('purchase');
		expect(String(event.eventTime)).toMatch(/^\d{10}$/);
		expect(event.userData.em).toMatch(HEX64);
		expect(event.userData.ph).toMatch(HEX64);
		expect(event.userData).toMatchObject({
			msclkid: 'f00dcafe1234msclk',
			clientIpAddress: '203.0.113.50',
			clientUserAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0)',
		});
		expect(event.customData).toEqual({
			value: 39.5,
			currency: 'USD',
			transactionId: 'ORD-1',
		});
		expect(recorded(String(items[1].json.conversionId))!.event).toMatchObject({
			eventName: 'generate_lead',
			userData: { msclkid: 'leadmsclk42' },
		});
	});

	it('the Click ID override sets the msclkid', async () => {
		const { item } = await funnelItem(db.store(), {
			click_id: 'ms_c3',
			transaction_id: 'MS-T3',
			commission: '5',
			occurred_at: ago(HOUR),
			email: 'x@y.example',
		});
		const result = await runDestination(MICROSOFT, [item], parameters({ overrides: { clickId: 'override-msclkid' } }), credential);
		expect(forwardOf(result.sent[0])).toMatchObject({ outcome: 'sent' });
		expect(
			(
				recorded(String(item.json.conversionId))!.event as {
					userData: Record<string, string>;
				}
			).userData.msclkid,
		).toBe('override-msclkid');
	});

	it('a bad setting fails the node with itemIndex; with continue on fail the item is Failed', async () => {
		const { item } = await funnelItem(
			db.store(),
			{
				click_id: 'ms_c4',
				transaction_id: 'MS-T4',
				commission: '5',
				occurred_at: ago(HOUR),
			},
			adClick('ms_c4', ago(2 * HOUR), { msclkid: 'm4' }),
		);
		const stopped = await runDestination(MICROSOFT, [item], parameters({ tagId: ' ' }), credential);
		expect(runError(stopped.run)).toMatchObject({
			name: 'NodeOperationError',
			message: 'UET Tag ID is empty',
			context: { itemIndex: 0 },
		});
		const continued = await runDestination(MICROSOFT, [item], parameters({ tagId: 'abc' }), credential, { onError: 'continueRegularOutput' });
		expect(runError(continued.run)).toBeUndefined();
		expect(continued.sent).toEqual([]);
		expect(forwardOf(continued.failed[0])).toEqual({
			platform: 'microsoft',
			outcome: 'failed',
			code: 'configuration',
			reason: 'UET Tag ID "abc" is not a number',
		});
	});

	it('a token Microsoft refuses: Failed with the credential hint', async () => {
		const { item } = await funnelItem(
			db.store(),
			{
				click_id: 'ms_c5',
				transaction_id: 'MS-T5',
				commission: '5',
				occurred_at: ago(HOUR),
			},
			adClick('ms_c5', ago(2 * HOUR), { msclkid: 'm5' }),
		);
		const result = await runDestination(MICROSOFT, [item], parameters(), {
			...credential,
			accessToken: 'revoked',
		});
		expect(forwardOf(result.failed[0])).toMatchObject({
			outcome: 'failed',
			code: 'microsoft_Unauthorized',
			reason: expect.stringContaining('Microsoft Ads Conversions API credential'),
		});
	});
});

describe('Microsoft Ads Conversions API credential: its Test request against the fake', () => {
	it('an empty batch to the tag with the Bearer token: 200', async () => {
		const result = await runCredentialTestRequest('microsoftAdsConversionsApi', credential);
		expect(result).toMatchObject({ status: 'OK', statusCode: 200 });
		expect(new URL(result.url).pathname).toBe(`/v1/${MICROSOFT_FAKE_TAG}/events`);
		expect(result.headers.Authorization).toBe(`Bearer ${MICROSOFT_FAKE_TOKEN}`);
		expect(fake.events.filter((entry) => entry.event.eventId === undefined)).toEqual([]);
	});

	it('a wrong token: 401, a failed test', async () => {
		const result = await runCredentialTestRequest('microsoftAdsConversionsApi', { ...credential, accessToken: 'wrong' });
		expect(result).toMatchObject({ status: 'Error', statusCode: 401 });
	});
});
