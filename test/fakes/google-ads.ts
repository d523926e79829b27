/**
 * A strict local stand-in for the Google Ads API's click conversion upload (REST), built from Google's reference
 * (https://developers.google.com/google-ads/api/rest/reference/rest). It validates like the real API where the reference states a rule,
 * and answers in Google's shapes:
 *
 *   POST /{version}/customers/{id}:uploadClickConversions   the upload (partial failure semantics)
 *   GET  /{version}/customers:listAccessibleCustomers       the credential test request
 *   POST /token                                             an OAuth2 token endpoint (refresh_token, authorization_code)
 *
 * Request-level problems are non-200 RPC errors `{ error: { code, message, status, details: [GoogleAdsFailure] } }`:
 * token in the query string, missing/unknown bearer token (401), missing developer token (400) or an unknown
 * one (403), login-customer-id that is not digits only (400), a customer the user cannot reach without (or
 * through a wrong) manager (403), a retired or unknown API version (404), partialFailure not true, more than
 * 2000 conversions, unknown JSON field names (proto JSON rejects them), wrong JSON types.
 *
 * Row problems come back as HTTP 200 with `results` ({} for a failed row) and ONE GoogleAdsFailure in
 * `partialFailureError.details`, each error located at [{ fieldName: 'conversions', index }, …] with the index
 * LEFT OUT for row 0, as proto3 JSON does. Rows checked: conversion action resource name (of this customer,
 * or in `conversionActions` when given), exactly one of gclid / gbraid / wbraid (GBRAID_WBRAID_BOTH_SET,
 * VALUE_MUST_BE_UNSET for gclid + braid), 'yyyy-mm-dd hh:mm:ss+hh:mm' with an offset, the click known
 * (CLICK_NOT_FOUND), at least 6 h old (TOO_RECENT_EVENT), not after the conversion (CONVERSION_PRECEDES_EVENT),
 * ≤ 5 user identifiers each one 64-hex hashedEmail or hashedPhoneNumber, value a JSON number with an ISO
 * currency, duplicates inside the request (DUPLICATE_ORDER_ID, DUPLICATE_CLICK_CONVERSION_IN_REQUEST) and
 * against what was accepted before (CLICK_CONVERSION_ALREADY_EXISTS for the same order id or the same
 * click + time).
 *
 * The fake knows click times because tests register them: `registerClick(gclid | gbraid | wbraid, clickedAt)`.
 * Unregistered click ids fail with CLICK_NOT_FOUND unless `unknownClicks: 'accept'`. Its clock is `now`.
 * Stricter than Google where that catches our mistakes: conversionValue must be a JSON number (Google also
 * takes a numeric string) and hashes must be lower-case hex. Some request-level enum names are the closest
 * real ones, not verified against every version.
 *
 * Fault injection: `failNext(count, status)` answers the next `count` uploads with 429 RESOURCE_EXHAUSTED,
 * 500 INTERNAL or 503 UNAVAILABLE before looking at them.
 */
import { type FakeResponse, type JsonFake, type RecordedRequest, startJsonFake } from './server';

export const FAKE_GOOGLE_ACCESS_TOKEN = 'fake-google-access-token';
export const FAKE_GOOGLE_REFRESH_TOKEN = 'fake-google-refresh-token';
export const FAKE_GOOGLE_DEVELOPER_TOKEN = 'fake-developer-token';

export interface GoogleAdsFakeOptions {
	/** Bearer tokens accepted (plus the ones /token issues). Default [FAKE_GOOGLE_ACCESS_TOKEN]. */
	accessTokens?: string[];
	/** The refresh token /token accepts. Default FAKE_GOOGLE_REFRESH_TOKEN. */
	refreshToken?: string;
	/** Default FAKE_GOOGLE_DEVELOPER_TOKEN. */
	developerToken?: string;
	/**
	 * Customers the signed-in user reaches, with the manager each one must be reached through (then the
	 * login-customer-id header is required). Default: every customer, directly.
	 */
	customers?: Record<string, { manager?: string }>;
	/** Conversion action resource names that exist. Default: any well-formed one of the uploading customer. */
	conversionActions?: string[];
	/** Versions still served. Default v23–v26 (v21 sunset 2026-08, v22 2026-10). */
	liveVersions?: string[];
	/** What to do with a click id nobody registered. Default 'reject' (CLICK_NOT_FOUND). */
	unknownClicks?: 'reject' | 'accept';
	now?: () => Date;
}

