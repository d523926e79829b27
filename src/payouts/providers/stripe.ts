/**
 * Stripe Connect: one transfer per line from the platform balance to the affiliate's connected account.
 * Idempotency-Key = `${batchId}:${itemId}` on every attempt, and transfer_group = batchId with metadata[item_id],
 * so a repeat of the batch replays the same transfers and a lookup finds them by group.
 */
import { exchangeWithRetries, header, isRecord, jsonBody, redact, stringField, validateBatchBasics, type Exchange } from './common';
import { currencyExponent, toMinorUnits } from '../../model/money';
import {
	type ItemOutcome,
	type KnownBatch,
	type LookupResult,
	PayoutBatchInvalid,
	type PayoutBatch,
	type PayoutDeps,
	type PayoutHttpRequest,
	type PayoutHttpResponse,
	type PayoutLine,
	type PayoutProvider,
	PayoutProviderUnavailable,
	PayoutRequestRejected,
	PayoutRunStopped,
	type StripeConfig,
	type SubmitOptions,
	type SubmitResult,
} from './types';

export const STRIPE_HOST = 'https://api.stripe.com';
const LIST_LIMIT = 100;
const MAX_PAGES = 1000;

/** Stripe's zero-decimal currencies (amount in whole units). */
const STRIPE_ZERO_DECIMAL = new Set(['BIF', 'CLP', 'DJF', 'GNF', 'JPY', 'KMF', 'KRW', 'MGA', 'PYG', 'RWF', 'VND', 'VUV', 'XAF', 'XOF', 'XPF']);
/** Three-decimal currencies: Stripe wants the last decimal to be 0. */
const STRIPE_THREE_DECIMAL = new Set(['BHD', 'JOD', 'KWD', 'OMR', 'TND']);
/**
 * Paid in whole units but written with two decimals whose cents are 00 (Stripe keeps the old two-decimal
 * representation for these): 500 HUF is amount=50000. ISO (and the runtime) give some of them 0 decimals, so
 * toMinorUnits alone would send a hundredth of the amount.
 */
const STRIPE_WHOLE_TWO_DECIMAL = new Set(['HUF', 'ISK', 'TWD', 'UGX']);

function stripeDecimals(code: string): number {
	if (STRIPE_ZERO_DECIMAL.has(code)) return 0;
	if (STRIPE_THREE_DECIMAL.has(code)) return 3;
	return 2;
}

/** The line's amount as Stripe's integer `amount` (minor units as Stripe counts them). */
export function stripeAmount(amount: string, currency: string, itemId?: string): bigint {
	const code = currency.toUpperCase();
	const refuse = (why: string) => new PayoutBatchInvalid('stripe', `Item ${itemId ?? '?'}: ${amount} ${code} cannot be paid: ${why}`, itemId);
	let isoExponent: number;
	let minor: bigint;
	try {
		isoExponent = currencyExponent(code);
		minor = toMinorUnits(amount, code);
	} catch (error) {
		throw refuse(error instanceof Error ? error.message : String(error));
	}
	const decimals = stripeDecimals(code);
	if (decimals > isoExponent) minor *= 10n ** BigInt(decimals - isoExponent);
	else if (decimals < isoExponent) {
		const divisor = 10n ** BigInt(isoExponent - decimals);
		if (minor % divisor !== 0n) throw refuse(`Stripe takes ${decimals} decimals in ${code}`);
		minor /= divisor;
	}
	if (STRIPE_WHOLE_TWO_DECIMAL.has(code) && minor % 100n !== 0n) throw refuse(`Stripe pays ${code} in whole units only`);
	if (STRIPE_THREE_DECIMAL.has(code) && minor % 10n !== 0n) throw refuse(`Stripe needs the third decimal of ${code} to be 0`);
	return minor;
}

export function validateStripeBatch(batch: PayoutBatch): void {
	validateBatchBasics('stripe', batch);
	for (const line of batch.lines) {
		if (!/^acct_[A-Za-z0-9]+$/.test(line.receiver)) {
			throw new PayoutBatchInvalid('stripe', `Item ${line.itemId}: the receiver "${line.receiver}" is not a Stripe connected account id (acct_…)`, line.itemId);
		}
		stripeAmount(line.amount, line.currency, line.itemId);
	}
}

/** Stripe's form encoding: percent-encoded, with the brackets of nested keys left readable (metadata[item_id]). */
export function stripeFormEncode(fields: Array<[string, string]>): string {
	const encodeKey = (key: string) => encodeURIComponent(key).replace(/%5B/g, '[').replace(/%5D/g, ']');
	return fields.map(([key, value]) => `${encodeKey(key)}=${encodeURIComponent(value)}`).join('&');
}

export function stripeIdempotencyKey(batch: PayoutBatch, line: PayoutLine): string {
	return `${batch.batchId}:${line.itemId}`;
}

