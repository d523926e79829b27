import { checkValueFrom, inBatches, missingSettings, planEach, skipAll } from '../../../src/destinations/planning';

describe('the planning frame the platforms share', () => {
	test('missingSettings names every empty setting, and nothing when all are there', () => {
		expect(
			missingSettings('Reddit', [
				['pixel ID', ' '],
				['access token', undefined],
			]),
		).toBe('The Reddit configuration has no pixel ID and no access token');
		expect(
			missingSettings('Reddit', [
				['pixel ID', 't2_x'],
				['access token', 'tok'],
			]),
		).toBeUndefined();
	});

	test('skipAll skips every event with the same code and reason, sending nothing', () => {
		expect(skipAll(2, 'missing_config', 'why')).toEqual({
			requests: [],
			skipped: [
				{ index: 0, code: 'missing_config', reason: 'why' },
				{ index: 1, code: 'missing_config', reason: 'why' },
			],
		});
	});

	test('planEach keeps each planned event with its input index and each skip with its own', () => {
		const result = planEach([1, -2, 3], (n) => (n < 0 ? { skip: { code: 'negative', reason: 'below zero' } } : { event: n * 10 }));
		expect(result).toEqual({
			planned: [
				{ event: 10, index: 0 },
				{ event: 30, index: 2 },
			],
			skipped: [{ index: 1, code: 'negative', reason: 'below zero' }],
		});
	});

	test('inBatches cuts at the size, keeping order; nothing gives no batch', () => {
		expect(inBatches([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
		expect(inBatches([], 1000)).toEqual([]);
	});

	test('checkValueFrom refuses anything but the two amounts', () => {
		expect(() => checkValueFrom('commission')).not.toThrow();
		expect(() => checkValueFrom(undefined)).not.toThrow();
		expect(() => checkValueFrom('price')).toThrow('Value From must be "commission" or "amount", not "price"');
		expect(() => checkValueFrom('none')).toThrow('not "none"');
	});

	test("checkValueFrom with allowNone also takes 'none' (Google Ads: the conversion action's default value)", () => {
		expect(() => checkValueFrom('none', { allowNone: true })).not.toThrow();
		expect(() => checkValueFrom('price', { allowNone: true })).toThrow('Value From must be "commission", "amount" or "none", not "price"');
	});
});
