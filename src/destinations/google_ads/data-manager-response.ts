/**
 * Reads Data Manager API events:ingest answers into one result per event the request carried.
 *
 * The API fails fast: a request with one invalid event is refused whole, nothing recorded
 * (https://developers.google.com/data-manager/api/devguides/events/google-ads/offline/upgrade/field-mappings ,
 * "partial_failure: No equivalent"). Errors are google.rpc.Status JSON, `{ error: { code, message, status,
 * details } }`, the details an ErrorInfo (its `reason` one of ErrorReason) and a BadRequest whose
 * fieldViolations name the field (https://developers.google.com/data-manager/api/reference/rest/v1/ErrorReason ,
 * https://developers.google.com/data-manager/api/reference/rest/v1/Status ). Not confirmed from a published
 * sample: the exact spelling of a violation's field path; any `events[<i>]` in it is taken as event i.
 * - 200 with `requestId`: every event accepted for processing, the request id on the result (and in the reason) for diagnostics
 *   (requestStatus:retrieve: processing happens afterwards, and its refusals appear only there);
 * - 200 to a validateOnly request: every event 'sent' with code 'validated' (nothing recorded);
 * - 2xx without a request id (and not validating): 'failed' unexpected_response (a proxy page, a wrong base URL);
 * - 400: the events a field violation names (`events[<i>]…`) 'failed' with its reason; the others were not
 *   processed and go again without them ('retry', batch_rejected); a violation naming no event fails them all;
 * - 401 / 403: 'failed' with a hint at the credential or the account access;
 * - 429 and 5xx: 'retry' (the frame), with Google's RetryInfo delay when it gives one.
 */
import { type ResponseReader, type Verdict, batchRejected, blameEach, bodyRows, readThroughFrame, shorten } from '../response-frame';
import type { EventResult, PlatformRequest, PlatformResponse } from '../types';
import { DATA_MANAGER_API_VERSION, DATA_MANAGER_BASE_URL } from './data-manager';

export interface FieldViolation {
	field?: string;
	description?: string;
	reason?: string;
}

interface StatusDetail {
	'@type'?: string;
	reason?: string;
	domain?: string;
	metadata?: Record<string, string>;
	fieldViolations?: FieldViolation[];
	retryDelay?: string;
}

interface RpcStatus {
	code?: number;
	message?: string;
	status?: string;
	details?: StatusDetail[];
}

