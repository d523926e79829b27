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
import { type ResponseContext, type ResponseReader, type Verdict, bodyRows, readThroughFrame, shorten } from '../response-frame';
import type { EventResult, PlatformRequest, PlatformResponse } from '../types';

export const PINTEREST_AUTH_FAILED = 2;
export const PINTEREST_FORBIDDEN = 29;
export const PINTEREST_RATE_LIMITED = 8;

export const PINTEREST_CREDENTIAL_HINT =
	'Check the Pinterest Conversions API credential: use a conversion access token generated in Ads Manager (Conversions → Conversions API → Generate token), unchanged and not revoked.';
export const PINTEREST_ACCESS_HINT =
	'The token\u2019s user must own the ad account or hold the Admin, Analyst, Audience or Campaign role on it (Business Access); check the Ad Account ID setting too.';

/** Masks email addresses and IPv4/IPv6 addresses, and shortens the message. */
export function safeMessage(message: string): string {
	const masked = message
		.replace(/[^\s@'"<>(),;:]+@[^\s@'"<>(),;:]+\.[^\s@'"<>(),;:]+/g, '[email]')
		.replace(/\b\d{1,3}(?:\.\d{1,3}){3}\b/g, '[ip]')
		.replace(/\b(?:[0-9a-f]{1,4}:){2,7}[0-9a-f]{0,4}\b/gi, '[ip]');
	return shorten(masked);
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

interface PinterestAnswer {
	said: string;
	/** Pinterest's error code as `pinterest_<code>`, else `http_<status>`. */
	code: string;
}

/** The per-event verdicts of a 200 or 422, when Pinterest listed one for every event. */
function eventVerdicts({ status, response, count }: ResponseContext<PinterestAnswer>): Verdict[] | undefined {
	const statuses = status === 200 || status === 422 ? eventStatuses(response.body) : undefined;
	if (!statuses || statuses.length !== count) return undefined;
	return statuses.map((verdict): Verdict => {
		if (verdict?.status === 'processed') return { outcome: 'sent' };
		const why = typeof verdict?.error_message === 'string' && verdict.error_message.trim() ? safeMessage(verdict.error_message.trim()) : 'no reason given';
		return { outcome: 'failed', code: 'pinterest_event_failed', reason: `Pinterest did not process this event: ${why}` };
	});
}

const pinterestReader: ResponseReader<PinterestAnswer> = {
	platformName: 'Pinterest',
	eventIds: (request) => bodyRows(request, ['data']).map((row) => row.event_id),
	answer: ({ status, body }) => {
		const { code, message } = errorOf(body);
		return { said: message ? `: ${safeMessage(message)}` : '', code: code !== undefined ? `pinterest_${code}` : `http_${status}` };
	},
	retry: ({ status, answer: { code, said } }) => ({ code, reason: `Pinterest ${status === 429 ? 'is throttling' : 'had trouble'} (HTTP ${status})${said}` }),
	credential: ({ status, answer: { code, said } }) =>
		status === 401
			? { code, reason: `Pinterest refused the access token (HTTP 401)${said}. ${PINTEREST_CREDENTIAL_HINT}` }
			: { code, reason: `Pinterest refused access to the ad account (HTTP 403)${said}. ${PINTEREST_ACCESS_HINT}` },
	accepted: (context) => {
		const verdicts = eventVerdicts(context);
		if (verdicts) return verdicts;
		const { status, response, count } = context;
		if (status === 200 && isObject(response.body)) {
			const received = response.body.num_events_received;
			const processed = response.body.num_events_processed;
			if (typeof received === 'number' && received === count && processed === received) return { outcome: 'sent' };
		}
		return undefined;
	},
	// Not Pinterest's answer (a proxy page?): whether the events were taken is unknown. Sending again is
	// safe, since Pinterest deduplicates by event_id, so they are reported failed, not sent.
	unexpected: ({ status }) => `Pinterest answered HTTP ${status} without a per-event result for every event; send again (Pinterest deduplicates by event_id)`,
	refused: (context) => {
		const { status, answer } = context;
		const verdicts = eventVerdicts(context);
		if (verdicts) return verdicts;
		if (status === 400) return { outcome: 'failed', code: answer.code, reason: `Pinterest refused the request as invalid (HTTP 400)${answer.said}` };
		return { outcome: 'failed', code: answer.code, reason: `Pinterest answered HTTP ${status}${answer.said}` };
	},
};

export function readPinterestResponse(request: PlatformRequest, response: PlatformResponse, now: Date): EventResult[] {
	return readThroughFrame(pinterestReader, request, response, now);
}
