/**
 * PayPal Payouts (REST v1): one batch per call, sender_batch_id = our deterministic batch id, so PayPal itself
 * refuses to pay a batch twice. A repeat of the same batch comes back either as the original 201 (PayPal-Request-Id
 * replay) or as the "sender_batch_id already used" error whose link names the original batch, which we then read.
 */
import {
	type Exchange,
	TransientFailure,
	clock,
	exchangeWithRetries,
	isRecord,
	jsonBody,
	redact,
	scaledAmount,
	stringField,
	validateBatchBasics,
} from './common';
import { currencyExponent } from '../../model/money';
import {
	type ItemOutcome,
	type ItemState,
	type KnownBatch,
	type LookupResult,
	PayoutBatchInvalid,
	type PayoutBatch,
	type PayoutDeps,
	type PayoutHttpRequest,
	type PayoutHttpResponse,
	PayoutOutcomeUnknown,
	type PayoutProvider,
	PayoutProviderUnavailable,
	PayoutRequestRejected,
	type PayPalConfig,
	type ProviderErrorDetail,
	type SubmitResult,
} from './types';

export const PAYPAL_HOSTS = { live: 'https://api-m.paypal.com', sandbox: 'https://api-m.sandbox.paypal.com' } as const;
export const PAYPAL_MAX_ITEMS = 15_000;
export const PAYPAL_PAYOUTS_SCOPE = 'https://uri.paypal.com/payments/payouts';
/** PayPal's page size ceiling for reading a batch. */
const PAGE_SIZE = 1000;
const MAX_PAGES = 1000;

/** Currencies PayPal takes without decimals although ISO 4217 (or the runtime's data) gives them some. */
const PAYPAL_WHOLE_CURRENCIES = new Set(['JPY', 'HUF', 'TWD']);

/** How many decimals PayPal wants for a currency. */
export function paypalDecimals(currency: string): number {
	const code = currency.toUpperCase();
	return PAYPAL_WHOLE_CURRENCIES.has(code) ? 0 : currencyExponent(code);
}

/** The amount as PayPal's value string, with exactly the currency's decimals ('12.5' USD → '12.50', '500' JPY → '500'). */
export function formatPayPalAmount(amount: string, currency: string, itemId?: string): string {
	let decimals: number;
	try {
		decimals = paypalDecimals(currency);
	} catch {
		throw new PayoutBatchInvalid('paypal', `Item ${itemId ?? '?'}: "${currency}" is not an ISO 4217 currency code`, itemId);
	}
	const scaled = scaledAmount(amount, decimals);
	if (scaled === undefined) {
		const code = currency.toUpperCase();
		const rule = decimals === 0 ? `PayPal takes whole amounts only in ${code}` : `${code} has ${decimals} decimals`;
		throw new PayoutBatchInvalid('paypal', `Item ${itemId ?? '?'}: ${amount} ${code} cannot be paid: ${rule}. Round the amount in the ledger first.`, itemId);
	}
	const digits = scaled.toString().padStart(decimals + 1, '0');
	return decimals === 0 ? digits : `${digits.slice(0, -decimals)}.${digits.slice(-decimals)}`;
}

/** The recipient type when the line does not say: an email has an @, a PayPal payer id is 13 letters and digits, else a phone. */
export function paypalRecipientType(receiver: string): 'EMAIL' | 'PHONE' | 'PAYPAL_ID' {
	if (receiver.includes('@')) return 'EMAIL';
	if (/^[A-Z0-9]{13}$/.test(receiver)) return 'PAYPAL_ID';
	if (/^\+?[\d\s().-]{6,}$/.test(receiver)) return 'PHONE';
	return 'EMAIL';
}

