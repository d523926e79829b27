import { type AttemptOutcome, type RetryPolicy, backoffDelay, withRetries } from '../../../src/http/retry';

const policy: RetryPolicy = { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 1_000 };

/** Sleeps recorded, not slept; randomness fixed at its top (full jitter then waits the whole step). */
function fakes() {
	const sleeps: number[] = [];
	return { sleeps, dependencies: { sleep: async (ms: number) => void sleeps.push(ms), random: () => 0.999_999 } };
}

describe('withRetries, the one retry loop', () => {
	test('stops at the first attempt that is done, without sleeping after it', async () => {
		const { sleeps, dependencies } = fakes();
		const seen: number[] = [];
		const result = await withRetries(policy, dependencies, async (attempt): Promise<AttemptOutcome<string>> => {
			seen.push(attempt);
			return attempt === 2 ? { done: true, value: 'ok' } : { done: false, value: 'busy' };
		});
		expect(result).toEqual({ value: 'ok', attempts: 2, exhausted: false });
		expect(seen).toEqual([1, 2]);
		expect(sleeps).toEqual([backoffDelay(1, policy, () => 0.999_999)]);
	});

	test('gives up after maxAttempts with the last value, sleeping only between attempts', async () => {
		const { sleeps, dependencies } = fakes();
		const result = await withRetries(policy, dependencies, async (attempt) => ({ done: false, value: `try ${attempt}` }));
		expect(result).toEqual({ value: 'try 3', attempts: 3, exhausted: true });
		expect(sleeps).toEqual([99, 199]);
	});

	test("waits at least the server's Retry-After, within the cap", async () => {
		const { sleeps, dependencies } = fakes();
		await withRetries(policy, dependencies, async (attempt) => ({ done: false, value: attempt, retryAfterMs: attempt === 1 ? 700 : 5_000 }));
		expect(sleeps).toEqual([700, 1_000]);
	});

	test('always makes one attempt, and an error thrown by an attempt ends the loop', async () => {
		const { sleeps, dependencies } = fakes();
		const once = await withRetries({ ...policy, maxAttempts: 0 }, dependencies, async () => ({ done: false, value: 'x' }));
		expect(once).toEqual({ value: 'x', attempts: 1, exhausted: true });
		await expect(
			withRetries(policy, dependencies, async () => {
				throw new Error('refused');
			}),
		).rejects.toThrow('refused');
		expect(sleeps).toEqual([]);
	});
});
