/**
 * Sending a partner postback: retries with the shared backoff (src/http/retry.ts) on network errors, 429 and 5xx
 * (honouring Retry-After), never on another 4xx; optional exactly-once through the tracking store's leased claims.
 *
 * Dedup: the key is (network `postback:<target>`, the conversion's transaction id or else its conversion id,
 * `<event>#<status>`), so a replayed conversion does not fire twice while its status change (pending → reversed)
 * does. The claim is taken before sending and completed only after the partner accepted; a failed send releases
 * it, so a later retry sends. A process that dies mid-send leaves the claim pending: the first retry after the
 * lease takes it over (the partner may then get the postback twice; partners that dedup on txid absorb that).
 */
import { type HttpResponse, type HttpSend, headerValue } from '../http/port';
import { DEFAULT_RETRY_POLICY, type RetryPolicy, parseRetryAfter, withRetries } from '../http/retry';
import type { ClaimStore, ConversionKey } from '../store';
import { buildPartnerPostback } from './build';
import { redactText } from './redact';
import type { BuildPartnerOptions, BuiltPartnerPostback, PartnerPreset, PartnerPresetId, PartnerRequest, PostbackItem } from './types';
import { macroText } from './values';

/** How long a claim guards a send in flight (default 10 minutes: longer than 4 attempts with timeouts and backoff). */
export const DEFAULT_POSTBACK_LEASE_MS = 10 * 60 * 1000;
/**
 * The claim lease that covers one send with these settings: every attempt running to its timeout, with the longest
 * backoff between attempts, and half a minute for the store. Shorter than the 10-minute default, so a postback a
 * dead run left in flight is taken over (and redelivered) once no send of it can still be under way.
 */
export function postbackLeaseMs(maxAttempts: number, timeoutMs: number, policy: Pick<RetryPolicy, 'maxDelayMs'> = DEFAULT_RETRY_POLICY): number {
	const attempts = Math.max(1, Math.floor(maxAttempts));
	return attempts * Math.max(0, timeoutMs) + (attempts - 1) * policy.maxDelayMs + 30_000;
}

/** How much of the partner's answer the result keeps. */
export const RESPONSE_EXCERPT_LENGTH = 500;

/** The partner's answer: the body as text (or parsed JSON, or a Buffer: the excerpt is made from any of them). */
export type PartnerResponse = HttpResponse;

/** Side effects: nodes pass n8n's HTTP helper and `sleep`, tests pass a real client or fakes. */
export interface PartnerSendDependencies {
	/** Resolves with the partner's answer whatever its status; rejects only when no answer arrived (network error, timeout). */
	send: HttpSend<PartnerRequest>;
	sleep: (ms: number) => Promise<void>;
	now?: () => Date;
	random?: () => number;
}

export interface PartnerDedupOptions {
	store: ClaimStore;
	/** The dedup key (partnerDedupKey); undefined when the item has no id to deduplicate on. */
	key: ConversionKey | undefined;
	leaseMs?: number;
}

export interface SendPartnerOptions {
	retry?: Partial<RetryPolicy>;
	dedup?: PartnerDedupOptions;
}

export type PartnerPostbackStatus = 'sent' | 'failed' | 'duplicate';

export interface PartnerPostbackResult {
	status: PartnerPostbackStatus;
	/** The partner's last HTTP status (absent when no answer arrived or nothing was sent). */
	httpStatus?: number;
	/** The first 500 characters of the partner's last answer, as text, secrets removed. */
	responseExcerpt?: string;
	/** Requests made (0 for a duplicate). */
	attempts: number;
	method: 'GET' | 'POST';
	/** The URL with secrets redacted. */
	url: string;
	/** The body with secrets redacted (POST). */
	body?: string;
	emptyMacros: string[];
	omittedParameters: string[];
	/** Why it failed or was a duplicate. */
	reason?: string;
	/** On failed: whether sending it again later may succeed (throttling, 5xx, network) or not (another 4xx). */
	retryable?: boolean;
	dedup?: { status: 'first' | 'duplicate' | 'not-deduplicated'; key?: ConversionKey; reason?: string };
	/** On duplicate: another execution holds the claim and has not finished (its send may still fail). Not shown on the item. */
	inFlight?: boolean;
	/** With inFlight: when that execution's claim can be taken over (its claim time plus this send's lease). Not shown on the item. */
	inFlightUntil?: string;
}

