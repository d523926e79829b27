import fc from 'fast-check';
import { deliveryOf, failedForward, forwardOf, isSent } from '../../../../src/destinations/forward';
import type { EventOutcome } from '../../../../src/destinations';

describe('forwardOf: the platform result as the item says it', () => {
	test('keeps what the result says, in a fixed shape', () => {
		expect(forwardOf('tiktok', { index: 0, outcome: 'sent', eventId: 'ev_1' })).toEqual({ platform: 'tiktok', outcome: 'sent', eventId: 'ev_1' });
		expect(
			forwardOf('meta', { index: 3, outcome: 'retry_later', code: 'event_in_future', reason: 'later', retryAt: '2026-07-15T12:00:00Z', retryAfterMs: 5 }),
		).toEqual({ platform: 'meta', outcome: 'retry_later', code: 'event_in_future', reason: 'later', retryAt: '2026-07-15T12:00:00Z' });
	});

	test('leaves out empty fields, and never carries the result index or Retry-After', () => {
		const forward = forwardOf('reddit', { index: 2, outcome: 'failed', code: '', reason: '', retryAfterMs: 100 });
		expect(Object.keys(forward)).toEqual(['platform', 'outcome']);
	});
});

describe('failedForward and isSent', () => {
	test('a local failure has the same shape as a platform failure', () => {
		expect(failedForward('pinterest', 'configuration', 'Ad Account ID is empty')).toEqual({
			platform: 'pinterest',
			outcome: 'failed',
			code: 'configuration',
			reason: 'Ad Account ID is empty',
		});
	});

	test.each([
		['sent', true],
		['failed', false],
		['retry', false],
		['retry_later', false],
	] as Array<[EventOutcome, boolean]>)('%s is sent: %s', (outcome, sent) => {
		expect(isSent({ outcome })).toBe(sent);
	});
});

describe('deliveryOf: the conversion log line', () => {
	test.each([
		[
			{ outcome: 'sent', eventId: 'ev_1' },
			{ outcome: 'sent', eventId: 'ev_1' },
		],
		[
			{ outcome: 'retry_later', code: 'event_in_future', reason: 'r' },
			{ outcome: 'retry_later', code: 'event_in_future', reason: 'r' },
		],
		// A reversal, or a click to a conversions-only platform: not for this destination.
		[
			{ outcome: 'failed', code: 'not_a_conversion', reason: 'r' },
			{ outcome: 'skipped', code: 'not_a_conversion', reason: 'r' },
		],
		[
			{ outcome: 'failed', code: 'configuration', reason: 'r' },
			{ outcome: 'failed', code: 'configuration', reason: 'r' },
		],
		[
			{ outcome: 'retry', code: '503' },
			{ outcome: 'failed', code: '503' },
		],
		[{}, { outcome: 'failed' }],
	])('%j is recorded as %j', (forward, line) => {
		expect(deliveryOf('snapchat', forward)).toEqual({ destination: 'snapchat', ...line });
	});

	test('fields that are not text are left out', () => {
		expect(deliveryOf('ga4', { outcome: 'sent', eventId: 7, code: 1, reason: null })).toEqual({ destination: 'ga4', outcome: 'sent' });
	});

	test('only a sent forward is recorded as sent, and skipped means not_a_conversion', () => {
		fc.assert(
			fc.property(
				fc.constantFrom<EventOutcome>('sent', 'failed', 'retry', 'retry_later'),
				fc.option(fc.constantFrom('not_a_conversion', 'configuration', 'send_error', 'x'), { nil: undefined }),
				(outcome, code) => {
					const line = deliveryOf('reddit', forwardOf('reddit', { index: 0, outcome, code }));
					expect(line.outcome === 'sent').toBe(outcome === 'sent');
					expect(line.outcome === 'skipped').toBe(code === 'not_a_conversion' && outcome !== 'sent' && outcome !== 'retry_later');
					expect(line.code).toBe(code);
				},
			),
		);
	});
});
