import { gateConversion, platformEventName } from '../../../src/destinations/conversion-gate';
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
