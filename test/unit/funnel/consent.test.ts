import { funnelItemSchema, runFunnel } from '../../../src/funnel';
import type { Conversion } from '../../../src/model';
import { custom, hoursBefore, now, useSqliteStore } from './helpers';

const db = useSqliteStore();
const AT = '2024-06-01T12:00:00.000Z';

const run = async (conversion: Conversion) => {
	const result = await runFunnel(conversion, db.store(), { now, statusPolicy: 'approved' });
	funnelItemSchema.parse(result.item);
	return result;
};
const postbackFor = (clickId: string, extra: Record<string, string> = {}) =>
	custom({ click_id: clickId, transaction_id: `T-${clickId}-${Object.values(extra).join('-')}`, commission: '10', occurred_at: AT, ...extra });

async function clickWith(clickId: string, consent?: Parameters<ReturnType<typeof db.store>['recordClick']>[0]['consent']) {
	await db.store().recordClick({ clickId, clickedAt: hoursBefore(AT, 1), fbclid: 'IwAR0abc', ...(consent ? { consent } : {}) });
}

describe('the funnel carries consent on its item', () => {
	it("takes the stored click's consent to the item", async () => {
		await clickWith('clk_denied', { adUserData: 'denied', adPersonalization: 'denied', source: 'cookie' });
		const { item } = await run(postbackFor('clk_denied'));
		expect(item.consent).toEqual({ adUserData: 'denied', adPersonalization: 'denied', source: 'cookie' });
	});

	it("lets a postback's denial win over the click's grant", async () => {
		await clickWith('clk_granted', { adUserData: 'granted', adPersonalization: 'granted', source: 'link' });
		const { item } = await run(postbackFor('clk_granted', { ad_user_data: 'denied' }));
		expect(item.consent).toEqual({ adUserData: 'denied', adPersonalization: 'granted', source: 'postback' });
	});

	it("never lets a postback's grant loosen the click's denial", async () => {
		await clickWith('clk_gpc', { adPersonalization: 'denied', gpc: true, source: 'gpc' });
		const { item } = await run(postbackFor('clk_gpc', { consent: 'granted' }));
		expect(item.consent).toEqual({ adUserData: 'granted', adPersonalization: 'denied', gpc: true, source: 'gpc' });
	});

	it('carries a postback consent without a click, and none when nothing was captured', async () => {
		const withConsent = await run(postbackFor('clk_unknown', { consent: 'no' }));
		expect(withConsent.item.consent).toEqual({ adUserData: 'denied', adPersonalization: 'denied', source: 'postback' });
		await clickWith('clk_silent');
		const silent = await run(postbackFor('clk_silent'));
		expect(silent.item).not.toHaveProperty('consent');
	});

	it("keeps the recorded conversion's consent on its status update, merged with the update's", async () => {
		await clickWith('clk_update', { adUserData: 'denied', source: 'link' });
		const pending = postbackFor('clk_update', { status: 'pending' });
		await run(pending);
		const { item } = await run({ ...pending, status: 'approved', consent: { adPersonalization: 'denied', source: 'postback' } });
		expect(item.statusChange).toEqual({ from: 'pending', to: 'approved' });
		expect(item.consent).toEqual({ adUserData: 'denied', adPersonalization: 'denied', source: 'postback' });
	});
});

describe('the Custom preset reads consent from the postback', () => {
	it.each([
		[{ consent: 'denied' }, { adUserData: 'denied', adPersonalization: 'denied', source: 'postback' }],
		[
			{ ad_user_data: 'granted', ad_personalization: 'denied' },
			{ adUserData: 'granted', adPersonalization: 'denied', source: 'postback' },
		],
		[
			{ consent: 'granted', ad_user_data: 'denied' },
			{ adUserData: 'denied', adPersonalization: 'granted', source: 'postback' },
		],
	])('%p', (fields, expected) => {
		expect(postbackFor('clk_x', fields).consent).toEqual(expected);
	});

	it('reads nothing from a value it does not know', () => {
		expect(postbackFor('clk_x', { consent: 'maybe' })).not.toHaveProperty('consent');
	});
});
