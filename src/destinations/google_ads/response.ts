/**
 * Reads Google Ads uploadClickConversions answers into one result per conversion the request carried.
 *
 * - HTTP 200 without `partialFailureError`: every row accepted (`validateOnly` answers carry no results:
 *   every row 'sent' with code 'validated').
 * - HTTP 200 with `partialFailureError`: ONE GoogleAdsFailure in `details` holds every row's errors, each
 *   located by `fieldPathElements` [{ fieldName: 'conversions', index }] — proto3 JSON leaves out an index
 *   of 0, so an error without one belongs to row 0. Rows with no error were accepted.
 *   · TOO_RECENT_EVENT / TOO_RECENT_CONVERSION_ACTION → 'retry_later' with the time Google will take it;
 *   · CLICK_CONVERSION_ALREADY_EXISTS / ORDER_ID_ALREADY_IN_USE → 'sent' with that code: Google already
 *     has this very conversion (our order id is the deterministic event id), so it must not be sent again;
 *   · internal, quota and concurrency errors → 'retry'; everything else (data errors) → 'failed'.
 * - HTTP 2xx with neither `results` nor `partialFailureError` (not validating; a proxy page, a wrong base URL):
 *   'failed' with code 'unexpected_response', never taken as recorded.
 * - 401 / 403 → 'failed' with a hint at the credential, developer token or login customer ID.
 * - 404 → 'failed': the API version is retired or the URL is wrong.
 * - 408, 409, 429 and 5xx → 'retry' (with Google's retry delay when it gives one); other 4xx → 'failed'.
 */
import { type ResponseReader, type Verdict, blameEach, bodyRows, readThroughFrame } from '../response-frame';
import type { EventOutcome, EventResult, PlatformRequest, PlatformResponse } from '../types';
import { GOOGLE_ADS_MIN_CLICK_AGE_MS, type GoogleAdsRequest } from './build';

export interface GoogleAdsFieldPathElement {
	fieldName?: string;
	index?: number;
}

export interface GoogleAdsError {
	errorCode?: Record<string, string>;
	message?: string;
	location?: { fieldPathElements?: GoogleAdsFieldPathElement[] };
	details?: { quotaErrorDetails?: { retryDelay?: string } } & Record<string, unknown>;
}

interface GoogleAdsFailureDetail {
	'@type'?: string;
	errors?: GoogleAdsError[];
	requestId?: string;
	retryDelay?: string;
}

interface RpcStatus {
	code?: number;
	message?: string;
	status?: string;
	details?: GoogleAdsFailureDetail[];
}

const RETRY_LATER = new Set(['TOO_RECENT_EVENT', 'TOO_RECENT_CONVERSION_ACTION']);
const ALREADY_THERE = new Set(['CLICK_CONVERSION_ALREADY_EXISTS', 'ORDER_ID_ALREADY_IN_USE']);
const TRANSIENT_KINDS = new Set(['internalError', 'quotaError', 'databaseError']);

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The enum value of an error ("TOO_RECENT_EVENT") and its kind ("conversionUploadError"). */
function codeOf(error: GoogleAdsError): { kind?: string; code?: string } {
	const entry = Object.entries(error.errorCode ?? {})[0];
	return entry ? { kind: entry[0], code: String(entry[1]) } : {};
}

/** The body row an error is about: the `conversions` element's index (absent = 0), or undefined for the request. */
export function rowOf(error: GoogleAdsError): number | undefined {
	const element = error.location?.fieldPathElements?.find((path) => path.fieldName === 'conversions');
	if (!element) return undefined;
	return typeof element.index === 'number' ? element.index : 0;
}

function failureErrors(status: RpcStatus | undefined): GoogleAdsError[] {
	return (status?.details ?? []).flatMap((detail) => (Array.isArray(detail?.errors) ? detail.errors : []));
}

/** "30s" / "1.5s" → ms. */
function durationMs(value: unknown): number | undefined {
	const match = typeof value === 'string' ? /^(\d+(?:\.\d+)?)s$/.exec(value.trim()) : null;
	return match ? Math.round(Number(match[1]) * 1000) : undefined;
}

/** The longest wait Google asks for: the Retry-After header's, or a retryDelay in the failure. */
function retryDelayMs(status: RpcStatus | undefined, retryAfterMs: number | undefined): number | undefined {
	const delays = [retryAfterMs];
	for (const detail of status?.details ?? []) {
		delays.push(durationMs(detail?.retryDelay));
		for (const error of detail?.errors ?? []) delays.push(durationMs(error.details?.quotaErrorDetails?.retryDelay));
	}
	const known = delays.filter((delay): delay is number => delay !== undefined);
	return known.length > 0 ? Math.max(...known) : undefined;
}

