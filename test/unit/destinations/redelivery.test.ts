import fc from 'fast-check';
import {
	DEFAULT_DEAD_LETTER_LIMITS,
	DEFAULT_REDELIVERY_POLICY,
	type RedeliveryPolicy,
	attemptSettlement,
	deadLetter,
	firstDueAt,
	redeliveryBackoff,
	redeliveryPolicyWithGrace,
} from '../../../src/destinations/redelivery';

const NOW = new Date('2026-12-07T12:00:00.000Z');
const MINUTE = 60_000;

const policyArb: fc.Arbitrary<RedeliveryPolicy> = fc
	.record({
		graceMs: fc.integer({ min: 0, max: 3_600_000 }),
		baseDelayMs: fc.integer({ min: 1, max: 600_000 }),
		extra: fc.integer({ min: 0, max: 86_400_000 }),
	})
	.map(({ graceMs, baseDelayMs, extra }) => ({ graceMs, baseDelayMs, maxDelayMs: baseDelayMs + extra }));

describe('redeliveryBackoff', () => {
	it('doubles from the base delay and stops at the cap', () => {
		const waits = [1, 2, 3, 4].map((attempt) => redeliveryBackoff(attempt));
		expect(waits).toEqual([MINUTE, 2 * MINUTE, 4 * MINUTE, 8 * MINUTE]);
		expect(redeliveryBackoff(50)).toBe(DEFAULT_REDELIVERY_POLICY.maxDelayMs);
		expect(redeliveryBackoff(10_000)).toBe(DEFAULT_REDELIVERY_POLICY.maxDelayMs);
	});

	it('is monotone in the attempt number and never beyond the cap, whatever Retry-After says', () => {
		fc.assert(
			fc.property(
				policyArb,
				fc.integer({ min: 1, max: 200 }),
				fc.option(fc.integer({ min: 0, max: 10 ** 10 }), { nil: undefined }),
				(policy, attempt, retryAfter) => {
					const wait = redeliveryBackoff(attempt, policy, retryAfter);
					expect(wait).toBeLessThanOrEqual(policy.maxDelayMs);
					expect(wait).toBeGreaterThanOrEqual(Math.min(policy.baseDelayMs, policy.maxDelayMs));
					expect(redeliveryBackoff(attempt + 1, policy, retryAfter)).toBeGreaterThanOrEqual(wait);
				},
			),
		);
	});

	it("honours the platform's Retry-After when it asks for longer than the backoff", () => {
		expect(redeliveryBackoff(1, DEFAULT_REDELIVERY_POLICY, 5 * MINUTE)).toBe(5 * MINUTE);
		expect(redeliveryBackoff(4, DEFAULT_REDELIVERY_POLICY, MINUTE)).toBe(8 * MINUTE);
	});
});

