/**
 * A strict local stand-in for PayPal Payouts (REST v1), built from PayPal's reference
 * (https://developer.paypal.com/docs/api/payments.payouts-batch/v1/) and our description of its fields and
 * limits in ./paypal-schema.ts:
 *
 *   POST /v1/oauth2/token                               client credentials (HTTP Basic id:secret, form body)
 *   POST /v1/payments/payouts                           create a batch (bearer; body checked against the schema)
 *   GET  /v1/payments/payouts/{payout_batch_id}         batch + items (page, page_size, total_required)
 *   GET  /v1/payments/payouts-item/{payout_item_id}     one item
 *   POST /v1/payments/payouts-item/{payout_item_id}/cancel   UNCLAIMED → RETURNED
 *
 * It rejects what PayPal rejects: a body that breaks the request schema (400 INVALID_REQUEST with one
 * `details` entry per problem, `field` a JSON pointer), more than 15,000 items, amount values with the wrong
 * decimals (JPY, HUF and TWD take none; others at most two), a currency PayPal does not pay out in, a receiver
 * that does not match its recipient_type, a sender_item_id repeated inside the batch; 422 UNPROCESSABLE_ENTITY
 * for an item above 20,000 USD or a PHONE recipient in sandbox mode. A sender_batch_id used in the last 30
 * days (by the fake clock) is refused with 400 USER_BUSINESS_ERROR and a `links` entry (GET) to the original
 * batch. A PayPal-Request-Id seen in the last 30 days replays the original 2xx answer instead of creating
 * anything. Tokens expire by the fake clock; an unknown or expired bearer gets 401 AUTHENTICATION_FAILURE.
 *
 * Every error carries name, message, debug_id (also in the paypal-debug-id header), details[],
 * information_link and links[].
 *
 * Issue codes inside `details` for our extra checks (DECIMALS_NOT_SUPPORTED, DECIMAL_PRECISION,
 * CURRENCY_NOT_SUPPORTED, INVALID_RECEIVER, DUPLICATE_SENDER_ITEM_ID, AMOUNT_LIMIT_EXCEEDED,
 * RECIPIENT_TYPE_NOT_SUPPORTED, ITEM_INCORRECT_STATUS) are the fake's names for what PayPal refuses; code
 * against the HTTP status and `name`, not these strings.
 *
 * Test controls: settle() moves batches and items to their final statuses, failNext() injects 429/5xx
 * (optionally after the batch was accepted, i.e. the answer is lost), hangNext() accepts a batch and holds
 * the answer, batches() / paidItems() are the proof of who was paid what and how many times.
 */
import { randomBytes } from 'node:crypto';
import { type SchemaIssue, validateQuery, validateSchema } from './openapi';
import { PAYPAL_PAYOUTS_SCHEMA, PAYPAL_SHOW_BATCH_QUERY } from './paypal-schema';
import { type FakeResponse, type JsonFake, type RecordedRequest, startJsonFake } from './server';

export const PAYPAL_FAKE_CLIENT_ID = 'AfakePayPalClientId0123456789';
export const PAYPAL_FAKE_CLIENT_SECRET = 'EfakePayPalSecret0123456789';
export const PAYPAL_PAYOUTS_SCOPE = 'https://uri.paypal.com/payments/payouts';

export type PayPalTransactionStatus = 'SUCCESS' | 'FAILED' | 'PENDING' | 'UNCLAIMED' | 'RETURNED' | 'ONHOLD' | 'BLOCKED' | 'REFUNDED' | 'REVERSED';
export type PayPalBatchStatus = 'DENIED' | 'PENDING' | 'PROCESSING' | 'SUCCESS' | 'CANCELED';

const DAY_MS = 24 * 60 * 60 * 1000;
const DEDUP_MS = 30 * DAY_MS;
const MAX_USD_PER_ITEM_CENTS = 20_000_00;
const ZERO_DECIMAL = new Set(['JPY', 'HUF', 'TWD']);
/** The currencies PayPal Payouts pays out in. */
const SUPPORTED_CURRENCIES = new Set([
	'AUD',
	'BRL',
	'CAD',
	'CNY',
	'CZK',
	'DKK',
	'EUR',
	'HKD',
	'HUF',
	'ILS',
	'JPY',
	'MYR',
	'MXN',
	'TWD',
	'NZD',
	'NOK',
	'PHP',
	'PLN',
	'GBP',
	'SGD',
	'SEK',
	'CHF',
	'THB',
	'USD',
]);
const RECIPIENT_TYPES = ['EMAIL', 'PHONE', 'PAYPAL_ID'] as const;
type RecipientType = (typeof RECIPIENT_TYPES)[number];
const RECEIVER_SHAPES: Record<RecipientType, RegExp> = {
	EMAIL: /^[^\s@]+@[^\s@]+\.[^\s@]+$/,
	PHONE: /^\+?[0-9][0-9 -]{5,19}$/,
	PAYPAL_ID: /^[A-Z0-9]{13}$/,
};
const INFO_BASE = 'https://developer.paypal.com/docs/api/payments.payouts-batch/v1/#errors';

