/**
 * A strict local stand-in for the Stripe Connect calls the payout engine makes (reference/payouts.md,
 * "Stripe Connect transfers"):
 *
 *   POST /v1/transfers                    form-encoded: amount, currency, destination, transfer_group, description,
 *                                         source_transaction, metadata[key]
 *   GET  /v1/transfers/{id}               GET /v1/transfers?transfer_group=&destination=&limit=&starting_after=&ending_before=
 *   POST /v1/transfers/{id}/reversals     amount (optional: the rest), description, metadata[key]
 *   GET  /v1/transfers/{id}/reversals
 *   GET  /v1/accounts/{id}                payouts_enabled, capabilities.transfers
 *   GET  /v1/balance                      (the credential test)
 *
 * Authentication: `Authorization: Bearer <secret key>` or HTTP Basic with the key as user name; a missing or
 * wrong key is 401 and the message never echoes the whole key. Bodies are read only when form-encoded, like
 * Stripe's v1 API (a JSON body looks like no parameters at all). Unknown parameters are refused
 * (parameter_unknown), amounts must be positive integers in minor units (parameter_invalid_integer), the
 * currency is accepted in either case and answered lower-case as Stripe does (transfers() keeps the case that
 * was sent), metadata follows Stripe's limits (50 keys, key ≤ 40, value ≤ 500 characters).
 *
 * Execution checks: the destination must be a connected account registered with addAccount (else
 * resource_missing), with the transfers capability active (else insufficient_capabilities_for_transfer); the
 * platform balance in that currency must cover the amount (else balance_insufficient). A transfer takes the
 * amount off the balance, a reversal gives it back; reversing more than what is left is refused.
 *
 * Idempotency-Key (≤ 255 characters, POST only): the first answer is stored and replayed exactly (status and
 * body, with Idempotent-Replayed: true and Original-Request) for 24 h by the fake clock — including a 500 and
 * including execution errors such as balance_insufficient. As Stripe documents, nothing is stored when the
 * request failed parameter validation, authentication or rate limiting (429/503 faults). The same key with
 * other parameters or another endpoint is 400 idempotency_error; a key whose first request is still being
 * answered (see hangNext) is 409 idempotency_error / idempotency_key_in_use.
 *
 * Every answer carries a Request-Id header; errors are { error: { type, code?, message, param?, doc_url? } }.
 */
import { randomBytes } from 'node:crypto';
import { type FakeResponse, type JsonFake, type RecordedRequest, startJsonFake } from './server';

export const STRIPE_FAKE_SECRET_KEY = 'sk_test_51FakePostbackPlatform0123456789abcdefABCDEF';

const DAY_MS = 24 * 60 * 60 * 1000;
const MAX_AMOUNT = 99_999_999;
const CURRENCIES = new Set([
	'usd',
	'eur',
	'gbp',
	'cad',
	'aud',
	'nzd',
	'jpy',
	'chf',
	'sek',
	'nok',
	'dkk',
	'pln',
	'czk',
	'huf',
	'ron',
	'bgn',
	'sgd',
	'hkd',
	'mxn',
	'brl',
	'inr',
	'ils',
	'thb',
	'myr',
	'php',
	'zar',
	'aed',
	'try',
	'idr',
	'krw',
]);
const TRANSFER_PARAMETERS = new Set([
	'amount',
	'currency',
	'destination',
	'transfer_group',
	'description',
	'source_transaction',
	'source_type',
	'metadata',
	'expand',
]);
const REVERSAL_PARAMETERS = new Set(['amount', 'description', 'metadata', 'refund_application_fee', 'expand']);
const LIST_PARAMETERS = new Set(['limit', 'starting_after', 'ending_before', 'transfer_group', 'destination', 'expand']);

export interface StripeAccountSpec {
	id: string;
	/** Default true. Transfers still land when false (the account just cannot pay out to its bank). */
	payoutsEnabled?: boolean;
	/** Default 'active'. Anything else refuses transfers. */
	transfersCapability?: 'active' | 'inactive' | 'pending';
	country?: string;
	defaultCurrency?: string;
}

export interface StripeFakeOptions {
	/** The platform's secret key. Default STRIPE_FAKE_SECRET_KEY. */
	apiKey?: string;
	/** The fake's clock: created timestamps and the 24 h idempotency window. */
	now?: () => Date;
	/** Initial available platform balance per currency, in minor units (e.g. { usd: 100000 }). Default none. */
	balance?: Record<string, number>;
	accounts?: StripeAccountSpec[];
}

