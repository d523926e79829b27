import fc from 'fast-check';
import { conversionSchema, decimalFromNumber, isKnownCurrency, isNegativeDecimal, isZeroDecimal, normalizeDecimal } from '../../src/model';
import type { Conversion } from '../../src/model';

describe('normalizeDecimal', () => {
	it.each([
		['79', '79'],
		['39.5', '39.5'],
		['007', '7'],
		['000.50', '0.5'],
		['0.05', '0.05'],
		['12.500', '12.5'],
		['12.0', '12'],
		['100', '100'],
		['0', '0'],
		['00', '0'],
		['0.000', '0'],
		['-0', '0'],
		['-0.00', '0'],
		['+0', '0'],
		['+5', '5'],
		['-12.30', '-12.3'],
		['-007.10', '-7.1'],
		[' 12.50 ', '12.5'],
		['\t4.99\n', '4.99'],
		['123456789012345678901234567890.123456789', '123456789012345678901234567890.123456789'],
	])('%j → %j', (input, expected) => {
		expect(normalizeDecimal(input)).toBe(expected);
	});

	it.each(['1e5', '1E5', '1,000', '1 000', '$5', '5$', '.5', '5.', '', '   ', '-', '+', '--5', '+-5', 'abc', 'NaN', 'Infinity', '0x10', '1.2.3', '١٢'])(
		'%j is refused',
		(input) => {
			expect(normalizeDecimal(input)).toBeUndefined();
		},
	);

	it('is idempotent and its output matches the canonical shape', () => {
		const decimalText = fc
			.tuple(fc.constantFrom('', '+', '-'), fc.stringMatching(/^\d{1,12}$/), fc.option(fc.stringMatching(/^\d{1,12}$/), { nil: undefined }))
			.map(([sign, integer, fraction]) => `${sign}${integer}${fraction === undefined ? '' : `.${fraction}`}`);
		fc.assert(
			fc.property(decimalText, (text) => {
				const once = normalizeDecimal(text);
				expect(once).toBeDefined();
				expect(normalizeDecimal(once!)).toBe(once);
				expect(once).toMatch(/^(0|-?(0|[1-9]\d*)(\.\d*[1-9])?)$/);
				expect(once).not.toBe('-0');
			}),
		);
	});

	it('the value is preserved: the text and its normal form compare equal as exact rationals', () => {
		// Compare through BigInt scaled integers: no floats involved.
		const scaled = (text: string, places: number): bigint => {
			const negative = text.startsWith('-');
			const [integer, fraction = ''] = text.replace(/^[+-]/, '').split('.');
			const value = BigInt(integer + fraction.padEnd(places, '0'));
			return negative ? -value : value;
		};
		fc.assert(
			fc.property(fc.constantFrom('', '+', '-'), fc.stringMatching(/^\d{1,10}$/), fc.stringMatching(/^\d{0,10}$/), (sign, integer, fraction) => {
				const text = `${sign}${integer}${fraction ? `.${fraction}` : ''}`;
				const normal = normalizeDecimal(text)!;
				expect(scaled(normal, 12)).toBe(scaled(text, 12));
			}),
		);
	});
});

describe('decimalFromNumber', () => {
	it.each([
		[4.99, '4.99'],
		[39.5, '39.5'],
		[79, '79'],
		[0, '0'],
		[-0, '0'],
		[-12.3, '-12.3'],
		[1e-7, '0.0000001'],
		[1.5e-10, '0.00000000015'],
		[-2.5e-7, '-0.00000025'],
		[1e21, '1000000000000000000000'],
		[1.2345e21, '1234500000000000000000'],
		[123456789012345680000, '123456789012345680000'],
		[Number.MAX_SAFE_INTEGER, '9007199254740991'],
	])('%p → %j', (input, expected) => {
		expect(decimalFromNumber(input)).toBe(expected);
	});

	it('0.30000000000000004 prints every digit the number carries', () => {
		// The literal, not 0.1 + 0.2: the test must not depend on float arithmetic to build its input.
		expect(decimalFromNumber(0.30000000000000004)).toBe('0.30000000000000004');
		expect(decimalFromNumber(0.3)).toBe('0.3');
	});

	it('the smallest positive double expands to 323 zeros and a 5', () => {
		expect(decimalFromNumber(5e-324)).toBe(`0.${'0'.repeat(323)}5`);
	});

	it.each([NaN, Infinity, -Infinity])('%p → undefined', (input) => {
		expect(decimalFromNumber(input)).toBeUndefined();
	});

	it('every finite double round-trips: Number(decimal) is the same double, and the text is canonical', () => {
		fc.assert(
			fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (value) => {
				const text = decimalFromNumber(value);
				expect(text).toBeDefined();
				expect(normalizeDecimal(text!)).toBe(text);
				expect(Number(text)).toBe(value === 0 ? 0 : value);
			}),
			{ numRuns: 500 },
		);
	});
});