/** Item error names PayPal reports on settled items, with the sentence it gives. */
const ITEM_ERROR_MESSAGES: Record<string, string> = {
	RECEIVER_ACCOUNT_LOCKED: 'Receiver account is locked or inactive.',
	INSUFFICIENT_FUNDS: 'Sender does not have sufficient funds. Please add funds and retry.',
	RECEIVER_UNREGISTERED: 'Receiver is unregistered. The receiver needs to sign up with PayPal to receive the payment.',
	RECEIVER_UNCONFIRMED: 'Receiver has not confirmed their email address or phone number.',
	RECEIVER_COUNTRY_NOT_ALLOWED: 'The receiver country is not allowed for this payment.',
	RECEIVER_REFUSED: 'The receiver refused the payment.',
	RISK_DECLINE: 'The payment was declined for risk reasons.',
};
const DEFAULT_ITEM_ERROR: Partial<Record<PayPalTransactionStatus, string>> = {
	FAILED: 'RECEIVER_ACCOUNT_LOCKED',
	UNCLAIMED: 'RECEIVER_UNREGISTERED',
	BLOCKED: 'RISK_DECLINE',
};

export interface PayPalFakeOptions {
	clientId?: string;
	clientSecret?: string;
	/** 'sandbox' (default) refuses PHONE recipients, as PayPal's sandbox does. */
	mode?: 'sandbox' | 'live';
	/** The fake's clock: token expiry, the 30-day sender_batch_id and PayPal-Request-Id windows, timestamps. */
	now?: () => Date;
	/** Lifetime of issued tokens. Default 32400 s (9 h), what PayPal gives. */
	tokenTtlSeconds?: number;
	/** false: the app lacks the Payouts permission, every payouts call is 403 NOT_AUTHORIZED. Default true. */
	payoutsPermission?: boolean;
}

export interface PayPalFault {
	/** Default 500. */
	status?: 429 | 500 | 503;
	/** true: the batch is created and recorded as usual, then the client gets the error (the answer was lost). */
	afterAccepting?: boolean;
	/** Adds a Retry-After header. */
	retryAfterSeconds?: number;
	/** Which requests the fault hits: 'create' (POST /v1/payments/payouts, default) or any authenticated API call. */
	on?: 'create' | 'any';
}

export interface PayPalHang {
	/** Answer (with the real answer) after this many ms; default: hold until releaseHung() or close(). */
	answerAfterMs?: number;
}

/** A status, or a status with the item error PayPal would attach (name from ITEM_ERROR_MESSAGES or any). */
export type PayPalItemOutcome = PayPalTransactionStatus | { status: PayPalTransactionStatus; error?: string; errorMessage?: string };

export interface PayPalSettlement {
	/** Status for items no override names and that are still PENDING. Default 'SUCCESS'. */
	status?: PayPalTransactionStatus;
	/** Overrides by receiver (email, phone or PayPal id as sent). */
	byReceiver?: Record<string, PayPalItemOutcome>;
	/** Overrides by sender_item_id (wins over byReceiver). */
	bySenderItemId?: Record<string, PayPalItemOutcome>;
	/** Final batch status. Default 'SUCCESS' (PayPal's batch succeeds even when some items fail). */
	batchStatus?: PayPalBatchStatus;
}

/** One created payout item: who was paid what, in which batch, and where it stands. */
export interface PayPalPaidItem {
	payoutBatchId: string;
	payoutItemId: string;
	senderBatchId?: string;
	senderItemId?: string;
	receiver: string;
	recipientType: RecipientType;
	/** The amount value as sent, e.g. "12.34". */
	amount: string;
	currency: string;
	status: PayPalTransactionStatus;
	transactionId?: string;
	errorName?: string;
	createdAt: Date;
}

export interface PayPalBatchRecord {
	payoutBatchId: string;
	senderBatchId?: string;
	status: PayPalBatchStatus;
	/** The PayPal-Request-Id header of the creating request, if any. */
	requestId?: string;
	createdAt: Date;
	completedAt?: Date;
	senderBatchHeader: Record<string, unknown>;
	items: PayPalPaidItem[];
}

export interface PayPalFake extends JsonFake {
	clientId: string;
	clientSecret: string;
	mode: 'sandbox' | 'live';
	/** The next `count` matching requests fail as described (see PayPalFault). Consumed after authentication. */
	failNext(count: number, fault?: PayPalFault): void;
	/** The next `count` create requests are processed (the batch is created) and their answer is held. */
	hangNext(count: number, hang?: PayPalHang): void;
	/** Answers every held request now (with its real answer). */
	releaseHung(): void;
	/** Moves a batch (or 'all' batches) to its final status and items to theirs; returns the items changed. */
	settle(payoutBatchId: string | 'all', settlement?: PayPalSettlement): PayPalPaidItem[];
	/** Every batch created, in creation order (copies). */
	batches(): PayPalBatchRecord[];
	/** Every item created across all batches, in creation order (copies). */
	paidItems(): PayPalPaidItem[];
	/** A valid bearer token without calling /v1/oauth2/token. */
	issueToken(): string;
	/** Makes every issued token invalid (as if they all expired). */
	expireTokens(): void;
}

