/**
 * Pinterest's answer → one result per event the request carried (Pinterest's OpenAPI description, `events/create`):
 * - 200 `{ num_events_received, num_events_processed, events: [ { status: 'processed'|'failed', error_message,
 *   warning_message } ] }`, `events` in request order: a per-event verdict;
 * - 422 "Not all events were successfully processed" (`{ code, message, details }`): the same per-event list,
 *   read from `details` (or from the top level, where some answers carry it);
 * - 400 `{ code, message }`: the request broke the schema ("Invalid request: …"), no event was taken;
 * - 401 (code 2, authentication failed) and 403 (code 29, no access to the ad account): the credential;
 * - 429 (code 8, rate limit: 5,000 calls per minute per ad account) and 5xx (503 code 4197): transient.
 *
 * Pinterest's messages may quote the values that broke a rule; anything that looks like an email address or
 * an IP address is masked before a message becomes a reason, so no personal data reaches the output.
 */
import { parseRetryAfter } from '../../http/retry';
import type { EventResult, PlatformRequest, PlatformResponse } from '../types';

export const PINTEREST_AUTH_FAILED = 2;
export const PINTEREST_FORBIDDEN = 29;
export const PINTEREST_RATE_LIMITED = 8;

export const PINTEREST_CREDENTIAL_HINT =
	'Check the Pinterest Conversions API credential: use a conversion access token generated in Ads Manager (Conversions → Conversions API → Generate token), unchanged and not revoked.';
export const PINTEREST_ACCESS_HINT =
	'The token\u2019s user must own the ad account or hold the Admin, Analyst, Audience or Campaign role on it (Business Access); check the Ad Account ID setting too.';

const MAX_REASON = 400;

/** Masks email addresses and IPv4/IPv6 addresses, and shortens the message. */
export function safeMessage(message: string): string {
	const masked = message
		.replace(/[^\s@'"<>(),;:]+@[^\s@'"<>(),;:]+\.[^\s@'"<>(),;:]+/g, '[email]')
		.replace(/\b\d{1,3}(?:\.\d{1,3}){3}\b/g, '[ip]')
		.replace(/\b(?:[0-9a-f]{1,4}:){2,7}[0-9a-f]{0,4}\b/gi, '[ip]');
	return masked.length > MAX_REASON ? `${masked.slice(0, MAX_REASON - 1)}…` : masked;
}

interface PinterestEventStatus {
	status?: unknown;
	error_message?: unknown;
	warning_message?: unknown;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The per-event list: top level (200) or under `details` (422). */
function eventStatuses(body: unknown): PinterestEventStatus[] | undefined {
	if (!isObject(body)) return undefined;
	if (Array.isArray(body.events)) return body.events as PinterestEventStatus[];
	if (isObject(body.details) && Array.isArray(body.details.events)) return body.details.events as PinterestEventStatus[];
	return undefined;
}

function errorOf(body: unknown): { code?: number; message?: string } {
	if (!isObject(body)) return typeof body === 'string' && body.trim() ? { message: body.trim() } : {};
	const code = typeof body.code === 'number' ? body.code : typeof body.code === 'string' && /^\d+$/.test(body.code) ? Number(body.code) : undefined;
	return {
		code,
		message: typeof body.message === 'string' ? body.message : undefined,
	};
}

function eventIdsOf(request: PlatformRequest): Array<string | undefined> {
	const data = (request.body as { data?: Array<{ event_id?: unknown }> }).data ?? [];
	return request.itemIndexes.map((_, position) => {
		const id = data[position]?.event_id;
		return typeof id === 'string' ? id : undefined;
	});
}

export function readPinterestResponse(request: PlatformRequest, response: PlatformResponse, now: Date): EventResult[] {
	const eventIds = eventIdsOf(request);
	const all = (result: Omit<EventResult, 'index' | 'eventId'>): EventResult[] =>
		request.itemIndexes.map((index, position) => ({
			index,
			eventId: eventIds[position],
			...result,
		}));
	const retryAfterMs = parseRetryAfter(response.headers['retry-after'] ?? response.headers['Retry-After'], now);
	const { code, message } = errorOf(response.body);
	const said = message ? `: ${safeMessage(message)}` : '';
	const codeText = code !== undefined ? `pinterest_${code}` : `http_${response.status}`;

	if (response.status === 429 || response.status >= 500) {
		return all({
			outcome: 'retry',
			code: codeText,
			reason: `Pinterest ${response.status === 429 ? 'is throttling' : 'had trouble'} (HTTP ${response.status})${said}`,
			...(retryAfterMs !== undefined && { retryAfterMs }),
		});
	}
	if (response.status === 401) {
		return all({
			outcome: 'failed',
			code: codeText,
			reason: `Pinterest refused the access token (HTTP 401)${said}. ${PINTEREST_CREDENTIAL_HINT}`,
		});
	}
	if (response.status === 403) {
		return all({
			outcome: 'failed',
			code: codeText,
			reason: `Pinterest refused access to the ad account (HTTP 403)${said}. ${PINTEREST_ACCESS_HINT}`,
		});
	}

	const statuses = response.status === 200 || response.status === 422 ? eventStatuses(response.body) : undefined;
	if (statuses && statuses.length === request.itemIndexes.length) {
		return request.itemIndexes.map((index, position) => {
			const verdict = statuses[position];
			if (verdict?.status === 'processed') return { index, eventId: eventIds[position], outcome: 'sent' as const };
			const why = typeof verdict?.error_message === 'string' && verdict.error_message.trim() ? safeMessage(verdict.error_message.trim()) : 'no reason given';
			return {
				index,
				eventId: eventIds[position],
				outcome: 'failed' as const,
				code: 'pinterest_event_failed',
				reason: `Pinterest did not process this event: ${why}`,
			};
		});
	}
	if (response.status === 200 && isObject(response.body)) {
		const received = response.body.num_events_received;
		const processed = response.body.num_events_processed;
		if (typeof received === 'number' && received === request.itemIndexes.length && processed === received) return all({ outcome: 'sent' });
	}
	if (response.status >= 200 && response.status < 300) {
		// Not Pinterest's answer (a proxy page?): whether the events were taken is unknown. Sending again is
		// safe, since Pinterest deduplicates by event_id, so they are reported failed, not sent.
		return all({
			outcome: 'failed',
			code: 'unexpected_response',
			reason: `Pinterest answered HTTP ${response.status} without a per-event result for every event; send again (Pinterest deduplicates by event_id)`,
		});
	}
	if (response.status === 400) {
		return all({
			outcome: 'failed',
			code: codeText,
			reason: `Pinterest refused the request as invalid (HTTP 400)${said}`,
		});
	}
	return all({
		outcome: 'failed',
		code: codeText,
		reason: `Pinterest answered HTTP ${response.status}${said}`,
	});
}
