import fc from 'fast-check';
import { funnelItemSchema, runFunnel } from '../../../src/funnel';
import type { FunnelOptions, FunnelResult } from '../../../src/funnel';
import { type Conversion, conversionSchema, findConversionIssue } from '../../../src/model';
import { parsePostback } from '../../../src/networks';
import { openStore } from '../../../src/store';
import type { PostbackRequest } from '../../../src/networks';
import { calculatePayoutPlan } from '../../../src/payouts';
import { custom, get, now, postback, useSqliteStore, withFields } from './helpers';

/**
 * Issue 13, the ledger's side: no amount finer than its currency reaches the ledger, a postback without a
 * transaction id is credited once however often it is delivered, and an affiliate only the postback names
 * earns nothing unless the postback was authenticated and its network is trusted.
 */
const db = useSqliteStore();
const run = (conversion: Conversion, options: FunnelOptions = {}) => runFunnel(conversion, db.store(), { now, forwardUnattributed: true, ...options });
const checked = (result: FunnelResult) => {
	funnelItemSchema.parse(result.item);
	return result;
};

/** A Custom postback naming its affiliate (the Custom preset's affiliate_id is the partner to credit). */
const partnerSale = (query: Record<string, string> = {}) =>
	custom({ click_id: 'clk_p', transaction_id: 'T-p', affiliate_id: 'aff-9', commission: '10', ...query });

