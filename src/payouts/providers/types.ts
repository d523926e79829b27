/**
 * The contract of a payout provider (PayPal Payouts, Stripe Connect transfers). Providers build requests and
 * read answers; the HTTP `send`, the `sleep` and the clock are passed in, so nothing here imports n8n and tests
 * pass a real HTTP sender pointed at a local server.
 */
import type { HttpRequest, HttpResponse, HttpSend } from '../../http/port';
import type { RetryPolicy } from '../../http/retry';

export interface PayoutHttpRequest extends HttpRequest {
	method: 'GET' | 'POST';
	url: string;
	headers: Record<string, string>;
	body?: string;
}

/** The provider's answer (the engine's one HTTP port: src/http/port.ts). */
export type PayoutHttpResponse = HttpResponse;

/** Throws on network errors and timeouts (the outcome of the call is then unknown). */
export type PayoutSend = HttpSend<PayoutHttpRequest>;

export interface PayoutDeps {
	send: PayoutSend;
	sleep: (ms: number) => Promise<void>;
	now?: () => Date;
	/** Overrides fields of DEFAULT_RETRY_POLICY (a full policy is also accepted). */
	retry?: Partial<RetryPolicy>;
	/** Jitter source for the backoff (default Math.random). */
	random?: () => number;
}

export interface PayoutLine {
	/** Deterministic, ≤ 63 chars, [A-Za-z0-9_-]: PayPal's sender_item_id, Stripe's metadata[item_id]. */
	itemId: string;
	affiliateId: string;
	/** PayPal: email, phone or PayPal id; Stripe: the connected account id (acct_…). */
	receiver: string;
	receiverType?: 'EMAIL' | 'PHONE' | 'PAYPAL_ID';
	/** ISO 4217. */
	currency: string;
	/** Exact decimal, above zero. */
	amount: string;
	note?: string;
}

export interface PayoutBatch {
	/** Deterministic, ≤ 64 chars: PayPal's sender_batch_id, Stripe's transfer_group. */
	batchId: string;
	period: string;
	lines: PayoutLine[];
	emailSubject?: string;
	emailMessage?: string;
}

export type ItemState = 'paid' | 'pending' | 'failed' | 'unclaimed' | 'returned' | 'unknown';

export interface ItemOutcome {
	itemId: string;
	state: ItemState;
	/** PayPal payout_item_id, Stripe transfer id. */
	providerItemId?: string;
	/** e.g. PayPal transaction_status. */
	providerStatus?: string;
	reason?: string;
	code?: string;
}

export interface SubmitResult {
	providerBatchId?: string;
	items: ItemOutcome[];
}

export interface LookupResult {
	found: boolean;
	providerBatchId?: string;
	items: ItemOutcome[];
}

/** What the caller already knows about a submitted batch. */
export interface KnownBatch {
	providerBatchId?: string;
	/** itemId → provider item id (PayPal payout_item_id, Stripe transfer id). */
	providerItemIds?: Record<string, string>;
	/**
	 * Stripe: lines whose transfer call may still be in flight (another worker is submitting right now). A line
	 * in this list without a transfer is reported 'unknown' (every line without a transfer is, now: see lookup).
	 */
	inFlightItemIds?: string[];
	/**
	 * Only read, never send anything that could pay (Sync Status). PayPal has no search by sender_batch_id, so
	 * without a known PayPal batch or item id a read-only lookup answers found: false instead of re-sending the batch.
	 */
	readOnly?: boolean;
}

export interface SubmitOptions {
	/**
	 * The batch was (or may have been) sent before: a call with these ids may already have paid. Stripe then skips
	 * its destination-account check, whose refusal is not an answer about the transfer's idempotency key.
	 */
	resumed?: boolean;
}

export interface PayoutProvider<C> {
	id: 'paypal' | 'stripe';
	/** Pays the batch. Safe to call again with the same batch: the provider's idempotency makes a repeat pay nobody twice. */
	submit(config: C, batch: PayoutBatch, deps: PayoutDeps, options?: SubmitOptions): Promise<SubmitResult>;
	/**
	 * What the provider knows about the batch (for an unknown outcome, and for Sync status). An item the provider
	 * has no record of is 'unknown', never 'failed': its call may still be in flight.
	 */
	lookup(config: C, batch: PayoutBatch, deps: PayoutDeps, known?: KnownBatch): Promise<LookupResult>;
	/** The credential test: resolves, or throws an Error whose message says what is wrong (never containing the secret). */
	testCredentials(config: C, deps: PayoutDeps): Promise<void>;
}

