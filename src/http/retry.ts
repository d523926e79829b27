/**
 * The retry policy every outbound call shares: exponential backoff with full jitter, capped, honouring
 * the server's Retry-After when it gives one, and the one loop that applies it (withRetries). The clock, the
 * sleep and the randomness are passed in.
 */
export interface RetryPolicy {
	/** Attempts in all, including the first (default 4). */
	maxAttempts: number;
	/** First backoff step in ms (default 500). */
	baseDelayMs: number;
	/** Longest single wait in ms (default 30 s). */
	maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 4, baseDelayMs: 500, maxDelayMs: 30_000 };

/** The wait before attempt `attempt + 1` (attempt counts from 1). */
export function backoffDelay(attempt: number, policy: RetryPolicy = DEFAULT_RETRY_POLICY, random: () => number = Math.random, retryAfterMs?: number): number {
	const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
	const jittered = Math.floor(random() * exponential);
	// The server's own hint wins when it asks for longer than our backoff (never beyond the cap).
	return Math.min(policy.maxDelayMs, Math.max(jittered, retryAfterMs ?? 0));
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | string[] | undefined, now: Date): number | undefined {
	const text = Array.isArray(value) ? value[0] : value;
	if (!text) return undefined;
	if (/^\d+$/.test(text.trim())) return Number(text.trim()) * 1000;
	const at = Date.parse(text);
	return Number.isNaN(at) ? undefined : Math.max(0, at - now.getTime());
}

/** One attempt's verdict: `done` ends the loop; otherwise the loop waits the backoff (at least `retryAfterMs`) and tries again. */
export type AttemptOutcome<T> = { done: true; value: T } | { done: false; value: T; retryAfterMs?: number };

export interface RetryDependencies {
	sleep: (ms: number) => Promise<void>;
	/** Jitter source for the backoff (default Math.random). */
	random?: () => number;
}

export interface RetryResult<T> {
	/** The last attempt's value. */
	value: T;
	/** Attempts made, the first included. */
	attempts: number;
	/** True when the last attempt still asked for a retry and the policy allowed no more. */
	exhausted: boolean;
}

/**
 * The one retry loop: runs `attempt(1)`, `attempt(2)`, … until an attempt is done or `policy.maxAttempts` attempts
 * were made (always at least one), sleeping backoffDelay between attempts. What counts as transient, and what to
 * send again, is the caller's (`attempt` decides); an error `attempt` throws ends the loop and propagates.
 */
export async function withRetries<T>(
	policy: RetryPolicy,
	dependencies: RetryDependencies,
	attempt: (attemptNumber: number) => Promise<AttemptOutcome<T>>,
): Promise<RetryResult<T>> {
	for (let attemptNumber = 1; ; attemptNumber++) {
		const outcome = await attempt(attemptNumber);
		if (outcome.done) return { value: outcome.value, attempts: attemptNumber, exhausted: false };
		if (attemptNumber >= policy.maxAttempts) return { value: outcome.value, attempts: attemptNumber, exhausted: true };
		await dependencies.sleep(backoffDelay(attemptNumber, policy, dependencies.random, outcome.retryAfterMs));
	}
}