export interface StripeFault {
	/** Default 500. */
	status?: 429 | 500 | 503;
	/** true: the transfer (or reversal) is applied and recorded, then the client gets a 500 — which the Idempotency-Key replays. */
	afterApplying?: boolean;
	retryAfterSeconds?: number;
	/** 'write' (default): the next POSTs; 'any': any authenticated request. */
	on?: 'write' | 'any';
}

export interface StripeHang {
	/** Answer (with the real answer) after this many ms; default: hold until releaseHung() or close(). */
	answerAfterMs?: number;
	/**
	 * Hold the request BEFORE it executes (default: after): while held, no transfer exists yet, a list shows
	 * nothing and the key is in progress (409 to a second request with it); it executes when released.
	 */
	beforeApplying?: boolean;
	/** Only a POST this matches is held (the next one that does); default: the next POST. */
	match?: (request: RecordedRequest) => boolean;
}

export interface StripeReversalRecord {
	id: string;
	amount: number;
	created: Date;
	idempotencyKey?: string;
}

/** One created transfer: the proof of who was paid what. */
export interface StripeTransferRecord {
	id: string;
	amount: number;
	/** Lower case, as Stripe answers. */
	currency: string;
	/** As the client sent it. */
	currencyAsSent: string;
	destination: string;
	transferGroup?: string;
	description?: string;
	metadata: Record<string, string>;
	idempotencyKey?: string;
	created: Date;
	amountReversed: number;
	reversed: boolean;
	reversals: StripeReversalRecord[];
}

export interface StripeFake extends JsonFake {
	apiKey: string;
	addAccount(account: StripeAccountSpec): void;
	/** Sets the available balance of the currencies given (minor units); others are left alone. */
	setBalance(balances: Record<string, number>): void;
	/** The available balance per currency (a copy). */
	balance(): Record<string, number>;
	/** The next `count` matching requests fail as described (after authentication and idempotent replay). */
	failNext(count: number, fault?: StripeFault): void;
	/**
	 * The next `count` POSTs are held (their Idempotency-Key stays in progress): applied first and the answer held,
	 * or with `beforeApplying` held first and applied on release.
	 */
	hangNext(count: number, hang?: StripeHang): void;
	/** Answers every held request now and finishes their idempotency keys. */
	releaseHung(): void;
	/** Every transfer created, oldest first (copies). */
	transfers(): StripeTransferRecord[];
}

interface Transfer extends StripeTransferRecord {
	balanceTransaction: string;
	destinationPayment: string;
	sourceTransaction?: string;
	reversalObjects: Array<Record<string, unknown>>;
}

interface StoredKey {
	fingerprint: string;
	endpoint: string;
	at: number;
	inProgress: boolean;
	response?: FakeResponse;
	requestId: string;
}

const stripeId = (prefix: string, length = 24) => {
	const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
	let id = '';
	for (const byte of randomBytes(length)) id += alphabet[byte % alphabet.length];
	return `${prefix}_${id}`;
};
const unixSeconds = (date: Date) => Math.floor(date.getTime() / 1000);

export interface StripeErrorFields {
	type: 'api_error' | 'card_error' | 'idempotency_error' | 'invalid_request_error';
	code?: string;
	message: string;
	param?: string;
}

/** Stripe's error shape (doc_url when there is a code). The Request-Id header is added to every answer. */
export function stripeError(status: number, fields: StripeErrorFields): FakeResponse {
	return {
		status,
		body: {
			error: {
				...(fields.code ? { code: fields.code, doc_url: `https://docs.stripe.com/error-codes/${fields.code.replace(/_/g, '-')}` } : {}),
				message: fields.message,
				...(fields.param ? { param: fields.param } : {}),
				type: fields.type,
			},
		},
	};
}

/** Shows a key the way Stripe does in errors: its prefix, stars, and the last four characters. */
export function redactKey(key: string): string {
	const prefix = /^(sk|rk|pk)_(test|live)_/.exec(key)?.[0] ?? '';
	if (key.length - prefix.length <= 4) return `${prefix}****`;
	return `${prefix}${'*'.repeat(key.length - prefix.length - 4)}${key.slice(-4)}`;
}

class ParameterError extends Error {
	constructor(
		readonly param: string,
		message: string,
	) {
		super(message);
	}
}

/**
 * Parses Stripe's form encoding into nested values: `metadata[affiliate_id]=7` → { metadata: { affiliate_id:
 * '7' } }, `expand[]=a&expand[]=b` → { expand: ['a', 'b'] }. Throws ParameterError when a name is used both as
 * a value and as a hash.
 */
