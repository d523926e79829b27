import { DESTINATION_EVENTS, classifyConversion, destinationEventsFor, isReversal, sequenceEvent, usesRepeatSequence } from '../../../src/funnel';
import { classifyConversion as fromLibrary } from '../../../src';
import type { Conversion } from '../../../src/model';
import { clickbank, custom, get, postback, seed002ExampleQuery, shareasaleSeedPayload, tuneSeedQuery, withFields } from './helpers';

const pick = (conversion: Conversion, options?: Parameters<typeof classifyConversion>[1]) => {
	const { eventName, route, source } = classifyConversion(conversion, options);
	return { eventName, route, source };
};

describe('classifyConversion: event_name wins', () => {
	it('is the library entry', () => {
		expect(fromLibrary).toBe(classifyConversion);
	});

	it("seed 002's filled-in custom example: event_name=CompleteRegistration beats a commission of 4.99", () => {
		const conversion = postback('custom', get(seed002ExampleQuery()));
		expect(conversion).toMatchObject({
			clickId: 'CAxaduSFl0fpiROSdRkptrJ5REfN2GeEnE',
			commission: '4.99',
			transactionId: '10492A',
			eventName: 'CompleteRegistration',
		});
		expect(pick(conversion)).toEqual({ eventName: 'CompleteRegistration', route: 'other', source: 'event_name' });
	});

	it('wins over the network type too (a ShareASale SALE named Lead is a Lead)', () => {
		const sale = postback('shareasale', get(shareasaleSeedPayload()));
		expect(pick(withFields(sale, { eventName: 'Lead' }))).toEqual({ eventName: 'Lead', route: 'lead', source: 'event_name' });
	});

	it('wins over a zero commission', () => {
		expect(pick(custom({ click_id: 'c1', commission: '0', event_name: 'Purchase' })).eventName).toBe('Purchase');
	});

	it('reads our three names in any case; other names are kept exactly as sent', () => {
		expect(pick(custom({ click_id: 'c1', event_name: 'purchase' }))).toMatchObject({ eventName: 'Purchase', route: 'purchase' });
		expect(pick(custom({ click_id: 'c1', event_name: 'LEAD' }))).toMatchObject({ eventName: 'Lead', route: 'lead' });
		expect(pick(custom({ click_id: 'c1', event_name: 'complete_registration' }))).toMatchObject({ eventName: 'CompleteRegistration' });
		expect(pick(custom({ click_id: 'c1', event_name: 'Subscribe', commission: '9' }))).toEqual({
			eventName: 'Subscribe',
			route: 'other',
			source: 'event_name',
		});
	});
});

describe('classifyConversion: commission 0 → Lead, > 0 → Purchase (seed 002)', () => {
	it.each([
		['0', 'Lead', 'lead'],
		['0.00', 'Lead', 'lead'],
		['4.99', 'Purchase', 'purchase'],
		['0.01', 'Purchase', 'purchase'],
	])('commission %s → %s', (commission, eventName, route) => {
		expect(pick(custom({ click_id: 'c1', commission }))).toEqual({ eventName, route, source: 'commission' });
	});

	it('without a commission the sale amount decides; with neither it is a Lead', () => {
		expect(pick(custom({ click_id: 'c1', amount: '79' }))).toEqual({ eventName: 'Purchase', route: 'purchase', source: 'amount' });
		expect(pick(custom({ click_id: 'c1', amount: '0' }))).toEqual({ eventName: 'Lead', route: 'lead', source: 'amount' });
		expect(pick(custom({ click_id: 'c1' }))).toEqual({ eventName: 'Lead', route: 'lead', source: 'default' });
	});

	it('the TUNE event log of seed 002 (goal 5, payout 4.485) is a Purchase by its payout', () => {
		const conversion = postback('tune', get(tuneSeedQuery()));
		expect(conversion.commission).toBe('4.485');
		expect(pick(conversion)).toEqual({ eventName: 'Purchase', route: 'purchase', source: 'commission' });
		expect(pick(withFields(conversion, { commission: '0' }))).toEqual({ eventName: 'Lead', route: 'lead', source: 'commission' });
	});
});

