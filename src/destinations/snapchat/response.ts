/**
 * Snapchat's answer → one result per event the request carried.
 *
 * Shapes (Snap's Business SDK v3 OpenAPI description: EventResponse, ValidateResponse; "Verify Set Up"):
 * - /events: `{ status: 'VALID' | 'INVALID', reason?, event?, errors?: { codes: [], error_msgs: [] } }`;
 *   `event` (the position in `data` of the event at fault) is only present in error answers. An invalid
 *   event refuses the request with HTTP 400 and status INVALID;
 * - /events/validate: `{ status, test_event, reason?, event_logs: [ { event, status, errors?, warnings? } ] }`,
 *   one log per event.
 * Snap does not publish its authentication and throttling bodies: any 401/403 is read as a credential
 * problem, 429 and 5xx as transient, whatever the body.
 */
import { parseRetryAfter } from '../../http/retry';
import type { EventResult, PlatformRequest, PlatformResponse } from '../types';

export const SNAPCHAT_CREDENTIAL_HINT =
	'Check the Snapchat Conversions API credential: the access token must be a Conversions API token generated in Snapchat Ads Manager (Events Manager → the pixel → Conversions API → Generate Token) by the organization that owns this pixel, and not revoked.';

const MAX_REASON = 400;

interface ErrorDetails {
	codes: string[];
	messages: string[];
}

interface EventLog {
	event: number;
	status?: string;
	errors: ErrorDetails;
}

interface SnapAnswer {
	status?: string;
	reason?: string;
	event?: number;
	errors: ErrorDetails;
	eventLogs?: EventLog[];
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((entry): entry is string => typeof entry === 'string' && entry !== '') : []);
const integer = (value: unknown): number | undefined =>
	typeof value === 'number' && Number.isInteger(value) ? value : typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : undefined;

function errorsOf(value: unknown): ErrorDetails {
	if (!isObject(value)) return { codes: [], messages: [] };
	return { codes: strings(value.codes), messages: strings(value.error_msgs) };
}

function answerOf(body: unknown): SnapAnswer | undefined {
	if (!isObject(body)) return undefined;
	if (typeof body.status !== 'string' && !Array.isArray(body.event_logs) && typeof body.reason !== 'string') return undefined;
	const logs = Array.isArray(body.event_logs)
		? body.event_logs.flatMap((log): EventLog[] => {
				if (!isObject(log)) return [];
				const event = integer(log.event);
				return event === undefined
					? []
					: [
							{
								event,
								status: typeof log.status === 'string' ? log.status : undefined,
								errors: errorsOf(log.errors),
							},
						];
			})
		: undefined;
	return {
		status: typeof body.status === 'string' ? body.status : undefined,
		reason: typeof body.reason === 'string' && body.reason.trim() !== '' ? body.reason.trim() : undefined,
		event: integer(body.event),
		errors: errorsOf(body.errors),
		eventLogs: logs,
	};
}

function tokenOf(request: PlatformRequest): string | undefined {
	try {
		return new URL(request.url).searchParams.get('access_token') ?? undefined;
	} catch {
		return undefined;
	}
}

/** An operator-facing text: the token never appears, long texts are cut. */
function safe(message: string, token: string | undefined): string {
	const scrubbed = token ? message.split(token).join('[access token]') : message;
	return scrubbed.length > MAX_REASON ? `${scrubbed.slice(0, MAX_REASON - 1)}…` : scrubbed;
}

function describe(errors: ErrorDetails, fallback?: string): string {
	const parts = errors.messages.map((message, i) => (errors.codes[i] ? `${errors.codes[i]}: ${message}` : message));
	if (parts.length === 0 && errors.codes.length > 0) parts.push(...errors.codes);
	if (parts.length === 0 && fallback) parts.push(fallback);
	return parts.join('; ');
}

function codeOf(errors: ErrorDetails, fallback: string): string {
	return errors.codes[0] ? `snapchat_${errors.codes[0]}` : fallback;
}

const isValid = (status: string | undefined) => status === 'VALID' || status === 'SUCCESS';