interface StoredItem {
	payoutItemId: string;
	payoutBatchId: string;
	status: PayPalTransactionStatus;
	transactionId?: string;
	activityId?: string;
	timeProcessed?: Date;
	error?: { name: string; message: string; debugId: string };
	payoutItem: {
		recipient_type: RecipientType;
		amount: { currency: string; value: string };
		note?: string;
		receiver: string;
		sender_item_id?: string;
		recipient_wallet: string;
		purpose?: string;
	};
	createdAt: Date;
}

interface StoredBatch {
	payoutBatchId: string;
	senderBatchId?: string;
	senderBatchHeader: Record<string, unknown>;
	status: PayPalBatchStatus;
	requestId?: string;
	createdAt: Date;
	completedAt?: Date;
	items: StoredItem[];
}

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
function paypalId(length: number): string {
	const bytes = randomBytes(length);
	let id = '';
	for (const byte of bytes) id += ALPHANUMERIC[byte % ALPHANUMERIC.length];
	return id;
}
const debugId = () => randomBytes(7).toString('hex').slice(0, 13);
const isoSeconds = (date: Date) => `${date.toISOString().slice(0, 19)}Z`;

type Detail = { field?: string; value?: string; location?: 'body' | 'path' | 'query'; issue: string; description?: string };

/** PayPal's error shape: name, message, debug_id, details, information_link and links, plus the debug id header. */
export function paypalError(
	status: number,
	name: string,
	message: string,
	details: Detail[] = [],
	extraLinks: Array<{ href: string; rel: string; method: string; encType?: string }> = [],
): FakeResponse {
	const id = debugId();
	const informationLink = `${INFO_BASE}-${name}`;
	return {
		status,
		headers: { 'paypal-debug-id': id },
		body: {
			name,
			message,
			debug_id: id,
			details,
			information_link: informationLink,
			links: [...extraLinks, { href: informationLink, rel: 'information_link', method: 'GET' }],
		},
	};
}

const SPEC_MESSAGES = {
	INVALID_REQUEST: 'Request is not well-formed, syntactically incorrect, or violates schema.',
	AUTHENTICATION_FAILURE: 'Authentication failed due to missing authorization header, or invalid authentication credentials.',
	NOT_AUTHORIZED: 'Authorization failed due to insufficient permissions.',
	RESOURCE_NOT_FOUND: 'The specified resource does not exist.',
	UNPROCESSABLE_ENTITY: 'The requested action could not be performed, semantically incorrect, or failed business validation.',
	UNSUPPORTED_MEDIA_TYPE: "The server does not support the request payload's media type.",
	INTERNAL_SERVER_ERROR: 'An internal server error occurred.',
	SERVICE_UNAVAILABLE: 'Service Unavailable.',
} as const;

const invalidRequest = (details: Detail[]) => paypalError(400, 'INVALID_REQUEST', SPEC_MESSAGES.INVALID_REQUEST, details);
const unprocessable = (details: Detail[]) => paypalError(422, 'UNPROCESSABLE_ENTITY', SPEC_MESSAGES.UNPROCESSABLE_ENTITY, details);
const notFound = (field: string, value: string) =>
	paypalError(404, 'RESOURCE_NOT_FOUND', SPEC_MESSAGES.RESOURCE_NOT_FOUND, [
		{ field, value, location: 'path', issue: 'INVALID_RESOURCE_ID', description: `No resource with id ${value}.` },
	]);

function faultResponse(fault: PayPalFault): FakeResponse {
	const status = fault.status ?? 500;
	const response =
		status === 429
			? paypalError(429, 'RATE_LIMIT_REACHED', 'Too many requests. Blocked due to rate limiting.')
			: status === 503
				? paypalError(503, 'SERVICE_UNAVAILABLE', SPEC_MESSAGES.SERVICE_UNAVAILABLE)
				: paypalError(500, 'INTERNAL_SERVER_ERROR', SPEC_MESSAGES.INTERNAL_SERVER_ERROR);
	if (fault.retryAfterSeconds !== undefined) response.headers = { ...response.headers, 'retry-after': String(fault.retryAfterSeconds) };
	return response;
}

const toDetail = (issue: SchemaIssue, location: 'body' | 'query' = 'body'): Detail => ({
	field: issue.field,
	...(issue.value !== undefined ? { value: issue.value } : {}),
	location,
	issue: issue.issue,
	description: issue.description,
});

const header = (request: RecordedRequest, name: string): string | undefined => {
	const value = request.headers[name];
	return Array.isArray(value) ? value[0] : value;
};

/** Minor units of a decimal string already checked to have at most `decimals` decimals. */
function toMinor(value: string, decimals: number): number {
	const [whole, fraction = ''] = value.split('.');
	return Number(whole) * 10 ** decimals + Number(fraction.padEnd(decimals, '0') || '0');
}
function fromMinor(minor: number, decimals: number): string {
	if (decimals === 0) return String(minor);
	const text = String(minor).padStart(decimals + 1, '0');
	return `${text.slice(0, -decimals)}.${text.slice(-decimals)}`;
}
const decimalsOf = (currency: string) => (ZERO_DECIMAL.has(currency) ? 0 : 2);