export function validatePayPalBatch(batch: PayoutBatch): void {
	validateBatchBasics('paypal', batch);
	if (batch.lines.length > PAYPAL_MAX_ITEMS) {
		throw new PayoutBatchInvalid(
			'paypal',
			`Batch ${batch.batchId} has ${batch.lines.length} lines; PayPal takes at most ${PAYPAL_MAX_ITEMS} per batch. Split it (chunkLines) into batches with their own ids.`,
		);
	}
	for (const line of batch.lines) {
		if (line.receiver.length > 127)
			throw new PayoutBatchInvalid('paypal', `Item ${line.itemId}: the receiver is longer than PayPal's 127 characters`, line.itemId);
		if (line.note !== undefined && line.note.length > 4000)
			throw new PayoutBatchInvalid('paypal', `Item ${line.itemId}: the note is longer than 4000 characters`, line.itemId);
		formatPayPalAmount(line.amount, line.currency, line.itemId);
	}
	if (batch.emailSubject !== undefined && batch.emailSubject.length > 255)
		throw new PayoutBatchInvalid('paypal', 'The email subject is longer than 255 characters');
	if (batch.emailMessage !== undefined && batch.emailMessage.length > 1000)
		throw new PayoutBatchInvalid('paypal', 'The email message is longer than 1000 characters');
}

/** The create-batch JSON body (POST /v1/payments/payouts). */
export function buildPayPalPayoutBody(batch: PayoutBatch): Record<string, unknown> {
	const header: Record<string, string> = { sender_batch_id: batch.batchId };
	if (batch.emailSubject !== undefined) header.email_subject = batch.emailSubject;
	if (batch.emailMessage !== undefined) header.email_message = batch.emailMessage;
	return {
		sender_batch_header: header,
		items: batch.lines.map((line) => {
			const item: Record<string, unknown> = {
				recipient_type: line.receiverType ?? paypalRecipientType(line.receiver),
				amount: { value: formatPayPalAmount(line.amount, line.currency, line.itemId), currency: line.currency.toUpperCase() },
				receiver: line.receiver,
				sender_item_id: line.itemId,
			};
			if (line.note !== undefined) item.note = line.note;
			return item;
		}),
	};
}

export function paypalBaseUrl(config: PayPalConfig): string {
	if (config.baseUrl) return config.baseUrl.replace(/\/+$/, '');
	const host = PAYPAL_HOSTS[config.environment];
	if (!host) throw new Error(`PayPal environment must be "sandbox" or "live", not "${String(config.environment)}"`);
	return host;
}

/** PayPal item transaction_status → our item state. */
export const PAYPAL_STATUS_STATES: Readonly<Record<string, ItemState>> = {
	SUCCESS: 'paid',
	PENDING: 'pending',
	ONHOLD: 'pending',
	UNCLAIMED: 'unclaimed',
	RETURNED: 'returned',
	REFUNDED: 'returned',
	REVERSED: 'returned',
	FAILED: 'failed',
	BLOCKED: 'failed',
	DENIED: 'failed',
};

export function paypalItemState(transactionStatus: string | undefined): ItemState {
	return (transactionStatus && PAYPAL_STATUS_STATES[transactionStatus.toUpperCase()]) || 'unknown';
}

/** One item of a GET batch answer as an outcome (undefined when it carries no sender_item_id). */
export function readPayPalItem(item: unknown): ItemOutcome | undefined {
	if (!isRecord(item)) return undefined;
	const itemId = stringField(item.payout_item, 'sender_item_id');
	if (!itemId) return undefined;
	const status = stringField(item, 'transaction_status');
	const outcome: ItemOutcome = { itemId, state: paypalItemState(status) };
	const providerItemId = stringField(item, 'payout_item_id');
	if (providerItemId) outcome.providerItemId = providerItemId;
	if (status) outcome.providerStatus = status;
	const code = stringField(item.errors, 'name');
	const reason = stringField(item.errors, 'message');
	if (code) outcome.code = code;
	if (reason) outcome.reason = reason;
	return outcome;
}

// ---- OAuth2 token ------------------------------------------------------------------------------------------

interface CachedToken {
	token: string;
	expiresAt: number;
}

/** Access tokens per host and client id, reused until shortly before they expire (PayPal's last about 9 hours). */
const tokenCache = new Map<string, CachedToken>();

export function clearPayPalTokenCache(): void {
	tokenCache.clear();
}

function tokenCacheKey(config: PayPalConfig): string {
	return `${paypalBaseUrl(config)}\u0000${config.clientId}`;
}

function secretsOf(config: PayPalConfig, token?: string): Array<string | undefined> {
	return [config.clientSecret, token, ...[...tokenCache.values()].map((cached) => cached.token)];
}

function basicAuth(config: PayPalConfig): string {
	return `Basic ${Buffer.from(`${config.clientId}:${config.clientSecret}`, 'utf8').toString('base64')}`;
}

