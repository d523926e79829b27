/**
 * The LinkedIn Conversions API node (derived from its platform definition) through n8n-core's WorkflowExecute:
 * a real Click Tracker click carrying li_fat_id, kept by the store and attributed by the funnel, reaches the strict
 * LinkedIn fake as the first-party tracking id; rules per event; reversals and bad settings fail with a reason.
 */
import type { INodeExecutionData } from 'n8n-workflow';
import { platformNodeClass } from '../../nodes/shared/platform-classes';
import { LINKEDIN_FAKE_RULE, LINKEDIN_FAKE_TOKEN, type LinkedInFake, startLinkedInFake } from '../fakes/linkedin';
import { HOUR, ago, clickTrackerItem, forwardOf, funnelItem, runDestination, runError, useTrackingStore } from './destination-helpers';
import { runCredentialTestRequest } from './harness';

const LinkedInConversions = platformNodeClass('linkedin');

const LINKEDIN = {
	type: 'n8n-nodes-postback.linkedInConversions',
	name: 'LinkedIn Conversions API',
	nodeType: new LinkedInConversions(),
	credentialType: 'linkedInConversionsApi',
};
const LEAD_RULE = '104013';
const HEX64 = /^[a-f0-9]{64}$/;

const db = useTrackingStore();
let fake: LinkedInFake;
let credential: { accessToken: string; baseUrl: string };

beforeAll(async () => {
	fake = await startLinkedInFake({ ruleIds: [LINKEDIN_FAKE_RULE, LEAD_RULE] });
	credential = { accessToken: LINKEDIN_FAKE_TOKEN, baseUrl: `${fake.url}/` };
});
afterAll(async () => {
	await fake.close();
});

type Sent = {
	conversion: string;
	eventId: string;
	conversionHappenedAt: number;
	conversionValue?: { currencyCode: string; amount: string };
	user: { userIds: Array<{ idType: string; idValue: string }> };
};
const recorded = (eventId: unknown) => fake.events.find((entry) => entry.event.eventId === eventId)?.event as Sent | undefined;

describe('LinkedIn Conversions API node, from a tracked click to the strict fake', () => {
	let items: INodeExecutionData[];
	beforeAll(async () => {
		// The Click Tracker reads li_fat_id from the landing URL, as the definition's click fields say; the store keeps it
		// in its JSON column (no column was added for LinkedIn) and the funnel hands it on with the conversion.
		const click = await clickTrackerItem(db.path(), { li_fat_id: 'a1b2c3d4-li-fat-id' });
		const clickId = String(click.json.clickId);
		expect(click.json.liFatId).toBe('a1b2c3d4-li-fat-id');
		const purchase = await funnelItem(db.store(), {
			click_id: clickId,
			transaction_id: 'LI-T1',
			commission: '39.50',
			amount: '79',
			occurred_at: ago(HOUR),
			email: ' Jane.Doe@Example.com ',
		});
		const lead = await funnelItem(db.store(), { click_id: clickId, transaction_id: 'LI-T2', event_name: 'Lead', commission: '0', occurred_at: ago(HOUR) });
		const reversal = await funnelItem(db.store(), { click_id: clickId, transaction_id: 'LI-T1', commission: '-39.50', occurred_at: ago(HOUR / 2) });
		expect([purchase.output, lead.output, reversal.output]).toEqual(['purchase', 'lead', 'reversal']);
		expect((purchase.item.json.click as { liFatId?: string }).liFatId).toBe('a1b2c3d4-li-fat-id');
		items = [purchase.item, lead.item, reversal.item];
	});

	it('sends each conversion to its rule with the hashed email and the li_fat_id; the reversal fails as not_a_conversion', async () => {
		const result = await runDestination(
			LINKEDIN,
			items,
			{ conversionRule: LINKEDIN_FAKE_RULE, eventRules: { rule: [{ event: 'Lead', conversionRule: `urn:lla:llaPartnerConversion:${LEAD_RULE}` }] } },
			credential,
		);
		expect(runError(result.run)).toBeUndefined();
		expect(result.sent.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
		expect(forwardOf(result.failed[0])).toMatchObject({ platform: 'linkedin', outcome: 'failed', code: 'not_a_conversion' });
		expect(result.failed[0].pairedItem).toEqual({ item: 2 });

		const requests = fake.conversionRequests();
		expect(requests).toHaveLength(1);
		expect(requests[0].headers.authorization).toBe(`Bearer ${LINKEDIN_FAKE_TOKEN}`);

		const purchase = recorded(forwardOf(result.sent[0]).eventId)!;
		expect(purchase.conversion).toBe(`urn:lla:llaPartnerConversion:${LINKEDIN_FAKE_RULE}`);
		expect(purchase.conversionValue).toEqual({ currencyCode: 'USD', amount: '39.5' });
		expect(purchase.user.userIds).toEqual(
			expect.arrayContaining([
				{ idType: 'SHA256_EMAIL', idValue: expect.stringMatching(HEX64) },
				{ idType: 'LINKEDIN_FIRST_PARTY_ADS_TRACKING_UUID', idValue: 'a1b2c3d4-li-fat-id' },
			]),
		);
		expect(JSON.stringify(requests[0].body)).not.toContain('Jane.Doe');
		expect(recorded(forwardOf(result.sent[1]).eventId)!.conversion).toBe(`urn:lla:llaPartnerConversion:${LEAD_RULE}`);
	});

	it('without any conversion rule nothing is sent and each item says why', async () => {
		const before = fake.conversionRequests().length;
		const result = await runDestination(LINKEDIN, items.slice(0, 1), {}, credential);
		expect(fake.conversionRequests()).toHaveLength(before);
		expect(forwardOf(result.failed[0])).toMatchObject({
			platform: 'linkedin',
			outcome: 'failed',
			code: 'missing_config',
			reason: expect.stringContaining('conversion rule'),
		});
	});

	it('an API Version that is not YYYYMM stops the node with the item index', async () => {
		const result = await runDestination(LINKEDIN, items.slice(0, 1), { conversionRule: LINKEDIN_FAKE_RULE, apiVersion: '2026-03' }, credential);
		expect(runError(result.run)).toMatchObject({ message: expect.stringContaining('API Version') });
	});
});

describe('LinkedIn Conversions API credential: its Test request against the fake', () => {
	it('GET /rest/adAccountUsers with the bearer token and version headers: 200', async () => {
		const result = await runCredentialTestRequest('linkedInConversionsApi', credential);
		expect(result).toMatchObject({ status: 'OK', statusCode: 200 });
		expect(new URL(result.url).pathname).toBe('/rest/adAccountUsers');
		expect(result.headers.Authorization).toBe(`Bearer ${LINKEDIN_FAKE_TOKEN}`);
	});

	it('a wrong token: 401, a failed test', async () => {
		const result = await runCredentialTestRequest('linkedInConversionsApi', { ...credential, accessToken: 'expired-token' });
		expect(result).toMatchObject({ status: 'Error', statusCode: 401 });
	});
});