function describe(errors: GoogleAdsError[]): string {
	return errors.map((error) => `${codeOf(error).code ?? 'ERROR'}: ${error.message ?? 'no message'}`).join('; ');
}

/** When a row refused as too recent will be taken: its click time + 6 h, else 6 h from now (all the error guarantees). */
function retryAtFor(request: GoogleAdsRequest, position: number, code: string, now: Date): string {
	const clickedAt = code === 'TOO_RECENT_EVENT' ? Date.parse(request.clickedAt?.[position] ?? '') : Number.NaN;
	const fromClick = clickedAt + GOOGLE_ADS_MIN_CLICK_AGE_MS;
	return new Date(!Number.isNaN(fromClick) && fromClick > now.getTime() ? fromClick : now.getTime() + GOOGLE_ADS_MIN_CLICK_AGE_MS).toISOString();
}

/** One row's outcome from its errors: failed > retry > retry_later > already there (sent). */
function rowResult(request: GoogleAdsRequest, position: number, errors: GoogleAdsError[], now: Date): Verdict {
	const classified = errors.map((error) => {
		const { kind, code = 'ERROR' } = codeOf(error);
		const outcome: EventOutcome = RETRY_LATER.has(code)
			? 'retry_later'
			: ALREADY_THERE.has(code)
				? 'sent'
				: kind && TRANSIENT_KINDS.has(kind)
					? 'retry'
					: 'failed';
		return { error, code, outcome };
	});
	const pick = (outcome: EventOutcome) => classified.filter((entry) => entry.outcome === outcome);
	const reason = describe(errors);
	const failed = pick('failed');
	if (failed.length > 0) return { outcome: 'failed', code: failed[0].code, reason };
	const retry = pick('retry');
	if (retry.length > 0) return { outcome: 'retry', code: retry[0].code, reason };
	const later = pick('retry_later');
	if (later.length > 0) {
		const retryAt = retryAtFor(request, position, later[0].code, now);
		return { outcome: 'retry_later', code: later[0].code, reason: `${reason} (send it again after ${retryAt})`, retryAt };
	}
	const already = pick('sent')[0];
	return { outcome: 'sent', code: already.code, reason: `Google Ads already has this conversion: ${reason}` };
}

/** What the operator should check, from the status and Google's error codes. */
function hintFor(status: number, codes: string[]): string | undefined {
	if (codes.some((code) => code.startsWith('DEVELOPER_TOKEN'))) {
		return 'Check the developer token in the credential (a token with test access works with test accounts only).';
	}
	if (codes.some((code) => code.startsWith('INVALID_LOGIN_CUSTOMER_ID') || code === 'LOGIN_CUSTOMER_ID_PARAMETER_MISSING')) {
		return 'Check the Login Customer ID: the manager account (digits only) the customer is reached through.';
	}
	if (codes.includes('USER_PERMISSION_DENIED')) {
		return 'The signed-in Google user cannot reach this customer directly: set the Login Customer ID to the manager account it is reached through.';
	}
	if (status === 401) return 'Google rejected the OAuth access token: reconnect the Google Ads credential.';
	if (status === 403)
		return 'Check that the signed-in Google user has access to the customer ID, and the Login Customer ID when going through a manager account.';
	return undefined;
}

interface GoogleAdsAnswer {
	rpc?: RpcStatus;
	errors: GoogleAdsError[];
	codes: string[];
	statusText: string;
	/** The status, Google's message and its error codes, for a reason. */
	detail: string;
	hint?: string;
	/** The result code of a request-wide error: Google's first error code, else its status, else `http_<status>`. */
	code: string;
}

/**
 * The verdict of each row of a 2xx (partialFailure is on, so Google reports the rows one by one); undefined
 * when the body is not Google's answer (a proxy page): `results`, or a `partialFailureError`. A validate-only
 * answer carries neither, so it is read as before: every row valid unless an error names it.
 */