/** The POST /v1/transfers form fields for one line, in a fixed order. */
export function buildStripeTransferFields(batch: PayoutBatch, line: PayoutLine): Array<[string, string]> {
	return [
		['amount', stripeAmount(line.amount, line.currency, line.itemId).toString()],
		['currency', line.currency.toLowerCase()],
		['destination', line.receiver],
		['transfer_group', batch.batchId],
		['description', line.note ?? `Affiliate commission ${batch.period}`],
		['metadata[item_id]', line.itemId],
		['metadata[affiliate_id]', line.affiliateId],
		['metadata[period]', batch.period],
	];
}

export function stripeBaseUrl(config: StripeConfig): string {
	return (config.baseUrl ?? STRIPE_HOST).replace(/\/+$/, '');
}

function authHeaders(config: StripeConfig): Record<string, string> {
	return { Authorization: `Bearer ${config.secretKey}`, Accept: 'application/json' };
}

export function buildStripeTransferRequest(config: StripeConfig, batch: PayoutBatch, line: PayoutLine): PayoutHttpRequest {
	return {
		method: 'POST',
		url: `${stripeBaseUrl(config)}/v1/transfers`,
		headers: { ...authHeaders(config), 'Content-Type': 'application/x-www-form-urlencoded', 'Idempotency-Key': stripeIdempotencyKey(batch, line) },
		body: stripeFormEncode(buildStripeTransferFields(batch, line)),
	};
}

// ---- errors ------------------------------------------------------------------------------------------------

interface StripeError {
	type?: string;
	code?: string;
	message?: string;
	requestId?: string;
}

function readError(response: PayoutHttpResponse, config: StripeConfig): StripeError {
	const error = jsonBody(response).error;
	const message = stringField(error, 'message');
	return {
		type: stringField(error, 'type'),
		code: stringField(error, 'code'),
		message: message === undefined ? undefined : redact(message, [config.secretKey]),
		requestId: header(response, 'request-id'),
	};
}

function describeError(response: PayoutHttpResponse, config: StripeConfig): string {
	const error = readError(response, config);
	const kind = [error.type, error.code].filter(Boolean).join('/');
	return `${response.status}${kind ? ` ${kind}` : ''}${error.message ? `: ${error.message}` : ''}${error.requestId ? ` (request ${error.requestId})` : ''}`;
}

/** 409 (the same key is in use right now), 429 and 5xx are worth another try with the same key, unless Stripe says not to. */
function isTransient(response: PayoutHttpResponse): boolean {
	const advice = header(response, 'stripe-should-retry');
	if (advice === 'false') return false;
	if (advice === 'true') return true;
	return response.status === 409 || response.status === 429 || response.status >= 500;
}

function exchange(config: StripeConfig, deps: PayoutDeps, request: PayoutHttpRequest): Promise<Exchange> {
	return exchangeWithRetries(
		deps,
		() => deps.send(request),
		isTransient,
		(response) => `Stripe answered ${describeError(response, config)}`,
		[config.secretKey],
	);
}

function rejection(response: PayoutHttpResponse, config: StripeConfig, action: string, partial?: ItemOutcome[]): PayoutRequestRejected {
	const error = readError(response, config);
	let hint = '';
	if (response.status === 401) hint = ' Check the Stripe secret key (and test vs live mode).';
	else if (response.status === 403)
		hint = ' The key is not allowed to do this: a restricted key needs write access to Transfers and read access to Connect accounts and Balance.';
	else if (error.type === 'idempotency_error') {
		hint =
			' The same idempotency key was used before with different parameters: the batch changed after it was first submitted. Nothing was paid by this call; investigate before paying it under a new batch id.';
	}
	return new PayoutRequestRejected('stripe', `Stripe refused ${action} (${describeError(response, config)}).${hint}`, {
		status: response.status,
		errorName: error.type,
		code: error.code,
		providerMessage: error.message,
		debugId: error.requestId,
		partial,
	});
}

// ---- calls -------------------------------------------------------------------------------------------------

type AccountCheck = { ready: true } | { ready: false; code: string; reason: string };

