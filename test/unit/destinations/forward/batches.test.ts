import fc from 'fast-check';
import { groupBySettings } from '../../../../src/destinations/forward';
import type { ForwardableEvent } from '../../../../src/destinations';

const event = (n: number) => ({ eventName: 'OutboundClick', clickId: `c${n}`, clickedAt: '2026-07-15T10:00:00Z' }) as unknown as ForwardableEvent;

describe('groupBySettings', () => {
	test('items with equal settings share a group; groups in order of first appearance', () => {
		const groups = groupBySettings([
			{ itemIndex: 0, config: { pixelId: 'A' }, event: event(0) },
			{ itemIndex: 1, config: { pixelId: 'B' }, event: event(1) },
			{ itemIndex: 2, config: { pixelId: 'A' }, event: event(2) },
		]);
		expect(groups).toEqual([
			{ config: { pixelId: 'A' }, events: [event(0), event(2)], indexes: [0, 2] },
			{ config: { pixelId: 'B' }, events: [event(1)], indexes: [1] },
		]);
	});

	test('settings are compared by value, not by object', () => {
		expect(groupBySettings([0, 1].map((n) => ({ itemIndex: n, config: { pixelId: 'A', testCode: undefined }, event: event(n) })))).toHaveLength(1);
	});

	test('no items, no groups', () => {
		expect(groupBySettings([])).toEqual([]);
	});

	// Items as an input would have them: ascending indexes, settings drawn from a few values.
	const items = fc
		.array(fc.record({ pixel: fc.constantFrom('A', 'B', 'C'), test: fc.boolean() }), { maxLength: 40 })
		.map((configs) => configs.map((config, itemIndex) => ({ itemIndex, config, event: event(itemIndex) })));

	test('every item lands in exactly one group, its event beside its index', () => {
		fc.assert(
			fc.property(items, (input) => {
				const groups = groupBySettings(input);
				const indexes = groups.flatMap((group) => group.indexes).sort((a, b) => a - b);
				expect(indexes).toEqual(input.map((item) => item.itemIndex));
				for (const group of groups) {
					expect(group.events).toHaveLength(group.indexes.length);
					group.indexes.forEach((itemIndex, position) => expect(group.events[position]).toBe(input[itemIndex].event));
				}
			}),
		);
	});

	test('a group holds equal settings only, in input order; no two groups hold equal settings', () => {
		fc.assert(
			fc.property(items, (input) => {
				const groups = groupBySettings(input);
				for (const group of groups) {
					expect([...group.indexes].sort((a, b) => a - b)).toEqual(group.indexes);
					for (const itemIndex of group.indexes) expect(input[itemIndex].config).toEqual(group.config);
				}
				expect(new Set(groups.map((group) => JSON.stringify(group.config))).size).toBe(groups.length);
				// Groups come in the order their first item does.
				const firsts = groups.map((group) => group.indexes[0]);
				expect([...firsts].sort((a, b) => a - b)).toEqual(firsts);
			}),
		);
	});
});
