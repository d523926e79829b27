import type { HttpSend } from '../http/port';
import { DEFAULT_RETRY_POLICY, type RetryPolicy, withRetries } from '../http/retry';
import { DESTINATIONS } from './index';
import type { EventResult, ForwardableEvent, Platform, PlatformConfigs, PlatformRequest, SkippedEvent } from './types';

/** Side effects the sender needs; nodes pass n8n's request helper and `sleep`, tests pass fakes. */
export interface SendDependencies {
	/**
	 * Sends one request and resolves with the platform's answer, whatever its status. Reject only when no
	 * answer arrived (network error, timeout): that counts as a transient failure.
	 */
	send: HttpSend<PlatformRequest>;
	sleep: (ms: number) => Promise<void>;
	now?: () => Date;
	random?: () => number;
}

export interface SendOptions {
	retry?: Partial<RetryPolicy>;
}

/** An event the plan held back, as a result for its original position. */
function skippedResult(skipped: SkippedEvent, index: number): EventResult {
	return {
		index,
		outcome: skipped.outcome ?? 'failed',
		code: skipped.code,
		reason: skipped.reason,
		...(skipped.retryAt ? { retryAt: skipped.retryAt } : {}),
	};
}

/**
 * Delivers events to one platform: plans the batches, sends each, reads per-event results, and retries
 * only the events whose outcome was transient — never an event the platform already accepted or refused.
 * Returns exactly one result per input event, in input order, so nothing is dropped silently.
 */
export async function sendToPlatform<P extends Platform>(
	platform: P,
	events: ForwardableEvent[],
	config: PlatformConfigs[P],
	dependencies: SendDependencies,
	options: SendOptions = {},
): Promise<EventResult[]> {
	const destination = DESTINATIONS[platform];
	const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
	const now = dependencies.now ?? (() => new Date());
	const results = new Map<number, EventResult>();

	const plan = destination.planRequests(events, config as never, now());
	for (const skipped of plan.skipped) results.set(skipped.index, skippedResult(skipped, skipped.index));

	for (const firstRequest of plan.requests) {
		let request: PlatformRequest = firstRequest;
		let transient: EventResult[] = [];
		const { exhausted, attempts } = await withRetries(policy, dependencies, async (attempt) => {
			if (attempt > 1) {
				// Re-plan only the transient events, so accepted ones are never sent twice.
				const retryIndexes = transient.map((result) => result.index);
				const replanned = destination.planRequests(
					retryIndexes.map((index) => events[index]),
					config as never,
					now(),
				);
				for (const skipped of replanned.skipped) {
					const index = retryIndexes[skipped.index];
					results.set(index, skippedResult(skipped, index));
				}
				// A retry set never exceeds one batch (it came from one), so one request carries it.
				const [retryRequest] = replanned.requests;
				if (!retryRequest) return { done: true, value: undefined };
				request = { ...retryRequest, itemIndexes: retryRequest.itemIndexes.map((i) => retryIndexes[i]) };
			}
			let batchResults: EventResult[];
			try {
				const response = await dependencies.send(request);
				batchResults = destination.readResponse(request, response, now());
			} catch (error) {
				const reason = `No answer from ${platform}: ${error instanceof Error ? error.message : String(error)}`;
				batchResults = request.itemIndexes.map((index) => ({ index, outcome: 'retry' as const, code: 'network_error', reason }));
			}
			transient = batchResults.filter((result) => result.outcome === 'retry');
			for (const result of batchResults) if (result.outcome !== 'retry') results.set(result.index, result);
			if (transient.length === 0) return { done: true, value: undefined };
			const retryAfterMs = Math.max(0, ...transient.map((result) => result.retryAfterMs ?? 0));
			return { done: false, value: undefined, retryAfterMs: retryAfterMs || undefined };
		});
		if (exhausted) {
			for (const result of transient) {
				results.set(result.index, { ...result, reason: `${result.reason ?? 'Transient failure'} (gave up after ${attempts} attempts)` });
			}
		}
	}
	return events.map(
		(_, index) => results.get(index) ?? { index, outcome: 'failed', code: 'not_sent', reason: 'The destination produced no result for this event' },
	);
}
