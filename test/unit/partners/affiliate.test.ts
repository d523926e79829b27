import { buildPartnerPostback } from '../../../src/partners';

/**
 * `{affiliate_id}` names the partner to notify: the affiliate the Conversion Funnel credited (the ledger's, from
 * the click's link), not the id the network sent, which on the operator's own network account is the operator
 * (Impact's MediaPartnerId, for instance).
 */
const item = {
	transactionId: 'T-1',
	clickId: 'clk-1',
	eventName: 'Purchase',
	status: 'approved',
	amount: '100',
	commission: '10',
	currency: 'USD',
	affiliateId: 'network-publisher-1',
};
const template = 'https://partner.test/pb?aff={affiliate_id}&tx={transaction_id}';

describe('{affiliate_id}', () => {
	it('is the affiliate whose commission the funnel wrote', () => {
		const built = buildPartnerPostback(
			'custom',
			{ ...item, ledger: { affiliateId: 'aff-credited' }, attribution: { affiliateId: 'aff-attributed' } },
			{ template },
		);
		expect(new URL(built.url).searchParams.get('aff')).toBe('aff-credited');
	});

	it('else the affiliate attribution found, else the id the network sent', () => {
		expect(new URL(buildPartnerPostback('custom', { ...item, attribution: { affiliateId: 'aff-attributed' } }, { template }).url).searchParams.get('aff')).toBe(
			'aff-attributed',
		);
		expect(new URL(buildPartnerPostback('custom', item, { template }).url).searchParams.get('aff')).toBe('network-publisher-1');
	});
});