/** The checks beyond the schema, on a body that already passed it. Returns [400 details, 422 details]. */
function semanticProblems(
	body: { sender_batch_header: Record<string, unknown>; items: Array<Record<string, unknown>> },
	mode: 'sandbox' | 'live',
): [Detail[], Detail[]] {
	const invalid: Detail[] = [];
	const business: Detail[] = [];
	const headerType = body.sender_batch_header.recipient_type;
	if (headerType !== undefined && !RECIPIENT_TYPES.includes(headerType as RecipientType)) {
		invalid.push({
			field: '/sender_batch_header/recipient_type',
			value: String(headerType),
			location: 'body',
			issue: 'INVALID_PARAMETER_VALUE',
			description: `recipient_type must be one of ${RECIPIENT_TYPES.join(', ')}.`,
		});
	}
	const seenSenderItemIds = new Set<string>();
	body.items.forEach((item, index) => {
		const at = (suffix: string) => `/items/${index}${suffix}`;
		const type = (item.recipient_type ?? headerType ?? 'EMAIL') as string;
		if (item.recipient_type !== undefined && !RECIPIENT_TYPES.includes(type as RecipientType)) {
			invalid.push({
				field: at('/recipient_type'),
				value: type,
				location: 'body',
				issue: 'INVALID_PARAMETER_VALUE',
				description: `recipient_type must be one of ${RECIPIENT_TYPES.join(', ')}.`,
			});
		} else if (RECIPIENT_TYPES.includes(type as RecipientType)) {
			const receiver = String(item.receiver);
			if (!RECEIVER_SHAPES[type as RecipientType].test(receiver)) {
				invalid.push({
					field: at('/receiver'),
					value: receiver,
					location: 'body',
					issue: 'INVALID_RECEIVER',
					description: 'Receiver is invalid or does not match with type.',
				});
			}
			if (type === 'PHONE' && mode === 'sandbox') {
				business.push({
					field: at('/recipient_type'),
					value: type,
					location: 'body',
					issue: 'RECIPIENT_TYPE_NOT_SUPPORTED',
					description: 'PHONE recipients are not supported in the sandbox.',
				});
			}
		}

		const amount = item.amount as { currency: string; value: string };
		const currency = amount.currency;
		if (!/^[A-Z]{3}$/.test(currency)) {
			invalid.push({
				field: at('/amount/currency'),
				value: currency,
				location: 'body',
				issue: 'INVALID_PARAMETER_SYNTAX',
				description: 'currency must be a three-letter upper-case ISO 4217 code.',
			});
		} else if (!SUPPORTED_CURRENCIES.has(currency)) {
			invalid.push({
				field: at('/amount/currency'),
				value: currency,
				location: 'body',
				issue: 'CURRENCY_NOT_SUPPORTED',
				description: `Payouts are not available in ${currency}.`,
			});
		}
		const value = amount.value;
		const decimals = decimalsOf(currency);
		if (!/^\d+(\.\d+)?$/.test(value)) {
			invalid.push({
				field: at('/amount/value'),
				value,
				location: 'body',
				issue: 'INVALID_PARAMETER_SYNTAX',
				description: 'The amount value must be a decimal number in a string, e.g. "12.34".',
			});
		} else if (decimals === 0 && value.includes('.')) {
			invalid.push({
				field: at('/amount/value'),
				value,
				location: 'body',
				issue: 'DECIMALS_NOT_SUPPORTED',
				description: `${currency} does not support decimals.`,
			});
		} else if ((value.split('.')[1] ?? '').length > decimals) {
			invalid.push({
				field: at('/amount/value'),
				value,
				location: 'body',
				issue: 'DECIMAL_PRECISION',
				description: `${currency} takes at most ${decimals} decimals.`,
			});
		} else {
			const minor = toMinor(value, decimals);
			if (minor <= 0) {
				invalid.push({
					field: at('/amount/value'),
					value,
					location: 'body',
					issue: 'INVALID_PARAMETER_VALUE',
					description: 'The amount must be greater than zero.',
				});
			} else if (currency === 'USD' && minor > MAX_USD_PER_ITEM_CENTS) {
				business.push({
					field: at('/amount/value'),
					value,
					location: 'body',
					issue: 'AMOUNT_LIMIT_EXCEEDED',
					description: 'A payout item may not exceed 20,000.00 USD.',
				});
			}
		}

		const senderItemId = item.sender_item_id;
		if (typeof senderItemId === 'string') {
			if (seenSenderItemIds.has(senderItemId)) {
				invalid.push({
					field: at('/sender_item_id'),
					value: senderItemId,
					location: 'body',
					issue: 'DUPLICATE_SENDER_ITEM_ID',
					description: 'sender_item_id must be unique within a batch.',
				});
			}
			seenSenderItemIds.add(senderItemId);
		}
	});
	return [invalid.slice(0, 100), business.slice(0, 100)];
}

