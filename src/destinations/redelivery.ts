/**
 * The redelivery policy (issue 16): how one attempt's outcome settles a conversion's outbox entry, when a
 * pending entry is due again, and when it goes to the dead letter. Pure: the clock is passed in.
 *
 * The dead letter is decided when a due entry is claimed (deadLetter), not when an attempt is settled
 * (attemptSettlement never answers gave_up): the Redelivery Trigger settles it there, with its claim's token,
 * so every entry that gives up comes out of its Gave Up output exactly once, whichever node made the attempt.
 */
import type { OutboxEntry, OutboxSettlement } from '../store/types';
import type { EventOutcome } from './types';

export interface RedeliveryPolicy {
	/** How long an entry written before the first, inline send waits before a redelivery run may take it (a crashed run). */
	graceMs: number;
	/** The wait after the first transient failure; each further one doubles it. */
	baseDelayMs: number;
	/** The longest wait between two attempts (a platform's Retry-After included). */
	maxDelayMs: number;
}

/** Limits past which a pending entry is given up (the dead letter). */
export interface DeadLetterLimits {
	/** Attempts settled, the first one included. */
	maxAttempts: number;
	/** Time since the entry was written. */
	maxAgeMs: number;
}

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

export const DEFAULT_REDELIVERY_POLICY: RedeliveryPolicy = { graceMs: 10 * MINUTE, baseDelayMs: MINUTE, maxDelayMs: 6 * 60 * MINUTE };
export const DEFAULT_DEAD_LETTER_LIMITS: DeadLetterLimits = { maxAttempts: 10, maxAgeMs: 7 * DAY };

/**
 * The policy with the operator's grace period, from the text of the POSTBACK_REDELIVERY_GRACE_SECONDS setting (a
 * whole number of seconds, 0 or more). Unset, blank or malformed keeps `policy`'s grace: a grace shorter than a
 * slow send lets the trigger send a conversion whose first send is still under way, so only a readable value
 * may shorten it.
 */
export function redeliveryPolicyWithGrace(graceSeconds: string | undefined, policy: RedeliveryPolicy = DEFAULT_REDELIVERY_POLICY): RedeliveryPolicy {
	const text = graceSeconds?.trim() ?? '';
	if (!/^\d{1,7}$/.test(text)) return policy;
	return { ...policy, graceMs: Number(text) * 1000 };
}

/** What an attempt came to, as the sender reports it (an EventResult or an item's `forward`). */
export interface AttemptResult {
	outcome: EventOutcome;
	/** retry_later: when the platform will take it. */
	retryAt?: string;
	/** retry: the platform's Retry-After, in ms. */
	retryAfterMs?: number;
}

/** When an entry written now, before the inline send, becomes due for redelivery. */
export function firstDueAt(now: Date, policy: RedeliveryPolicy = DEFAULT_REDELIVERY_POLICY): string {
	return new Date(now.getTime() + policy.graceMs).toISOString();
}

/**
 * The wait after attempt number `attempt` (from 1) failed transiently: exponential from baseDelayMs, capped at
 * maxDelayMs; the platform's Retry-After wins when it asks for longer, within the same cap. No jitter: entries
 * are spread by the polls that claim them, and a deterministic due time is what an operator can read.
 */
export function redeliveryBackoff(attempt: number, policy: RedeliveryPolicy = DEFAULT_REDELIVERY_POLICY, retryAfterMs?: number): number {
	const step = Math.max(1, Math.floor(attempt));
	// Capping the exponent first keeps 2 ** n finite for any attempt count.
	const exponential = policy.baseDelayMs * 2 ** Math.min(step - 1, 52);
	return Math.min(policy.maxDelayMs, Math.max(exponential, retryAfterMs ?? 0));
}

/**
 * The settlement for attempt number `attempt` (from 1) of an entry: sent and failed are final (a refusal is
 * never retried); retry is due again after the backoff; retry_later at the platform's retryAt (or, without a
 * readable one, after the backoff). Never gave_up: see the module comment.
 */
export function attemptSettlement(result: AttemptResult, attempt: number, now: Date, policy: RedeliveryPolicy = DEFAULT_REDELIVERY_POLICY): OutboxSettlement {
	if (result.outcome === 'sent') return { state: 'sent' };
	if (result.outcome === 'failed') return { state: 'failed' };
	const retryAt = result.outcome === 'retry_later' && result.retryAt ? Date.parse(result.retryAt) : Number.NaN;
	if (!Number.isNaN(retryAt)) return { state: 'pending', dueAt: new Date(retryAt).toISOString() };
	return { state: 'pending', dueAt: new Date(now.getTime() + redeliveryBackoff(attempt, policy, result.retryAfterMs)).toISOString() };
}

export type DeadLetterReason = 'max_attempts' | 'max_age';

/** Why a pending entry must be given up now, or undefined while it may still be sent: at `maxAttempts` settled attempts, or `maxAgeMs` after it was written. */
export function deadLetter(
	entry: Pick<OutboxEntry, 'attempts' | 'createdAt'>,
	now: Date,
	limits: DeadLetterLimits = DEFAULT_DEAD_LETTER_LIMITS,
): DeadLetterReason | undefined {
	if (entry.attempts >= limits.maxAttempts) return 'max_attempts';
	if (now.getTime() - Date.parse(entry.createdAt) >= limits.maxAgeMs) return 'max_age';
	return undefined;
}

/** The operator's reason for a dead letter (kept on the entry; no PII). */
export function deadLetterMessage(reason: DeadLetterReason, entry: Pick<OutboxEntry, 'attempts' | 'createdAt'>, limits: DeadLetterLimits): string {
	return reason === 'max_attempts'
		? `Gave up after ${entry.attempts} attempts (the limit is ${limits.maxAttempts})`
		: `Gave up: first written at ${entry.createdAt}, more than ${Math.round(limits.maxAgeMs / 3_600_000)} hours ago`;
}
