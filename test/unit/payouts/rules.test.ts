import fc from 'fast-check';
import { CommissionRuleError, commissionFor, percentOf, validateCommissionRules, type CommissionRule } from '../../../src/payouts';

const sale = { saleAmount: '100.00', currency: 'USD', affiliateId: 'aff-1', offerId: 'offer-1', actionCode: 'sale' };

describe('which rule applies', () => {
	// One rule per combination, listed least specific first so that list order cannot be what decides.
	const byCombination: Array<[string, CommissionRule]> = [
		['none', { percent: '1' }],
		['action', { actionCode: 'sale', percent: '2' }],
		['offer', { offerId: 'offer-1', percent: '3' }],
		['offer+action', { offerId: 'offer-1', actionCode: 'sale', percent: '4' }],
		['affiliate', { affiliateId: 'aff-1', percent: '5' }],
		['affiliate+action', { affiliateId: 'aff-1', actionCode: 'sale', percent: '6' }],
		['affiliate+offer', { affiliateId: 'aff-1', offerId: 'offer-1', percent: '7' }],
		['affiliate+offer+action', { affiliateId: 'aff-1', offerId: 'offer-1', actionCode: 'sale', percent: '8' }],
	];

	it('ranks affiliate+offer+action > affiliate+offer > affiliate+action > affiliate > offer+action > offer > action > none', () => {
		// Remove the winner each time: the next one down must win, whatever the list order.
		for (let count = byCombination.length; count > 0; count -= 1) {
			const rules = byCombination.slice(0, count).map(([, rule]) => rule);
			for (const ordered of [rules, [...rules].reverse()]) {
				const result = commissionFor(sale, ordered);
				expect(result?.rule).toBe(byCombination[count - 1][1]);
				expect(result?.ruleIndex).toBe(ordered.indexOf(byCombination[count - 1][1]));
			}
		}
	});

	it('breaks a tie by list order', () => {
		const rules: CommissionRule[] = [
			{ offerId: 'offer-1', percent: '3' },
			{ offerId: 'offer-1', percent: '9' },
		];
		expect(commissionFor(sale, rules)).toMatchObject({ commission: '3', ruleIndex: 0 });
	});

	it('only applies a rule whose every field matches; a rule naming an offer never matches a sale without one', () => {
		const rules: CommissionRule[] = [
			{ affiliateId: 'someone-else', percent: '50' },
			{ offerId: 'offer-1', percent: '10' },
		];
		expect(commissionFor(sale, rules)).toMatchObject({ commission: '10', ruleIndex: 1 });
		expect(commissionFor({ saleAmount: '100', currency: 'USD' }, rules)).toBeUndefined();
		expect(commissionFor({ ...sale, offerId: 'OFFER-1' }, [{ offerId: 'offer-1', percent: '10' }])).toBeUndefined();
	});

	it('pays a fixed amount per action code, and a percentage for sales', () => {
		const rules: CommissionRule[] = [
			{ offerId: 'offer-1', percent: '5' },
			{ offerId: 'offer-1', actionCode: 'lead', fixed: '2.00', currency: 'USD' },
			{ offerId: 'offer-1', actionCode: 'signup', fixed: '0.5', currency: 'usd' },
		];
		expect(commissionFor({ ...sale, actionCode: 'lead', saleAmount: '0' }, rules)).toMatchObject({ commission: '2', currency: 'USD', ruleIndex: 1 });
		expect(commissionFor({ ...sale, actionCode: 'signup', saleAmount: '0' }, rules)).toMatchObject({ commission: '0.5', ruleIndex: 2 });
		expect(commissionFor({ ...sale, actionCode: 'sale', saleAmount: '80' }, rules)).toMatchObject({ commission: '4', ruleIndex: 0 });
	});

	it('never applies a fixed rule in another currency (the next rule that fits does)', () => {
		const rules: CommissionRule[] = [
			{ offerId: 'offer-1', percent: '5' },
			{ offerId: 'offer-1', actionCode: 'lead', fixed: '2.00', currency: 'EUR' },
		];
		expect(commissionFor({ ...sale, actionCode: 'lead', saleAmount: '10' }, rules)).toMatchObject({ commission: '0.5', ruleIndex: 0 });
		expect(commissionFor({ ...sale, actionCode: 'lead', currency: 'EUR', saleAmount: '10' }, rules)).toMatchObject({
			commission: '2',
			currency: 'EUR',
			ruleIndex: 1,
		});
		expect(commissionFor({ ...sale, actionCode: 'lead', saleAmount: '10' }, [rules[1]])).toBeUndefined();
	});

	it('limits a percentage rule with a currency to sales in it', () => {
		const rules: CommissionRule[] = [{ percent: '10', currency: 'EUR' }, { percent: '1' }];
		expect(commissionFor({ saleAmount: '100', currency: 'eur' }, rules)).toMatchObject({ commission: '10', ruleIndex: 0 });
		expect(commissionFor({ saleAmount: '100', currency: 'USD' }, rules)).toMatchObject({ commission: '1', ruleIndex: 1 });
	});
});