/**
 * The dedup key of an item's postback to one target: undefined when the item has neither a transaction id nor a
 * conversion id (a key is never built from an empty part).
 */
export function partnerDedupKey(target: string, item: PostbackItem): ConversionKey | undefined {
	const id = macroText(item.transactionId) ?? macroText(item.conversionId);
	const targetId = target.trim();
	if (!id || !targetId) return undefined;
	const event = macroText(item.eventName) ?? 'conversion';
	const status = macroText(item.status) ?? 'unknown';
	return { network: `postback:${targetId}`, transactionId: id, eventName: `${event}#${status}` };
}

/** The partner's answer as text. */
function bodyText(body: unknown): string {
	if (body === undefined || body === null) return '';
	if (typeof body === 'string') return body;
	if (Buffer.isBuffer(body)) return body.toString('utf8');
	if (body instanceof ArrayBuffer) return Buffer.from(body).toString('utf8');
	try {
		return JSON.stringify(body) ?? String(body);
	} catch {
		return String(body);
	}
}

function excerptOf(body: unknown, secrets: readonly string[]): string {
	// Redact before cutting, so a secret straddling the cut is not half shown.
	return redactText(bodyText(body), secrets).slice(0, RESPONSE_EXCERPT_LENGTH);
}

const isTransient = (status: number) => status === 429 || status >= 500;

/** Sends a built postback with retries; the result never contains the postback's secrets. */
async function sendWithRetries(postback: BuiltPartnerPostback, dependencies: PartnerSendDependencies, policy: RetryPolicy): Promise<PartnerPostbackResult> {
	const now = dependencies.now ?? (() => new Date());
	const request: PartnerRequest = {
		method: postback.method,
		url: postback.url,
		headers: postback.headers,
		...(postback.body !== undefined ? { body: postback.body } : {}),
	};
	const base = {
		method: postback.method,
		url: postback.redactedUrl,
		...(postback.redactedBody !== undefined ? { body: postback.redactedBody } : {}),
		emptyMacros: postback.emptyMacros,
		omittedParameters: postback.omittedParameters,
	};
	const result = await withRetries<PartnerPostbackResult>(policy, dependencies, async (attempt) => {
		try {
			const response = await dependencies.send(request);
			const excerpt = excerptOf(response.body, postback.secrets);
			if (response.status < 400)
				return { done: true, value: { ...base, status: 'sent', httpStatus: response.status, responseExcerpt: excerpt, attempts: attempt } };
			const failure = { httpStatus: response.status, responseExcerpt: excerpt, reason: `The partner answered HTTP ${response.status}` };
			if (!isTransient(response.status)) {
				return {
					done: true,
					value: {
						...base,
						...failure,
						status: 'failed',
						attempts: attempt,
						retryable: false,
						reason: `${failure.reason}: not retried (sending it again would fail again)`,
					},
				};
			}
			return {
				done: false,
				value: { ...base, ...failure, status: 'failed', attempts: attempt, retryable: true },
				retryAfterMs: parseRetryAfter(headerValue(response.headers, 'retry-after'), now()),
			};
		} catch (error) {
			const message = error instanceof Error ? error.message : String(error);
			return {
				done: false,
				// Key order as the other failures: the reason before the status.
				value: {
					...base,
					reason: `No answer from the partner: ${redactText(message, postback.secrets)}`,
					status: 'failed',
					attempts: attempt,
					retryable: true,
				},
			};
		}
	});
	const last = result.value;
	return result.exhausted ? { ...last, reason: `${last.reason} (gave up after ${last.attempts} attempts)` } : last;
}

