/**
 * One generation of skip codes: every platform plans through the conversion gate first, so an event the gate
 * refuses is skipped by all eight with the same code, whatever else is wrong or right with it.
 */
import fc from 'fast-check';
import { planPlatformRequests } from '../../../src/destinations';
import { gateConversion } from '../../../src/destinations/conversion-gate';
import type { ForwardableConversion, ForwardableEvent, Platform } from '../../../src/destinations/types';
import { destinationEventsFor } from '../../../src/funnel/events';
import * as google from './google-ads-fixtures';
import { DAY, HOUR, NOW, PIXEL, TOKEN, purchase, trackerClick } from './meta-fixtures';

type ValueFrom = 'commission' | 'amount';

const configs = (valueFrom: ValueFrom): Record<Platform, unknown> => ({
	meta: { pixelId: PIXEL, accessToken: TOKEN, valueFrom },
	tiktok: { pixelCode: 'CPIXEL123', accessToken: 'token', valueFrom },
	google_ads: google.config({ valueFrom }),
	ga4: { measurementId: 'G-TEST12345', apiSecret: 'secret', valueFrom },
	snapchat: { pixelId: 'pixel-1', accessToken: 'token', valueFrom },
	pinterest: { adAccountId: '549755885175', accessToken: 'token', valueFrom },
	reddit: { pixelId: 't2_pixel', accessToken: 'token', valueFrom },
	microsoft: { tagId: '187654321', accessToken: 'token', valueFrom },
	linkedin: { conversionRule: '12345678', accessToken: 'token', valueFrom },
});
const PLATFORMS = Object.keys(configs('commission')) as Platform[];
const TAKES_CLICKS: Platform[] = ['meta', 'tiktok'];

function planOne(platform: Platform, event: ForwardableEvent, valueFrom: ValueFrom) {
	return planPlatformRequests(platform, [event], configs(valueFrom)[platform] as never, NOW);
}

/** Any gate rules: the codes that do not depend on a platform's window are the same under all of them. */
const ANY_RULES = { platformName: 'Any', maxAgeMs: Number.POSITIVE_INFINITY, maxAgeText: 'any', maxFutureMs: Number.POSITIVE_INFINITY };

const decimal = fc.tuple(fc.nat({ max: 99_999 }), fc.nat({ max: 99 })).map(([units, cents]) => `${units}.${String(cents).padStart(2, '0')}`);
const money = fc.oneof(
	decimal,
	decimal.map((text) => `-${text === '0.00' ? '1' : text}`),
	fc.constantFrom('ten', '39.5.0', '1e3', '12,50', 'USD 5', '--1'),
	fc.constant(null),
);
const time = fc.oneof(
	fc.integer({ min: 7 * HOUR, max: 48 * HOUR }).map((ago) => new Date(NOW.getTime() - ago).toISOString()),
	fc.constantFrom('yesterday', '', '2026-13-45T99:00:00Z', 'not a date'),
);

/** A funnel conversion every platform could take, except for what the generator varies: status, money, time. */
const conversion = fc
	.record({
		status: fc.constantFrom('approved', 'pending', 'rejected', 'reversed'),
		commission: money,
		amount: money,
		occurredAt: time,
		transactionId: fc.stringMatching(/^[A-Za-z0-9]{1,12}$/),
	})
	.map(
		(fields): ForwardableConversion =>
			({
				...purchase({
					user: { email: 'buyer@example.com' },
					destinationEvents: destinationEventsFor('Purchase'),
					click: { ...google.googleClick(), ...purchase().click },
				}),
				...fields,
			}) as ForwardableConversion,
	);

describe('one set of skip codes for all eight platforms', () => {
	test('an event the gate refuses is skipped by every platform with the gate’s code', () => {
		fc.assert(
			fc.property(conversion, fc.constantFrom<ValueFrom>('commission', 'amount'), (event, valueFrom) => {
				const gated = gateConversion(event, valueFrom, ANY_RULES, NOW);
				fc.pre('skip' in gated);
				const { code } = (gated as { skip: { code: string } }).skip;
				for (const platform of PLATFORMS) {
					const plan = planOne(platform, event, valueFrom);
					expect({ platform, requests: plan.requests, codes: plan.skipped.map((skip) => skip.code) }).toEqual({ platform, requests: [], codes: [code] });
				}
			}),
			{ numRuns: 150 },
		);
	});

	test('the codes are the unified ones: not_a_conversion, invalid_value or invalid_time, never a platform’s old code', () => {
		fc.assert(
			fc.property(conversion, (event) => {
				for (const platform of PLATFORMS) {
					for (const skip of planOne(platform, event, 'commission').skipped) {
						expect(['negative_value', 'invalid_conversion_time', 'invalid_event_time', 'not_for_meta', 'no_event_name']).not.toContain(skip.code);
					}
				}
			}),
			{ numRuns: 60 },
		);
	});

	test('a Click Tracker click: not_a_conversion on the six conversions-only platforms, never on Meta and TikTok', () => {
		fc.assert(
			fc.property(fc.integer({ min: 1, max: 60 * 60 }), (secondsAgo) => {
				const click = trackerClick({ clickedAt: new Date(NOW.getTime() - secondsAgo * 1000).toISOString() });
				for (const platform of PLATFORMS) {
					const codes = planOne(platform, click, 'commission').skipped.map((skip) => skip.code);
					if (TAKES_CLICKS.includes(platform)) expect({ platform, codes }).toEqual({ platform, codes: [] });
					else expect({ platform, codes }).toEqual({ platform, codes: ['not_a_conversion'] });
				}
			}),
			{ numRuns: 30 },
		);
	});

	test('an event older than every window is event_too_old wherever the platform has one (TikTok web and Google Ads have none)', () => {
		fc.assert(
			fc.property(fc.integer({ min: 91, max: 3000 }), (daysAgo) => {
				const old = {
					...purchase({ user: { email: 'buyer@example.com' }, destinationEvents: destinationEventsFor('Purchase') }),
					occurredAt: new Date(NOW.getTime() - daysAgo * DAY).toISOString(),
				};
				for (const platform of PLATFORMS) {
					const codes = planOne(platform, old, 'commission').skipped.map((skip) => skip.code);
					if (platform === 'tiktok' || platform === 'google_ads') expect({ platform, codes }).not.toEqual({ platform, codes: ['event_too_old'] });
					else expect({ platform, codes }).toEqual({ platform, codes: ['event_too_old'] });
				}
				const offline = planPlatformRequests('tiktok', [old], { pixelCode: 'CPIXEL123', accessToken: 'token', eventSource: 'offline' }, NOW);
				expect(offline.skipped.map((skip) => skip.code)).toEqual(['event_too_old']);
			}),
			{ numRuns: 20 },
		);
	});
});