export function parseStripeParams(encoded: string): Record<string, unknown> {
	const root: Record<string, unknown> = {};
	for (const [name, value] of new URLSearchParams(encoded)) {
		const match = /^([^[\]]+)((?:\[[^[\]]*\])*)$/.exec(name);
		const parts = match ? [match[1], ...[...match[2].matchAll(/\[([^[\]]*)\]/g)].map((part) => part[1])] : [name];
		let node: Record<string, unknown> | unknown[] = root;
		for (let index = 0; index < parts.length; index++) {
			const part = parts[index];
			const last = index === parts.length - 1;
			if (Array.isArray(node)) {
				if (part !== '') throw new ParameterError(parts[0], `Invalid array: ${parts[0]}`);
				if (last) node.push(value);
				else {
					const child: Record<string, unknown> = {};
					node.push(child);
					node = child;
				}
				continue;
			}
			if (part === '') throw new ParameterError(parts[0], `Invalid hash: ${parts[0]}`);
			if (last) {
				if (part in node && typeof node[part] !== 'string') throw new ParameterError(parts[0], `Invalid ${parts.length > 1 ? 'hash' : 'string'}: ${parts[0]}`);
				node[part] = value;
			} else {
				const wantsArray = parts[index + 1] === '';
				const existing = node[part];
				if (existing === undefined) node[part] = wantsArray ? [] : {};
				else if (typeof existing === 'string' || Array.isArray(existing) !== wantsArray) throw new ParameterError(parts[0], `Invalid hash: ${parts[0]}`);
				node = node[part] as Record<string, unknown> | unknown[];
			}
		}
	}
	return root;
}

/** A stable text for comparing two requests' parameters (key order does not matter). */
function fingerprint(value: unknown): string {
	if (Array.isArray(value)) return `[${value.map(fingerprint).join(',')}]`;
	if (value && typeof value === 'object') {
		return `{${Object.keys(value)
			.sort()
			.map((key) => `${JSON.stringify(key)}:${fingerprint((value as Record<string, unknown>)[key])}`)
			.join(',')}}`;
	}
	return JSON.stringify(value);
}

const invalid = (message: string, param?: string, code?: string) =>
	stripeError(400, { type: 'invalid_request_error', message, ...(param ? { param } : {}), ...(code ? { code } : {}) });

function checkUnknown(params: Record<string, unknown>, allowed: Set<string>): FakeResponse | undefined {
	for (const name of Object.keys(params)) {
		if (!allowed.has(name)) return invalid(`Received unknown parameter: ${name}`, name, 'parameter_unknown');
	}
	return undefined;
}

/** A positive integer amount in minor units, or the error Stripe gives. */
function readAmount(params: Record<string, unknown>, required: boolean): number | FakeResponse | undefined {
	const raw = params.amount;
	if (raw === undefined) return required ? invalid('Missing required param: amount.', 'amount', 'parameter_missing') : undefined;
	if (typeof raw !== 'string' || !/^-?\d+$/.test(raw))
		return invalid(`Invalid integer: ${typeof raw === 'string' ? raw : 'amount'}`, 'amount', 'parameter_invalid_integer');
	const amount = Number(raw);
	if (amount < 1) return invalid('Invalid positive integer', 'amount', 'parameter_invalid_integer');
	if (amount > MAX_AMOUNT) return invalid('Amount must be no more than 99,999,999.', 'amount', 'amount_too_large');
	return amount;
}

function readMetadata(params: Record<string, unknown>): Record<string, string> | FakeResponse {
	const raw = params.metadata;
	if (raw === undefined || raw === '') return {};
	if (typeof raw !== 'object' || Array.isArray(raw)) return invalid('Invalid hash', 'metadata', 'parameter_invalid_string');
	const metadata: Record<string, string> = {};
	for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
		if (typeof value !== 'string') return invalid('Invalid hash', `metadata[${key}]`, 'parameter_invalid_string');
		if (key.length > 40) return invalid(`Metadata keys can have up to 40 characters; ${key} has ${key.length}.`, `metadata[${key}]`);
		if (value.length > 500) return invalid(`Metadata values can have up to 500 characters; metadata[${key}] has ${value.length}.`, `metadata[${key}]`);
		// An empty value unsets a key in Stripe; on a new object it is simply absent.
		if (value !== '') metadata[key] = value;
	}
	if (Object.keys(metadata).length > 50) return invalid('Metadata can have up to 50 keys.', 'metadata');
	return metadata;
}

const optionalString = (params: Record<string, unknown>, name: string): string | FakeResponse | undefined => {
	const value = params[name];
	if (value === undefined) return undefined;
	if (typeof value !== 'string') return invalid(`Invalid string: ${name}`, name, 'parameter_invalid_string');
	return value;
};

const isResponse = (value: unknown): value is FakeResponse =>
	typeof value === 'object' && value !== null && 'status' in value && typeof (value as FakeResponse).status === 'number';