/** Whether a connected account can receive transfers: payouts enabled and the transfers capability active. */
async function checkAccount(config: StripeConfig, deps: PayoutDeps, accountId: string, partial: ItemOutcome[]): Promise<AccountCheck> {
	const result = await exchange(config, deps, {
		method: 'GET',
		url: `${stripeBaseUrl(config)}/v1/accounts/${encodeURIComponent(accountId)}`,
		headers: authHeaders(config),
	});
	if (!result.ok)
		return {
			ready: false,
			code: 'provider_unavailable',
			reason: `Stripe account ${accountId} could not be checked (${result.reason}); nothing was sent, pay it in a later run`,
		};
	const { response } = result;
	if (response.status === 401) throw rejection(response, config, `the key while checking account ${accountId}`, partial);
	if (response.status !== 200) return { ready: false, code: 'account_not_ready', reason: `Stripe account ${accountId}: ${describeError(response, config)}` };
	const account = jsonBody(response);
	const payoutsEnabled = account.payouts_enabled === true;
	const transfers = stringField(account.capabilities, 'transfers');
	if (payoutsEnabled && transfers === 'active') return { ready: true };
	const disabledReason = stringField(account.requirements, 'disabled_reason');
	return {
		ready: false,
		code: 'account_not_ready',
		reason: `Stripe account ${accountId} cannot receive payouts yet (payouts_enabled ${String(account.payouts_enabled ?? false)}, transfers capability ${transfers ?? 'missing'}${disabledReason ? `, ${disabledReason}` : ''}): the affiliate must finish Stripe onboarding`,
	};
}

/** A transfer object as an outcome: paid, or returned when fully reversed. */
function transferOutcome(itemId: string, transfer: Record<string, unknown>): ItemOutcome {
	const amount = Number(transfer.amount);
	const reversed = Number(transfer.amount_reversed ?? 0);
	const id = stringField(transfer, 'id');
	const outcome: ItemOutcome = { itemId, state: 'paid', providerStatus: 'transferred' };
	if (id) outcome.providerItemId = id;
	if (transfer.reversed === true || (amount > 0 && reversed >= amount)) {
		outcome.state = 'returned';
		outcome.providerStatus = 'reversed';
		outcome.code = 'transfer_reversed';
	} else if (reversed > 0) {
		outcome.providerStatus = 'partially_reversed';
		outcome.reason = `${reversed} of ${amount} (minor units) reversed`;
	}
	return outcome;
}

async function payLine(config: StripeConfig, batch: PayoutBatch, line: PayoutLine, deps: PayoutDeps, partial: ItemOutcome[]): Promise<ItemOutcome> {
	const result = await exchange(config, deps, buildStripeTransferRequest(config, batch, line));
	if (!result.ok && result.response && result.response.status >= 500 && header(result.response, 'idempotent-replayed') === 'true') {
		// Stripe keeps the first answer of a key, a 500 included, and replays it (https://docs.stripe.com/api/idempotent_requests):
		// the one request made with this key has completed, so what it left in the transfer group is the whole truth.
		const made = (await listTransfers(config, deps, batch.batchId)).find((transfer) => stringField(transfer.metadata, 'item_id') === line.itemId);
		if (made) return transferOutcome(line.itemId, made);
		return {
			itemId: line.itemId,
			state: 'failed',
			code: 'idempotency_key_spent',
			reason: `Stripe answers the transfer's idempotency key with the stored failure of its only request (${result.reason}) and no transfer in group ${batch.batchId} carries this item: it was not paid, and that key can never pay`,
		};
	}
	if (!result.ok) {
		// The transfer may or may not exist; the same idempotency key makes a later retry safe, and lookup settles it.
		return {
			itemId: line.itemId,
			state: 'unknown',
			code: 'no_answer',
			reason: `Stripe did not confirm the transfer after ${result.attempts} attempts (last: ${result.reason})`,
		};
	}
	const { response } = result;
	if (response.status === 200) return transferOutcome(line.itemId, jsonBody(response));
	const error = readError(response, config);
	// Never pay through these: they hold for every line (a bad key) or mean the batch changed under the same key.
	if (response.status === 401 || response.status === 403 || error.type === 'idempotency_error') {
		throw rejection(response, config, `the transfer for item ${line.itemId} of batch ${batch.batchId}`, partial);
	}
	const code = error.code ?? error.type ?? `http_${response.status}`;
	const hint = code === 'balance_insufficient' ? ' Add funds to the Stripe balance, then pay again.' : '';
	return { itemId: line.itemId, state: 'failed', code, reason: `Stripe refused the transfer (${describeError(response, config)}).${hint}` };
}

async function submit(config: StripeConfig, batch: PayoutBatch, deps: PayoutDeps, options: SubmitOptions = {}): Promise<SubmitResult> {
	validateStripeBatch(batch);
	const items: ItemOutcome[] = [];
	const accounts = new Map<string, AccountCheck>();
	try {
		// One line at a time: Stripe's rate limits are per second, and each line's fate must be recorded in order.
		for (const line of batch.lines) {
			// A resumed line may have been transferred already under its key: an account that is not ready now says
			// nothing about that transfer, so only the transfer call itself (same key) answers for a resumed line.
			if (config.checkDestinationAccounts !== false && !options.resumed) {
				let check = accounts.get(line.receiver);
				if (!check) {
					check = await checkAccount(config, deps, line.receiver, items);
					accounts.set(line.receiver, check);
				}
				if (!check.ready) {
					items.push({ itemId: line.itemId, state: 'failed', code: check.code, reason: check.reason });
					continue;
				}
			}
			items.push(await payLine(config, batch, line, deps, items));
		}
	} catch (error) {
		// The run lost its lock between two lines: the answers already in are kept, the rest was never sent by this call.
		if (error instanceof PayoutRunStopped) error.partial = [...items];
		throw error;
	}
	return { items };
}