export interface AcceptedConversion {
	customerId: string;
	conversionAction: string;
	clickId: string;
	clickIdType: 'gclid' | 'gbraid' | 'wbraid';
	conversionDateTime: string;
	conversionValue?: number;
	currencyCode?: string;
	orderId?: string;
	userIdentifiers?: Array<Record<string, string>>;
	consent?: Record<string, string>;
	receivedAt: Date;
}

export interface GoogleAdsFake extends JsonFake {
	/** Tells the fake when a click happened (what Google knows from its own click log). */
	registerClick(clickId: string, clickedAt: Date | string): void;
	/** Answers the next `count` uploads with this fault before validating them. */
	failNext(count: number, status: 429 | 500 | 503): void;
	/** Every conversion Google recorded (validateOnly records nothing), in order. */
	accepted: AcceptedConversion[];
	/** The upload requests that reached validation (not the injected faults). */
	uploads(): RecordedRequest[];
	/** Base URL of the OAuth2 token endpoint: `${url}/token`. */
	tokenUrl: string;
	/** Access tokens issued by /token. */
	issuedTokens: string[];
}

type ErrorCode = Record<string, string>;
interface FakeError {
	errorCode: ErrorCode;
	message: string;
	location?: { fieldPathElements: Array<{ fieldName: string; index?: number }> };
	details?: Record<string, unknown>;
}

const MAX_CONVERSIONS = 2000;
const MAX_IDENTIFIERS = 5;
const SIX_HOURS_MS = 6 * 60 * 60 * 1000;
const HEX64 = /^[0-9a-f]{64}$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(\.\d{1,6})?([+-])(\d{2}):(\d{2})$/;
const ROW_FIELDS = new Set([
	'conversionAction',
	'gclid',
	'gbraid',
	'wbraid',
	'conversionDateTime',
	'conversionValue',
	'currencyCode',
	'orderId',
	'userIdentifiers',
	'consent',
	'externalAttributionData',
	'customVariables',
	'cartData',
	'conversionEnvironment',
	'sessionAttributesEncoded',
	'sessionAttributesKeyValuePairs',
]);
const BODY_FIELDS = new Set(['conversions', 'partialFailure', 'validateOnly', 'debugEnabled', 'jobId']);
const IDENTIFIER_FIELDS = new Set(['hashedEmail', 'hashedPhoneNumber', 'mobileId', 'thirdPartyUserId', 'addressInfo', 'userIdentifierSource']);
const CONSENT_VALUES = new Set(['UNSPECIFIED', 'UNKNOWN', 'GRANTED', 'DENIED']);

const failureType = (version: string) => `type.googleapis.com/google.ads.googleads.${version}.errors.GoogleAdsFailure`;

function rpcError(httpStatus: number, status: string, message: string, version: string, errors: FakeError[] = []): FakeResponse {
	const details = errors.length > 0 ? [{ '@type': failureType(version), errors, requestId: 'fake-request-id' }] : [];
	return { status: httpStatus, body: { error: { code: httpStatus, message, status, details } } };
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Seconds since the epoch of 'yyyy-mm-dd hh:mm:ss(.ffffff)±hh:mm', or undefined when not in that format. */
function parseGoogleDateTime(value: string): number | undefined {
	const match = DATE_TIME.exec(value);
	if (!match) return undefined;
	const [, y, mo, d, h, mi, s, fraction, sign, oh, om] = match;
	const utc = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)) + Math.round(Number(fraction ?? 0) * 1000);
	const check = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)));
	if (check.getUTCDate() !== Number(d) || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return undefined;
	const offset = (Number(oh) * 60 + Number(om)) * 60_000 * (sign === '-' ? 1 : -1);
	return utc + offset;
}