describe('classifyConversion: each network’s own type and status', () => {
	it('ShareASale transtype: the seed 000 SALE is a Purchase; LEAD is a Lead; an unknown type falls back to the commission', () => {
		const seed = shareasaleSeedPayload();
		expect(pick(postback('shareasale', get(seed)))).toEqual({ eventName: 'Purchase', route: 'purchase', source: 'network' });
		expect(pick(postback('shareasale', get({ ...seed, transtype: 'LEAD', commission: '0' })))).toEqual({
			eventName: 'Lead',
			route: 'lead',
			source: 'network',
		});
		// A lead that pays is still a Lead: the type wins over the commission.
		expect(pick(postback('shareasale', get({ ...seed, transtype: 'lead', commission: '2' }))).eventName).toBe('Lead');
		expect(pick(postback('shareasale', get({ ...seed, transtype: 'BONUS', commission: '5' })))).toMatchObject({
			eventName: 'Purchase',
			source: 'commission',
		});
	});

	const impact = (fields: Record<string, string>) =>
		postback(
			'impact',
			get({
				SubId1: 'clk_imp',
				ActionId: '1000.2000.3000',
				CampaignId: '9',
				MediaPartnerId: '77',
				Payout: '12.5',
				Amount: '125',
				Currency: 'USD',
				Status: 'APPROVED',
				EventDate: '2024-05-30T10:00:00-07:00',
				...fields,
			}),
		);

	it.each([
		['Online Sale', 'Purchase', 'purchase'],
		['Lead Form', 'Lead', 'lead'],
		['Sign-Up', 'CompleteRegistration', 'other'],
		['Subscription Renewal', 'Purchase', 'purchase'],
	])('Impact action tracker "%s" → %s', (tracker, eventName, route) => {
		expect(pick(impact({ ActionTrackerName: tracker }))).toEqual({ eventName, route, source: 'network' });
	});

	it('Impact Status: PENDING waits under "approved only", is forwarded under "approved and pending"; REVERSED is a reversal', () => {
		expect(pick(impact({ ActionTrackerName: 'Online Sale', Status: 'PENDING' })).route).toBe('pending');
		expect(pick(impact({ ActionTrackerName: 'Online Sale', Status: 'PENDING' }), { statusPolicy: 'approvedAndPending' }).route).toBe('purchase');
		expect(pick(impact({ ActionTrackerName: 'Online Sale', Status: 'REVERSED' }))).toEqual({ eventName: 'Purchase', route: 'reversal', source: 'network' });
		// A tracker name that says nothing falls back to the payout.
		expect(pick(impact({ ActionTrackerName: 'Tracker 17', Payout: '0' }))).toMatchObject({ eventName: 'Lead', source: 'commission' });
	});

	const keitaro = (fields: Record<string, string>) => postback('keitaro', get({ subid: 'clk_k', tid: 'k-1', payout: '10', ...fields }));

	it('Keitaro status: lead → Lead (pending), sale and rebill → Purchase, rejected → rejected', () => {
		expect(pick(keitaro({ status: 'lead', payout: '0' }))).toEqual({ eventName: 'Lead', route: 'pending', source: 'network' });
		expect(pick(keitaro({ status: 'lead', payout: '0' }), { statusPolicy: 'approvedAndPending' }).route).toBe('lead');
		expect(pick(keitaro({ status: 'sale' }))).toEqual({ eventName: 'Purchase', route: 'purchase', source: 'network' });
		expect(pick(keitaro({ status: 'rebill' }))).toEqual({ eventName: 'Purchase', route: 'purchase', source: 'network' });
		expect(pick(keitaro({ status: 'rejected' })).route).toBe('rejected');
		expect(pick(keitaro({ status: 'trash' })).route).toBe('rejected');
	});

	const pap = (fields: Record<string, string>) =>
		postback('pap', get({ visitorId: 'vis_pap_1', TotalCost: '100', OrderID: 'ORD-1', Commission: '10', Currency: 'EUR', ...fields }));

	it('Post Affiliate Pro: a sale request is a Purchase; an action code names the action; PStatus and negative totals set the route', () => {
		expect(pick(pap({ PStatus: 'A' }))).toEqual({ eventName: 'Purchase', route: 'purchase', source: 'network' });
		expect(pick(pap({ ActionCode: 'signup', TotalCost: '0', Commission: '2' }))).toEqual({
			eventName: 'CompleteRegistration',
			route: 'other',
			source: 'network',
		});
		expect(pick(pap({ ActionCode: 'download', Commission: '1' }))).toEqual({ eventName: 'download', route: 'other', source: 'network' });
		expect(pick(pap({ PStatus: 'P' })).route).toBe('pending');
		expect(pick(pap({ PStatus: 'D' })).route).toBe('rejected');
		const refund = pap({ TotalCost: '-100', Commission: '-10' });
		expect(pick(refund)).toEqual({ eventName: 'Purchase', route: 'reversal', source: 'network' });
		expect(isReversal(refund)).toBe(true);
	});

	it('ClickBank transactionType: SALE and BILL are purchases; RFND, CGBK and INSF reverse them; cancellations and tests earn nothing', () => {
		for (const type of ['SALE', 'BILL'])
			expect(pick(clickbank({ transactionType: type }))).toEqual({ eventName: 'Purchase', route: 'purchase', source: 'network' });
		for (const type of ['RFND', 'CGBK', 'INSF']) {
			const conversion = clickbank({ transactionType: type });
			expect(conversion.commission).toBe('-35.44');
			expect(classifyConversion(conversion)).toMatchObject({ eventName: 'Purchase', route: 'reversal', reversal: true, earns: true });
		}
		expect(classifyConversion(clickbank({ transactionType: 'CANCEL-REBILL' }))).toMatchObject({
			eventName: 'SubscriptionCancelled',
			route: 'other',
			earns: false,
		});
		expect(classifyConversion(clickbank({ transactionType: 'TEST_SALE' }))).toMatchObject({ eventName: 'Test', route: 'other', earns: false });
	});

	it('Voluum conversion type (et): one of ours by its word, otherwise its own event', () => {
		const voluum = (fields: Record<string, string>) => postback('voluum', get({ cid: 'clk_v', txid: 'v-1', payout: '3', ...fields }));
		expect(pick(voluum({ et: 'signup' }))).toEqual({ eventName: 'CompleteRegistration', route: 'other', source: 'network' });
		expect(pick(voluum({ et: 'sale' }))).toEqual({ eventName: 'Purchase', route: 'purchase', source: 'network' });
		expect(pick(voluum({ et: 'upsell' }))).toEqual({ eventName: 'upsell', route: 'other', source: 'network' });
		expect(pick(voluum({}))).toEqual({ eventName: 'Purchase', route: 'purchase', source: 'commission' });
	});

	it('Awin, Everflow and Aspire send no event type: the commission (or amount) decides', () => {
		const awin = postback('awin', get({ clickref: 'clk_a', transactionid: 'a-1', commission: '3.2', transactionamount: '40', transactioncurrency: 'GBP' }));
		expect(pick(awin)).toEqual({ eventName: 'Purchase', route: 'purchase', source: 'commission' });
		const everflow = postback('everflow', get({ sub1: 'clk_e', transaction_id: 'e-1', payout: '0', event_id: '12' }));
		expect(pick(everflow)).toEqual({ eventName: 'Lead', route: 'lead', source: 'commission' });
		const aspire = postback('aspire', get({ transaction_id: 'asp-1', amount: '50', offer_id: '3' }));
		expect(pick(aspire)).toEqual({ eventName: 'Purchase', route: 'purchase', source: 'amount' });
	});
});