function isTransientStatus(status: number): boolean {
	return status === 408 || status === 429 || status >= 500;
}

/**
 * One token request (no retry loop of its own: the caller's loop retries it). A 5xx/429 or a network error is
 * transient; a refusal of the credentials is a PayoutRequestRejected.
 */
async function requestToken(config: PayPalConfig, deps: PayoutDeps): Promise<{ token: string; expiresInMs?: number; scope?: string }> {
	const response = await deps.send({
		method: 'POST',
		url: `${paypalBaseUrl(config)}/v1/oauth2/token`,
		headers: { Authorization: basicAuth(config), 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
		body: 'grant_type=client_credentials',
	});
	if (isTransientStatus(response.status)) throw new TransientFailure(`the PayPal token endpoint answered ${response.status}`);
	const body = jsonBody(response);
	const token = stringField(body, 'access_token');
	if (response.status !== 200 || !token) {
		const error = redact(stringField(body, 'error') ?? stringField(body, 'name') ?? `HTTP ${response.status}`, secretsOf(config));
		const description = stringField(body, 'error_description') ?? stringField(body, 'message');
		const text = redact(
			`PayPal refused the client ID and secret (${config.environment}): ${error}${description ? ` — ${description}` : ''}. ` +
				'Check that both come from the same PayPal REST app and that the environment matches it (sandbox credentials do not work live).',
			secretsOf(config),
		);
		throw new PayoutRequestRejected('paypal', text, {
			status: response.status,
			errorName: error,
			providerMessage: description && redact(description, secretsOf(config)),
		});
	}
	const expiresIn = Number(body.expires_in);
	return { token, expiresInMs: Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn * 1000 : undefined, scope: stringField(body, 'scope') };
}

async function accessToken(config: PayPalConfig, deps: PayoutDeps, fresh: boolean): Promise<string> {
	const key = tokenCacheKey(config);
	const nowMs = clock(deps).getTime();
	const cached = tokenCache.get(key);
	if (!fresh && cached && cached.expiresAt > nowMs) return cached.token;
	tokenCache.delete(key);
	const { token, expiresInMs } = await requestToken(config, deps);
	// Renew shortly before the end: a minute early, or a tenth of the lifetime for short-lived tokens.
	if (expiresInMs !== undefined) tokenCache.set(key, { token, expiresAt: nowMs + expiresInMs - Math.min(60_000, expiresInMs / 10) });
	return token;
}

/** Sends with a bearer token; a 401 drops the token, fetches a new one and sends once more. */
async function sendAuthorized(
	config: PayPalConfig,
	deps: PayoutDeps,
	build: (token: string) => PayoutHttpRequest,
	onSend?: () => void,
): Promise<PayoutHttpResponse> {
	let token = await accessToken(config, deps, false);
	onSend?.();
	let response = await deps.send(build(token));
	if (response.status === 401) {
		token = await accessToken(config, deps, true);
		onSend?.();
		response = await deps.send(build(token));
	}
	return response;
}

function bearerHeaders(token: string): Record<string, string> {
	return { Authorization: `Bearer ${token}`, Accept: 'application/json' };
}

// ---- errors ------------------------------------------------------------------------------------------------

function errorDetails(body: Record<string, unknown>, secrets: Array<string | undefined> = []): ProviderErrorDetail[] {
	if (!Array.isArray(body.details)) return [];
	return body.details.filter(isRecord).map((detail) => {
		const result: ProviderErrorDetail = { issue: redact(stringField(detail, 'issue') ?? '', secrets) };
		for (const key of ['field', 'value', 'location', 'description'] as const) {
			const value = stringField(detail, key);
			if (value !== undefined) result[key] = redact(value, secrets);
		}
		return result;
	});
}

const HINTS: Record<string, string> = {
	AUTHENTICATION_FAILURE: 'Check the client ID and secret and the environment (sandbox or live).',
	NOT_AUTHORIZED:
		'The PayPal app is not allowed to send payouts: enable Payouts for the app in the PayPal developer dashboard (live needs PayPal to approve it).',
	INSUFFICIENT_FUNDS: 'Add funds to the PayPal balance, then submit the batch again.',
	RATE_LIMIT_REACHED: 'PayPal is rate limiting this account: run the payout again later.',
};

function describeProblem(
	body: Record<string, unknown>,
	status: number,
	secrets: Array<string | undefined>,
): {
	text: string;
	name?: string;
	message?: string;
	debugId?: string;
	details: ProviderErrorDetail[];
} {
	const name = stringField(body, 'name') ?? stringField(body, 'error');
	const message = stringField(body, 'message') ?? stringField(body, 'error_description');
	const debugId = redactOptional(stringField(body, 'debug_id'), secrets);
	const details = errorDetails(body, secrets);
	const parts = [`${status}${name ? ` ${name}` : ''}${message ? `: ${message}` : ''}`];
	for (const detail of details) parts.push(`${detail.field ? `${detail.field}: ` : ''}${detail.issue}${detail.description ? ` (${detail.description})` : ''}`);
	const hint = [name, ...details.map((detail) => detail.issue)].map((key) => (key ? HINTS[key] : undefined)).find(Boolean);
	if (hint) parts.push(hint);
	if (debugId) parts.push(`debug_id ${debugId}`);
	return { text: redact(parts.join('; '), secrets), name: redactOptional(name, secrets), message: message && redact(message, secrets), debugId, details };
}

function redactOptional(text: string | undefined, secrets: Array<string | undefined>): string | undefined {
	return text === undefined ? undefined : redact(text, secrets);
}

function rejection(response: PayoutHttpResponse, action: string, secrets: Array<string | undefined>): PayoutRequestRejected {
	const problem = describeProblem(jsonBody(response), response.status, secrets);
	return new PayoutRequestRejected('paypal', `PayPal refused ${action} (${problem.text})`, {
		status: response.status,
		errorName: problem.name,
		providerMessage: problem.message,
		debugId: problem.debugId,
		details: problem.details,
	});
}

const BATCH_LINK = /\/v1\/payments\/payouts\/([^/?#]+)/;

/**
 * Whether a 4xx says this sender_batch_id was already used, and the original batch's payout_batch_id from its
 * HATEOAS link. Only the id is taken from the link: the token is never sent to a host named in an answer.
 */
export function readDuplicateBatchError(response: PayoutHttpResponse): { duplicate: boolean; payoutBatchId?: string } {
	if (response.status < 400 || response.status >= 500 || response.status === 401 || response.status === 403) return { duplicate: false };
	const body = jsonBody(response);
	const name = stringField(body, 'name') ?? '';
	const details = errorDetails(body);
	const text = [stringField(body, 'message'), ...details.flatMap((detail) => [detail.field, detail.issue, detail.description])].filter(Boolean).join(' ');
	const duplicate = /DUPLICATE/i.test(name) || (/sender_batch_id/i.test(text) && /already|duplicate|exists|in use|been used/i.test(text));
	if (!duplicate) return { duplicate: false };
	const links = Array.isArray(body.links) ? body.links : [];
	for (const link of links) {
		const match = BATCH_LINK.exec(stringField(link, 'href') ?? '');
		if (match) return { duplicate: true, payoutBatchId: decodeURIComponent(match[1]) };
	}
	return { duplicate: true };
}

// ---- calls -------------------------------------------------------------------------------------------------

function describeTransient(response: PayoutHttpResponse): string {
	const body = jsonBody(response);
	const name = stringField(body, 'name');
	const debugId = stringField(body, 'debug_id');
	return `PayPal answered ${response.status}${name ? ` ${name}` : ''}${debugId ? ` (debug_id ${debugId})` : ''}`;
}

function exchange(config: PayPalConfig, deps: PayoutDeps, build: (token: string) => PayoutHttpRequest, onSend?: () => void): Promise<Exchange> {
	return exchangeWithRetries(
		deps,
		() => sendAuthorized(config, deps, build, onSend),
		(response) => isTransientStatus(response.status),
		describeTransient,
		secretsOf(config),
	);
}

type CreateAnswer = { kind: 'created'; providerBatchId: string; batchStatus?: string } | { kind: 'duplicate'; providerBatchId: string };

/**
 * POSTs the batch (same sender_batch_id and PayPal-Request-Id on every attempt, so a retry cannot pay twice) and
 * says which PayPal batch holds it: the new one, PayPal's replay of the original, or the one a duplicate error names.
 */
async function createOrFindBatch(config: PayPalConfig, batch: PayoutBatch, deps: PayoutDeps): Promise<CreateAnswer> {
	validatePayPalBatch(batch);
	const body = JSON.stringify(buildPayPalPayoutBody(batch));
	let sent = false;
	const result = await exchange(
		config,
		deps,
		(token) => ({
			method: 'POST',
			url: `${paypalBaseUrl(config)}/v1/payments/payouts`,
			headers: { ...bearerHeaders(token), 'Content-Type': 'application/json', 'PayPal-Request-Id': batch.batchId },
			body,
		}),
		() => {
			sent = true;
		},
	);
	if (!result.ok) {
		if (!sent) {
			throw new PayoutProviderUnavailable(
				'paypal',
				`PayPal could not be reached to pay batch ${batch.batchId} (${result.reason}); nothing was sent, run it again later`,
				result.attempts,
			);
		}
		throw new PayoutOutcomeUnknown(
			'paypal',
			`PayPal did not confirm batch ${batch.batchId} after ${result.attempts} attempts (last: ${result.reason}). It may or may not exist: ` +
				'look it up, or submit the same batch again (safe: same sender_batch_id), before paying these lines any other way.',
			result.attempts,
		);
	}
	const { response } = result;
	if (response.status === 200 || response.status === 201) {
		const header = jsonBody(response).batch_header;
		const providerBatchId = stringField(header, 'payout_batch_id');
		if (!providerBatchId) {
			throw new PayoutOutcomeUnknown(
				'paypal',
				`PayPal accepted batch ${batch.batchId} (${response.status}) without a payout_batch_id: look the batch up`,
				result.attempts,
			);
		}
		return { kind: 'created', providerBatchId, batchStatus: stringField(header, 'batch_status') };
	}
	const duplicate = readDuplicateBatchError(response);
	if (duplicate.duplicate) {
		if (duplicate.payoutBatchId) return { kind: 'duplicate', providerBatchId: duplicate.payoutBatchId };
		throw new PayoutOutcomeUnknown(
			'paypal',
			`PayPal says batch ${batch.batchId} was already submitted but its answer names no original batch: find it in the PayPal activity before paying again (${describeTransient(response)})`,
			result.attempts,
		);
	}
	throw rejection(response, `the payout batch ${batch.batchId}`, secretsOf(config));
}

/** Reads every page of a PayPal batch; undefined when PayPal does not know the id (404). */
async function readBatch(config: PayPalConfig, deps: PayoutDeps, payoutBatchId: string): Promise<{ batchStatus?: string; items: ItemOutcome[] } | undefined> {
	const items: ItemOutcome[] = [];
	let batchStatus: string | undefined;
	for (let page = 1; page <= MAX_PAGES; page++) {
		const url = `${paypalBaseUrl(config)}/v1/payments/payouts/${encodeURIComponent(payoutBatchId)}?page_size=${PAGE_SIZE}&page=${page}&total_required=true`;
		const result = await exchange(config, deps, (token) => ({ method: 'GET', url, headers: bearerHeaders(token) }));
		if (!result.ok) {
			throw new PayoutProviderUnavailable(
				'paypal',
				`PayPal batch ${payoutBatchId} could not be read (page ${page}, ${result.attempts} attempts, last: ${result.reason})`,
				result.attempts,
			);
		}
		const { response } = result;
		if (response.status === 404) {
			if (page === 1) return undefined;
			break;
		}
		if (response.status !== 200) throw rejection(response, `reading batch ${payoutBatchId}`, secretsOf(config));
		const body = jsonBody(response);
		batchStatus ??= stringField(body.batch_header, 'batch_status');
		const pageItems = Array.isArray(body.items) ? body.items : [];
		for (const item of pageItems) {
			const outcome = readPayPalItem(item);
			if (outcome) items.push(outcome);
		}
		const totalPages = Number(body.total_pages);
		const more = Number.isFinite(totalPages) && totalPages > 0 ? page < totalPages : pageItems.length >= PAGE_SIZE;
		if (!more || pageItems.length === 0) break;
	}
	return { batchStatus, items };
}

/** One outcome per line of the batch, in batch order: PayPal's where it has the item, else 'unknown'. */
function outcomesForLines(batch: PayoutBatch, found: ItemOutcome[], missingReason: string): ItemOutcome[] {
	const byItemId = new Map(found.map((outcome) => [outcome.itemId, outcome]));
	return batch.lines.map((line) => byItemId.get(line.itemId) ?? { itemId: line.itemId, state: 'unknown', code: 'not_in_batch', reason: missingReason });
}

async function readBatchOutcomes(config: PayPalConfig, batch: PayoutBatch, deps: PayoutDeps, payoutBatchId: string): Promise<LookupResult> {
	const read = await readBatch(config, deps, payoutBatchId);
	if (!read) {
		return {
			found: false,
			providerBatchId: payoutBatchId,
			items: batch.lines.map((line) => ({
				itemId: line.itemId,
				state: 'unknown',
				code: 'batch_not_found',
				reason: `PayPal does not know batch ${payoutBatchId}`,
			})),
		};
	}
	return {
		found: true,
		providerBatchId: payoutBatchId,
		items: outcomesForLines(batch, read.items, `PayPal batch ${payoutBatchId} has no item with this sender_item_id`),
	};
}

async function submit(config: PayPalConfig, batch: PayoutBatch, deps: PayoutDeps): Promise<SubmitResult> {
	const answer = await createOrFindBatch(config, batch, deps);
	if (answer.kind === 'duplicate') {
		// A repeat of a batch PayPal already has (a crashed run, a second click): report what the original did.
		try {
			const read = await readBatchOutcomes(config, batch, deps, answer.providerBatchId);
			return { providerBatchId: answer.providerBatchId, items: read.items };
		} catch (error) {
			// The batch exists (PayPal said so); only its item states could not be read: unknown, not "nothing sent".
			if (error instanceof PayoutProviderUnavailable) {
				throw new PayoutOutcomeUnknown(
					'paypal',
					`PayPal already has batch ${batch.batchId} (${answer.providerBatchId}) but it could not be read: ${error.message}`,
					error.attempts,
					answer.providerBatchId,
				);
			}
			throw error;
		}
	}
	if (answer.batchStatus === 'DENIED') {
		return {
			providerBatchId: answer.providerBatchId,
			items: batch.lines.map((line) => ({
				itemId: line.itemId,
				state: 'failed',
				providerStatus: 'DENIED',
				code: 'BATCH_DENIED',
				reason: 'PayPal denied the whole batch',
			})),
		};
	}
	// Accepted: PayPal processes items asynchronously, so every item is pending until a lookup says otherwise.
	return { providerBatchId: answer.providerBatchId, items: batch.lines.map((line) => ({ itemId: line.itemId, state: 'pending' })) };
}

/** The PayPal batch id from one of its item ids (GET /v1/payments/payouts-item/{id}); undefined when PayPal does not know it. */
async function batchIdFromItem(config: PayPalConfig, deps: PayoutDeps, payoutItemId: string): Promise<string | undefined> {
	const url = `${paypalBaseUrl(config)}/v1/payments/payouts-item/${encodeURIComponent(payoutItemId)}`;
	const result = await exchange(config, deps, (token) => ({ method: 'GET', url, headers: bearerHeaders(token) }));
	if (!result.ok) throw new PayoutProviderUnavailable('paypal', `PayPal item ${payoutItemId} could not be read (last: ${result.reason})`, result.attempts);
	if (result.response.status === 404) return undefined;
	if (result.response.status !== 200) throw rejection(result.response, `reading item ${payoutItemId}`, secretsOf(config));
	return stringField(jsonBody(result.response), 'payout_batch_id');
}

/**
 * With a known PayPal batch id (or an item id) this only reads. Without one, PayPal offers no search by
 * sender_batch_id, so the batch is POSTed again with the same sender_batch_id and PayPal-Request-Id: PayPal answers
 * with the original (replay or duplicate error). If PayPal never received it, this creates it — the same batch the
 * caller already set out to pay, never a second one (https://developer.paypal.com/docs/api/payments.payouts-batch/v1/
 * reads a batch only by payout_batch_id). With `known.readOnly` (Sync Status) nothing is POSTed: the
 * answer is then found: false, every item 'unknown', and the next Pay run asks PayPal by re-sending the batch.
 */
async function lookup(config: PayPalConfig, batch: PayoutBatch, deps: PayoutDeps, known?: KnownBatch): Promise<LookupResult> {
	let payoutBatchId = known?.providerBatchId;
	if (!payoutBatchId && known?.providerItemIds) {
		const firstItemId = Object.values(known.providerItemIds).find(Boolean);
		if (firstItemId) payoutBatchId = await batchIdFromItem(config, deps, firstItemId);
	}
	if (!payoutBatchId && known?.readOnly) {
		return {
			found: false,
			items: batch.lines.map((line) => ({
				itemId: line.itemId,
				state: 'unknown',
				code: 'batch_id_unknown',
				reason: `PayPal's id for batch ${batch.batchId} is not known yet and PayPal cannot be searched by sender_batch_id: the next Pay run asks PayPal by sending the same batch again (PayPal never pays a sender_batch_id twice)`,
			})),
		};
	}
	if (!payoutBatchId) payoutBatchId = (await createOrFindBatch(config, batch, deps)).providerBatchId;
	return readBatchOutcomes(config, batch, deps, payoutBatchId);
}

/** One PayPal item as it stands now (GET /v1/payments/payouts-item/{id}); undefined when PayPal does not know it. */
export async function readPayPalItemById(config: PayPalConfig, deps: PayoutDeps, payoutItemId: string): Promise<ItemOutcome | undefined> {
	const url = `${paypalBaseUrl(config)}/v1/payments/payouts-item/${encodeURIComponent(payoutItemId)}`;
	const result = await exchange(config, deps, (token) => ({ method: 'GET', url, headers: bearerHeaders(token) }));
	if (!result.ok) throw new PayoutProviderUnavailable('paypal', `PayPal item ${payoutItemId} could not be read (last: ${result.reason})`, result.attempts);
	if (result.response.status === 404) return undefined;
	if (result.response.status !== 200) throw rejection(result.response, `reading item ${payoutItemId}`, secretsOf(config));
	return readPayPalItem(jsonBody(result.response));
}

/**
 * Cancels an UNCLAIMED item (POST /v1/payments/payouts-item/{id}/cancel) so the money returns to the sender now
 * rather than after 30 days. Returns the item's outcome after the cancel (normally 'returned').
 */
export async function cancelPayPalItem(config: PayPalConfig, deps: PayoutDeps, payoutItemId: string): Promise<ItemOutcome> {
	const url = `${paypalBaseUrl(config)}/v1/payments/payouts-item/${encodeURIComponent(payoutItemId)}/cancel`;
	const result = await exchange(config, deps, (token) => ({ method: 'POST', url, headers: { ...bearerHeaders(token), 'Content-Type': 'application/json' } }));
	if (!result.ok)
		throw new PayoutOutcomeUnknown(
			'paypal',
			`PayPal did not confirm cancelling item ${payoutItemId} (last: ${result.reason}): read the item again`,
			result.attempts,
		);
	if (result.response.status !== 200) throw rejection(result.response, `cancelling item ${payoutItemId}`, secretsOf(config));
	const outcome = readPayPalItem(jsonBody(result.response));
	if (!outcome)
		throw new PayoutOutcomeUnknown(
			'paypal',
			`PayPal cancelled item ${payoutItemId} but its answer has no sender_item_id: read the item again`,
			result.attempts,
		);
	return outcome;
}

/** Fetches a fresh token (never the cached one, so a changed secret is really tested) and checks the Payouts scope. */
async function testCredentials(config: PayPalConfig, deps: PayoutDeps): Promise<void> {
	if (!config.clientId || !config.clientSecret) throw new Error('PayPal needs both a client ID and a client secret');
	let scope: string | undefined;
	const result = await exchangeWithRetries(
		deps,
		async () => {
			const answer = await requestToken(config, deps);
			scope = answer.scope;
			return { status: 200, headers: {}, body: {} };
		},
		() => false,
		() => '',
		secretsOf(config),
	);
	if (!result.ok) throw new PayoutProviderUnavailable('paypal', `PayPal could not be reached at ${paypalBaseUrl(config)} (${result.reason})`, result.attempts);
	if (scope !== undefined && !scope.split(/\s+/).includes(PAYPAL_PAYOUTS_SCOPE)) {
		throw new Error(
			`The PayPal app's credentials work, but the app may not send payouts (its token lacks the ${PAYPAL_PAYOUTS_SCOPE} scope): enable Payouts for the app`,
		);
	}
}

export const paypal: PayoutProvider<PayPalConfig> = { id: 'paypal', submit, lookup, testCredentials };
