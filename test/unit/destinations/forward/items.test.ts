import { SettingError } from '../../../../src/destinations/definition';
import { ItemError, describeIssues, isClickItem, readForwardableEvent } from '../../../../src/destinations/forward';
import { funnelItemSchema } from '../../../../src/funnel';
import { purchase, trackerClick } from '../meta-fixtures';

/** A Conversion Funnel Purchase item, as the funnel emits it. */
const funnelItem = (extra: Record<string, unknown> = {}) =>
	({ ...purchase(), route: 'purchase', dedup: { status: 'first' }, ledger: { entries: [] }, conversionId: 'cv_1', ...extra }) as Record<string, unknown>;

/** A Postback Trigger conversion: the canonical conversion, no funnel decision. */
const plainConversion = (extra: Record<string, unknown> = {}) => {
	const { click: _click, destinationEvents: _events, ...conversion } = purchase();
	return { ...conversion, ...extra } as Record<string, unknown>;
};

const read = (json: Record<string, unknown>, itemIndex = 0, eventName?: string) => readForwardableEvent(json, itemIndex, funnelItemSchema, eventName);

/** The error `run` throws (fails the test when it throws none). */
function thrown(run: () => unknown): ItemError {
	try {
		run();
	} catch (error) {
		return error as ItemError;
	}
	throw new Error('nothing was thrown');
}

describe('isClickItem', () => {
	test('a Click Tracker item is a click', () => {
		expect(isClickItem(trackerClick() as unknown as Record<string, unknown>)).toBe(true);
	});

	test('anything with a transaction id is a conversion, even with a click id and time', () => {
		expect(isClickItem({ clickId: 'c', clickedAt: '2026-07-15T10:00:00Z', transactionId: 't' })).toBe(false);
	});

	test('a click id without its time, or not a string, is not a click', () => {
		expect(isClickItem({ clickId: 'c' })).toBe(false);
		expect(isClickItem({ clickId: 1, clickedAt: '2026-07-15T10:00:00Z' })).toBe(false);
	});
});

describe('readForwardableEvent: what the item is', () => {
	test('a click is taken as it is, as a copy', () => {
		const click = trackerClick() as unknown as Record<string, unknown>;
		const event = read(click);
		expect(event).toEqual(click);
		expect(event).not.toBe(click);
	});

	test("a funnel item keeps the funnel's fields and drops what other nodes added", () => {
		const event = read(funnelItem({ forward: { platform: 'meta', outcome: 'sent' }, note: 'from a Set node' }));
		expect(event).toMatchObject({ route: 'purchase', conversionId: 'cv_1', destinationEvents: { meta: 'Purchase' } });
		expect(event).not.toHaveProperty('forward');
		expect(event).not.toHaveProperty('note');
	});

	test('a plain conversion keeps its own event name, or takes the override first', () => {
		expect(read(plainConversion())).toMatchObject({ eventName: 'Purchase', transactionId: '198198598' });
		expect(read(plainConversion(), 0, ' Lead ')).toMatchObject({ eventName: 'Lead' });
		expect(read(plainConversion(), 0, '   ')).toMatchObject({ eventName: 'Purchase' });
	});

	test('a plain conversion without an event name is refused for its item, with what to do', () => {
		const error = thrown(() => read(plainConversion({ eventName: null }), 3));
		expect(error).toBeInstanceOf(ItemError);
		expect(error).toBeInstanceOf(SettingError);
		expect(error.message).toBe('Item 3 is a conversion without an event name');
		expect(error.description).toBe('Send it through the Conversion Funnel first, or set Override Fields → Event Name.');
		expect(error.itemIndex).toBe(3);
		// The override names it.
		expect(read(plainConversion({ eventName: null }), 3, 'Purchase')).toMatchObject({ eventName: 'Purchase' });
	});

	test("anything else is refused with the conversion's problems", () => {
		const error = thrown(() => read({ hello: 'world' }, 1));
		expect(error.message).toMatch(/^Item 1 is neither a conversion nor a Click Tracker click: network: Required; /);
		expect(error.message).toMatch(/; and \d+ more$/);
		expect(error.description).toBe('Connect an output of the Conversion Funnel (or of a Click Tracker), or pass items of the same shape.');
		expect(error.itemIndex).toBe(1);
	});

	test("an item with a route is judged as a funnel item: the funnel's problems are listed", () => {
		const error = thrown(() => read(funnelItem({ route: 'nowhere', network: 7 })));
		expect(error.message).toMatch(/^Item 0 is neither a conversion nor a Click Tracker click: /);
		expect(error.message).toContain('route: ');
	});
});

describe('describeIssues', () => {
	const issue = (path: Array<string | number>, message = 'Required') => ({ path, message });

	test('lists each problem with its path, the item itself as (item)', () => {
		expect(describeIssues([issue(['user', 'email'], 'Invalid email'), issue([])])).toBe('user.email: Invalid email; (item): Required');
	});

	test('lists five and counts the rest', () => {
		const issues = ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((name) => issue([name]));
		expect(describeIssues(issues)).toBe('a: Required; b: Required; c: Required; d: Required; e: Required; and 2 more');
		expect(describeIssues(issues.slice(0, 5))).not.toContain('more');
	});
});
