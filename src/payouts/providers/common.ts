/**
 * What both providers share: the retry loop over an injected `send`, header and JSON reading, secret redaction,
 * and the checks every batch must pass before anything is sent.
 */
import { DEFAULT_RETRY_POLICY, type RetryPolicy, parseRetryAfter, withRetries } from '../../http/retry';
import { normalizeDecimal } from '../../model/money';
import {
	PayoutBatchInvalid,
	PayoutRequestRejected,
	PayoutRunStopped,
	type PayoutBatch,
	type PayoutDeps,
	type PayoutHttpResponse,
	type PayoutProviderId,
} from './types';

/** A failure worth retrying that is not a network error (e.g. the token endpoint answered 503): its message is kept as the reason. */
export class TransientFailure extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'TransientFailure';
	}
}

export type Exchange =
	| { ok: true; response: PayoutHttpResponse; attempts: number }
	/** Retries ran out: `reason` says what the last attempt saw; `response` is the last answer when there was one. */
	| { ok: false; reason: string; attempts: number; response?: PayoutHttpResponse };

export function retryPolicy(deps: PayoutDeps): RetryPolicy {
	return { ...DEFAULT_RETRY_POLICY, ...deps.retry };
}

export function clock(deps: PayoutDeps): Date {
	return deps.now ? deps.now() : new Date();
}

/** A header's value, whatever the case of its name. */
export function header(response: PayoutHttpResponse, name: string): string | undefined {
	const wanted = name.toLowerCase();
	for (const [key, value] of Object.entries(response.headers)) {
		if (key.toLowerCase() === wanted) return Array.isArray(value) ? value[0] : value;
	}
	return undefined;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function stringField(record: unknown, key: string): string | undefined {
	if (!isRecord(record)) return undefined;
	const value = record[key];
	return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined;
}

/** The answer body as an object; a text body (a proxy's HTML page) becomes `{}`. */
export function jsonBody(response: PayoutHttpResponse): Record<string, unknown> {
	if (isRecord(response.body)) return response.body;
	if (typeof response.body === 'string') {
		try {
			const parsed: unknown = JSON.parse(response.body);
			if (isRecord(parsed)) return parsed;
		} catch {
			// not JSON
		}
	}
	return {};
}

/** Replaces every secret (and anything shaped like a Stripe key or a bearer token) with "[redacted]". */
export function redact(text: string, secrets: Array<string | undefined>): string {
	let result = text;
	for (const secret of secrets) {
		// Very short values would blank out ordinary words; real secrets are long.
		if (secret && secret.length >= 6) result = result.split(secret).join('[redacted]');
	}
	return result.replace(/\b(sk|rk)_(live|test)_[A-Za-z0-9*]+/g, '[redacted]').replace(/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, '$1 [redacted]');
}

/**
 * Sends through `attempt` until an answer that is not transient, retrying network errors, timeouts and the
 * statuses `isTransient` names with the shared backoff (honouring Retry-After). Never retries on its own
 * account anything that changes ids: the caller's `attempt` builds the same request every time.
 * A PayoutRequestRejected, PayoutBatchInvalid or PayoutRunStopped thrown by `attempt` ends the loop at once.
 */
export async function exchangeWithRetries(
	deps: PayoutDeps,
	attempt: () => Promise<PayoutHttpResponse>,
	isTransient: (response: PayoutHttpResponse) => boolean,
	describeTransient: (response: PayoutHttpResponse) => string,
	secrets: Array<string | undefined>,
): Promise<Exchange> {
	type Failed = Extract<Exchange, { ok: false }>;
	const result = await withRetries<Exchange>(retryPolicy(deps), deps, async (attemptNumber) => {
		try {
			const response = await attempt();
			if (!isTransient(response)) return { done: true, value: { ok: true, response, attempts: attemptNumber } };
			const failed: Failed = { ok: false, reason: redact(describeTransient(response), secrets), attempts: attemptNumber, response };
			return { done: false, value: failed, retryAfterMs: parseRetryAfter(header(response, 'retry-after'), clock(deps)) };
		} catch (error) {
			if (error instanceof PayoutRequestRejected || error instanceof PayoutBatchInvalid || error instanceof PayoutRunStopped) throw error;
			const text = redact(error instanceof Error ? error.message : String(error), secrets);
			const failed: Failed = {
				ok: false,
				reason: error instanceof TransientFailure ? text : `no answer (${text})`,
				attempts: attemptNumber,
				response: undefined,
			};
			return { done: false, value: failed };
		}
	});
	return result.value;
}

const ITEM_ID = /^[A-Za-z0-9_-]{1,63}$/;

/** The checks both providers make before sending anything: ids, amounts above zero, no repeated item. */
export function validateBatchBasics(provider: PayoutProviderId, batch: PayoutBatch): void {
	if (!batch.batchId || batch.batchId.length > 64 || !/^[\x21-\x7e]+$/.test(batch.batchId)) {
		throw new PayoutBatchInvalid(provider, `The batch id "${batch.batchId}" must be 1 to 64 printable characters without spaces`);
	}
	if (batch.lines.length === 0) throw new PayoutBatchInvalid(provider, `Batch ${batch.batchId} has no lines to pay`);
	const seen = new Set<string>();
	for (const line of batch.lines) {
		if (!ITEM_ID.test(line.itemId)) {
			throw new PayoutBatchInvalid(provider, `Item id "${line.itemId}" must be 1 to 63 characters of A-Z, a-z, 0-9, _ and -`, line.itemId);
		}
		if (seen.has(line.itemId)) throw new PayoutBatchInvalid(provider, `Item id "${line.itemId}" appears twice in batch ${batch.batchId}`, line.itemId);
		seen.add(line.itemId);
		const amount = normalizeDecimal(line.amount);
		if (amount === undefined || amount === '0' || amount.startsWith('-')) {
			throw new PayoutBatchInvalid(provider, `Item ${line.itemId}: the amount "${line.amount}" must be a decimal above zero`, line.itemId);
		}
		if (!line.receiver) throw new PayoutBatchInvalid(provider, `Item ${line.itemId}: the receiver is empty`, line.itemId);
	}
}

/**
 * An exact decimal amount as a whole count of 10^-decimals ('12.5', 2 → 1250n); undefined when the amount has
 * more decimals than allowed (never rounded: the ledger decides rounding, not the payout call).
 */
export function scaledAmount(amount: string, decimals: number): bigint | undefined {
	const normalized = normalizeDecimal(amount);
	if (normalized === undefined) return undefined;
	const negative = normalized.startsWith('-');
	const [integer, fraction = ''] = (negative ? normalized.slice(1) : normalized).split('.');
	if (fraction.length > decimals) return undefined;
	const scaled = BigInt(integer + fraction.padEnd(decimals, '0'));
	return negative ? -scaled : scaled;
}