export function readSnapchatResponse(request: PlatformRequest, response: PlatformResponse, now: Date): EventResult[] {
	const token = tokenOf(request);
	const data = (request.body as { data?: Array<{ event_id?: unknown }> }).data ?? [];
	const eventIds = request.itemIndexes.map((_, position) => {
		const id = data[position]?.event_id;
		return typeof id === 'string' ? id : undefined;
	});
	const result = (position: number, outcome: Omit<EventResult, 'index' | 'eventId'>): EventResult => ({
		index: request.itemIndexes[position],
		eventId: eventIds[position],
		...outcome,
		...(outcome.reason !== undefined ? { reason: safe(outcome.reason, token) } : {}),
	});
	const all = (outcome: Omit<EventResult, 'index' | 'eventId'>) => request.itemIndexes.map((_, position) => result(position, outcome));
	const answer = answerOf(response.body);
	const said = answer ? describe(answer.errors, answer.reason) : typeof response.body === 'string' ? response.body.trim().slice(0, 200) : '';
	const saidText = said ? `: ${said}` : '';
	const retryAfterMs = parseRetryAfter(response.headers['retry-after'] ?? response.headers['Retry-After'], now);

	if (response.status === 429 || response.status >= 500) {
		const what = response.status === 429 ? 'Snapchat is throttling' : 'Snapchat had an internal error';
		return all({
			outcome: 'retry',
			code: `http_${response.status}`,
			reason: `${what} (HTTP ${response.status})${saidText}`,
			...(retryAfterMs !== undefined && { retryAfterMs }),
		});
	}
	if (response.status === 401 || response.status === 403) {
		return all({
			outcome: 'failed',
			code: `http_${response.status}`,
			reason: `Snapchat refused the access token for this pixel (HTTP ${response.status})${saidText}. ${SNAPCHAT_CREDENTIAL_HINT}`,
		});
	}
	if (response.status === 404) {
		return all({
			outcome: 'failed',
			code: 'http_404',
			reason: `Snapchat knows no such pixel or endpoint (HTTP 404)${saidText}. Check the Pixel ID (Events Manager) and the credential's Base URL.`,
		});
	}

	// Validate (Test Event Tool) answers: one log per event.
	if (answer?.eventLogs && answer.eventLogs.length > 0) {
		const logs = new Map(answer.eventLogs.map((log) => [log.event, log]));
		return request.itemIndexes.map((_, position) => {
			const log = logs.get(position);
			if (!log) {
				return isValid(answer.status) && response.status < 300
					? result(position, { outcome: 'sent' })
					: result(position, {
							outcome: 'failed',
							code: 'snapchat_invalid',
							reason: `Snapchat's Test Event Tool did not report on this event${saidText}`,
						});
			}
			if (isValid(log.status) && log.errors.messages.length === 0 && log.errors.codes.length === 0) return result(position, { outcome: 'sent' });
			return result(position, {
				outcome: 'failed',
				code: codeOf(log.errors, 'snapchat_invalid'),
				reason: `Snapchat's Test Event Tool refused this event: ${describe(log.errors, log.status ?? 'INVALID')}`,
			});
		});
	}

	if (response.status >= 200 && response.status < 300) {
		if (answer && isValid(answer.status)) return all({ outcome: 'sent' });
		if (answer?.status === 'INVALID' || answer?.status === 'FAILURE') {
			return failedRequest(answer, said, result, all, request.itemIndexes.length);
		}
		// Not Snap's envelope (a proxy page?): whether Snap took the events is unknown. Sending them again is safe,
		// since Snap deduplicates by event_id, so they are reported failed, not sent.
		return all({
			outcome: 'failed',
			code: 'unexpected_response',
			reason: `Snapchat answered HTTP ${response.status} without its { status } envelope; send again (Snapchat deduplicates by event_id)`,
		});
	}
	if (response.status === 400 && answer) return failedRequest(answer, said, result, all, request.itemIndexes.length);
	return all({
		outcome: 'failed',
		code: `http_${response.status}`,
		reason: `Snapchat refused the request (HTTP ${response.status})${saidText}`,
	});
}

/**
 * A refused request: when Snap names the event at fault (`event`, its position in `data`), only that event
 * failed; the others were not processed and go again without it.
 */
function failedRequest(
	answer: SnapAnswer,
	said: string,
	result: (position: number, outcome: Omit<EventResult, 'index' | 'eventId'>) => EventResult,
	all: (outcome: Omit<EventResult, 'index' | 'eventId'>) => EventResult[],
	count: number,
): EventResult[] {
	const code = codeOf(answer.errors, 'snapchat_invalid');
	const saidText = said ? `: ${said}` : '';
	if (answer.event !== undefined && answer.event < count) {
		const blamed = answer.event;
		return Array.from({ length: count }, (_, position) =>
			position === blamed
				? result(position, {
						outcome: 'failed',
						code,
						reason: `Snapchat refused this event${saidText}`,
					})
				: result(position, {
						outcome: 'retry',
						code: 'batch_rejected',
						reason: 'Snapchat refused the request because of another event in it; sending again without it',
					}),
		);
	}
	return all({
		outcome: 'failed',
		code,
		reason: `Snapchat refused the request as invalid${saidText}`,
	});
}