export async function startGoogleAdsFake(options: GoogleAdsFakeOptions = {}): Promise<GoogleAdsFake> {
	const now = options.now ?? (() => new Date());
	const accessTokens = new Set(options.accessTokens ?? [FAKE_GOOGLE_ACCESS_TOKEN]);
	const refreshToken = options.refreshToken ?? FAKE_GOOGLE_REFRESH_TOKEN;
	const developerToken = options.developerToken ?? FAKE_GOOGLE_DEVELOPER_TOKEN;
	const liveVersions = new Set(options.liveVersions ?? ['v23', 'v24', 'v25', 'v26']);
	const clicks = new Map<string, number>();
	const faults: Array<429 | 500 | 503> = [];
	const accepted: AcceptedConversion[] = [];
	const issuedTokens: string[] = [];
	const uploadRequests: RecordedRequest[] = [];
	let jobId = 1000;

	/** The checks every API call shares; an answer means the request stops there. */
	function checkAuth(request: RecordedRequest, version: string, customerId?: string): FakeResponse | undefined {
		const queryKeys = Object.keys(request.query).map((key) => key.toLowerCase());
		if (queryKeys.some((key) => ['access_token', 'key', 'developer-token', 'developer_token', 'developertoken', 'token'].includes(key))) {
			return rpcError(401, 'UNAUTHENTICATED', 'Credentials in the query string are not accepted: send the OAuth token in the Authorization header', version, [
				{ errorCode: { authenticationError: 'OAUTH_TOKEN_HEADER_INVALID' }, message: 'Send "Authorization: Bearer <token>"; no token in the URL.' },
			]);
		}
		const authorization = String(request.headers.authorization ?? '');
		const bearer = /^Bearer (\S+)$/.exec(authorization)?.[1];
		if (!bearer) {
			return rpcError(401, 'UNAUTHENTICATED', 'Request is missing required authentication credential. Expected OAuth 2 access token.', version, [
				{ errorCode: { authenticationError: 'OAUTH_TOKEN_HEADER_INVALID' }, message: 'The Authorization header must be "Bearer <access token>".' },
			]);
		}
		if (!accessTokens.has(bearer)) {
			return rpcError(401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials.', version, [
				{ errorCode: { authenticationError: 'OAUTH_TOKEN_INVALID' }, message: 'The OAuth access token is invalid or expired.' },
			]);
		}
		const developer = request.headers['developer-token'];
		if (developer === undefined || developer === '') {
			return rpcError(400, 'INVALID_ARGUMENT', 'Request contains an invalid argument.', version, [
				{ errorCode: { requestError: 'DEVELOPER_TOKEN_PARAMETER_MISSING' }, message: 'The developer-token header is required for all requests.' },
			]);
		}
		if (developer !== developerToken) {
			return rpcError(403, 'PERMISSION_DENIED', 'The caller does not have permission', version, [
				{ errorCode: { authorizationError: 'DEVELOPER_TOKEN_NOT_APPROVED' }, message: 'The developer token is not approved for this account.' },
			]);
		}
		const login = request.headers['login-customer-id'];
		if (login !== undefined && !/^\d+$/.test(String(login))) {
			return rpcError(400, 'INVALID_ARGUMENT', 'Request contains an invalid argument.', version, [
				{ errorCode: { headerError: 'INVALID_LOGIN_CUSTOMER_ID' }, message: 'The login-customer-id header must be digits only, without dashes.' },
			]);
		}
		if (customerId !== undefined && options.customers) {
			const customer = options.customers[customerId];
			if (!customer) {
				return rpcError(403, 'PERMISSION_DENIED', 'The caller does not have permission', version, [
					{ errorCode: { authorizationError: 'USER_PERMISSION_DENIED' }, message: `User doesn't have permission to access customer ${customerId}.` },
				]);
			}
			if (customer.manager && login === undefined) {
				return rpcError(403, 'PERMISSION_DENIED', 'The caller does not have permission', version, [
					{
						errorCode: { authorizationError: 'USER_PERMISSION_DENIED' },
						message: `User doesn't have permission to access customer ${customerId}. Note: if accessing a client customer, the manager's customer id must be set in the 'login-customer-id' header.`,
					},
				]);
			}
			if (customer.manager && login !== customer.manager) {
				return rpcError(403, 'PERMISSION_DENIED', 'The caller does not have permission', version, [
					{
						errorCode: { authorizationError: 'INVALID_LOGIN_CUSTOMER_ID_SERVING_CUSTOMER_ID_COMBINATION' },
						message: `The login customer ${String(login)} does not manage customer ${customerId}.`,
					},
				]);
			}
		}
		return undefined;
	}

	function fault(status: 429 | 500 | 503, version: string): FakeResponse {
		if (status === 429) {
			return rpcError(429, 'RESOURCE_EXHAUSTED', 'Resource has been exhausted (e.g. check quota).', version, [
				{
					errorCode: { quotaError: 'RESOURCE_EXHAUSTED' },
					message: 'Too many requests. Retry in 1 seconds.',
					details: { quotaErrorDetails: { rateScope: 'DEVELOPER', rateName: 'Number of operations for basic access', retryDelay: '1s' } },
				},
			]);
		}
		if (status === 500) {
			return rpcError(500, 'INTERNAL', 'Internal error encountered.', version, [
				{ errorCode: { internalError: 'INTERNAL_ERROR' }, message: 'An internal error has occurred.' },
			]);
		}
		return rpcError(503, 'UNAVAILABLE', 'The service is currently unavailable.', version);
	}

	function upload(request: RecordedRequest, version: string, customerId: string): FakeResponse {
		const faulted = faults.shift();
		if (faulted) return fault(faulted, version);
		uploadRequests.push(request);
		if (request.method !== 'POST') return rpcError(404, 'NOT_FOUND', `Method ${request.method} is not allowed here`, version);
		const denied = checkAuth(request, version, customerId);
		if (denied) return denied;
		if (!String(request.headers['content-type'] ?? '').includes('application/json')) {
			return rpcError(400, 'INVALID_ARGUMENT', 'Invalid JSON payload received. Expected a JSON body (Content-Type: application/json).', version);
		}
		const body = request.body;
		if (!isRecord(body)) return rpcError(400, 'INVALID_ARGUMENT', 'Invalid JSON payload received. The body must be a JSON object.', version);
		for (const key of Object.keys(body)) {
			if (!BODY_FIELDS.has(key)) return rpcError(400, 'INVALID_ARGUMENT', `Invalid JSON payload received. Unknown name "${key}": Cannot find field.`, version);
		}
		if (body.partialFailure !== true) {
			return rpcError(400, 'INVALID_ARGUMENT', 'Request contains an invalid argument.', version, [
				{
					errorCode: { fieldError: 'REQUIRED' },
					message: 'partialFailure must be true for click conversion uploads.',
					location: { fieldPathElements: [{ fieldName: 'partial_failure' }] },
				},
			]);
		}
		if (body.validateOnly !== undefined && typeof body.validateOnly !== 'boolean') {
			return rpcError(400, 'INVALID_ARGUMENT', "Invalid value at 'validate_only' (TYPE_BOOL)", version);
		}
		const conversions = body.conversions;
		if (!Array.isArray(conversions) || conversions.length === 0) {
			return rpcError(400, 'INVALID_ARGUMENT', 'Request contains an invalid argument.', version, [
				{
					errorCode: { fieldError: 'REQUIRED' },
					message: 'At least one conversion is required.',
					location: { fieldPathElements: [{ fieldName: 'conversions' }] },
				},
			]);
		}
		if (conversions.length > MAX_CONVERSIONS) {
			return rpcError(400, 'INVALID_ARGUMENT', 'Request contains an invalid argument.', version, [
				{
					errorCode: { conversionUploadError: 'TOO_MANY_CONVERSIONS_IN_REQUEST' },
					message: `At most ${MAX_CONVERSIONS} conversions per request, got ${conversions.length}.`,
				},
			]);
		}
		for (const [index, row] of conversions.entries()) {
			if (!isRecord(row)) return rpcError(400, 'INVALID_ARGUMENT', `Invalid JSON payload received. conversions[${index}] is not an object.`, version);
			for (const key of Object.keys(row)) {
				if (!ROW_FIELDS.has(key))
					return rpcError(
						400,
						'INVALID_ARGUMENT',
						`Invalid JSON payload received. Unknown name "${key}" at 'conversions[${index}]': Cannot find field.`,
						version,
					);
			}
			if (row.conversionValue !== undefined && typeof row.conversionValue !== 'number') {
				return rpcError(
					400,
					'INVALID_ARGUMENT',
					`Invalid value at 'conversions[${index}].conversion_value' (TYPE_DOUBLE), "${String(row.conversionValue)}"`,
					version,
				);
			}
			for (const field of ['conversionAction', 'gclid', 'gbraid', 'wbraid', 'conversionDateTime', 'currencyCode', 'orderId']) {
				if (row[field] !== undefined && typeof row[field] !== 'string') {
					return rpcError(400, 'INVALID_ARGUMENT', `Invalid value at 'conversions[${index}].${field}' (TYPE_STRING)`, version);
				}
			}
		}

		const validateOnly = body.validateOnly === true;
		const errorsByRow: FakeError[][] = conversions.map(() => []);
		const at = (row: number, ...fields: string[]) => ({
			fieldPathElements: [row === 0 ? { fieldName: 'conversions' } : { fieldName: 'conversions', index: row }, ...fields.map((fieldName) => ({ fieldName }))],
		});
		const seenOrderIds = new Map<string, number>();
		const seenClicks = new Map<string, number>();
		const rows = conversions as Array<Record<string, unknown>>;
		const fakeNow = now().getTime();

		rows.forEach((row, index) => {
			const errors = errorsByRow[index];
			const reject = (errorCode: ErrorCode, message: string, ...fields: string[]) => errors.push({ errorCode, message, location: at(index, ...fields) });

			const action = typeof row.conversionAction === 'string' ? row.conversionAction : '';
			const actionMatch = /^customers\/(\d+)\/conversionActions\/(\d+)$/.exec(action);
			if (!action) reject({ fieldError: 'REQUIRED' }, 'The required field was not present.', 'conversion_action');
			else if (!actionMatch) reject({ fieldError: 'INVALID_VALUE' }, `"${action}" is not a conversion action resource name.`, 'conversion_action');
			else if (options.conversionActions ? !options.conversionActions.includes(action) : actionMatch[1] !== customerId) {
				reject(
					{ conversionUploadError: 'NO_CONVERSION_ACTION_FOUND' },
					'The conversion action specified in the upload request cannot be found.',
					'conversion_action',
				);
			}

			const present = (['gclid', 'gbraid', 'wbraid'] as const).filter((field) => typeof row[field] === 'string' && row[field] !== '');
			if (present.length === 0) reject({ fieldError: 'REQUIRED' }, 'One of gclid, gbraid or wbraid is required.', 'gclid');
			if (present.includes('gbraid') && present.includes('wbraid'))
				reject({ conversionUploadError: 'GBRAID_WBRAID_BOTH_SET' }, 'gbraid and wbraid cannot both be set.', 'wbraid');
			if (present.includes('gclid') && present.length > 1)
				reject({ fieldError: 'VALUE_MUST_BE_UNSET' }, 'gbraid and wbraid must be unset when gclid is set.', present[1]);
			const clickField = present[0];
			const clickId = clickField ? String(row[clickField]) : undefined;

			const dateTime = typeof row.conversionDateTime === 'string' ? row.conversionDateTime : '';
			const convertedAt = dateTime ? parseGoogleDateTime(dateTime) : undefined;
			if (!dateTime) reject({ fieldError: 'REQUIRED' }, 'The required field was not present.', 'conversion_date_time');
			else if (convertedAt === undefined) {
				reject(
					{ dateError: 'INVALID_STRING_DATE_TIME_SECONDS_WITH_OFFSET' },
					`"${dateTime}" is not 'yyyy-mm-dd hh:mm:ss+|-hh:mm' (the offset is required).`,
					'conversion_date_time',
				);
			}

			if (clickId && present.length === 1) {
				const clickedAt = clicks.get(clickId);
				if (clickedAt === undefined) {
					if (options.unknownClicks !== 'accept')
						reject({ conversionUploadError: 'CLICK_NOT_FOUND' }, 'The click associated with the given identifier could not be found.', clickField);
				} else {
					if (fakeNow - clickedAt < SIX_HOURS_MS) {
						reject(
							{ conversionUploadError: 'TOO_RECENT_EVENT' },
							'The click associated with the given identifier or iOS URL parameter occurred less than 6 hours ago, please retry after 6 hours have passed.',
							clickField,
						);
					}
					if (convertedAt !== undefined && convertedAt < clickedAt) {
						reject({ conversionUploadError: 'CONVERSION_PRECEDES_EVENT' }, 'The conversion date time precedes the click date time.', 'conversion_date_time');
					}
				}
			}

			if (row.conversionValue !== undefined && row.currencyCode === undefined) {
				// Google falls back to the account currency; we want ours explicit.
				reject({ fieldError: 'REQUIRED' }, 'currencyCode is required with conversionValue (fake: stricter than Google).', 'currency_code');
			}
			if (row.currencyCode !== undefined && !/^[A-Z]{3}$/.test(String(row.currencyCode))) {
				reject({ conversionUploadError: 'INVALID_CURRENCY_CODE' }, `"${String(row.currencyCode)}" is not an ISO 4217 currency code.`, 'currency_code');
			}

			if (row.userIdentifiers !== undefined) {
				const identifiers = row.userIdentifiers;
				if (!Array.isArray(identifiers)) reject({ fieldError: 'INVALID_VALUE' }, 'userIdentifiers must be a list.', 'user_identifiers');
				else {
					if (identifiers.length > MAX_IDENTIFIERS)
						reject({ collectionSizeError: 'TOO_MANY' }, `At most ${MAX_IDENTIFIERS} user identifiers per conversion.`, 'user_identifiers');
					identifiers.forEach((identifier: unknown) => {
						const keys = isRecord(identifier) ? Object.keys(identifier).filter((key) => key !== 'userIdentifierSource') : [];
						if (!isRecord(identifier) || keys.length !== 1 || !IDENTIFIER_FIELDS.has(keys[0])) {
							reject({ conversionUploadError: 'INVALID_USER_IDENTIFIER' }, 'Each user identifier sets exactly one identifier.', 'user_identifiers');
							return;
						}
						if (keys[0] !== 'hashedEmail' && keys[0] !== 'hashedPhoneNumber') {
							reject(
								{ conversionUploadError: 'UNSUPPORTED_USER_IDENTIFIER' },
								'Only hashed_email and hashed_phone_number are supported for conversion uploads.',
								'user_identifiers',
							);
							return;
						}
						if (typeof identifier[keys[0]] !== 'string' || !HEX64.test(identifier[keys[0]] as string)) {
							reject(
								{ conversionUploadError: 'INVALID_USER_IDENTIFIER' },
								`${keys[0]} must be a lower-case SHA-256 hex digest (64 characters).`,
								'user_identifiers',
							);
						}
					});
				}
			}

			if (row.consent !== undefined) {
				const consent = row.consent;
				if (
					!isRecord(consent) ||
					Object.entries(consent).some(([key, value]) => !['adUserData', 'adPersonalization'].includes(key) || !CONSENT_VALUES.has(String(value)))
				) {
					reject({ fieldError: 'INVALID_VALUE' }, 'consent takes adUserData and adPersonalization: GRANTED or DENIED.', 'consent');
				}
			}

			// Duplicates: inside this request, then against what Google already recorded.
			const orderId = typeof row.orderId === 'string' && row.orderId !== '' ? row.orderId : undefined;
			if (orderId) {
				const key = `${action}|${orderId}`;
				if (seenOrderIds.has(key)) reject({ conversionUploadError: 'DUPLICATE_ORDER_ID' }, `Order ID ${orderId} appears twice in this request.`, 'order_id');
				else seenOrderIds.set(key, index);
			}
			const clickKey = clickId && convertedAt !== undefined ? `${action}|${clickId}|${convertedAt}` : undefined;
			if (clickKey) {
				if (seenClicks.has(clickKey))
					reject(
						{ conversionUploadError: 'DUPLICATE_CLICK_CONVERSION_IN_REQUEST' },
						'The same click and conversion time appear twice in this request.',
						clickField,
					);
				else seenClicks.set(clickKey, index);
			}
			const existing = accepted.find(
				(previous) =>
					previous.conversionAction === action &&
					((orderId !== undefined && previous.orderId === orderId) ||
						(clickId !== undefined && previous.clickId === clickId && parseGoogleDateTime(previous.conversionDateTime) === convertedAt)),
			);
			if (existing)
				reject(
					{ conversionUploadError: 'CLICK_CONVERSION_ALREADY_EXISTS' },
					'A conversion with this click and conversion time (or order ID) was already uploaded.',
					clickField ?? 'order_id',
				);
		});

		const results = rows.map((row, index) => {
			if (errorsByRow[index].length > 0) return {};
			const clickField = (['gclid', 'gbraid', 'wbraid'] as const).find((field) => typeof row[field] === 'string');
			const result: Record<string, unknown> = { conversionAction: row.conversionAction, conversionDateTime: row.conversionDateTime };
			if (clickField) result[clickField] = row[clickField];
			if (!validateOnly && clickField) {
				accepted.push({
					customerId,
					conversionAction: String(row.conversionAction),
					clickId: String(row[clickField]),
					clickIdType: clickField,
					conversionDateTime: String(row.conversionDateTime),
					conversionValue: row.conversionValue as number | undefined,
					currencyCode: row.currencyCode as string | undefined,
					orderId: row.orderId as string | undefined,
					userIdentifiers: row.userIdentifiers as Array<Record<string, string>> | undefined,
					consent: row.consent as Record<string, string> | undefined,
					receivedAt: new Date(fakeNow),
				});
			}
			return result;
		});

		const allErrors = errorsByRow.flat();
		const answer: Record<string, unknown> = validateOnly ? {} : { results, jobId: String(jobId++) };
		if (allErrors.length > 0) {
			const message = allErrors
				.map((error) => {
					const row = error.location?.fieldPathElements[0]?.index ?? 0;
					return `${error.message}, at conversions[${row}]`;
				})
				.join(', ');
			answer.partialFailureError = { code: 3, message, details: [{ '@type': failureType(version), errors: allErrors, requestId: 'fake-request-id' }] };
		}
		return { status: 200, body: answer };
	}

	function token(request: RecordedRequest): FakeResponse {
		if (request.method !== 'POST') return { status: 405, body: { error: 'invalid_request', error_description: 'POST only' } };
		const params = isRecord(request.body) ? (request.body as Record<string, string>) : Object.fromEntries(new URLSearchParams(request.rawBody));
		const issue = () => {
			const accessToken = `fake-google-issued-${issuedTokens.length + 1}`;
			issuedTokens.push(accessToken);
			accessTokens.add(accessToken);
			return accessToken;
		};
		if (params.grant_type === 'refresh_token') {
			if (params.refresh_token !== refreshToken)
				return { status: 400, body: { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' } };
			return { status: 200, body: { access_token: issue(), expires_in: 3599, scope: 'https://www.googleapis.com/auth/adwords', token_type: 'Bearer' } };
		}
		if (params.grant_type === 'authorization_code') {
			if (!params.code) return { status: 400, body: { error: 'invalid_request', error_description: 'Missing code' } };
			return {
				status: 200,
				body: { access_token: issue(), refresh_token: refreshToken, expires_in: 3599, scope: 'https://www.googleapis.com/auth/adwords', token_type: 'Bearer' },
			};
		}
		return { status: 400, body: { error: 'unsupported_grant_type', error_description: `Unsupported grant_type "${String(params.grant_type)}"` } };
	}

	const server = await startJsonFake((request) => {
		if (request.path === '/token') return token(request);
		const route = /^\/(v\d+)\/customers(?:\/([^/:]+))?:(uploadClickConversions|listAccessibleCustomers)$/.exec(request.path);
		if (!route)
			return { status: 404, body: `<!DOCTYPE html><title>Error 404 (Not Found)</title><p>The requested URL ${request.path} was not found on this server.</p>` };
		const [, version, customerId, method] = route;
		if (!liveVersions.has(version)) {
			return rpcError(
				404,
				'NOT_FOUND',
				`Version ${version} of the Google Ads API is not available (sunset or unknown). Use one of ${[...liveVersions].join(', ')}.`,
				'v26',
			);
		}
		if (method === 'listAccessibleCustomers') {
			if (customerId !== undefined || request.method !== 'GET')
				return rpcError(404, 'NOT_FOUND', 'listAccessibleCustomers is GET /{version}/customers:listAccessibleCustomers', version);
			const denied = checkAuth(request, version);
			if (denied) return denied;
			// The accounts the user reaches directly: those without a manager, and the managers.
			const customers = options.customers ?? { '1234567890': {} };
			const direct = Object.entries(customers).flatMap(([id, customer]) => (customer.manager ? [customer.manager] : [id]));
			const ids = [...new Set(direct)];
			return { status: 200, body: { resourceNames: ids.map((id) => `customers/${id}`) } };
		}
		if (!customerId || !/^\d+$/.test(customerId)) {
			return rpcError(400, 'INVALID_ARGUMENT', `Invalid customer ID '${customerId ?? ''}': digits only, without dashes.`, version, [
				{ errorCode: { requestError: 'INVALID_CUSTOMER_ID' }, message: 'The customer ID in the URL must be digits only.' },
			]);
		}
		return upload(request, version, customerId);
	});

	return {
		...server,
		accepted,
		issuedTokens,
		tokenUrl: `${server.url}/token`,
		uploads: () => [...uploadRequests],
		registerClick(clickId, clickedAt) {
			clicks.set(clickId, typeof clickedAt === 'string' ? Date.parse(clickedAt) : clickedAt.getTime());
		},
		failNext(count, status) {
			for (let i = 0; i < count; i++) faults.push(status);
		},
	};
}