/** Every transfer of a transfer group (GET /v1/transfers, paginated with starting_after). */
async function listTransfers(config: StripeConfig, deps: PayoutDeps, transferGroup: string): Promise<Array<Record<string, unknown>>> {
	const transfers: Array<Record<string, unknown>> = [];
	let startingAfter: string | undefined;
	for (let page = 1; page <= MAX_PAGES; page++) {
		const query = `transfer_group=${encodeURIComponent(transferGroup)}&limit=${LIST_LIMIT}${startingAfter ? `&starting_after=${encodeURIComponent(startingAfter)}` : ''}`;
		const result = await exchange(config, deps, { method: 'GET', url: `${stripeBaseUrl(config)}/v1/transfers?${query}`, headers: authHeaders(config) });
		if (!result.ok)
			throw new PayoutProviderUnavailable('stripe', `Stripe transfers of group ${transferGroup} could not be listed (last: ${result.reason})`, result.attempts);
		if (result.response.status !== 200) throw rejection(result.response, config, `listing the transfers of group ${transferGroup}`);
		const body = jsonBody(result.response);
		const data = Array.isArray(body.data) ? body.data.filter(isRecord) : [];
		transfers.push(...data);
		const last = data.length > 0 ? stringField(data[data.length - 1], 'id') : undefined;
		if (body.has_more !== true || !last) break;
		startingAfter = last;
	}
	return transfers;
}

/**
 * Lines with a transfer in the group are paid (or returned when reversed). A line without one is 'unknown' with
 * code not_found, never 'failed': its transfer call may still be in flight (another run, a lost answer), so only
 * the same call again (same Idempotency-Key: it replays, answers 409 while in flight, or pays once) settles it
 * (https://docs.stripe.com/api/idempotent_requests).
 * Only reads (GET /v1/transfers).
 */
async function lookup(config: StripeConfig, batch: PayoutBatch, deps: PayoutDeps, known?: KnownBatch): Promise<LookupResult> {
	const transfers = await listTransfers(config, deps, batch.batchId);
	const byItemId = new Map<string, Array<Record<string, unknown>>>();
	for (const transfer of transfers) {
		const itemId = stringField(transfer.metadata, 'item_id');
		if (!itemId) continue;
		byItemId.set(itemId, [...(byItemId.get(itemId) ?? []), transfer]);
	}
	const inFlight = new Set(known?.inFlightItemIds ?? []);
	const items = batch.lines.map((line): ItemOutcome => {
		const found = byItemId.get(line.itemId);
		if (!found || found.length === 0) {
			if (inFlight.has(line.itemId))
				return {
					itemId: line.itemId,
					state: 'unknown',
					code: 'in_flight',
					reason: `No transfer yet in group ${batch.batchId}; a call for it may still be in flight`,
				};
			return {
				itemId: line.itemId,
				state: 'unknown',
				code: 'not_found',
				reason: `No transfer in group ${batch.batchId} carries this item yet: not paid so far, and its call may still be in flight (the next Pay run sends it again under the same idempotency key)`,
			};
		}
		const outcome = transferOutcome(line.itemId, found[0]);
		if (found.length > 1) {
			outcome.code = 'multiple_transfers';
			outcome.reason = `${found.length} transfers carry this item (${found.map((transfer) => stringField(transfer, 'id')).join(', ')}): check for a double payment`;
		}
		return outcome;
	});
	return { found: transfers.length > 0, items };
}

async function testCredentials(config: StripeConfig, deps: PayoutDeps): Promise<void> {
	const key = config.secretKey ?? '';
	if (key.startsWith('pk_')) throw new Error('This is a Stripe publishable key: use the secret key (sk_…) or a restricted key (rk_…)');
	if (!/^(sk|rk)_/.test(key)) throw new Error('The Stripe secret key should start with sk_ (or rk_ for a restricted key)');
	const result = await exchange(config, deps, { method: 'GET', url: `${stripeBaseUrl(config)}/v1/balance`, headers: authHeaders(config) });
	if (!result.ok) throw new PayoutProviderUnavailable('stripe', `Stripe could not be reached at ${stripeBaseUrl(config)} (${result.reason})`, result.attempts);
	if (result.response.status !== 200) throw rejection(result.response, config, 'the key');
}

export const stripe: PayoutProvider<StripeConfig> = { id: 'stripe', submit, lookup, testCredentials };
