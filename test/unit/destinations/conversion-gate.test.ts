import { gateConversion, gateEvent, isClickEvent, platformEventName } from '../../../src/destinations/conversion-gate';
import { DAY, HOUR, NOW, purchase, trackerClick } from './meta-fixtures';

const RULES = { platformName: 'Acme Ads', maxAgeMs: 7 * DAY, maxAgeText: '7 days', maxFutureMs: 5 * 60 * 1000 };
const at = (msAgo: number) => new Date(NOW.getTime() - msAgo).toISOString();

describe('gateConversion: what no conversions-only platform can take', () => {
	test('an approved conversion passes with its chosen value, normalized, and its time', () => {
		const gated = gateConversion(purchase({ commission: '39.50', amount: '79', occurredAt: at(HOUR) }), 'commission', RULES, NOW);
		expect(gated).toMatchObject({ value: '39.5', occurredAtMs: NOW.getTime() - HOUR });
		expect(gateConversion(purchase({ commission: '39.50', amount: '79', occurredAt: at(HOUR) }), 'amount', RULES, NOW)).toMatchObject({ value: '79' });
		expect(gateConversion(purchase({ commission: undefined, occurredAt: at(HOUR) }), 'commission', RULES, NOW)).toMatchObject({ value: undefined });
	});

	test.each([
		['a Click Tracker click', trackerClick(), 'not_a_conversion', /conversions only/],
		['a rejected conversion', purchase({ status: 'rejected' }), 'not_a_conversion', /rejected conversion is not sent to Acme Ads/],
		['a reversed conversion', purchase({ status: 'reversed' }), 'not_a_conversion', /reversed conversion/],
		['a negative value', purchase({ commission: '-39.50' }), 'not_a_conversion', /reversal or refund/],
		['a value that is not a decimal', purchase({ commission: '39.5.0' }), 'invalid_value', /"39\.5\.0" is not a decimal/],
		['a time that is not a date', purchase({ occurredAt: 'yesterday' }), 'invalid_time', /not a date/],
		['a conversion older than the window', purchase({ occurredAt: at(7 * DAY + 1000) }), 'event_too_old', /at most 7 days old/],
		['a time beyond the future tolerance', purchase({ occurredAt: at(-6 * 60 * 1000) }), 'event_in_future', /time zone/],
	])('%s is skipped with a code and a reason naming the platform', (_, event, code, reason) => {
		const gated = gateConversion(event, 'commission', RULES, NOW);
		expect(gated).toEqual({ skip: { code, reason: expect.stringMatching(reason) } });
	});

	test('the window edges: exactly the maximum age and a little clock skew pass', () => {
		expect(gateConversion(purchase({ occurredAt: at(7 * DAY) }), 'commission', RULES, NOW)).not.toHaveProperty('skip');
		expect(gateConversion(purchase({ occurredAt: at(-4 * 60 * 1000) }), 'commission', RULES, NOW)).not.toHaveProperty('skip');
	});
});

describe('platformEventName: one rule for every platform', () => {
	const reddit = { platform: 'reddit', platformName: 'Reddit', takesCustomNames: true, examples: 'PURCHASE, LEAD' } as const;
	const pinterest = { platform: 'pinterest', platformName: 'Pinterest', takesCustomNames: false, examples: 'checkout, lead' } as const;

	test("the funnel's name for the platform wins, trimmed", () => {
		expect(platformEventName(purchase({ destinationEvents: { reddit: ' CUSTOM_X ' } }), reddit)).toEqual({ name: 'CUSTOM_X' });
	});
	test('a funnel mapping without the platform means it was left out on purpose: skipped, with a way to send it', () => {
		expect(platformEventName(purchase({ destinationEvents: { meta: 'Purchase' } }), reddit)).toEqual({
			skip: { code: 'no_reddit_event', reason: expect.stringContaining('Override Fields → Event Name') },
		});
	});
	test('without the funnel: the standard name from the mapping table, else the own name where the platform takes one', () => {
		expect(platformEventName(purchase({ destinationEvents: undefined }), pinterest)).toEqual({ name: 'checkout' });
		expect(platformEventName(purchase({ eventName: 'Subscribe', destinationEvents: undefined }), reddit)).toEqual({ name: 'Subscribe' });
		expect(platformEventName(purchase({ eventName: 'Subscribe', destinationEvents: undefined }), pinterest)).toMatchObject({
			skip: { code: 'no_pinterest_event' },
		});
	});
});