describe('attemptSettlement', () => {
	it('settles sent and failed for good, and never makes a failed attempt pending', () => {
		fc.assert(
			fc.property(fc.integer({ min: 1, max: 100 }), fc.date({ noInvalidDate: true }), policyArb, (attempt, now, policy) => {
				expect(attemptSettlement({ outcome: 'sent' }, attempt, now, policy)).toEqual({ state: 'sent' });
				expect(attemptSettlement({ outcome: 'failed', retryAt: now.toISOString(), retryAfterMs: 5 }, attempt, now, policy)).toEqual({ state: 'failed' });
			}),
		);
	});

	it('makes a transient failure pending after the backoff for its attempt number', () => {
		expect(attemptSettlement({ outcome: 'retry' }, 3, NOW)).toEqual({ state: 'pending', dueAt: '2026-12-07T12:04:00.000Z' });
		expect(attemptSettlement({ outcome: 'retry', retryAfterMs: 30 * MINUTE }, 1, NOW)).toEqual({ state: 'pending', dueAt: '2026-12-07T12:30:00.000Z' });
	});

	it("makes retry_later pending at the platform's retryAt, or after the backoff without one", () => {
		expect(attemptSettlement({ outcome: 'retry_later', retryAt: '2026-12-07T17:59:59+00:00' }, 1, NOW)).toEqual({
			state: 'pending',
			dueAt: '2026-12-07T17:59:59.000Z',
		});
		expect(attemptSettlement({ outcome: 'retry_later' }, 1, NOW)).toEqual({ state: 'pending', dueAt: '2026-12-07T12:01:00.000Z' });
		expect(attemptSettlement({ outcome: 'retry_later', retryAt: 'soon' }, 2, NOW)).toEqual({ state: 'pending', dueAt: '2026-12-07T12:02:00.000Z' });
	});

	it('never answers gave_up: the dead letter is decided when an entry is claimed', () => {
		fc.assert(
			fc.property(fc.constantFrom('sent', 'failed', 'retry', 'retry_later' as const), fc.integer({ min: 1, max: 10_000 }), (outcome, attempt) => {
				expect(attemptSettlement({ outcome }, attempt, NOW).state).not.toBe('gave_up');
			}),
		);
	});
});

describe('firstDueAt', () => {
	it('is the grace period after now (10 minutes by default)', () => {
		expect(firstDueAt(NOW)).toBe('2026-12-07T12:10:00.000Z');
		expect(firstDueAt(NOW, { ...DEFAULT_REDELIVERY_POLICY, graceMs: 0 })).toBe(NOW.toISOString());
	});
});

describe('redeliveryPolicyWithGrace (POSTBACK_REDELIVERY_GRACE_SECONDS)', () => {
	it('sets the grace period to the whole number of seconds given, the rest of the policy unchanged', () => {
		expect(redeliveryPolicyWithGrace('30')).toEqual({ ...DEFAULT_REDELIVERY_POLICY, graceMs: 30_000 });
		expect(redeliveryPolicyWithGrace(' 0 ')).toEqual({ ...DEFAULT_REDELIVERY_POLICY, graceMs: 0 });
		expect(redeliveryPolicyWithGrace('3600')).toEqual({ ...DEFAULT_REDELIVERY_POLICY, graceMs: 3_600_000 });
	});

	it('keeps the 10-minute default when the setting is unset, blank or not a whole number of seconds', () => {
		for (const value of [undefined, '', '  ', '-5', '1.5', '30s', 'ten', '1e3', '99999999']) {
			expect(redeliveryPolicyWithGrace(value)).toBe(DEFAULT_REDELIVERY_POLICY);
		}
		expect(DEFAULT_REDELIVERY_POLICY.graceMs).toBe(10 * MINUTE);
	});
});

describe('deadLetter', () => {
	const createdAt = NOW.toISOString();
	const limits = DEFAULT_DEAD_LETTER_LIMITS;

	it('defaults to 10 attempts and 7 days', () => {
		expect(limits).toEqual({ maxAttempts: 10, maxAgeMs: 7 * 24 * 60 * MINUTE });
	});

	it('gives up exactly at the attempt limit', () => {
		fc.assert(
			fc.property(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 0, max: 60 }), (maxAttempts, attempts) => {
				const reason = deadLetter({ attempts, createdAt }, NOW, { ...limits, maxAttempts });
				expect(reason).toBe(attempts >= maxAttempts ? 'max_attempts' : undefined);
			}),
		);
	});

	it('gives up exactly at the age limit', () => {
		fc.assert(
			fc.property(fc.integer({ min: 1, max: 30 * 86_400_000 }), fc.integer({ min: -5, max: 5 }), (maxAgeMs, offset) => {
				const now = new Date(NOW.getTime() + maxAgeMs + offset);
				expect(deadLetter({ attempts: 0, createdAt }, now, { maxAttempts: 10, maxAgeMs })).toBe(offset >= 0 ? 'max_age' : undefined);
			}),
		);
	});
});