describe('percentage commissions', () => {
	it.each([
		['10.10', 'USD', '7.5', '0.76'], // 0.7575
		['10.10', 'USD', '2.5', '0.25'], // 0.2525
		['10.00', 'USD', '0.05', '0.01'], // 0.005: half a cent, away from zero
		['9.99', 'USD', '0.05', '0'], // 0.004995
		['-10.10', 'USD', '7.5', '-0.76'], // a refund: half away from zero too
		['1999', 'JPY', '7.5', '150'], // 149.925
		['1.234', 'KWD', '12.5', '0.154'], // 0.15425
		['1.235', 'KWD', '10', '0.124'], // 0.1235
		['123456789.99', 'USD', '33.333', '41151851.81'], // 41151851.8073667
		['49.99', 'EUR', '100', '49.99'],
		['49.99', 'EUR', '0', '0'],
		['0.004', 'USD', '50', '0'], // a sale amount finer than cents is fine as input
	])('%s %s at %s%% → %s', (saleAmount, currency, percent, commission) => {
		expect(commissionFor({ saleAmount, currency }, [{ percent }])?.commission).toBe(commission);
	});

	it('computes the product exactly (integer reference)', () => {
		fc.assert(
			fc.property(fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }), fc.bigInt({ min: 0n, max: 100_000n }), (cents, percentThousandths) => {
				const amount = `${cents < 0n ? '-' : ''}${(cents < 0n ? -cents : cents) / 100n}.${String((cents < 0n ? -cents : cents) % 100n).padStart(2, '0')}`;
				const percent = `${percentThousandths / 1000n}.${String(percentThousandths % 1000n).padStart(3, '0')}`;
				// cents × thousandths / (100 × 1000 × 100) dollars, rounded half away from zero to cents: cents × p / 10^5.
				const magnitude = (cents < 0n ? -cents : cents) * percentThousandths;
				const rounded = (2n * magnitude + 100_000n) / 200_000n;
				const expected = cents < 0n ? -rounded : rounded;
				const result = commissionFor({ saleAmount: amount, currency: 'USD' }, [{ percent }])!;
				const [whole, fraction = ''] = result.commission.replace('-', '').split('.');
				const got = BigInt(whole) * 100n + BigInt(fraction.padEnd(2, '0'));
				expect(result.commission.startsWith('-') ? -got : got).toBe(expected);
			}),
			{ numRuns: 1000 },
		);
		expect(percentOf('10.10', '7.5')).toBe('0.7575');
		expect(percentOf('-3', '33.3')).toBe('-0.999');
	});
});

describe('validateCommissionRules', () => {
	const bad = (rule: unknown, pattern: RegExp) => {
		const rules = [{ percent: '5' }, { fixed: '1', currency: 'USD' }, rule] as CommissionRule[];
		let caught: unknown;
		try {
			validateCommissionRules(rules);
		} catch (error) {
			caught = error;
		}
		expect(caught).toBeInstanceOf(CommissionRuleError);
		expect((caught as CommissionRuleError).ruleIndex).toBe(2);
		expect((caught as Error).message).toMatch(/^commission rule 2: /);
		expect((caught as Error).message).toMatch(pattern);
		// commissionFor refuses the same list rather than use the good rules silently.
		expect(() => commissionFor(sale, rules)).toThrow(CommissionRuleError);
	};

	it('accepts sound rules', () => {
		expect(() =>
			validateCommissionRules([{ percent: '7.5' }, { fixed: '2', currency: 'EUR', actionCode: 'lead' }, { percent: '100', currency: 'JPY' }]),
		).not.toThrow();
		expect(() => validateCommissionRules([])).not.toThrow();
	});

	it('refuses a rule with both or neither of percent and fixed', () => {
		bad({ percent: '5', fixed: '1', currency: 'USD' }, /both percent and fixed/);
		bad({ offerId: 'x' }, /neither percent nor fixed/);
	});

	it('refuses negative or malformed percentages, and above 100', () => {
		bad({ percent: '-1' }, /negative/);
		bad({ percent: '7,5' }, /not a decimal/);
		bad({ percent: '1e2' }, /not a decimal/);
		bad({ percent: 5 }, /not a decimal/);
		bad({ percent: '100.01' }, /above 100/);
	});

	it('refuses bad fixed amounts and currencies', () => {
		bad({ fixed: '2' }, /needs its currency/);
		bad({ fixed: '-2', currency: 'USD' }, /negative/);
		bad({ fixed: 'two', currency: 'USD' }, /not a decimal/);
		bad({ fixed: '0.001', currency: 'USD' }, /more decimals/);
		bad({ fixed: '1.5', currency: 'JPY' }, /more decimals/);
		bad({ fixed: '1', currency: 'DOLLARS' }, /ISO 4217/);
		bad({ percent: '1', currency: 'XXQ' }, /ISO 4217/);
	});

	it('refuses empty or non-string selectors', () => {
		bad({ percent: '1', offerId: '' }, /offerId/);
		bad({ percent: '1', affiliateId: 42 }, /affiliateId/);
		bad(null, /not an object/);
	});

	it('refuses a sale it cannot read', () => {
		expect(() => commissionFor({ saleAmount: '12,00', currency: 'USD' }, [{ percent: '1' }])).toThrow(TypeError);
		expect(() => commissionFor({ saleAmount: '12', currency: 'NOPE' }, [{ percent: '1' }])).toThrow(RangeError);
	});
});