function acceptedRows(request: GoogleAdsRequest, answer: unknown, count: number, now: Date): Verdict[] | undefined {
	const validateOnly = request.body.validateOnly === true;
	const body = isRecord(answer) ? answer : {};
	const partial = isRecord(body.partialFailureError) ? (body.partialFailureError as RpcStatus) : undefined;
	if (!validateOnly && !partial && !Array.isArray(body.results)) return undefined;
	const byRow = new Map<number, GoogleAdsError[]>();
	const unlocated: GoogleAdsError[] = [];
	for (const error of failureErrors(partial)) {
		const row = rowOf(error);
		if (row === undefined) unlocated.push(error);
		else byRow.set(row, [...(byRow.get(row) ?? []), error]);
	}
	const results = Array.isArray(body.results) ? body.results : [];
	return Array.from({ length: count }, (_, position): Verdict => {
		const rowErrors = byRow.get(position);
		if (rowErrors) return rowResult(request, position, rowErrors, now);
		const result = results[position];
		// A failed row comes back as {}: one the failure did not locate is still not accepted.
		if (partial && isRecord(result) && Object.keys(result).length === 0 && !validateOnly) {
			const reason = unlocated.length > 0 ? describe(unlocated) : (partial.message ?? 'Google Ads returned an empty result for this conversion');
			return { outcome: 'failed', code: codeOf(unlocated[0] ?? {}).code ?? 'partial_failure', reason };
		}
		return validateOnly ? { outcome: 'sent', code: 'validated', reason: 'Validated by Google Ads (validate only: not recorded)' } : { outcome: 'sent' };
	});
}

const googleAdsReader: ResponseReader<GoogleAdsAnswer> = {
	platformName: 'Google Ads',
	eventIds: (request) => bodyRows(request, ['conversions']).map((row) => row.orderId),
	answer: ({ status, body: raw }) => {
		const body = isRecord(raw) ? raw : {};
		const rpc: RpcStatus | undefined = isRecord(body.error) ? (body.error as RpcStatus) : undefined;
		const errors = failureErrors(rpc);
		const codes = errors.map((error) => codeOf(error).code).filter((code): code is string => Boolean(code));
		const googleMessage = rpc?.message ?? (typeof raw === 'string' ? raw.slice(0, 300) : undefined);
		const statusText = `HTTP ${status}${rpc?.status ? ` ${rpc.status}` : ''}`;
		const detail = `${statusText}: ${googleMessage ?? 'no message'}${codes.length > 0 ? ` (${codes.join(', ')})` : ''}`;
		return { rpc, errors, codes, statusText, detail, hint: hintFor(status, codes), code: codes[0] ?? rpc?.status ?? `http_${status}` };
	},
	transient: ({ status }) => status === 408 || status === 409,
	retry: ({ answer, retryAfterMs }) => ({ code: answer.code, reason: answer.detail, retryAfterMs: retryDelayMs(answer.rpc, retryAfterMs) }),
	credential: ({ answer }) => ({ code: answer.code, reason: `${answer.detail}. ${answer.hint}` }),
	accepted: ({ request, response, count, now }) => acceptedRows(request as GoogleAdsRequest, response.body, count, now),
	// Sending again is safe: Google reports a conversion it already has (same order ID) as already there.
	unexpected: ({ status }) =>
		`Google Ads answered HTTP ${status} without per-conversion results, so whether the conversions were recorded is unknown. Check the Base URL in the credential; sending again is safe (Google Ads deduplicates by order ID).`,
	refused: ({ status, answer, count }) => {
		const { detail, hint, statusText, errors } = answer;
		if (status === 404) {
			return {
				outcome: 'failed',
				code: answer.code,
				reason: `${detail}. The Google Ads API version in the URL may be retired or the base URL is wrong: set a current API version in the credential.`,
			};
		}
		// Any other 4xx rejected the whole request (partialFailure is on, so rows would have been reported one by one).
		const byRow = new Map<number, GoogleAdsError[]>();
		for (const error of errors) {
			const row = rowOf(error);
			if (row !== undefined) byRow.set(row, [...(byRow.get(row) ?? []), error]);
		}
		return blameEach(
			count,
			byRow,
			(rowErrors) => ({ outcome: 'failed', code: codeOf(rowErrors[0]).code ?? `http_${status}`, reason: `${statusText}: ${describe(rowErrors)}` }),
			{ outcome: 'failed', code: answer.code, reason: hint ? `${detail}. ${hint}` : detail },
		);
	},
};

export function readGoogleAdsResponse(request: PlatformRequest, response: PlatformResponse, now: Date): EventResult[] {
	return readThroughFrame(googleAdsReader, request, response, now);
}
