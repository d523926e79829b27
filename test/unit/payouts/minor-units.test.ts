import fc from 'fast-check';
import {
	currencyExponent,
	exceedsMinorUnit,
	fitToMinorUnit,
	formatMinorUnits,
	fromMinorUnits,
	minorUnitsBy,
	roundToMinorUnits,
	toMinorUnits,
} from '../../../src/model/money';

const CURRENCIES = ['USD', 'EUR', 'JPY', 'KWD', 'BHD', 'CLF', 'HUF', 'ISK', 'IQD'];

describe('currencyExponent', () => {
	it.each([
		['USD', 2],
		['EUR', 2],
		['JPY', 0],
		['KRW', 0],
		['ISK', 0],
		['KWD', 3],
		['BHD', 3],
		['TND', 3],
		['CLF', 4],
		['UYW', 4],
	])('%s has %i decimals', (currency, exponent) => {
		expect(currencyExponent(currency)).toBe(exponent);
	});

	// ICU's CLDR data shows these with 0 decimals (IQD too, where ISO says 3); ISO 4217 divides them.
	it.each([
		['HUF', 2],
		['IDR', 2],
		['COP', 2],
		['PKR', 2],
		['IQD', 3],
	])('follows ISO 4217, not the display data, for %s (%i)', (currency, exponent) => {
		expect(currencyExponent(currency)).toBe(exponent);
	});

	it('reads codes in any case', () => {
		expect(currencyExponent('usd')).toBe(2);
		expect(currencyExponent('jpy')).toBe(0);
	});

	it('refuses what is not a currency', () => {
		for (const code of ['', 'US', 'USDX', 'XYZ', '12A', 'U$D']) expect(() => currencyExponent(code)).toThrow(RangeError);
	});
});

describe('toMinorUnits', () => {
	it.each([
		['12.34', 'USD', 1234n],
		['12.3', 'USD', 1230n],
		['12', 'USD', 1200n],
		['0.01', 'USD', 1n],
		['-0.05', 'USD', -5n],
		['+3', 'USD', 300n],
		['007.10', 'USD', 710n],
		['500', 'JPY', 500n],
		['500.000', 'JPY', 500n],
		['-500', 'JPY', -500n],
		['1.234', 'KWD', 1234n],
		['-0.001', 'KWD', -1n],
		['-0', 'USD', 0n],
		['123456789012345678901234567890.12', 'USD', 12345678901234567890123456789012n],
	])('%s %s → %s', (amount, currency, minor) => {
		expect(toMinorUnits(amount, currency)).toBe(minor);
	});

	it('refuses an amount finer than the minor unit instead of rounding it', () => {
		expect(() => toMinorUnits('0.005', 'USD')).toThrow(/more decimals/);
		expect(() => toMinorUnits('1.5', 'JPY')).toThrow(/more decimals/);
		expect(() => toMinorUnits('1.2345', 'KWD')).toThrow(/more decimals/);
		expect(() => toMinorUnits('-12.341', 'USD')).toThrow(/more decimals/);
	});

	it('refuses what is not a plain decimal', () => {
		for (const amount of ['', 'abc', '1e3', '1.', '.5', '1,5', '--1', '0x10', 'NaN', 'Infinity']) {
			expect(() => toMinorUnits(amount, 'USD')).toThrow(RangeError);
		}
	});
});

describe('roundToMinorUnits', () => {
	it.each([
		['0.2525', 'USD', 25n],
		['0.005', 'USD', 1n],
		['0.00499999', 'USD', 0n],
		['0.015', 'USD', 2n],
		['-0.005', 'USD', -1n],
		['-0.004', 'USD', 0n],
		['-0.2550', 'USD', -26n],
		['2.5', 'JPY', 3n],
		['-2.5', 'JPY', -3n],
		['2.4999', 'JPY', 2n],
		['1.2345', 'KWD', 1235n],
		['1.2344', 'KWD', 1234n],
		['12.34', 'USD', 1234n],
		['999.995', 'USD', 100000n],
	])('%s %s → %s (half away from zero)', (amount, currency, minor) => {
		expect(roundToMinorUnits(amount, currency)).toBe(minor);
	});

	it('refuses what is not a decimal', () => {
		expect(() => roundToMinorUnits('1e-3', 'USD')).toThrow(RangeError);
	});
});

describe('fromMinorUnits and formatMinorUnits', () => {
	it.each([
		[1234n, 'USD', '12.34', '12.34'],
		[1250n, 'USD', '12.5', '12.50'],
		[1200n, 'USD', '12', '12.00'],
		[-5n, 'USD', '-0.05', '-0.05'],
		[0n, 'USD', '0', '0.00'],
		[500n, 'JPY', '500', '500'],
		[-1n, 'JPY', '-1', '-1'],
		[0n, 'JPY', '0', '0'],
		[1n, 'KWD', '0.001', '0.001'],
		[-1000n, 'KWD', '-1', '-1.000'],
		[12345n, 'CLF', '1.2345', '1.2345'],
	])('%s %s → %s / %s', (minor, currency, canonical, formatted) => {
		expect(fromMinorUnits(minor, currency)).toBe(canonical);
		expect(formatMinorUnits(minor, currency)).toBe(formatted);
	});
});

