import { runFunnel } from '../../../src/funnel';
import type { FunnelOptions } from '../../../src/funnel';
import type { Conversion } from '../../../src/model';
import type { CommissionRule } from '../../../src/payouts';
import { get, now, postback, useSqliteStore } from './helpers';

/**
 * Merchant-side sale tracking (seed 003, Post Affiliate Pro): the shop reports the sale and who referred it,
 * and the affiliate system computes the commission. The Conversion Funnel does that with the operator's
 * commission rules when a postback carries no commission, and writes the computed commission to the ledger.
 */
const db = useSqliteStore();
// The shop names the affiliate itself: credited because the trigger authenticated the request and the operator
// trusts Post Affiliate Pro's affiliate ids.
const run = (conversion: Conversion, options: FunnelOptions = {}) => runFunnel(conversion, db.store(), { now, trustPostbackAffiliate: ['pap'], ...options });

/** A Post Affiliate Pro sale request from the shop, as an authenticating trigger passes it on: the sale amount, no commission. */
function shopSale(fields: Record<string, string>): Conversion {
	return {
		...postback('pap', get({ visitorId: 'v-1', TotalCost: '120.50', OrderID: 'ORD-1', Currency: 'USD', PStatus: 'A', AffiliateID: 'aff-7', ...fields })),
		authentication: 'token',
	};
}

const RULES: CommissionRule[] = [
	{ percent: '10' },
	{ offerId: 'PROD-9', percent: '7.5' },
	{ affiliateId: 'aff-7', offerId: 'PROD-9', percent: '12.5' },
	{ actionCode: 'signup', fixed: '2.00', currency: 'USD' },
];

describe('commission rules in the Conversion Funnel', () => {
	it('credits a percentage of a sale that carried no commission, with the most specific rule', async () => {
		const sale = shopSale({ ProductID: 'PROD-9' });
		expect(sale.commission).toBeNull();
		const affiliate = sale.affiliateId!;
		expect(affiliate).toBe('aff-7');
		const result = await run(sale, { commissionRules: [...RULES, { affiliateId: affiliate, offerId: 'PROD-9', percent: '13' }] });
		// Two rules name this affiliate and offer: the first in the list wins (12.5 %). 12.5 % of 120.50 =
		// 15.0625 → 15.06 (half away from zero, to the cent).
		expect(result.item.commission).toBe('15.06');
		expect(result.item.ledger).toMatchObject({ entries: [{ amount: '15.06', currency: 'USD', kind: 'commission', status: 'approved' }], ruleIndex: 2 });
		expect((await db.store().listLedger({ affiliateId: affiliate })).map((line) => line.amount)).toEqual(['15.06']);
	});

	it("a fixed amount per action code; the postback's own commission always wins over the rules", async () => {
		const signup = shopSale({ OrderID: 'ORD-2', ActionCode: 'signup' });
		expect((await run(signup, { commissionRules: RULES })).item.ledger.entries.map((line) => line.amount)).toEqual(['2']);

		const withCommission = shopSale({ OrderID: 'ORD-3', Commission: '3.33' });
		const result = await run(withCommission, { commissionRules: RULES });
		expect(result.item.commission).toBe('3.33');
		expect(result.item.ledger.ruleIndex).toBeUndefined();
	});

	it('no matching rule: nothing credited, and the item says why', async () => {
		const sale = shopSale({ OrderID: 'ORD-4', Currency: 'EUR', ActionCode: 'signup' });
		const result = await run(sale, { commissionRules: [{ actionCode: 'signup', fixed: '2.00', currency: 'USD' }] });
		expect(result.item.ledger).toEqual({ entries: [], reason: 'The postback carried no commission and no commission rule matched it.' });
	});

	it('a reversal of a rule-credited sale takes the computed commission back', async () => {
		const sale = shopSale({ OrderID: 'ORD-5' });
		await run(sale, { commissionRules: RULES });
		const refund = shopSale({ OrderID: 'ORD-5', PStatus: 'D' });
		await run(refund, { commissionRules: RULES });
		const lines = await db.store().listLedger({ affiliateId: sale.affiliateId! });
		expect(lines.map((line) => [line.kind, line.amount])).toEqual([
			['commission', '12.05'],
			['reversal', '-12.05'],
		]);
	});
});
