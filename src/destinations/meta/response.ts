/**
 * Meta's answer → one result per event the request carried. Meta accepts or refuses a request as a
 * whole: a 200 means every event was received; an error means none was, so every event shares it.
 */
import { parseRetryAfter } from '../../http/retry';
import type { EventOutcome, EventResult, PlatformRequest, PlatformResponse } from '../types';
import { META_AUTH_CODES, META_PERMISSION_CODES, META_SUBCODE_EVENT_TOO_OLD, META_THROTTLING_CODES, META_TRANSIENT_CODES } from './constants';

/** The Graph API error object (`{ "error": { … } }`). */
export interface MetaGraphError {
	message?: string;
	type?: string;
	code?: number;
	error_subcode?: number;
	error_user_title?: string;
	error_user_msg?: string;
	fbtrace_id?: string;
	is_transient?: boolean;
}

function header(headers: PlatformResponse['headers'], name: string): string | string[] | undefined {
	const key = Object.keys(headers ?? {}).find((candidate) => candidate.toLowerCase() === name);
	return key === undefined ? undefined : headers[key];
}

function graphError(body: unknown): MetaGraphError | undefined {
	if (!body || typeof body !== 'object') return undefined;
	const error = (body as { error?: unknown }).error;
	return error && typeof error === 'object' ? (error as MetaGraphError) : undefined;
}

/** Meta's own words, minus anything that could be a token or a person's data. */
function redact(message: string, request: PlatformRequest): string {
	let cleaned = message;
	const token = new URL(request.url).searchParams.get('access_token');
	if (token) cleaned = cleaned.split(token).join('[access token]');
	return cleaned
		.replace(/\bEA[A-Za-z0-9]{20,}\b/g, '[access token]')
		.replace(/[^\s@"'<>()]+@[^\s@"'<>()]+\.[A-Za-z]{2,}/g, '[email]')
		.slice(0, 500);
}

function describe(error: MetaGraphError | undefined, request: PlatformRequest): string {
	if (!error) return '';
	const title =
		error.error_user_title && error.error_user_msg ? `${error.error_user_title}: ${error.error_user_msg}` : (error.error_user_msg ?? error.message ?? '');
	const codes = [
		error.code !== undefined ? `code ${error.code}` : '',
		error.error_subcode !== undefined ? `subcode ${error.error_subcode}` : '',
		error.fbtrace_id ? `fbtrace_id ${error.fbtrace_id}` : '',
	]
		.filter(Boolean)
		.join(', ');
	const text = redact(title, request);
	return codes ? `${text} (${codes})` : text;
}

export function readMetaResponse(request: PlatformRequest, response: PlatformResponse, now: Date): EventResult[] {
	const data = Array.isArray(request.body.data) ? (request.body.data as Array<{ event_id?: string }>) : [];
	const count = request.itemIndexes.length;
	const all = (outcome: EventOutcome, extra: Omit<EventResult, 'index' | 'outcome' | 'eventId'> = {}): EventResult[] =>
		request.itemIndexes.map((index, position) => ({ index, outcome, ...(data[position]?.event_id ? { eventId: data[position].event_id } : {}), ...extra }));

	const { status, body } = response;
	const error = graphError(body);

	if (status >= 200 && status < 300 && !error) {
		const received = body && typeof body === 'object' ? (body as { events_received?: unknown }).events_received : undefined;
		if (typeof received === 'number') return all('sent');
		return all('failed', {
			code: 'unexpected_response',
			reason: `Meta answered HTTP ${status} without events_received; the events may not have arrived. Check the Base URL in the credential.`,
		});
	}

	const code = typeof error?.code === 'number' ? error.code : undefined;
	const subcode = typeof error?.error_subcode === 'number' ? error.error_subcode : undefined;
	const detail = describe(error, request);
	const resultCode = String(subcode ?? code ?? `http_${status}`);
	const retryAfterMs = parseRetryAfter(header(response.headers, 'retry-after'), now);
	const retryExtra = retryAfterMs !== undefined ? { retryAfterMs } : {};

	if (status === 429 || (code !== undefined && META_THROTTLING_CODES.has(code))) {
		return all('retry', { code: resultCode, reason: `Meta is throttling requests${detail ? `: ${detail}` : ''}`, ...retryExtra });
	}
	if (status >= 500 || status === 408 || (code !== undefined && META_TRANSIENT_CODES.has(code)) || error?.is_transient === true) {
		return all('retry', { code: resultCode, reason: `Temporary error at Meta (HTTP ${status})${detail ? `: ${detail}` : ''}`, ...retryExtra });
	}
	if ((code !== undefined && META_AUTH_CODES.has(code)) || status === 401) {
		return all('failed', {
			code: resultCode,
			reason: `Meta refused the access token${detail ? ` (${detail})` : ''}. Fix the Meta Conversions API credential: generate a new token in Events Manager (Settings → Conversions API) and paste it into the credential.`,
		});
	}
	if ((code !== undefined && META_PERMISSION_CODES.has(code)) || status === 403) {
		return all('failed', {
			code: resultCode,
			reason: `The access token may not send events to this pixel${detail ? ` (${detail})` : ''}. Check the Pixel ID in the node and that the token was generated for this pixel (dataset).`,
		});
	}
	if (subcode === META_SUBCODE_EVENT_TOO_OLD) {
		return all('failed', {
			code: resultCode,
			reason: `Meta refused the whole batch of ${count} events because at least one is older than 7 days by Meta's clock (${detail}). The others were not refused for their own data: send them again.`,
		});
	}
	if (error) {
		return all('failed', { code: resultCode, reason: `Meta refused the whole batch of ${count} events: ${detail}` });
	}
	const text = typeof body === 'string' ? redact(body, request).slice(0, 200) : '';
	return all('failed', { code: resultCode, reason: `Meta answered HTTP ${status}${text ? `: ${text}` : ''}` });
}
