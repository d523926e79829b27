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
import {
	type ResponseContext,
	type ResponseReader,
	type Verdict,
	type Verdicts,
	batchRejected,
	blameEach,
	bodyRows,
	readThroughFrame,
	shorten,
} from '../response-frame';
import type { EventResult, PlatformRequest, PlatformResponse } from '../types';

export const SNAPCHAT_CREDENTIAL_HINT =
	'Check the Snapchat Conversions API credential: the access token must be a Conversions API token generated in Snapchat Ads Manager (Events Manager → the pixel → Conversions API → Generate Token) by the organization that owns this pixel, and not revoked.';

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

interface SnapReading {
	answer?: SnapAnswer;
	/** What Snap said, for a reason (`: …`, or empty). */
	said: string;
}

/** The Validate (Test Event Tool) answer: one log per event; undefined when the answer has no logs. */
function loggedVerdicts({ answer: { answer, said }, status, count }: ResponseContext<SnapReading>): Verdict[] | undefined {
	if (!answer?.eventLogs || answer.eventLogs.length === 0) return undefined;
	const logs = new Map(answer.eventLogs.map((log) => [log.event, log]));
	return Array.from({ length: count }, (_, position): Verdict => {
		const log = logs.get(position);
		if (!log) {
			return isValid(answer.status) && status < 300
				? { outcome: 'sent' }
				: { outcome: 'failed', code: 'snapchat_invalid', reason: `Snapchat's Test Event Tool did not report on this event${said}` };
		}
		if (isValid(log.status) && log.errors.messages.length === 0 && log.errors.codes.length === 0) return { outcome: 'sent' };
		return {
			outcome: 'failed',
			code: codeOf(log.errors, 'snapchat_invalid'),
			reason: `Snapchat's Test Event Tool refused this event: ${describe(log.errors, log.status ?? 'INVALID')}`,
		};
	});
}

/**
 * A refused request: when Snap names the event at fault (`event`, its position in `data`), only that event
 * failed; the others were not processed and go again without it.
 */
function failedRequest(answer: SnapAnswer, said: string, count: number): Verdicts {
	const code = codeOf(answer.errors, 'snapchat_invalid');
	if (answer.event !== undefined && answer.event < count) {
		return blameEach(
			count,
			new Map([[answer.event, true]]),
			() => ({ outcome: 'failed', code, reason: `Snapchat refused this event${said}` }),
			batchRejected('Snapchat refused the request because of another event in it; sending again without it'),
		);
	}
	return { outcome: 'failed', code, reason: `Snapchat refused the request as invalid${said}` };
}

const snapchatReader: ResponseReader<SnapReading> = {
	platformName: 'Snapchat',
	eventIds: (request) => bodyRows(request, ['data']).map((row) => row.event_id),
	answer: ({ body }) => {
		const answer = answerOf(body);
		const said = answer ? describe(answer.errors, answer.reason) : typeof body === 'string' ? body.trim().slice(0, 200) : '';
		return { answer, said: said ? `: ${said}` : '' };
	},
	// The frame has already put '[access token]' where Snap's words quoted the token.
	scrub: (reason) => shorten(reason),
	retry: ({ status, httpCode, answer: { said } }) => ({
		code: httpCode,
		reason: `${status === 429 ? 'Snapchat is throttling' : 'Snapchat had an internal error'} (HTTP ${status})${said}`,
	}),
	credential: ({ status, httpCode, answer: { said } }) => ({
		code: httpCode,
		reason: `Snapchat refused the access token for this pixel (HTTP ${status})${said}. ${SNAPCHAT_CREDENTIAL_HINT}`,
	}),
	accepted: (context) => {
		const { answer, said } = context.answer;
		const logged = loggedVerdicts(context);
		if (logged) return logged;
		if (answer && isValid(answer.status)) return { outcome: 'sent' };
		if (answer?.status === 'INVALID' || answer?.status === 'FAILURE') return failedRequest(answer, said, context.count);
		return undefined;
	},
	// Not Snap's envelope (a proxy page?): whether Snap took the events is unknown. Sending them again is safe,
	// since Snap deduplicates by event_id, so they are reported failed, not sent.
	unexpected: ({ status }) => `Snapchat answered HTTP ${status} without its { status } envelope; send again (Snapchat deduplicates by event_id)`,
	refused: (context) => {
		const { status, httpCode, count } = context;
		const { answer, said } = context.answer;
		if (status === 404) {
			return {
				outcome: 'failed',
				code: 'http_404',
				reason: `Snapchat knows no such pixel or endpoint (HTTP 404)${said}. Check the Pixel ID (Events Manager) and the credential's Base URL.`,
			};
		}
		const logged = loggedVerdicts(context);
		if (logged) return logged;
		if (status === 400 && answer) return failedRequest(answer, said, count);
		return { outcome: 'failed', code: httpCode, reason: `Snapchat refused the request (HTTP ${status})${said}` };
	},
};

export function readSnapchatResponse(request: PlatformRequest, response: PlatformResponse, now: Date): EventResult[] {
	return readThroughFrame(snapchatReader, request, response, now);
}