describe('gateEvent: the gate of a platform that also takes clicks (Meta, TikTok)', () => {
	test('a click passes with its click time; a conversion passes exactly as through gateConversion', () => {
		const click = trackerClick({ clickedAt: at(HOUR) });
		expect(gateEvent(click, 'commission', RULES, NOW)).toEqual({ click, occurredAtMs: NOW.getTime() - HOUR });
		const conversion = purchase({ occurredAt: at(HOUR) });
		expect(gateEvent(conversion, 'commission', RULES, NOW)).toEqual(gateConversion(conversion, 'commission', RULES, NOW));
	});

	test.each([
		['a click time that is not a date', trackerClick({ clickedAt: 'yesterday' }), 'invalid_time', /click time is missing or not a date/],
		['a click older than the window', trackerClick({ clickedAt: at(8 * DAY) }), 'event_too_old', /at most 7 days old/],
		['a click beyond the future tolerance', trackerClick({ clickedAt: at(-6 * 60 * 1000) }), 'event_in_future', /click time .* is in the future/],
	])('%s is skipped with the same code a conversion would get', (_, event, code, reason) => {
		expect(gateEvent(event, 'commission', RULES, NOW)).toEqual({ skip: { code, reason: expect.stringMatching(reason) } });
	});

	test('a conversion is refused with the same code by both gates, whatever makes it unsendable', () => {
		for (const conversion of [
			purchase({ status: 'reversed' }),
			purchase({ commission: '-1' }),
			purchase({ commission: 'x' }),
			purchase({ occurredAt: 'soon' }),
		]) {
			expect(gateEvent(conversion, 'commission', RULES, NOW)).toEqual(gateConversion(conversion, 'commission', RULES, NOW));
		}
	});

	test('a conversion without a time is invalid_time on both gates (it is not mistaken for a click)', () => {
		const timeless = purchase({ occurredAt: undefined as unknown as string });
		expect(gateConversion(timeless, 'commission', RULES, NOW)).toMatchObject({ skip: { code: 'invalid_time' } });
		expect(gateEvent(timeless, 'commission', RULES, NOW)).toMatchObject({ skip: { code: 'invalid_time' } });
	});

	test('isClickEvent: a marked click, or a click time without a conversion’s fields', () => {
		expect(isClickEvent(trackerClick())).toBe(true);
		expect(isClickEvent({ ...purchase(), kind: 'click' } as never)).toBe(true);
		expect(isClickEvent(purchase())).toBe(false);
	});
});

describe('the rules a platform passes as data', () => {
	test('retraction: how the platform takes a conversion back goes into both reversal reasons', () => {
		const google = { ...RULES, platformName: 'Google Ads', retraction: 'takes retractions only as conversion adjustments' };
		expect(gateConversion(purchase({ status: 'reversed' }), 'commission', google, NOW)).toEqual({
			skip: { code: 'not_a_conversion', reason: 'A reversed conversion is not sent to Google Ads, which takes retractions only as conversion adjustments' },
		});
		expect(gateConversion(purchase({ commission: '-5' }), 'commission', google, NOW)).toMatchObject({
			skip: { code: 'not_a_conversion', reason: expect.stringContaining('Google Ads takes retractions only as conversion adjustments') },
		});
	});

	test('windowNote follows the reason of a too old or future event, and no other', () => {
		const meta = { ...RULES, windowNote: 'The whole batch would fail.' };
		expect(gateConversion(purchase({ occurredAt: at(8 * DAY) }), 'commission', meta, NOW)).toMatchObject({
			skip: { reason: expect.stringMatching(/The whole batch would fail\.$/) },
		});
		expect(gateConversion(purchase({ occurredAt: at(-DAY) }), 'commission', meta, NOW)).toMatchObject({
			skip: { reason: expect.stringMatching(/The whole batch would fail\.$/) },
		});
		expect(gateConversion(purchase({ occurredAt: 'x' }), 'commission', meta, NOW)).toMatchObject({ skip: { reason: expect.not.stringContaining('batch') } });
	});

	test('an unbounded window (Infinity) takes any age and any future time', () => {
		const open = { ...RULES, maxAgeMs: Number.POSITIVE_INFINITY, maxFutureMs: Number.POSITIVE_INFINITY };
		expect(gateConversion(purchase({ occurredAt: '2001-01-01T00:00:00Z' }), 'commission', open, NOW)).not.toHaveProperty('skip');
		expect(gateConversion(purchase({ occurredAt: '2099-01-01T00:00:00Z' }), 'commission', open, NOW)).not.toHaveProperty('skip');
	});

	test("valueFrom 'none' checks no value and gives none", () => {
		expect(gateConversion(purchase({ commission: '-39.5', amount: 'x' }), 'none', RULES, NOW)).toMatchObject({ value: undefined });
	});
});

describe('platformEventName: custom names and the funnel', () => {
	const tiktok = { platform: 'tiktok', platformName: 'TikTok', takesCustomNames: true, customNamesFromFunnel: true, examples: 'CompletePayment' } as const;
	const reddit = { platform: 'reddit', platformName: 'Reddit', takesCustomNames: true, examples: 'PURCHASE' } as const;

	test('customNamesFromFunnel: a funnel event outside the table keeps its own name, exact case', () => {
		expect(platformEventName(purchase({ eventName: 'upgradeToPRO', destinationEvents: { meta: 'upgradeToPRO' } }), tiktok)).toEqual({ name: 'upgradeToPRO' });
		expect(platformEventName(purchase({ eventName: 'upgradeToPRO', destinationEvents: { meta: 'upgradeToPRO' } }), reddit)).toMatchObject({
			skip: { code: 'no_reddit_event' },
		});
	});

	test('customNamesFromFunnel: a standard event the funnel removed the platform from is still not sent', () => {
		expect(platformEventName(purchase({ destinationEvents: { meta: 'Purchase' } }), tiktok)).toMatchObject({ skip: { code: 'no_tiktok_event' } });
	});

	test('an empty funnel mapping (every platform removed) sends the event nowhere', () => {
		expect(platformEventName(purchase({ destinationEvents: {} }), reddit)).toMatchObject({ skip: { code: 'no_reddit_event' } });
		expect(platformEventName(purchase({ destinationEvents: {} }), tiktok)).toMatchObject({ skip: { code: 'no_tiktok_event' } });
	});
});