describe('isZeroDecimal / isNegativeDecimal', () => {
	it.each([
		['0', true, false],
		['-0.000', true, false],
		['0.0001', false, false],
		['-0.0001', false, true],
		['-5', false, true],
		['5', false, false],
	])('%j: zero %p, negative %p', (value, zero, negative) => {
		expect(isZeroDecimal(value)).toBe(zero);
		expect(isNegativeDecimal(value)).toBe(negative);
	});

	it('non-decimals are neither', () => {
		expect(isZeroDecimal('abc')).toBe(false);
		expect(isNegativeDecimal('-abc')).toBe(false);
	});
});

describe('isKnownCurrency', () => {
	it.each(['USD', 'EUR', 'JPY', 'GBP', 'CAD', 'CHF', 'INR'])('%s is known', (code) => {
		expect(isKnownCurrency(code)).toBe(true);
	});

	it.each(['XYZ', 'XXQ', 'usd', 'Eur', 'US', 'USDD', '', ' USD'])('%j is not', (code) => {
		expect(isKnownCurrency(code)).toBe(false);
	});
});

/** A conversion written out by hand, valid by the schema's own rules. */
const VALID: Conversion = {
	network: 'shareasale',
	clickId: 'Zojr5qPF3fVk6VlfJbAcGeuHnxkcOst2gr',
	transactionId: '198198598',
	orderId: '2617207',
	networkEventType: 'SALE',
	eventName: null,
	status: 'approved',
	amount: '79',
	commission: '39.5',
	currency: 'USD',
	occurredAt: '2023-05-21T00:57:45Z',
	receivedAt: '2024-01-01T00:00:00.000Z',
	affiliateId: null,
	offerId: null,
	merchantId: '87575',
	brandName: null,
	couponCode: null,
	ip: null,
	subIds: {},
	user: {},
	raw: { method: 'GET', query: { afftrack: 'Zojr5qPF3fVk6VlfJbAcGeuHnxkcOst2gr' } },
};

function accepts(patch: Record<string, unknown>): boolean {
	return conversionSchema.safeParse({ ...VALID, ...patch }).success;
}

describe('conversionSchema', () => {
	it('accepts the hand-written conversion', () => {
		expect(conversionSchema.safeParse(VALID).success).toBe(true);
	});

	it('accepts null amounts, negative commissions, offsets, user data and a JSON body', () => {
		expect(
			accepts({
				amount: null,
				commission: '-39.5',
				occurredAt: '2023-05-21T02:57:45.123+02:00',
				user: { email: 'a@b.example', zip: '94025' },
				raw: { method: 'POST', query: { a: ['1', '2'] }, body: { nested: [1, 'x', null, true] }, headers: { 'user-agent': 'x' } },
			}),
		).toBe(true);
	});

	it('accepts a real leap day and month ends', () => {
		expect(accepts({ occurredAt: '2024-02-29T12:00:00Z' })).toBe(true);
		expect(accepts({ occurredAt: '2023-04-30T23:59:59-11:00' })).toBe(true);
		expect(accepts({ occurredAt: '2023-02-29T12:00:00Z' })).toBe(false);
		expect(accepts({ occurredAt: '2023-04-31T00:00:00Z' })).toBe(false);
	});

	it.each([
		['a float amount', { amount: 79 }],
		['a float commission', { commission: 39.5 }],
		['a non-canonical decimal', { commission: '39.50' }],
		['a decimal with a leading zero', { amount: '079' }],
		['an exponent', { amount: '1e5' }],
		['a thousands separator', { amount: '1,000' }],
		['a lowercase currency', { currency: 'usd' }],
		['an unknown currency', { currency: 'XYZ' }],
		['a date without an offset', { occurredAt: '2023-05-21T00:57:45' }],
		['a date with a space and no offset', { occurredAt: '2023-05-21 00:57:45' }],
		['a date only', { occurredAt: '2023-05-21' }],
		['a receivedAt that is not a date', { receivedAt: 'yesterday' }],
		['an impossible calendar date', { occurredAt: '2023-02-30T00:00:00Z' }],
		['hour 25', { occurredAt: '2023-05-21T25:00:00Z' }],
		['an unknown status', { status: 'void' }],
		['an empty click id (null is the way to say none)', { clickId: '' }],
		['an empty network', { network: '' }],
		['an extra top-level field', { extra: 'x' }],
		['an extra user field', { user: { email: 'a@b.example', password: 'x' } }],
		['an empty user email', { user: { email: '' } }],
		['a non-string subId', { subIds: { sub1: 1 } }],
		['raw without a method', { raw: { query: {} } }],
		['a missing field', { subIds: undefined }],
	])('rejects %s', (_label, patch) => {
		expect(accepts(patch)).toBe(false);
	});
});