describe('amounts finer than the currency never reach the ledger', () => {
	it.each([
		['commission', '0.005', 'USD'],
		['commission', '0.5', 'JPY'],
		['commission', '0.0005', 'KWD'],
		['amount', '10.001', 'EUR'],
	] as const)('a %s of %s %s built by hand is refused on Rejected, with the field and a reason; nothing is recorded', async (field, value, currency) => {
		const conversion = withFields(partnerSale(), { currency, [field]: value, authentication: 'token' });
		const result = checked(await run(conversion, { trustPostbackAffiliate: ['custom'] }));
		expect(result.output).toBe('rejected');
		expect(result.item.refused).toMatchObject({ code: 'amount_precision', field });
		expect(result.item.refused!.reason).toMatch(/more decimals than the currency's minor unit/);
		expect(result.item.ledger).toMatchObject({ entries: [], code: 'amount_precision' });
		expect(await db.store().listLedger()).toEqual([]);
		expect(await db.store().findConversionsByTransaction('custom', 'T-p')).toEqual([]);
		// Nothing was claimed: the corrected postback is processed as new.
		const corrected = checked(await run(withFields(conversion, { [field]: '1' }), { trustPostbackAffiliate: ['custom'] }));
		expect(corrected.output).toBe('purchase');
	});

	it.each([
		['roundHalfEven', '0.125', '0.12'],
		['roundHalfEven', '0.135', '0.14'],
		['roundHalfUp', '0.125', '0.13'],
		['roundHalfUp', '0.1249', '0.12'],
		['truncate', '0.129', '0.12'],
	] as const)('with %s, %s USD is recorded as %s and the item says so', async (rule, received, recorded) => {
		const conversion = withFields(partnerSale(), { commission: received, authentication: 'token' });
		const result = checked(await run(conversion, { amountPrecision: rule, trustPostbackAffiliate: ['custom'] }));
		expect(result.output).toBe('purchase');
		expect(result.item.commission).toBe(recorded);
		expect(result.item.amountAdjustments).toEqual([{ field: 'commission', received, recorded, rule }]);
		expect((await db.store().listLedger()).map((line) => line.amount)).toEqual([recorded]);
	});

	it('whatever the funnel lets through, a payout plan can read (any amount, any currency, any rule)', async () => {
		const rules = ['reject', 'roundHalfEven', 'roundHalfUp', 'truncate'] as const;
		let n = 0;
		await fc.assert(
			fc.asyncProperty(
				fc.constantFrom('USD', 'JPY', 'KWD', 'BHD', 'EUR'),
				fc.bigInt({ min: 1n, max: 10n ** 9n }),
				fc.integer({ min: 0, max: 6 }),
				fc.constantFrom(...rules),
				async (currency, digits, scale, rule) => {
					const text = digits.toString().padStart(scale + 1, '0');
					const commission = scale === 0 ? text : `${text.slice(0, -scale)}.${text.slice(-scale)}`;
					const conversion = conversionSchema.parse({
						...partnerSale({ transaction_id: `T-prop-${++n}` }),
						commission: commission.replace(/\.?0+$/, '') || '0',
						currency,
						authentication: 'token',
					});
					await run(conversion, { amountPrecision: rule, trustPostbackAffiliate: ['custom'] });
				},
			),
			{ numRuns: 60 },
		);
		const lines = await db.store().listLedger();
		expect(lines.length).toBeGreaterThan(0);
		const plan = calculatePayoutPlan(lines, { payDay: 20 }, '2030-01-20T00:00:00Z');
		expect(plan.excluded.filter((entry) => entry.reason === 'invalid_line')).toEqual([]);
	});

	it('a stored conversion with a too-fine commission (an older version) writes no line when its status changes', async () => {
		const conversion = withFields(partnerSale({ status: 'pending' }), { authentication: 'token' });
		const first = await run(conversion, { trustPostbackAffiliate: ['custom'] });
		expect(first.item.ledger.entries).toHaveLength(1);
		// What an older version could leave: the same conversion, its commission finer than a cent.
		const stored = (await db.store().getConversion(first.item.conversionId!))!;
		expect(stored.commission).toBe('10');
		const store = db.store();
		const spy = jest.spyOn(store, 'getConversion').mockImplementation(async () => ({ ...stored, commission: '10.005' }));
		const approved = await run(withFields(conversion, { status: 'approved' }), { trustPostbackAffiliate: ['custom'] });
		spy.mockRestore();
		expect(approved.item.ledger).toMatchObject({ entries: [], code: 'amount_precision' });
		expect((await store.listLedger()).map((line) => line.amount)).toEqual(['10']);
	});
});

describe('a postback without a transaction id reaches the ledger once', () => {
	const query = { click_id: 'clk_r', affiliate_id: 'aff-r', commission: '12.5', amount: '125', currency: 'USD', order_id: 'O-1', event_name: 'Purchase' };

	it('any number of redeliveries, at any time, with headers and parameters in any order, credit once', async () => {
		let run_ = 0;
		await fc.assert(
			fc.asyncProperty(
				fc.array(
					fc.record({
						minutesLater: fc.integer({ min: 0, max: 60 * 24 * 3 }),
						shuffle: fc.array(fc.nat(), { minLength: 9, maxLength: 9 }),
						headerOrder: fc.boolean(),
						occurredAt: fc.boolean(),
					}),
					{ minLength: 1, maxLength: 6 },
				),
				fc.boolean(),
				async (deliveries, withTime) => {
					run_ += 1;
					const store = db.store();
					const affiliate = `aff-r${run_}`;
					for (const delivery of deliveries) {
						const entries = Object.entries({ ...query, affiliate_id: affiliate, ...(withTime ? { occurred_at: '2024-05-31T10:00:00Z' } : {}) });
						const ordered = entries
							.map((entry, index) => ({ entry, key: delivery.shuffle[index] ?? index }))
							.sort((a, b) => a.key - b.key)
							.map(({ entry }) => entry);
						const headers: Record<string, string> = delivery.headerOrder
							? { 'user-agent': 'net/1', 'x-retry': String(delivery.minutesLater) }
							: { 'x-retry': String(delivery.minutesLater), 'user-agent': 'net/1' };
						const request: PostbackRequest = { method: 'GET', query: Object.fromEntries(ordered), headers };
						const at = new Date(Date.parse('2024-06-01T12:00:00Z') + delivery.minutesLater * 60_000);
						const parsed = parsePostback('custom', request, { now: () => at });
						if (!parsed.ok) throw new Error(parsed.error.message);
						const result = checked(
							await runFunnel({ ...parsed.conversion, authentication: 'token' }, store, { now: () => at, trustPostbackAffiliate: ['custom'] }),
						);
						expect(result.item.dedup.basis).toBe('derived');
					}
					const lines = await store.listLedger({ affiliateId: affiliate });
					expect(lines.map((line) => [line.kind, line.amount])).toEqual([['commission', '12.5']]);
				},
			),
			{ numRuns: 40 },
		);
	});

	it('20 concurrent copies of a postback without an id through two store connections: one credit', async () => {
		const second = await openStore({ kind: 'sqlite', path: db.path() });
		try {
			const conversion = { ...custom(query), authentication: 'token' as const };
			const results = await Promise.all(
				Array.from({ length: 20 }, (_, i) =>
					runFunnel(conversion, i % 2 ? second : db.store(), { now, forwardUnattributed: true, trustPostbackAffiliate: ['custom'] }),
				),
			);
			expect(results.filter((result) => result.output === 'purchase')).toHaveLength(1);
			expect(results.filter((result) => result.output === 'duplicate')).toHaveLength(19);
			expect((await db.store().listLedger({ affiliateId: 'aff-r' })).map((line) => line.amount)).toEqual(['12.5']);
		} finally {
			await second.close();
		}
	});

	it('a later approval of a pending postback without an id is a status update, not a second sale', async () => {
		const pending = custom({ ...query, status: 'pending' });
		const approved = custom({ ...query, status: 'approved' });
		const options: FunnelOptions = { trustPostbackAffiliate: ['custom'] };
		expect((await run({ ...pending, authentication: 'token' }, options)).output).toBe('pending');
		const update = await run({ ...approved, authentication: 'token' }, options);
		expect(update.item.dedup).toMatchObject({ status: 'status-update', basis: 'derived' });
		const net = (await db.store().listLedger({ affiliateId: 'aff-r' })).map((line) => [line.kind, line.status, line.amount]);
		expect(net).toEqual([
			['commission', 'pending', '12.5'],
			['adjustment', 'pending', '-12.5'],
			['commission', 'approved', '12.5'],
		]);
	});

	it("with 'hold', such a conversion is recorded and deduplicated but credits nothing, and the item says why", async () => {
		const conversion = { ...custom(query), authentication: 'token' as const };
		const options: FunnelOptions = { trustPostbackAffiliate: ['custom'], withoutTransactionId: 'hold' };
		const first = checked(await run(conversion, options));
		expect(first.output).toBe('purchase');
		expect(first.item.ledger).toMatchObject({ entries: [], code: 'held_for_review' });
		expect((await run(conversion, options)).output).toBe('duplicate');
		expect(await db.store().listLedger()).toEqual([]);
	});
});

describe('an affiliate only the postback names earns nothing unless authenticated and trusted', () => {
	const cases: Array<[string, Conversion['authentication'], readonly string[] | undefined, boolean]> = [
		['absent (built outside the trigger), not trusted', undefined, undefined, false],
		['none, network trusted', 'none', ['custom'], false],
		['absent, network trusted', undefined, ['custom'], false],
		['token, network not trusted', 'token', undefined, false],
		['token, another network trusted', 'token', ['pap'], false],
		['hmac, network trusted', 'hmac', ['custom'], true],
		['ip_allowlist, network trusted', 'ip_allowlist', ['custom'], true],
	];
	it.each(cases)('authentication %s → credited: %s', async (_label, authentication, trusted, credited) => {
		const conversion = conversionSchema.parse({ ...partnerSale(), ...(authentication ? { authentication } : {}) });
		const result = checked(await run(conversion, trusted ? { trustPostbackAffiliate: trusted } : {}));
		expect(result.output).toBe('purchase');
		expect(result.item.attribution).toMatchObject({ affiliateId: 'aff-9', affiliateSource: 'network' });
		const lines = await db.store().listLedger({ affiliateId: 'aff-9' });
		expect(lines.length > 0).toBe(credited);
		if (!credited) {
			expect(result.item.ledger).toMatchObject({ entries: [], code: 'untrusted_affiliate' });
			expect(result.item.ledger.reason).toMatch(/named only by the postback/);
			// Nor does the untrusted affiliate become the customer's lifetime referrer or the stored conversion's affiliate.
			expect((await db.store().getConversion(result.item.conversionId!))?.affiliateId).toBeUndefined();
		}
	});

	it('an affiliate from a stored click earns without any opt-in, whatever the postback claims', async () => {
		await db.store().recordClick({ clickId: 'clk_p', clickedAt: '2024-05-31T00:00:00Z', affiliateId: 'aff-click' });
		const result = checked(await run(partnerSale()));
		expect(result.item.attribution).toMatchObject({ method: 'click', affiliateId: 'aff-click', affiliateSource: 'click' });
		expect((await db.store().listLedger()).map((line) => line.affiliateId)).toEqual(['aff-click']);
	});

	it('an affiliate from a coupon earns without any opt-in', async () => {
		await db.store().setCoupon('SAVE10', 'aff-coupon');
		const result = checked(await run(withFields(partnerSale({ coupon: 'SAVE10' }), { clickId: null }), { fallbacks: ['coupon'] }));
		expect(result.item.attribution).toMatchObject({ method: 'coupon', affiliateId: 'aff-coupon' });
		expect((await db.store().listLedger()).map((line) => line.affiliateId)).toEqual(['aff-coupon']);
	});

	it('a PAP sale request without authentication credits nobody (the affiliate id is the shop’s claim)', async () => {
		const pap = postback('pap', get({ AffiliateID: 'pap_aff', TotalCost: '100', OrderID: 'O-9', Commission: '10', Currency: 'EUR', PStatus: 'A' }));
		const result = checked(await run(pap, { trustPostbackAffiliate: ['pap'] }));
		expect(result.item.ledger.code).toBe('untrusted_affiliate');
		expect(await db.store().listLedger()).toEqual([]);
	});
});

describe('the Postback Trigger’s parser, when the operator decides at the door (ParseOptions.amountPrecision)', () => {
	const request = (payout: string): PostbackRequest => get({ click_id: 'clk_1', transaction_id: 'T-door', commission: payout, amount: '10', currency: 'USD' });

	it('keeps the amount as sent by default (the funnel decides before the ledger)', () => {
		const result = parsePostback('custom', request('4.485'), { now });
		expect(result.ok && result.conversion.commission).toBe('4.485');
	});

	it("'reject' answers amount_precision naming the field, for any network's parameter name", () => {
		expect(parsePostback('custom', request('0.005'), { now, amountPrecision: 'reject' })).toEqual({
			ok: false,
			error: { code: 'amount_precision', field: 'commission', message: expect.stringMatching(/"commission" has more decimals than USD has/) },
		});
		const tune = parsePostback('tune', get({ aff_click_id: 'clk_1', transaction_id: 'T-t', payout: '4.485', currency: 'USD' }), {
			now,
			amountPrecision: 'reject',
		});
		expect(tune).toMatchObject({ ok: false, error: { code: 'amount_precision', field: 'payout' } });
		expect(parsePostback('custom', request('0.01'), { now, amountPrecision: 'reject' }).ok).toBe(true);
	});

	it('a rounding rule records the fitted amount', () => {
		const result = parsePostback('custom', request('4.485'), { now, amountPrecision: 'roundHalfEven' });
		expect(result.ok && result.conversion.commission).toBe('4.48');
	});
});

describe('the conversion’s authentication field', () => {
	it('findConversionIssue and conversionSchema agree on it: absent or one of the five methods', () => {
		const base = custom({ click_id: 'clk_1', transaction_id: 'T-a' });
		for (const value of [undefined, 'none', 'token', 'basic', 'hmac', 'ip_allowlist', 'TOKEN', '', 'jwt', 1, null]) {
			const candidate = value === undefined ? base : { ...base, authentication: value };
			expect([value, findConversionIssue(candidate) === undefined]).toEqual([value, conversionSchema.safeParse(candidate).success]);
		}
		expect(findConversionIssue({ ...base, authentication: 'jwt' })).toEqual({
			path: 'authentication',
			message: 'must be one of none, token, basic, hmac, ip_allowlist',
		});
	});
});