/**
 * Sends one built postback: with `dedup`, only if this target has not already received it (a leased claim in the
 * store, completed after the partner accepted, released after a failure so a later run retries it).
 */
export async function sendPartnerPostback(
	postback: BuiltPartnerPostback,
	dependencies: PartnerSendDependencies,
	options: SendPartnerOptions = {},
): Promise<PartnerPostbackResult> {
	const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
	const dedup = options.dedup;
	if (!dedup) return await sendWithRetries(postback, dependencies, policy);
	const { store, key } = dedup;
	if (!key) {
		const result = await sendWithRetries(postback, dependencies, policy);
		return {
			...result,
			dedup: { status: 'not-deduplicated', reason: 'The item has no transaction id or conversion id, so a repeat of this postback cannot be recognised.' },
		};
	}

	const leaseMs = dedup.leaseMs ?? DEFAULT_POSTBACK_LEASE_MS;
	const claim = await store.claimConversionDetailed(key, { leaseMs });
	const claimedAtMs = claim.claimedAt ? Date.parse(claim.claimedAt) : Number.NaN;
	if (claim.result === 'duplicate') {
		const reason =
			claim.state === 'in-flight'
				? `Another execution is sending this postback${claim.claimedAt ? ` (since ${claim.claimedAt})` : ''}: it is not sent twice.`
				: 'This postback was already sent to this partner: it is not sent twice.';
		return {
			status: 'duplicate',
			attempts: 0,
			method: postback.method,
			url: postback.redactedUrl,
			...(postback.redactedBody !== undefined ? { body: postback.redactedBody } : {}),
			emptyMacros: postback.emptyMacros,
			omittedParameters: postback.omittedParameters,
			reason,
			dedup: { status: 'duplicate', key, reason },
			...(claim.state === 'in-flight' ? { inFlight: true } : {}),
			...(claim.state === 'in-flight' && Number.isFinite(claimedAtMs) ? { inFlightUntil: new Date(claimedAtMs + leaseMs).toISOString() } : {}),
		};
	}
	const holder = { token: claim.token! };
	let result: PartnerPostbackResult;
	try {
		result = await sendWithRetries(postback, dependencies, policy);
	} catch (error) {
		// Nothing was confirmed: give the claim up so a retry sends at once rather than after the lease.
		await store.releaseClaim(key, holder).catch(() => false);
		throw error;
	}
	if (result.status === 'sent') {
		const completed = await store.completeClaim(key, holder);
		const reason = completed ? undefined : 'The send outlasted its claim lease and another execution took the postback over; the partner may receive it twice.';
		return { ...result, dedup: { status: 'first', key, ...(reason ? { reason } : {}) } };
	}
	await store.releaseClaim(key, holder).catch(() => false);
	return { ...result, dedup: { status: 'first', key, reason: 'The send failed, so the claim was released: running it again sends it.' } };
}

export interface PostbackToPartnerOptions extends BuildPartnerOptions {
	retry?: Partial<RetryPolicy>;
	/** Dedup through the store; `target` names the partner in the key (default: the preset id). */
	dedup?: { store: ClaimStore; target?: string; leaseMs?: number };
}

/** Builds and sends one item's postback: buildPartnerPostback, then sendPartnerPostback with its dedup key. */
export async function postbackToPartner(
	preset: PartnerPreset | PartnerPresetId | string,
	item: PostbackItem,
	dependencies: PartnerSendDependencies,
	options: PostbackToPartnerOptions = {},
): Promise<PartnerPostbackResult> {
	const { retry, dedup, ...buildOptions } = options;
	const postback = buildPartnerPostback(preset, item, buildOptions);
	const target = dedup?.target?.trim() || postback.preset;
	return await sendPartnerPostback(postback, dependencies, {
		...(retry ? { retry } : {}),
		...(dedup ? { dedup: { store: dedup.store, key: partnerDedupKey(target, item), ...(dedup.leaseMs !== undefined ? { leaseMs: dedup.leaseMs } : {}) } } : {}),
	});
}