describe('status policy and reversals', () => {
	it('rejected is never forwarded, whatever the policy', () => {
		const rejected = custom({ click_id: 'c1', commission: '5', status: 'rejected' });
		expect(pick(rejected).route).toBe('rejected');
		expect(pick(rejected, { statusPolicy: 'approvedAndPending' }).route).toBe('rejected');
	});

	it('a negative amount or commission is a reversal even when the status says approved', () => {
		expect(classifyConversion(custom({ click_id: 'c1', commission: '-5' }))).toMatchObject({ route: 'reversal', reversal: true, eventName: 'Purchase' });
		expect(classifyConversion(custom({ click_id: 'c1', amount: '-20' }))).toMatchObject({ route: 'reversal', reversal: true });
		expect(classifyConversion(custom({ click_id: 'c1', commission: '5', status: 'reversed' }))).toMatchObject({ route: 'reversal' });
	});
});

describe('TUNE repeat sequence', () => {
	it('first → Lead, a paid second → CompleteRegistration, a paid third and later → Purchase; unpaid is always a Lead', () => {
		expect([1, 2, 3, 4].map((n) => sequenceEvent(n, true))).toEqual(['Lead', 'CompleteRegistration', 'Purchase', 'Purchase']);
		expect([1, 2, 3].map((n) => sequenceEvent(n, false))).toEqual(['Lead', 'Lead', 'Lead']);
	});

	it('decides only when neither event_name nor the network type did, and needs a click id', () => {
		const tune = postback('tune', get(tuneSeedQuery()));
		expect(usesRepeatSequence(tune)).toBe(true);
		expect(pick(tune, { sequence: 1 })).toEqual({ eventName: 'Lead', route: 'lead', source: 'sequence' });
		expect(pick(tune, { sequence: 2 })).toEqual({ eventName: 'CompleteRegistration', route: 'other', source: 'sequence' });
		expect(pick(tune, { sequence: 3 })).toEqual({ eventName: 'Purchase', route: 'purchase', source: 'sequence' });
		const named = withFields(tune, { eventName: 'Purchase' });
		expect(usesRepeatSequence(named)).toBe(false);
		expect(pick(named, { sequence: 1 }).eventName).toBe('Purchase');
		expect(usesRepeatSequence(postback('shareasale', get(shareasaleSeedPayload())))).toBe(false);
	});
});