export interface PayPalConfig {
	clientId: string;
	clientSecret: string;
	environment: 'sandbox' | 'live';
	/** Replaces the environment's host (tests, proxies). */
	baseUrl?: string;
}

export interface StripeConfig {
	secretKey: string;
	/** Replaces https://api.stripe.com (tests, proxies). */
	baseUrl?: string;
	/** Check each destination account (payouts_enabled, transfers capability) before paying it (default true). */
	checkDestinationAccounts?: boolean;
}

export interface PayoutProviderConfigs {
	paypal: PayPalConfig;
	stripe: StripeConfig;
}

export type PayoutProviderId = keyof PayoutProviderConfigs;

/**
 * The provider may or may not have acted: the call timed out, the network failed, or it kept answering
 * 5xx/429 until the retries ran out. Resolve with `lookup` (or submit again: the ids are the same, so it is safe).
 */
export class PayoutOutcomeUnknown extends Error {
	readonly provider: PayoutProviderId;
	readonly attempts: number;
	readonly providerBatchId?: string;
	constructor(provider: PayoutProviderId, message: string, attempts: number, providerBatchId?: string) {
		super(message);
		this.name = 'PayoutOutcomeUnknown';
		this.provider = provider;
		this.attempts = attempts;
		this.providerBatchId = providerBatchId;
	}
}

export interface ProviderErrorDetail {
	field?: string;
	value?: string;
	location?: string;
	issue: string;
	description?: string;
}

/** The provider refused the request: nothing was paid by that request, and sending it again will not help. */
export class PayoutRequestRejected extends Error {
	readonly provider: PayoutProviderId;
	readonly status: number;
	/** PayPal error name (INVALID_REQUEST, …) or Stripe error type (idempotency_error, …). */
	readonly errorName?: string;
	/** Stripe error code, when there is one. */
	readonly code?: string;
	/** The provider's own message (redacted). */
	readonly providerMessage?: string;
	readonly debugId?: string;
	readonly details: ProviderErrorDetail[];
	/** Stripe: the outcomes of lines already handled before the rejection stopped the batch. */
	readonly partial?: ItemOutcome[];
	constructor(
		provider: PayoutProviderId,
		message: string,
		info: {
			status: number;
			errorName?: string;
			code?: string;
			providerMessage?: string;
			debugId?: string;
			details?: ProviderErrorDetail[];
			partial?: ItemOutcome[];
		},
	) {
		super(message);
		this.name = 'PayoutRequestRejected';
		this.provider = provider;
		this.status = info.status;
		this.errorName = info.errorName;
		this.code = info.code;
		this.providerMessage = info.providerMessage;
		this.debugId = info.debugId;
		this.details = info.details ?? [];
		this.partial = info.partial;
	}
}

/**
 * The payout run lost its run lock (another run took it over after its lease ran out): it stopped before its next
 * provider call. Nothing was sent by the call it did not make; `partial` holds the answers it had already received.
 */
export class PayoutRunStopped extends Error {
	partial?: ItemOutcome[];
	constructor(message: string, partial?: ItemOutcome[]) {
		super(message);
		this.name = 'PayoutRunStopped';
		this.partial = partial;
	}
}

/** The batch cannot be sent as it is (refused before any call): fix the input, nothing was sent. */
export class PayoutBatchInvalid extends Error {
	readonly provider: PayoutProviderId;
	readonly itemId?: string;
	constructor(provider: PayoutProviderId, message: string, itemId?: string) {
		super(message);
		this.name = 'PayoutBatchInvalid';
		this.provider = provider;
		this.itemId = itemId;
	}
}

/** The provider could not be reached for a read (lookup, credential test): nothing was paid by the attempt. */
export class PayoutProviderUnavailable extends Error {
	readonly provider: PayoutProviderId;
	readonly attempts: number;
	constructor(provider: PayoutProviderId, message: string, attempts: number) {
		super(message);
		this.name = 'PayoutProviderUnavailable';
		this.provider = provider;
		this.attempts = attempts;
	}
}

/** Splits lines into consecutive chunks of at most `size` (PayPal takes at most 15,000 items per batch). */
export function chunkLines<T>(lines: readonly T[], size = 15_000): T[][] {
	if (!Number.isInteger(size) || size < 1) throw new RangeError(`chunk size must be a positive integer, got ${size}`);
	const chunks: T[][] = [];
	for (let start = 0; start < lines.length; start += size) chunks.push(lines.slice(start, start + size));
	return chunks;
}