describe('round trips', () => {
	const minorUnits = fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n });
	const currency = fc.constantFrom(...CURRENCIES);

	it('minor units → text → minor units is the identity, for both renderings', () => {
		fc.assert(
			fc.property(minorUnits, currency, (minor, code) => {
				expect(toMinorUnits(fromMinorUnits(minor, code), code)).toBe(minor);
				expect(toMinorUnits(formatMinorUnits(minor, code), code)).toBe(minor);
				// formatMinorUnits always shows exactly the currency's decimals.
				const decimals = formatMinorUnits(minor, code).split('.')[1] ?? '';
				expect(decimals.length).toBe(currencyExponent(code));
			}),
			{ numRuns: 2000 },
		);
	});

	it('rounding agrees with integer arithmetic, and leaves exact amounts alone', () => {
		// A value n / 10^k, written out, rounded to the currency's exponent e by (2|n|·10^e + 10^k) / (2·10^k).
		fc.assert(
			fc.property(fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }), fc.integer({ min: 0, max: 8 }), currency, (n, k, code) => {
				const e = currencyExponent(code);
				const magnitude = n < 0n ? -n : n;
				const digits = magnitude.toString().padStart(k + 1, '0');
				const text = `${n < 0n ? '-' : ''}${k === 0 ? digits : `${digits.slice(0, -k)}.${digits.slice(-k)}`}`;
				const scale = 10n ** BigInt(k);
				const rounded = (2n * magnitude * 10n ** BigInt(e) + scale) / (2n * scale);
				expect(roundToMinorUnits(text, code)).toBe(n < 0n ? -rounded : rounded);
				if (k <= e) expect(roundToMinorUnits(text, code)).toBe(toMinorUnits(text, code));
			}),
			{ numRuns: 2000 },
		);
	});
});

describe('minorUnitsBy / fitToMinorUnit: the operator’s rule for amounts finer than the currency', () => {
	it.each([
		['0.125', 'USD', 'roundHalfEven', 12n],
		['0.135', 'USD', 'roundHalfEven', 14n],
		['0.1251', 'USD', 'roundHalfEven', 13n],
		['-0.125', 'USD', 'roundHalfEven', -12n],
		['0.125', 'USD', 'roundHalfUp', 13n],
		['-0.125', 'USD', 'roundHalfUp', -13n],
		['0.1249', 'USD', 'roundHalfUp', 12n],
		['0.129', 'USD', 'truncate', 12n],
		['-0.129', 'USD', 'truncate', -12n],
		['0.5', 'JPY', 'roundHalfEven', 0n],
		['1.5', 'JPY', 'roundHalfEven', 2n],
		['0.0005', 'KWD', 'roundHalfUp', 1n],
		['-0.004', 'USD', 'roundHalfEven', 0n],
	] as const)('%s %s by %s → %p', (amount, currency, rule, minor) => {
		expect(minorUnitsBy(amount, currency, rule)).toBe(minor);
	});

	it('agrees with exact rational rounding for any amount, currency and rule', () => {
		fc.assert(
			fc.property(
				fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }),
				fc.integer({ min: 0, max: 8 }),
				fc.constantFrom('USD', 'JPY', 'KWD'),
				fc.constantFrom('roundHalfEven', 'roundHalfUp', 'truncate') as fc.Arbitrary<'roundHalfEven' | 'roundHalfUp' | 'truncate'>,
				(units, scale, currency, rule) => {
					const digits = (units < 0n ? -units : units).toString().padStart(scale + 1, '0');
					const amount = `${units < 0n ? '-' : ''}${scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`}`;
					const exponent = currencyExponent(currency);
					// units / 10^scale in minor units = units * 10^exponent / 10^scale, rounded by the rule.
					const numerator = units * 10n ** BigInt(exponent);
					const denominator = 10n ** BigInt(scale);
					const magnitude = numerator < 0n ? -numerator : numerator;
					let quotient = magnitude / denominator;
					const remainder = magnitude % denominator;
					if (rule !== 'truncate' && remainder !== 0n) {
						const twice = remainder * 2n;
						if (twice > denominator || (twice === denominator && (rule === 'roundHalfUp' || quotient % 2n === 1n))) quotient += 1n;
					}
					const expected = numerator < 0n ? -quotient : quotient;
					expect(minorUnitsBy(amount, currency, rule)).toBe(expected === 0n ? 0n : expected);
					const fitted = fitToMinorUnit(amount, currency, rule);
					expect(fitted.ok && toMinorUnits(fitted.value, currency)).toBe(expected);
				},
			),
			{ numRuns: 2000 },
		);
	});

	it("'reject' refuses what is finer than the currency and keeps what is not", () => {
		expect(fitToMinorUnit('0.005', 'USD', 'reject')).toEqual({
			ok: false,
			reason: expect.stringMatching(/more decimals than the currency's minor unit \(2\)/),
		});
		expect(fitToMinorUnit('12.50', 'USD', 'reject')).toEqual({ ok: true, value: '12.5', adjusted: false });
		expect(exceedsMinorUnit('0.5', 'JPY')).toBe(true);
		expect(exceedsMinorUnit('0.500', 'KWD')).toBe(false);
	});
});