describe('event names per destination (reference/destinations.md)', () => {
	it('maps our Purchase, Lead and CompleteRegistration to each platform’s standard event', () => {
		expect(destinationEventsFor('Purchase')).toEqual({
			meta: 'Purchase',
			tiktok: 'CompletePayment',
			ga4: 'purchase',
			snapchat: 'PURCHASE',
			pinterest: 'checkout',
			reddit: 'PURCHASE',
			microsoft: 'purchase',
		});
		expect(destinationEventsFor('Lead')).toEqual({
			meta: 'Lead',
			tiktok: 'Lead',
			ga4: 'generate_lead',
			snapchat: 'SIGN_UP',
			pinterest: 'lead',
			reddit: 'LEAD',
			microsoft: 'generate_lead',
		});
		expect(destinationEventsFor('CompleteRegistration')).toEqual({
			meta: 'CompleteRegistration',
			tiktok: 'CompleteRegistration',
			ga4: 'sign_up',
			snapchat: 'SIGN_UP',
			pinterest: 'signup',
			reddit: 'SIGN_UP',
			microsoft: 'sign_up',
		});
		expect(Object.keys(DESTINATION_EVENTS).sort()).toEqual(['CompleteRegistration', 'Lead', 'Purchase']);
	});

	it('applies overrides, and an empty override removes the platform', () => {
		expect(destinationEventsFor('Lead', { Lead: { tiktok: 'SubmitForm', reddit: '' } })).toEqual({
			meta: 'Lead',
			tiktok: 'SubmitForm',
			ga4: 'generate_lead',
			snapchat: 'SIGN_UP',
			pinterest: 'lead',
			microsoft: 'generate_lead',
		});
	});

	it('keeps a custom event for Meta only, unless overridden', () => {
		expect(destinationEventsFor('Subscribe')).toEqual({ meta: 'Subscribe' });
		expect(destinationEventsFor('Subscribe', { Subscribe: { ga4: 'subscribe' } })).toEqual({ meta: 'Subscribe', ga4: 'subscribe' });
	});
});
