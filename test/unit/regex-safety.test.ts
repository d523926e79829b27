import fc from 'fast-check';
import { email, ipAddress, isEmailShape, withoutZone } from '../../src/identity/normalizers';
import { normalizeDecimal } from '../../src/model/money';
import { trimControl } from '../../src/networks/clickbank';
import { withoutBraces } from '../../src/partners';

/**
 * Every pattern that could backtrack super-linearly on request data was rewritten without a regular expression
 * (see each function's comment). Each rewrite must give the old pattern's verdict on any ordinary input (property
 * tests against the old pattern, kept here as the reference), and the right answer on the adversarial inputs
 * that made the old pattern slow. How long the old and new take on those is measured in bench/regex.bench.mjs,
 * not here.
 */

const OLD_EMAIL = /^[^@]+@[^@]+\.[^@]+$/;
const oldWithoutZone = (address: string) => address.replace(/%.*$/, '');
// eslint-disable-next-line no-control-regex -- the old pattern, kept as the reference
const oldTrimControl = (text: string) => text.replace(/^[\u0000-\u0020]+|[\u0000-\u0020]+$/g, '');
const oldWithoutBraces = (text: string) => text.replace(/^\{\s*|\s*\}$/g, '');
const oldTrailingZeros = (digits: string) => digits.replace(/0+$/, '');

/** Strings over a small alphabet that holds every character the pattern cares about, so cases hit its edges. */
const over = (alphabet: string[], maxLength = 24) => fc.array(fc.constantFrom(...alphabet), { maxLength }).map((chars) => chars.join(''));

const RUNS = { numRuns: 5000, seed: 20261207 };

describe('email shape (was /^[^@]+@[^@]+\\.[^@]+$/)', () => {
	it('gives the old verdict on generated addresses', () => {
		fc.assert(
			fc.property(over(['a', 'b', '@', '.', '.', '-', ' ', '+']), (address) => {
				expect(isEmailShape(address)).toBe(OLD_EMAIL.test(address));
			}),
			RUNS,
		);
	});

	it('gives the old verdict on real-looking addresses', () => {
		fc.assert(
			fc.property(fc.emailAddress(), (address) => {
				expect(isEmailShape(address)).toBe(OLD_EMAIL.test(address));
			}),
			{ numRuns: 2000, seed: 20261207 },
		);
	});

	it.each([
		["80,000 dots and a second @ at the end (the old pattern's slow case)", false, `a@${'.'.repeat(80_000)}@`],
		['a domain of 80,000 dots', true, `a@${'.'.repeat(80_000)}`],
		['a domain of 80,000 letters without a dot', false, `a@${'b'.repeat(80_000)}`],
		['a domain that ends in its only dot', false, `a@${'b'.repeat(80_000)}.`],
		['a long local part of dots', true, `${'.'.repeat(80_000)}@example.com`],
		['no @ at all', false, 'x'.repeat(80_000)],
	])('%s → %p', (_, expected, address) => {
		expect(isEmailShape(address)).toBe(expected);
		expect(email(address) !== undefined).toBe(expected);
	});

	it('adversarial inputs short enough for the old pattern to finish get its verdict', () => {
		for (const address of [`a@${'.'.repeat(3000)}@`, `a@${'.'.repeat(3000)}x`, `${'@.'.repeat(1500)}`, `a@b${'.'.repeat(3000)}@`, `a@${'b'.repeat(3000)}.`]) {
			expect(isEmailShape(address)).toBe(OLD_EMAIL.test(address));
		}
	});
});

describe('IP zone removal (was /%.*$/)', () => {
	it('gives the old result on generated addresses with zones, percent signs and line breaks', () => {
		fc.assert(
			fc.property(over(['f', 'e', '8', '0', ':', '%', 'x', '\n', '\r', '\u2028', '.', '1']), (address) => {
				expect(withoutZone(address)).toBe(oldWithoutZone(address));
			}),
			RUNS,
		);
	});

	it('80,000 percent signs and a line break at the end are not a zone; the address is refused', () => {
		const address = `${'%'.repeat(80_000)}\nx`;
		expect(withoutZone(address)).toBe(address);
		expect(ipAddress(address)).toBeUndefined();
	});

	it('a real zone is removed', () => {
		expect(ipAddress('FE80::1%eth0')).toBe('fe80::1');
		expect(ipAddress(`fe80::1%${'%'.repeat(80_000)}`)).toBe('fe80::1');
	});
});

describe('ClickBank control-character trim (was /^[\\u0000-\\u0020]+|[\\u0000-\\u0020]+$/g)', () => {
	it('gives the old result on generated text', () => {
		fc.assert(
			fc.property(over(['\u0000', '\u0001', ' ', '\t', '\n', '{', '}', 'a', '\u0021', '\u00a0']), (text) => {
				expect(trimControl(text)).toBe(oldTrimControl(text));
			}),
			RUNS,
		);
	});

	it('an 80,000-character inner run of NULs stays; the ends go', () => {
		const text = `\u0000 {"a":1${'\u0000'.repeat(80_000)}x}\u0000\u0000`;
		expect(trimControl(text)).toBe(`{"a":1${'\u0000'.repeat(80_000)}x}`);
	});
});

describe('Send Postback macro braces (was /^\\{\\s*|\\s*\\}$/g)', () => {
	it('gives the old result on generated names', () => {
		fc.assert(
			fc.property(over(['{', '}', ' ', '\t', 'a', 'b', '\u00a0']), (text) => {
				expect(withoutBraces(text)).toBe(oldWithoutBraces(text));
			}),
			RUNS,
		);
	});

	it('80,000 spaces between a name and no closing brace are kept', () => {
		const text = `{payout${' '.repeat(80_000)}x`;
		expect(withoutBraces(text)).toBe(`payout${' '.repeat(80_000)}x`);
	});
});

describe('decimal trailing zeros (was /0+$/)', () => {
	it('normalizes like the old code on generated decimals', () => {
		const reference = (input: string) => {
			const match = /^([+-])?(\d+)(?:\.(\d+))?$/.exec(input.trim());
			if (!match) return undefined;
			const integer = match[2].replace(/^0+(?=\d)/, '');
			const fraction = oldTrailingZeros(match[3] ?? '');
			const body = fraction ? `${integer}.${fraction}` : integer;
			return body === '0' ? '0' : (match[1] === '-' ? '-' : '') + body;
		};
		fc.assert(
			fc.property(over(['0', '0', '1', '9', '.', '-', '+', ' ']), (input) => {
				expect(normalizeDecimal(input)).toBe(reference(input));
			}),
			RUNS,
		);
	});

	it('80,000 zeros before a final digit are kept; trailing ones go', () => {
		expect(normalizeDecimal(`1.${'0'.repeat(80_000)}1`)).toBe(`1.${'0'.repeat(80_000)}1`);
		expect(normalizeDecimal(`1.5${'0'.repeat(80_000)}`)).toBe('1.5');
	});
});