function parseBasic(request: RecordedRequest): { user: string; password: string } | undefined {
	const authorization = header(request, 'authorization');
	const match = authorization ? /^Basic\s+(\S+)$/i.exec(authorization) : null;
	if (!match) return undefined;
	const decoded = Buffer.from(match[1], 'base64').toString('utf8');
	const colon = decoded.indexOf(':');
	if (colon < 0) return undefined;
	return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

export async function startPayPalFake(options: PayPalFakeOptions = {}): Promise<PayPalFake> {
	const clientId = options.clientId ?? PAYPAL_FAKE_CLIENT_ID;
	const clientSecret = options.clientSecret ?? PAYPAL_FAKE_CLIENT_SECRET;
	const mode = options.mode ?? 'sandbox';
	const clock = options.now ?? (() => new Date());
	const tokenTtlSeconds = options.tokenTtlSeconds ?? 32400;
	const payoutsPermission = options.payoutsPermission ?? true;

	const spec = PAYPAL_PAYOUTS_SCHEMA;
	const createSchema = spec.schemas.createBatchRequest;
	const getBatchParameters = PAYPAL_SHOW_BATCH_QUERY;

	const tokens = new Map<string, number>();
	const batchesById = new Map<string, StoredBatch>();
	const itemsById = new Map<string, StoredItem>();
	const batchOrder: StoredBatch[] = [];
	const senderBatchIds = new Map<string, { payoutBatchId: string; at: number }>();
	const requestIds = new Map<string, { response: FakeResponse; at: number }>();
	const faults: PayPalFault[] = [];
	const hangs: PayPalHang[] = [];
	const held = new Set<{ release: () => void; timer?: NodeJS.Timeout }>();
	let baseUrl = '';

	const issueToken = () => {
		const token = `A21AA${randomBytes(24).toString('base64url')}`;
		tokens.set(token, clock().getTime() + tokenTtlSeconds * 1000);
		return token;
	};

	const link = (path: string, rel: string, method = 'GET') => ({ href: `${baseUrl}${path}`, rel, method, encType: 'application/json' });

	function tokenEndpoint(request: RecordedRequest): FakeResponse {
		const credentials = parseBasic(request);
		if (!credentials || credentials.user !== clientId || credentials.password !== clientSecret) {
			return { status: 401, body: { error: 'invalid_client', error_description: 'Client Authentication failed' } };
		}
		const contentType = header(request, 'content-type') ?? '';
		const form = contentType.includes('application/x-www-form-urlencoded') ? new URLSearchParams(request.rawBody) : new URLSearchParams();
		const grantType = form.get('grant_type');
		if (grantType === null) return { status: 400, body: { error: 'unsupported_grant_type', error_description: 'Grant Type is NULL' } };
		if (grantType !== 'client_credentials')
			return { status: 400, body: { error: 'unsupported_grant_type', error_description: `Grant Type ${grantType} is not supported` } };
		const now = clock();
		return {
			status: 200,
			body: {
				scope: `https://uri.paypal.com/services/payments/payouts-item/reverse ${PAYPAL_PAYOUTS_SCOPE} https://uri.paypal.com/services/applications/webhooks`,
				access_token: issueToken(),
				token_type: 'Bearer',
				app_id: 'APP-80W284485P519543T',
				expires_in: tokenTtlSeconds,
				nonce: `${isoSeconds(now)}${randomBytes(16).toString('base64url')}`,
			},
		};
	}

	function authenticate(request: RecordedRequest): FakeResponse | undefined {
		const authorization = header(request, 'authorization');
		const match = authorization ? /^Bearer\s+(\S+)$/i.exec(authorization) : null;
		const expiresAt = match ? tokens.get(match[1]) : undefined;
		if (expiresAt === undefined || clock().getTime() >= expiresAt) {
			const issue = !match ? 'MISSING_AUTHORIZATION' : expiresAt === undefined ? 'INVALID_TOKEN' : 'TOKEN_EXPIRED';
			return paypalError(401, 'AUTHENTICATION_FAILURE', SPEC_MESSAGES.AUTHENTICATION_FAILURE, [
				{ issue, description: issue === 'TOKEN_EXPIRED' ? 'The access token has expired.' : 'Send a valid access token as "Authorization: Bearer <token>".' },
			]);
		}
		if (!payoutsPermission)
			return paypalError(403, 'NOT_AUTHORIZED', SPEC_MESSAGES.NOT_AUTHORIZED, [
				{ issue: 'PERMISSION_DENIED', description: 'The app is not enabled for Payouts.' },
			]);
		return undefined;
	}

	const itemBody = (item: StoredItem, withBatchFields: boolean) => {
		const batch = batchesById.get(item.payoutBatchId) as StoredBatch;
		const currency = item.payoutItem.amount.currency;
		return {
			payout_item_id: item.payoutItemId,
			...(item.transactionId ? { transaction_id: item.transactionId } : {}),
			...(item.activityId ? { activity_id: item.activityId } : {}),
			transaction_status: item.status,
			payout_item_fee: { currency, value: fromMinor(0, decimalsOf(currency)) },
			payout_batch_id: item.payoutBatchId,
			...(withBatchFields && batch.senderBatchId !== undefined ? { sender_batch_id: batch.senderBatchId } : {}),
			payout_item: item.payoutItem,
			...(item.timeProcessed ? { time_processed: isoSeconds(item.timeProcessed) } : {}),
			...(item.error
				? {
						errors: {
							name: item.error.name,
							message: item.error.message,
							debug_id: item.error.debugId,
							information_link: `${INFO_BASE}-${item.error.name}`,
							details: [],
						},
					}
				: {}),
			links: withBatchFields
				? [link(`/v1/payments/payouts-item/${item.payoutItemId}`, 'self'), link(`/v1/payments/payouts/${item.payoutBatchId}`, 'batch')]
				: [link(`/v1/payments/payouts-item/${item.payoutItemId}`, 'item')],
		};
	};

	function createBatch(request: RecordedRequest): FakeResponse {
		const contentType = header(request, 'content-type') ?? '';
		if (!contentType.toLowerCase().includes('application/json')) {
			return paypalError(415, 'UNSUPPORTED_MEDIA_TYPE', SPEC_MESSAGES.UNSUPPORTED_MEDIA_TYPE, [
				{ issue: 'INVALID_CONTENT_TYPE', description: 'Send the body as application/json.' },
			]);
		}
		let body: unknown;
		try {
			body = JSON.parse(request.rawBody);
		} catch {
			return invalidRequest([{ location: 'body', issue: 'MALFORMED_REQUEST_JSON', description: 'The request body is not valid JSON.' }]);
		}
		const schemaIssues = validateSchema(spec, createSchema, body);
		if (schemaIssues.length > 0) return invalidRequest(schemaIssues.map((issue) => toDetail(issue)));
		const payload = body as { sender_batch_header: Record<string, unknown>; items: Array<Record<string, unknown>> };
		const [invalid, business] = semanticProblems(payload, mode);
		if (invalid.length > 0) return invalidRequest(invalid);
		if (business.length > 0) return unprocessable(business);

		const now = clock();
		const senderBatchId = payload.sender_batch_header.sender_batch_id as string | undefined;
		if (senderBatchId !== undefined) {
			const previous = senderBatchIds.get(senderBatchId);
			if (previous && now.getTime() - previous.at < DEDUP_MS) {
				return paypalError(
					400,
					'USER_BUSINESS_ERROR',
					'User business error.',
					[
						{
							field: 'SENDER_BATCH_ID',
							value: senderBatchId,
							location: 'body',
							issue: 'SENDER_BATCH_ID_ALREADY_USED',
							description: `Batch with given sender_batch_id already exists: ${senderBatchId}.`,
						},
					],
					[link(`/v1/payments/payouts/${previous.payoutBatchId}`, 'self')],
				);
			}
		}

		const headerType = payload.sender_batch_header.recipient_type as RecipientType | undefined;
		const batch: StoredBatch = {
			payoutBatchId: paypalId(13),
			...(senderBatchId !== undefined ? { senderBatchId } : {}),
			senderBatchHeader: payload.sender_batch_header,
			status: 'PENDING',
			...(header(request, 'paypal-request-id') ? { requestId: header(request, 'paypal-request-id') } : {}),
			createdAt: now,
			items: [],
		};
		for (const item of payload.items) {
			const stored: StoredItem = {
				payoutItemId: paypalId(13),
				payoutBatchId: batch.payoutBatchId,
				status: 'PENDING',
				payoutItem: {
					recipient_type: (item.recipient_type ?? headerType ?? 'EMAIL') as RecipientType,
					amount: { currency: (item.amount as { currency: string }).currency, value: (item.amount as { value: string }).value },
					...(item.note !== undefined ? { note: item.note as string } : {}),
					receiver: item.receiver as string,
					...(item.sender_item_id !== undefined ? { sender_item_id: item.sender_item_id as string } : {}),
					recipient_wallet: (item.recipient_wallet as string | undefined) ?? 'PAYPAL',
					...(item.purpose !== undefined ? { purpose: item.purpose as string } : {}),
				},
				createdAt: now,
			};
			batch.items.push(stored);
			itemsById.set(stored.payoutItemId, stored);
		}
		batchesById.set(batch.payoutBatchId, batch);
		batchOrder.push(batch);
		if (senderBatchId !== undefined) senderBatchIds.set(senderBatchId, { payoutBatchId: batch.payoutBatchId, at: now.getTime() });

		return {
			status: 201,
			headers: { 'paypal-debug-id': debugId() },
			body: {
				batch_header: { payout_batch_id: batch.payoutBatchId, batch_status: batch.status, sender_batch_header: batch.senderBatchHeader },
				links: [link(`/v1/payments/payouts/${batch.payoutBatchId}`, 'self')],
			},
		};
	}

	function showBatch(request: RecordedRequest, payoutBatchId: string): FakeResponse {
		const { issues, values } = validateQuery(spec, getBatchParameters, request.query);
		if (values.page === 0) issues.push({ field: 'page', issue: 'INVALID_PARAMETER_VALUE', description: 'page must be a non-zero integer.', value: '0' });
		if (values.page_size === 0)
			issues.push({ field: 'page_size', issue: 'INVALID_PARAMETER_VALUE', description: 'page_size must be a non-zero integer.', value: '0' });
		if (issues.length > 0) return invalidRequest(issues.map((issue) => toDetail(issue, 'query')));
		const batch = batchesById.get(payoutBatchId);
		if (!batch) return notFound('payout_batch_id', payoutBatchId);

		const page = (values.page as number | undefined) ?? 1;
		const pageSize = (values.page_size as number | undefined) ?? 1000;
		const totalPages = Math.max(1, Math.ceil(batch.items.length / pageSize));
		const slice = batch.items.slice((page - 1) * pageSize, page * pageSize);
		const currency = batch.items[0].payoutItem.amount.currency;
		const decimals = decimalsOf(currency);
		const total = batch.items
			.filter((item) => item.payoutItem.amount.currency === currency)
			.reduce((sum, item) => sum + toMinor(item.payoutItem.amount.value, decimals), 0);
		const pageLink = (number: number, rel: string) => link(`/v1/payments/payouts/${batch.payoutBatchId}?page_size=${pageSize}&page=${number}`, rel);
		return {
			status: 200,
			headers: { 'paypal-debug-id': debugId() },
			body: {
				...(values.total_required === true ? { total_items: batch.items.length, total_pages: totalPages } : {}),
				batch_header: {
					payout_batch_id: batch.payoutBatchId,
					batch_status: batch.status,
					time_created: isoSeconds(batch.createdAt),
					...(batch.completedAt ? { time_completed: isoSeconds(batch.completedAt), time_closed: isoSeconds(batch.completedAt) } : {}),
					sender_batch_header: batch.senderBatchHeader,
					funding_source: 'BALANCE',
					amount: { currency, value: fromMinor(total, decimals) },
					fees: { currency, value: fromMinor(0, decimals) },
				},
				items: slice.map((item) => itemBody(item, false)),
				links: [
					...(page > 1 ? [pageLink(1, 'first'), pageLink(page - 1, 'prev')] : []),
					pageLink(page, 'self'),
					...(page < totalPages ? [pageLink(page + 1, 'next'), pageLink(totalPages, 'last')] : []),
				],
			},
		};
	}

	function cancelItem(payoutItemId: string): FakeResponse {
		const item = itemsById.get(payoutItemId);
		if (!item) return notFound('payout_item_id', payoutItemId);
		if (item.status !== 'UNCLAIMED') {
			return invalidRequest([
				{
					field: 'transaction_status',
					value: item.status,
					location: 'path',
					issue: 'ITEM_INCORRECT_STATUS',
					description: `Only UNCLAIMED items can be canceled; this one is ${item.status}.`,
				},
			]);
		}
		item.status = 'RETURNED';
		item.timeProcessed = clock();
		return { status: 200, headers: { 'paypal-debug-id': debugId() }, body: itemBody(item, true) };
	}

	/** Holds `answer` until released, a timer fires, or never (close). */
	function hold(answer: FakeResponse, hang: PayPalHang): Promise<FakeResponse> {
		return new Promise((resolve) => {
			const entry: { release: () => void; timer?: NodeJS.Timeout } = {
				release: () => {
					if (entry.timer) clearTimeout(entry.timer);
					held.delete(entry);
					resolve(answer);
				},
			};
			if (hang.answerAfterMs !== undefined) entry.timer = setTimeout(entry.release, hang.answerAfterMs);
			held.add(entry);
		});
	}

	function handle(request: RecordedRequest): FakeResponse | Promise<FakeResponse> {
		const { method, path } = request;
		if (method === 'POST' && path === '/v1/oauth2/token') return tokenEndpoint(request);

		const isCreate = method === 'POST' && path === '/v1/payments/payouts';
		const batchMatch = /^\/v1\/payments\/payouts\/([^/]+)$/.exec(path);
		const itemMatch = /^\/v1\/payments\/payouts-item\/([^/]+)$/.exec(path);
		const cancelMatch = /^\/v1\/payments\/payouts-item\/([^/]+)\/cancel$/.exec(path);
		const known = isCreate || (method === 'GET' && (batchMatch || itemMatch)) || (method === 'POST' && cancelMatch);
		if (!known)
			return paypalError(404, 'RESOURCE_NOT_FOUND', SPEC_MESSAGES.RESOURCE_NOT_FOUND, [
				{ issue: 'INVALID_RESOURCE_ID', description: `No such endpoint: ${method} ${path}.` },
			]);

		const authProblem = authenticate(request);
		if (authProblem) return authProblem;

		// A PayPal-Request-Id seen in the last 30 days gets the original answer, before anything else runs.
		const requestId = isCreate ? header(request, 'paypal-request-id') : undefined;
		if (requestId !== undefined) {
			if (requestId.length < 1 || requestId.length > 1000) {
				return invalidRequest([
					{
						field: 'PayPal-Request-Id',
						value: requestId.slice(0, 100),
						location: 'body',
						issue: 'INVALID_STRING_LENGTH',
						description: 'PayPal-Request-Id takes 1 to 1000 characters.',
					},
				]);
			}
			const previous = requestIds.get(requestId);
			if (previous && clock().getTime() - previous.at < DEDUP_MS) return previous.response;
		}

		// Faults hit requests that would execute (after authentication and replay), so a test's failNext is
		// not used up by a token problem or a replayed answer.
		const faultIndex = faults.findIndex((fault) => isCreate || fault.on === 'any');
		const fault = faultIndex >= 0 ? faults.splice(faultIndex, 1)[0] : undefined;
		if (fault && !fault.afterAccepting) return faultResponse(fault);

		let answer: FakeResponse;
		if (isCreate) {
			answer = createBatch(request);
			// Only a created batch is remembered: a refused request may be corrected and sent again.
			if (requestId !== undefined && answer.status >= 200 && answer.status < 300) requestIds.set(requestId, { response: answer, at: clock().getTime() });
		} else if (batchMatch) {
			answer = showBatch(request, decodeURIComponent(batchMatch[1]));
		} else if (itemMatch) {
			const item = itemsById.get(decodeURIComponent(itemMatch[1]));
			answer = item ? { status: 200, headers: { 'paypal-debug-id': debugId() }, body: itemBody(item, true) } : notFound('payout_item_id', itemMatch[1]);
		} else {
			answer = cancelItem(decodeURIComponent((cancelMatch as RegExpExecArray)[1]));
		}

		if (fault) return faultResponse(fault);
		if (isCreate && hangs.length > 0) return hold(answer, hangs.shift() as PayPalHang);
		return answer;
	}

	const outcomeOf = (outcome: PayPalItemOutcome) => (typeof outcome === 'string' ? { status: outcome } : outcome);

	const copyItem = (item: StoredItem, batch: StoredBatch): PayPalPaidItem => ({
		payoutBatchId: batch.payoutBatchId,
		payoutItemId: item.payoutItemId,
		...(batch.senderBatchId !== undefined ? { senderBatchId: batch.senderBatchId } : {}),
		...(item.payoutItem.sender_item_id !== undefined ? { senderItemId: item.payoutItem.sender_item_id } : {}),
		receiver: item.payoutItem.receiver,
		recipientType: item.payoutItem.recipient_type,
		amount: item.payoutItem.amount.value,
		currency: item.payoutItem.amount.currency,
		status: item.status,
		...(item.transactionId ? { transactionId: item.transactionId } : {}),
		...(item.error ? { errorName: item.error.name } : {}),
		createdAt: item.createdAt,
	});

	const fake = await startJsonFake(handle);
	baseUrl = fake.url;
	return {
		...fake,
		clientId,
		clientSecret,
		mode,
		close: async () => {
			for (const entry of held) if (entry.timer) clearTimeout(entry.timer);
			held.clear();
			await fake.close();
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
		settle(payoutBatchId, settlement = {}) {
			const targets = payoutBatchId === 'all' ? batchOrder : [batchesById.get(payoutBatchId)].filter((batch): batch is StoredBatch => batch !== undefined);
			if (targets.length === 0 && payoutBatchId !== 'all') throw new Error(`PayPal fake: no batch ${payoutBatchId}`);
			const now = clock();
			const changed: PayPalPaidItem[] = [];
			for (const batch of targets) {
				for (const item of batch.items) {
					const senderItemId = item.payoutItem.sender_item_id;
					const override =
						(senderItemId !== undefined ? settlement.bySenderItemId?.[senderItemId] : undefined) ?? settlement.byReceiver?.[item.payoutItem.receiver];
					const outcome = override !== undefined ? outcomeOf(override) : item.status === 'PENDING' ? { status: settlement.status ?? 'SUCCESS' } : undefined;
					if (!outcome) continue;
					item.status = outcome.status;
					item.timeProcessed = now;
					if (outcome.status !== 'FAILED' && outcome.status !== 'PENDING' && !item.transactionId) {
						item.transactionId = paypalId(17);
						item.activityId = paypalId(17);
					}
					const errorName = 'error' in outcome && outcome.error ? outcome.error : DEFAULT_ITEM_ERROR[outcome.status];
					item.error = errorName
						? {
								name: errorName,
								message: ('errorMessage' in outcome && outcome.errorMessage) || ITEM_ERROR_MESSAGES[errorName] || 'The payout item could not be completed.',
								debugId: debugId(),
							}
						: undefined;
					changed.push(copyItem(item, batch));
				}
				if (batch.status === 'PENDING' || batch.status === 'PROCESSING' || settlement.batchStatus) {
					batch.status = settlement.batchStatus ?? 'SUCCESS';
					batch.completedAt = now;
				}
			}
			return changed;
		},
		batches() {
			return batchOrder.map((batch) => ({
				payoutBatchId: batch.payoutBatchId,
				...(batch.senderBatchId !== undefined ? { senderBatchId: batch.senderBatchId } : {}),
				status: batch.status,
				...(batch.requestId !== undefined ? { requestId: batch.requestId } : {}),
				createdAt: batch.createdAt,
				...(batch.completedAt ? { completedAt: batch.completedAt } : {}),
				senderBatchHeader: structuredClone(batch.senderBatchHeader),
				items: batch.items.map((item) => copyItem(item, batch)),
			}));
		},
		paidItems() {
			return batchOrder.flatMap((batch) => batch.items.map((item) => copyItem(item, batch)));
		},
		issueToken,
		expireTokens() {
			tokens.clear();
		},
	};
}