export async function startStripeFake(options: StripeFakeOptions = {}): Promise<StripeFake> {
	const apiKey = options.apiKey ?? STRIPE_FAKE_SECRET_KEY;
	const clock = options.now ?? (() => new Date());
	const balances = new Map<string, number>(Object.entries(options.balance ?? {}).map(([currency, amount]) => [currency.toLowerCase(), amount]));
	const accounts = new Map<string, Required<Omit<StripeAccountSpec, 'id'>> & { id: string; created: Date }>();
	const transfersById = new Map<string, Transfer>();
	const transferOrder: Transfer[] = [];
	const keys = new Map<string, StoredKey>();
	const faults: StripeFault[] = [];
	const hangs: StripeHang[] = [];
	const held = new Set<{ release: () => void; timer?: NodeJS.Timeout }>();

	const addAccount = (account: StripeAccountSpec) => {
		accounts.set(account.id, {
			id: account.id,
			payoutsEnabled: account.payoutsEnabled ?? true,
			transfersCapability: account.transfersCapability ?? 'active',
			country: account.country ?? 'US',
			defaultCurrency: account.defaultCurrency ?? 'usd',
			created: clock(),
		});
	};
	for (const account of options.accounts ?? []) addAccount(account);

	function authenticate(request: RecordedRequest): FakeResponse | undefined {
		const authorization = typeof request.headers.authorization === 'string' ? request.headers.authorization : '';
		let key: string | undefined;
		const bearer = /^Bearer\s+(\S+)$/i.exec(authorization);
		const basic = /^Basic\s+(\S+)$/i.exec(authorization);
		if (bearer) key = bearer[1];
		else if (basic) key = Buffer.from(basic[1], 'base64').toString('utf8').split(':')[0];
		if (!key) {
			return stripeError(401, {
				type: 'invalid_request_error',
				message:
					"You did not provide an API key. Send your secret key in the Authorization header, as Bearer auth ('Authorization: Bearer sk_…') or as the user name of HTTP Basic auth.",
			});
		}
		if (key !== apiKey) return stripeError(401, { type: 'invalid_request_error', message: `Invalid API Key provided: ${redactKey(key)}` });
		return undefined;
	}

	const reversalObject = (transfer: Transfer, reversal: StripeReversalRecord, description?: string, metadata: Record<string, string> = {}) => ({
		id: reversal.id,
		object: 'transfer_reversal',
		amount: reversal.amount,
		balance_transaction: stripeId('txn'),
		created: unixSeconds(reversal.created),
		currency: transfer.currency,
		description: description ?? null,
		destination_payment_refund: stripeId('pyr'),
		metadata,
		source_refund: null,
		transfer: transfer.id,
	});

	const transferObject = (transfer: Transfer) => ({
		id: transfer.id,
		object: 'transfer',
		amount: transfer.amount,
		amount_reversed: transfer.amountReversed,
		balance_transaction: transfer.balanceTransaction,
		created: unixSeconds(transfer.created),
		currency: transfer.currency,
		description: transfer.description ?? null,
		destination: transfer.destination,
		destination_payment: transfer.destinationPayment,
		livemode: false,
		metadata: { ...transfer.metadata },
		reversals: {
			object: 'list',
			data: [...transfer.reversalObjects].reverse(),
			has_more: false,
			total_count: transfer.reversalObjects.length,
			url: `/v1/transfers/${transfer.id}/reversals`,
		},
		reversed: transfer.reversed,
		source_transaction: transfer.sourceTransaction ?? null,
		source_type: 'card',
		transfer_group: transfer.transferGroup ?? null,
	});

	/** Parameter validation (nothing stored on failure), then execution (the answer is stored). */
	function createTransfer(params: Record<string, unknown>, idempotencyKey: string | undefined): { answer: FakeResponse; executed: boolean } {
		const validation = (answer: FakeResponse) => ({ answer, executed: false });
		const unknown = checkUnknown(params, TRANSFER_PARAMETERS);
		if (unknown) return validation(unknown);
		const amount = readAmount(params, true);
		if (isResponse(amount)) return validation(amount);
		const currencyAsSent = params.currency;
		if (currencyAsSent === undefined) return validation(invalid('Missing required param: currency.', 'currency', 'parameter_missing'));
		if (typeof currencyAsSent !== 'string' || !CURRENCIES.has(currencyAsSent.toLowerCase())) {
			return validation(
				invalid(`Invalid currency: ${String(currencyAsSent).toLowerCase()}. Stripe supports three-letter ISO codes such as usd or eur.`, 'currency'),
			);
		}
		const currency = currencyAsSent.toLowerCase();
		const destination = params.destination;
		if (destination === undefined) return validation(invalid('Missing required param: destination.', 'destination', 'parameter_missing'));
		if (typeof destination !== 'string') return validation(invalid('Invalid string: destination', 'destination', 'parameter_invalid_string'));
		const metadata = readMetadata(params);
		if (isResponse(metadata)) return validation(metadata);
		const strings: Record<string, string | undefined> = {};
		for (const name of ['transfer_group', 'description', 'source_transaction']) {
			const value = optionalString(params, name);
			if (isResponse(value)) return validation(value);
			strings[name] = value;
		}
		const account = accounts.get(destination);
		if (!account) return validation(invalid(`No such destination: '${destination}'`, 'destination', 'resource_missing'));

		// From here on the endpoint has started executing: Stripe stores the answer for the Idempotency-Key.
		if (account.transfersCapability !== 'active') {
			return {
				answer: invalid(
					`Your destination account needs to have the transfers capability enabled (it is ${account.transfersCapability}). Request it for ${destination} before sending transfers.`,
					'destination',
					'insufficient_capabilities_for_transfer',
				),
				executed: true,
			};
		}
		const available = balances.get(currency) ?? 0;
		if (available < (amount as number)) {
			return {
				answer: invalid(
					`You have insufficient available funds in your Stripe account for this transfer (${available} ${currency} available, ${amount as number} requested). Add funds to your available balance and try again.`,
					undefined,
					'balance_insufficient',
				),
				executed: true,
			};
		}
		balances.set(currency, available - (amount as number));
		const transfer: Transfer = {
			id: stripeId('tr'),
			amount: amount as number,
			currency,
			currencyAsSent,
			destination,
			...(strings.transfer_group !== undefined ? { transferGroup: strings.transfer_group } : {}),
			...(strings.description !== undefined ? { description: strings.description } : {}),
			...(strings.source_transaction !== undefined ? { sourceTransaction: strings.source_transaction } : {}),
			metadata,
			...(idempotencyKey !== undefined ? { idempotencyKey } : {}),
			created: clock(),
			amountReversed: 0,
			reversed: false,
			reversals: [],
			balanceTransaction: stripeId('txn'),
			destinationPayment: stripeId('py'),
			reversalObjects: [],
		};
		transfersById.set(transfer.id, transfer);
		transferOrder.push(transfer);
		return { answer: { status: 200, body: transferObject(transfer) }, executed: true };
	}

	function createReversal(
		transferId: string,
		params: Record<string, unknown>,
		idempotencyKey: string | undefined,
	): { answer: FakeResponse; executed: boolean } {
		const validation = (answer: FakeResponse) => ({ answer, executed: false });
		const unknown = checkUnknown(params, REVERSAL_PARAMETERS);
		if (unknown) return validation(unknown);
		const amount = readAmount(params, false);
		if (isResponse(amount)) return validation(amount);
		const metadata = readMetadata(params);
		if (isResponse(metadata)) return validation(metadata);
		const description = optionalString(params, 'description');
		if (isResponse(description)) return validation(description);
		const transfer = transfersById.get(transferId);
		if (!transfer)
			return validation(
				stripeError(404, { type: 'invalid_request_error', code: 'resource_missing', param: 'id', message: `No such transfer: '${transferId}'` }),
			);

		const remaining = transfer.amount - transfer.amountReversed;
		if (remaining === 0) return { answer: invalid(`Transfer ${transfer.id} has already been fully reversed.`), executed: true };
		const reverse = amount ?? remaining;
		if (reverse > remaining) {
			return { answer: invalid(`Amount (${reverse}) is greater than the unreversed amount on the transfer (${remaining}).`, 'amount'), executed: true };
		}
		const reversal: StripeReversalRecord = {
			id: stripeId('trr'),
			amount: reverse,
			created: clock(),
			...(idempotencyKey !== undefined ? { idempotencyKey } : {}),
		};
		transfer.amountReversed += reverse;
		transfer.reversed = transfer.amountReversed === transfer.amount;
		transfer.reversals.push(reversal);
		const object = reversalObject(transfer, reversal, description, metadata);
		transfer.reversalObjects.push(object);
		balances.set(transfer.currency, (balances.get(transfer.currency) ?? 0) + reverse);
		return { answer: { status: 200, body: object }, executed: true };
	}

	function listTransfers(params: Record<string, unknown>): FakeResponse {
		const unknown = checkUnknown(params, LIST_PARAMETERS);
		if (unknown) return unknown;
		let limit = 10;
		if (params.limit !== undefined) {
			if (typeof params.limit !== 'string' || !/^\d+$/.test(params.limit))
				return invalid(`Invalid integer: ${String(params.limit)}`, 'limit', 'parameter_invalid_integer');
			limit = Number(params.limit);
			if (limit < 1 || limit > 100)
				return invalid('This value must be greater than or equal to 1 and less than or equal to 100.', 'limit', 'parameter_invalid_integer');
		}
		// Newest first, as Stripe lists.
		let candidates = [...transferOrder].reverse();
		if (typeof params.transfer_group === 'string') candidates = candidates.filter((transfer) => transfer.transferGroup === params.transfer_group);
		if (typeof params.destination === 'string') candidates = candidates.filter((transfer) => transfer.destination === params.destination);
		let page: Transfer[];
		let hasMore: boolean;
		if (params.starting_after !== undefined || params.ending_before !== undefined) {
			const cursorName = params.starting_after !== undefined ? 'starting_after' : 'ending_before';
			const cursor = String(params[cursorName]);
			const all = [...transferOrder].reverse();
			const cursorIndex = all.findIndex((transfer) => transfer.id === cursor);
			if (cursorIndex < 0) return invalid(`No such transfer: '${cursor}'`, cursorName, 'resource_missing');
			const cursorTransfer = all[cursorIndex];
			const position = (transfer: Transfer) => all.indexOf(transfer);
			if (cursorName === 'starting_after') {
				const after = candidates.filter((transfer) => position(transfer) > position(cursorTransfer));
				page = after.slice(0, limit);
				hasMore = after.length > limit;
			} else {
				const before = candidates.filter((transfer) => position(transfer) < position(cursorTransfer));
				page = before.slice(Math.max(0, before.length - limit));
				hasMore = before.length > limit;
			}
		} else {
			page = candidates.slice(0, limit);
			hasMore = candidates.length > limit;
		}
		return { status: 200, body: { object: 'list', data: page.map(transferObject), has_more: hasMore, url: '/v1/transfers' } };
	}

	function accountObject(id: string): FakeResponse {
		const account = accounts.get(id);
		if (!account) {
			return stripeError(403, {
				type: 'invalid_request_error',
				code: 'account_invalid',
				message: `The provided key '${redactKey(apiKey)}' does not have access to account '${id}' (or that account does not exist).`,
			});
		}
		return {
			status: 200,
			body: {
				id: account.id,
				object: 'account',
				type: 'express',
				capabilities: { transfers: account.transfersCapability },
				charges_enabled: account.transfersCapability === 'active',
				payouts_enabled: account.payoutsEnabled,
				details_submitted: true,
				country: account.country,
				default_currency: account.defaultCurrency,
				created: unixSeconds(account.created),
				metadata: {},
			},
		};
	}

	function balanceObject(): FakeResponse {
		const entries = balances.size > 0 ? [...balances] : [['usd', 0] as [string, number]];
		return {
			status: 200,
			body: {
				object: 'balance',
				available: entries.map(([currency, amount]) => ({ amount, currency, source_types: { card: amount } })),
				pending: entries.map(([currency]) => ({ amount: 0, currency, source_types: { card: 0 } })),
				livemode: false,
			},
		};
	}

	function faultResponse(fault: StripeFault): FakeResponse {
		const status = fault.status ?? 500;
		const response =
			status === 429
				? stripeError(429, {
						type: 'invalid_request_error',
						code: 'rate_limit',
						message: 'Too many requests hit the API too quickly. Slow down and retry with exponential backoff.',
					})
				: stripeError(status, {
						type: 'api_error',
						message:
							status === 503
								? 'The Stripe API is temporarily unavailable. Please retry.'
								: 'An unknown error occurred while processing this request. Please retry.',
					});
		if (fault.retryAfterSeconds !== undefined) response.headers = { 'retry-after': String(fault.retryAfterSeconds) };
		return response;
	}

	function hold(answer: FakeResponse | (() => FakeResponse | Promise<FakeResponse>), hang: StripeHang, onRelease: () => void): Promise<FakeResponse> {
		return new Promise((resolve) => {
			const entry: { release: () => void; timer?: NodeJS.Timeout } = {
				release: () => {
					if (entry.timer) clearTimeout(entry.timer);
					held.delete(entry);
					onRelease();
					resolve(typeof answer === 'function' ? answer() : answer);
				},
			};
			if (hang.answerAfterMs !== undefined) entry.timer = setTimeout(entry.release, hang.answerAfterMs);
			held.add(entry);
		});
	}

	function handle(request: RecordedRequest, requestId: string): FakeResponse | Promise<FakeResponse> {
		const { method, path } = request;
		const transferMatch = /^\/v1\/transfers\/([^/]+)$/.exec(path);
		const reversalsMatch = /^\/v1\/transfers\/([^/]+)\/reversals$/.exec(path);
		const accountMatch = /^\/v1\/accounts\/([^/]+)$/.exec(path);
		type Route = 'create' | 'list' | 'get' | 'reverse' | 'reversals' | 'account' | 'balance';
		let route: Route | undefined;
		if (method === 'POST' && path === '/v1/transfers') route = 'create';
		else if (method === 'GET' && path === '/v1/transfers') route = 'list';
		else if (method === 'GET' && transferMatch) route = 'get';
		else if (method === 'POST' && reversalsMatch) route = 'reverse';
		else if (method === 'GET' && reversalsMatch) route = 'reversals';
		else if (method === 'GET' && accountMatch) route = 'account';
		else if (method === 'GET' && path === '/v1/balance') route = 'balance';
		if (!route)
			return stripeError(404, {
				type: 'invalid_request_error',
				message: `Unrecognized request URL (${method}: ${path}). Please see https://docs.stripe.com/api or contact support.`,
			});

		const authProblem = authenticate(request);
		if (authProblem) return authProblem;

		let params: Record<string, unknown>;
		try {
			if (method === 'GET') params = parseStripeParams(new URL(request.url, 'http://fake').search.slice(1));
			else {
				const contentType = typeof request.headers['content-type'] === 'string' ? request.headers['content-type'] : '';
				// Stripe's v1 API reads form bodies only: a JSON body carries no parameters.
				params = contentType.toLowerCase().includes('application/x-www-form-urlencoded') ? parseStripeParams(request.rawBody) : {};
			}
		} catch (error) {
			if (error instanceof ParameterError) return invalid(error.message, error.param, 'parameter_invalid_string');
			throw error;
		}

		const isWrite = method === 'POST';
		const rawKey = request.headers['idempotency-key'];
		const idempotencyKey = isWrite ? (Array.isArray(rawKey) ? rawKey[0] : rawKey) : undefined;
		const endpoint = `${method} ${path}`;
		const print = fingerprint(params);
		const now = clock().getTime();
		let stored: StoredKey | undefined;
		if (idempotencyKey !== undefined) {
			if (idempotencyKey.length > 255 || idempotencyKey.length === 0) {
				return invalid(`Idempotency keys must be 1 to 255 characters long; this one has ${idempotencyKey.length}.`);
			}
			const previous = keys.get(idempotencyKey);
			if (previous && now - previous.at < DAY_MS) {
				if (previous.endpoint !== endpoint) {
					return stripeError(400, {
						type: 'idempotency_error',
						message: `Keys for idempotent requests can only be used for the same endpoint they were first used for ('${previous.endpoint}' vs '${endpoint}'). Use a fresh key for each request.`,
					});
				}
				if (previous.fingerprint !== print) {
					return stripeError(400, {
						type: 'idempotency_error',
						message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idempotencyKey}' if you meant to execute a different request.`,
					});
				}
				if (previous.inProgress) {
					return stripeError(409, {
						type: 'idempotency_error',
						code: 'idempotency_key_in_use',
						message:
							'There is currently another in-progress request using this Idempotency Key (which probably means you have submitted two requests with the same key at the same time). Try again later.',
					});
				}
				const replay = previous.response as FakeResponse;
				return {
					status: replay.status,
					body: replay.body,
					headers: { ...replay.headers, 'idempotent-replayed': 'true', 'original-request': previous.requestId },
				};
			}
			stored = { fingerprint: print, endpoint, at: now, inProgress: true, requestId };
		}

		const hangIndex = isWrite ? hangs.findIndex((hang) => !hang.match || hang.match(request)) : -1;
		if (hangIndex >= 0 && hangs[hangIndex].beforeApplying) {
			const hang = hangs.splice(hangIndex, 1)[0];
			// In progress from now on: a second request with the key gets 409 until this one has executed.
			if (stored) keys.set(idempotencyKey as string, stored);
			return hold(
				() => execute(false),
				hang,
				() => undefined,
			);
		}
		return execute(true);

		function execute(mayHang: boolean): FakeResponse | Promise<FakeResponse> {
			const faultIndex = faults.findIndex((fault) => isWrite || fault.on === 'any');
			const fault = faultIndex >= 0 ? faults.splice(faultIndex, 1)[0] : undefined;
			if (fault && !fault.afterApplying) {
				const answer = faultResponse(fault);
				// A 500 is an answer from an endpoint that started executing: Stripe replays it for the key.
				if (stored && answer.status === 500) keys.set(idempotencyKey as string, { ...stored, inProgress: false, response: answer });
				// A 429/503 stores nothing (a request held before applying had marked its key in progress).
				else if (stored) keys.delete(idempotencyKey as string);
				return answer;
			}

			let answer: FakeResponse = stripeError(500, { type: 'api_error', message: 'unreachable' });
			let executed = true;
			switch (route) {
				case 'create':
					({ answer, executed } = createTransfer(params, idempotencyKey));
					break;
				case 'reverse':
					({ answer, executed } = createReversal(decodeURIComponent((reversalsMatch as RegExpExecArray)[1]), params, idempotencyKey));
					break;
				case 'list':
					answer = listTransfers(params);
					break;
				case 'get': {
					const unknown = checkUnknown(params, new Set(['expand']));
					const transfer = transfersById.get(decodeURIComponent((transferMatch as RegExpExecArray)[1]));
					answer =
						unknown ??
						(transfer
							? { status: 200, body: transferObject(transfer) }
							: stripeError(404, {
									type: 'invalid_request_error',
									code: 'resource_missing',
									param: 'id',
									message: `No such transfer: '${(transferMatch as RegExpExecArray)[1]}'`,
								}));
					break;
				}
				case 'reversals': {
					const transfer = transfersById.get(decodeURIComponent((reversalsMatch as RegExpExecArray)[1]));
					answer = transfer
						? {
								status: 200,
								body: { object: 'list', data: [...transfer.reversalObjects].reverse(), has_more: false, url: `/v1/transfers/${transfer.id}/reversals` },
							}
						: stripeError(404, {
								type: 'invalid_request_error',
								code: 'resource_missing',
								param: 'id',
								message: `No such transfer: '${(reversalsMatch as RegExpExecArray)[1]}'`,
							});
					break;
				}
				case 'account':
					answer = accountObject(decodeURIComponent((accountMatch as RegExpExecArray)[1]));
					break;
				case 'balance':
					answer = balanceObject();
					break;
			}

			if (fault) answer = faultResponse({ ...fault, status: 500 });
			const remember = stored && (executed || fault) ? { ...stored, response: answer } : undefined;
			if (!remember && stored) keys.delete(idempotencyKey as string);
			if (mayHang && hangIndex >= 0) {
				const hang = hangs.splice(hangIndex, 1)[0];
				// While the answer is held the key is "in progress": a retry with it gets 409.
				if (remember) keys.set(idempotencyKey as string, remember);
				return hold(answer, hang, () => {
					if (remember) remember.inProgress = false;
				});
			}
			if (remember) keys.set(idempotencyKey as string, { ...remember, inProgress: false });
			return answer;
		}
	}

	let requestCounter = 0;
	const fake = await startJsonFake(async (request) => {
		const requestId = `req_${randomBytes(7).toString('hex')}${(++requestCounter).toString(36)}`;
		const answer = await handle(request, requestId);
		const key = request.method === 'POST' ? request.headers['idempotency-key'] : undefined;
		const echo: Record<string, string> = typeof key === 'string' ? { 'idempotency-key': key } : {};
		return { ...answer, headers: { ...answer.headers, ...echo, 'request-id': requestId, 'stripe-version': '2025-01-27.acacia' } };
	});

	const copy = (transfer: Transfer): StripeTransferRecord => ({
		id: transfer.id,
		amount: transfer.amount,
		currency: transfer.currency,
		currencyAsSent: transfer.currencyAsSent,
		destination: transfer.destination,
		...(transfer.transferGroup !== undefined ? { transferGroup: transfer.transferGroup } : {}),
		...(transfer.description !== undefined ? { description: transfer.description } : {}),
		metadata: { ...transfer.metadata },
		...(transfer.idempotencyKey !== undefined ? { idempotencyKey: transfer.idempotencyKey } : {}),
		created: transfer.created,
		amountReversed: transfer.amountReversed,
		reversed: transfer.reversed,
		reversals: transfer.reversals.map((reversal) => ({ ...reversal })),
	});

	return {
		...fake,
		apiKey,
		close: async () => {
			for (const entry of held) if (entry.timer) clearTimeout(entry.timer);
			held.clear();
			await fake.close();
		},
		addAccount,
		setBalance(values) {
			for (const [currency, amount] of Object.entries(values)) balances.set(currency.toLowerCase(), amount);
		},
		balance() {
			return Object.fromEntries(balances);
		},
		failNext(count, fault = {}) {
			for (let i = 0; i < count; i++) faults.push(fault);
		},
		hangNext(count, hang = {}) {
			for (let i = 0; i < count; i++) hangs.push(hang);
		},
		releaseHung() {
			for (const entry of [...held]) entry.release();
		},
		transfers() {
			return transferOrder.map(copy);
		},
	};
}
