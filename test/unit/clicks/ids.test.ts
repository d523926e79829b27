import fc from 'fast-check';
import { CLICK_ID_ALPHABET, CLICK_ID_BITS, CLICK_ID_LENGTH, isUsableClickId, isWellFormedVisitorId, mintClickId, tagLink } from '../../../src/clicks';

const SAMPLE = Array.from({ length: 20000 }, () => mintClickId());

describe('mintClickId', () => {
	it('is 26 characters of lowercase Crockford base32: 130 bits, URL-safe without encoding', () => {
		expect(CLICK_ID_LENGTH).toBe(26);
		expect(CLICK_ID_BITS).toBeGreaterThanOrEqual(128);
		expect(new Set(CLICK_ID_ALPHABET).size).toBe(32);
		for (const id of SAMPLE) {
			expect(id).toMatch(/^[0-9a-hjkmnp-tv-z]{26}$/);
			expect(encodeURIComponent(id)).toBe(id);
		}
	});

	it('never repeats in a large sample', () => {
		expect(new Set(SAMPLE).size).toBe(SAMPLE.length);
	});

	it('uses every symbol evenly in every position (no modulo bias, no fixed characters)', () => {
		const expected = SAMPLE.length / 32;
		for (let position = 0; position < CLICK_ID_LENGTH; position++) {
			const counts = new Map<string, number>();
			for (const id of SAMPLE) counts.set(id[position], (counts.get(id[position]) ?? 0) + 1);
			expect(counts.size).toBe(32);
			// Chi-square with 31 degrees of freedom: 70 is far beyond p = 0.0001 (about 61).
			const chiSquare = [...counts.values()].reduce((sum, count) => sum + (count - expected) ** 2 / expected, 0);
			expect(chiSquare).toBeLessThan(70);
		}
	});

	it('has about half its bits set, as 130 uniform random bits should', () => {
		let ones = 0;
		for (const id of SAMPLE) {
			for (const char of id) ones += CLICK_ID_ALPHABET.indexOf(char).toString(2).split('1').length - 1;
		}
		const share = ones / (SAMPLE.length * CLICK_ID_BITS);
		expect(share).toBeGreaterThan(0.495);
		expect(share).toBeLessThan(0.505);
	});

	it('takes an optional prefix of lowercase letters and digits', () => {
		expect(mintClickId('c')).toMatch(/^c[0-9a-z]{26}$/);
		expect(() => mintClickId('C')).toThrow(/lowercase/);
		expect(() => mintClickId('a-b')).toThrow();
		expect(() => mintClickId('x'.repeat(13))).toThrow();
	});

	it('fits the strictest subid rules: ShareASale letters and digits, ClickBank [a-z0-9_] up to 100, Rakuten up to 72', () => {
		for (const id of SAMPLE.slice(0, 200)) {
			expect(id).toMatch(/^[A-Za-z0-9]{1,255}$/);
			expect(id).toMatch(/^[a-z0-9_]{1,100}$/);
			expect(id.length).toBeLessThanOrEqual(72);
			for (const network of ['shareasale', 'clickbank', 'rakuten', 'awin', 'impact']) {
				expect(tagLink('https://example.com/offer', id, { network }).ok).toBe(true);
			}
		}
	});

	it('minted ids are well-formed visitor ids and usable click ids', () => {
		for (const id of SAMPLE.slice(0, 100)) {
			expect(isWellFormedVisitorId(id)).toBe(true);
			expect(isUsableClickId(id)).toBe(true);
		}
	});
});

describe('visitor and supplied click ids', () => {
	it('accepts only plausible visitor ids from a cookie', () => {
		expect(isWellFormedVisitorId('a'.repeat(19))).toBe(false);
		expect(isWellFormedVisitorId('A'.repeat(26))).toBe(false);
		expect(isWellFormedVisitorId('abc def ghi jkl mno pqr stu')).toBe(false);
		expect(isWellFormedVisitorId(`${'a'.repeat(26)};x=1`)).toBe(false);
		expect(isWellFormedVisitorId(undefined)).toBe(false);
	});

	it('supplied click ids are URL-safe and bounded', () => {
		expect(isUsableClickId('Zojr5qPF3fVk6VlfJbAcGeuHnxkcOst2gr')).toBe(true);
		expect(isUsableClickId('a.b_c~d-e')).toBe(true);
		expect(isUsableClickId('')).toBe(false);
		expect(isUsableClickId('a b')).toBe(false);
		expect(isUsableClickId('a&b=c')).toBe(false);
		expect(isUsableClickId('x'.repeat(256))).toBe(false);
		fc.assert(
			fc.property(fc.string(), (text) => {
				if (isUsableClickId(text)) expect(encodeURIComponent(text)).toBe(text);
			}),
		);
	});
});