interface DataManagerAnswer {
	rpc?: RpcStatus;
	reason?: string;
	violations: FieldViolation[];
	detail: string;
	code: string;
	retryDelayMs?: number;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The event a violation is about: `events[3].ad_identifiers.gclid` (or `events.events[3]…`) → 3. */
export function eventIndexOf(violation: FieldViolation): number | undefined {
	const match = /(?:^|\.)events\[(\d+)\]/.exec(violation.field ?? '');
	return match ? Number(match[1]) : undefined;
}

function durationMs(value: unknown): number | undefined {
	const match = typeof value === 'string' ? /^(\d+(?:\.\d+)?)s$/.exec(value.trim()) : null;
	return match ? Math.round(Number(match[1]) * 1000) : undefined;
}

function hintFor(status: number, reason: string | undefined, message: string): string {
	if (status === 401) return 'Google rejected the OAuth access token: reconnect the Google Data Manager credential.';
	if (/scope/i.test(message) || reason === 'ACCESS_TOKEN_SCOPE_INSUFFICIENT') {
		return 'The credential was connected without the Data Manager scope (https://www.googleapis.com/auth/datamanager): reconnect it.';
	}
	return 'Check that the signed-in Google user can reach the Customer ID (directly, or through the manager account set as Login Customer ID).';
}

const describe = (violations: FieldViolation[]) =>
	violations
		.map((violation) => `${violation.field ?? 'request'}: ${violation.reason ? `${violation.reason} ` : ''}${violation.description ?? ''}`.trim())
		.join('; ');

const dataManagerReader: ResponseReader<DataManagerAnswer> = {
	platformName: 'Google (Data Manager API)',
	eventIds: (request) => bodyRows(request, ['events']).map((event) => event.transactionId),
	answer: ({ status, body: raw }) => {
		const body = isRecord(raw) ? raw : {};
		const rpc = isRecord(body.error) ? (body.error as RpcStatus) : undefined;
		const details: StatusDetail[] = Array.isArray(rpc?.details) ? rpc.details.filter(isRecord) : [];
		const reason = details.map((detail) => detail.reason).find((value): value is string => typeof value === 'string');
		const violations: FieldViolation[] = details.flatMap((detail) => (Array.isArray(detail.fieldViolations) ? detail.fieldViolations.filter(isRecord) : []));
		const message = rpc?.message ?? (typeof raw === 'string' ? raw.slice(0, 300) : 'no message');
		const detail = `HTTP ${status}${rpc?.status ? ` ${rpc.status}` : ''}: ${message}${reason ? ` (${reason})` : ''}`;
		const delays = details.map((entry) => durationMs(entry.retryDelay)).filter((delay): delay is number => delay !== undefined);
		return {
			rpc,
			reason,
			violations,
			detail,
			code: reason ?? rpc?.status ?? `http_${status}`,
			...(delays.length > 0 ? { retryDelayMs: Math.max(...delays) } : {}),
		};
	},
	retry: ({ answer, retryAfterMs }) => ({ code: answer.code, reason: answer.detail, retryAfterMs: answer.retryDelayMs ?? retryAfterMs }),
	credential: ({ status, answer }) => ({ code: answer.code, reason: `${answer.detail}. ${hintFor(status, answer.reason, answer.rpc?.message ?? '')}` }),
	accepted: ({ request, response }) => {
		const body = isRecord(response.body) ? response.body : {};
		if (request.body.validateOnly === true) {
			return { outcome: 'sent', code: 'validated', reason: 'Validated by Google’s Data Manager API (validate only: not recorded)' };
		}
		const requestId = typeof body.requestId === 'string' && body.requestId.trim() ? body.requestId.trim() : undefined;
		if (!requestId) return undefined;
		return {
			outcome: 'sent',
			code: 'accepted',
			requestId,
			reason: `Accepted by Google’s Data Manager API, request ID ${requestId}: Google processes it within hours; its diagnostics are at requestStatus:retrieve with this ID`,
		};
	},
	unexpected: ({ status }) =>
		`Google answered HTTP ${status} without a request ID, so whether the conversions were taken is unknown. Check the Base URL in the credential; sending again is safe (the transaction ID identifies each conversion).`,
	refused: ({ status, answer, count }) => {
		const byEvent = new Map<number, FieldViolation[]>();
		for (const violation of answer.violations) {
			const index = eventIndexOf(violation);
			if (index !== undefined && index < count) byEvent.set(index, [...(byEvent.get(index) ?? []), violation]);
		}
		if (byEvent.size === 0) {
			const violations = answer.violations.length > 0 ? `: ${describe(answer.violations)}` : '';
			return { outcome: 'failed', code: answer.code, reason: shorten(`${answer.detail}${violations}`) };
		}
		// Refused whole for these events: the others were not looked at, so they go again without them.
		return blameEach(
			count,
			byEvent,
			(violations): Verdict => ({
				outcome: 'failed',
				code: violations.find((violation) => violation.reason)?.reason ?? answer.code,
				reason: shorten(`HTTP ${status}: ${describe(violations)}`),
			}),
			batchRejected(`Google refused the whole request for other conversions in it (${answer.code}); this one was not processed`),
		);
	},
};

export function readDataManagerResponse(request: PlatformRequest, response: PlatformResponse, now: Date): EventResult[] {
	return readThroughFrame(dataManagerReader, request, response, now);
}

/** Whether a request is one for the Data Manager API (its body names destinations), not the Google Ads API. */
export function isDataManagerRequest(request: PlatformRequest): boolean {
	return Array.isArray(request.body.destinations) && Array.isArray(request.body.events);
}

/**
 * requestStatus:retrieve, Google's diagnostics for an ingest request (per destination: SUCCESS, PROCESSING,
 * FAILED, PARTIAL_SUCCESS, with error counts by ProcessingErrorReason):
 * https://developers.google.com/data-manager/api/reference/rest/v1/requestStatus/retrieve
 */
export function requestStatusUrl(baseUrl: string | undefined, requestId: string): string {
	const base = (baseUrl?.trim() || DATA_MANAGER_BASE_URL).replace(/\/+$/, '');
	return `${base}/${DATA_MANAGER_API_VERSION}/requestStatus:retrieve?requestId=${encodeURIComponent(requestId)}`;
}

export interface RequestDiagnostics {
	/** The worst status over the destinations. */
	status: 'SUCCESS' | 'PROCESSING' | 'PARTIAL_SUCCESS' | 'FAILED' | 'REQUEST_STATUS_UNKNOWN';
	recordCount?: number;
	errors: Array<{ reason: string; recordCount: number }>;
	/** One line for the operator. */
	summary: string;
}

const WORST_FIRST = ['FAILED', 'PARTIAL_SUCCESS', 'PROCESSING', 'REQUEST_STATUS_UNKNOWN', 'SUCCESS'] as const;

/** A retrieveRequestStatus answer read into one status and its error counts. */
export function readRequestDiagnostics(body: unknown): RequestDiagnostics {
	const entries = isRecord(body) && Array.isArray(body.requestStatusPerDestination) ? body.requestStatusPerDestination.filter(isRecord) : [];
	const statuses = entries.map((entry) => String(entry.requestStatus ?? 'REQUEST_STATUS_UNKNOWN'));
	const status = WORST_FIRST.find((candidate) => statuses.includes(candidate)) ?? 'REQUEST_STATUS_UNKNOWN';
	const errors = entries.flatMap((entry) => {
		const info = isRecord(entry.errorInfo) && Array.isArray(entry.errorInfo.errorCounts) ? entry.errorInfo.errorCounts.filter(isRecord) : [];
		return info.map((count) => ({ reason: String(count.reason ?? 'PROCESSING_ERROR_REASON_UNSPECIFIED'), recordCount: Number(count.recordCount ?? 0) }));
	});
	const counts = entries
		.map((entry) => (isRecord(entry.eventsIngestionStatus) ? Number(entry.eventsIngestionStatus.recordCount ?? Number.NaN) : Number.NaN))
		.filter((count) => !Number.isNaN(count));
	const recordCount = counts.length > 0 ? counts.reduce((sum, count) => sum + count, 0) : undefined;
	const problems = errors.map((error) => `${error.recordCount} × ${error.reason}`).join(', ');
	const summary = `${status}${recordCount !== undefined ? ` (${recordCount} events)` : ''}${problems ? `: ${problems}` : ''}`;
	return { status, ...(recordCount !== undefined ? { recordCount } : {}), errors, summary };
}
