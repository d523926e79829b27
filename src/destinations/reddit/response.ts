/**
 * Reddit's answer → one result per event the request carried.
 *
 * Reddit Conversions API v3 (its "Error handling" table and observed bodies):
 * - 200 `{ "data": { "message": "Successfully processed N conversion events." } }`: every event accepted;
 * - 400 `{ "error": { "code": 400, "message": "There were N invalid conversion events. None were processed.",
 *   "fields": [ { "field": "$.data.events[3].user.email", "message": "…" } ] } }`: the whole request is refused.
 *   The events the `fields` name are at fault (failed); the others were not processed and go again without
 *   them (retry). Without `fields` (e.g. "Bad Request" for more than 1000 events) every event failed;
 * - 401 "No bearer token provided" / "UNAUTHORIZED": the credential; 403: the token may not post to this pixel
 *   (or lacks the adsconversions scope);
 * - 429 (rate limit) and 5xx ("The service is currently unavailable. No conversion events were processed."):
 *   transient, retried with Retry-After when given.
 */
import { type ResponseReader, batchRejected, blameEach, bodyRows, readThroughFrame, shorten } from '../response-frame';
import type { EventResult, PlatformRequest, PlatformResponse } from '../types';

export const REDDIT_CREDENTIAL_HINT =
	'Check the Reddit Conversions API credential: it must hold a conversion access token from Reddit Events Manager (Conversions API → Generate Access Token), pasted unchanged and not deleted.';
export const REDDIT_PIXEL_HINT =
	'The token must belong to the business that owns this Pixel ID (Events Manager shows it), and a developer token needs the adsconversions scope.';

interface RedditError {
	code?: number;
	message: string;
	fields: Array<{ field: string; message: string }>;
}

function errorOf(body: unknown): RedditError | undefined {
	if (typeof body !== 'object' || body === null) return undefined;
	const error = (body as { error?: unknown }).error;
	if (typeof error === 'string') return { message: error, fields: [] };
	if (typeof error !== 'object' || error === null) return undefined;
	const record = error as Record<string, unknown>;
	const fields = Array.isArray(record.fields)
		? record.fields
				.filter((entry): entry is Record<string, unknown> => typeof entry === 'object' && entry !== null)
				.map((entry) => ({
					field: typeof entry.field === 'string' ? entry.field : '',
					message: typeof entry.message === 'string' ? entry.message : '',
				}))
		: [];
	return {
		code: typeof record.code === 'number' ? record.code : undefined,
		message: typeof record.message === 'string' ? record.message : '',
		fields,
	};
}

/** The positions in `data.events` that the error's field paths blame (`$.data.events[3].user.email`, `data.events.3…`). */
export function blamedEvents(fields: RedditError['fields']): Map<number, string[]> {
	const blamed = new Map<number, string[]>();
	for (const { field, message } of fields) {
		const match = /events(?:\[(\d+)\]|\.(\d+))/.exec(field);
		if (!match) continue;
		const position = Number(match[1] ?? match[2]);
		const path = field.replace(/^\$?\.?data\.events(?:\[\d+\]|\.\d+)\.?/, '') || 'event';
		const parts = blamed.get(position) ?? [];
		parts.push(message ? `${path}: ${message}` : path);
		blamed.set(position, parts);
	}
	return blamed;
}

const said = (error: RedditError | undefined) => (error?.message ? `: ${shorten(error.message)}` : '');

const redditReader: ResponseReader<RedditError | undefined> = {
	platformName: 'Reddit',
	eventIds: (request) => bodyRows(request, ['data', 'events']).map((row) => (row.metadata as { conversion_id?: unknown } | undefined)?.conversion_id),
	answer: ({ body }) => errorOf(body),
	accepted: ({ response, answer }) => {
		const data = (response.body as { data?: { message?: unknown } } | null | undefined)?.data;
		return typeof data === 'object' && data !== null && !answer ? { outcome: 'sent' } : undefined;
	},
	// Not Reddit's answer (a proxy page?): whether Reddit took them is unknown. Sending again is safe, since
	// Reddit drops repeats of the same conversion_id.
	unexpected: ({ status }) => `Reddit answered HTTP ${status} without its { data } envelope; send again (Reddit deduplicates by conversion_id)`,
	retry: ({ status, answer, httpCode }) => ({
		code: httpCode,
		reason: `Reddit ${status === 429 ? 'is rate limiting' : `had a server error (HTTP ${status})`}${said(answer)}`,
	}),
	credential: ({ status, answer, httpCode }) =>
		status === 401
			? { code: httpCode, reason: `Reddit refused the access token (HTTP 401)${said(answer)}. ${REDDIT_CREDENTIAL_HINT}` }
			: { code: httpCode, reason: `Reddit refused to take conversions for this pixel with this token (HTTP 403)${said(answer)}. ${REDDIT_PIXEL_HINT}` },
	refused: ({ status, answer: error, httpCode: code, count }) => {
		if (status === 400 && error) {
			const blamed = blamedEvents(error.fields);
			const known = [...blamed.keys()].filter((position) => position < count);
			if (known.length > 0) {
				return blameEach(
					count,
					blamed,
					(parts) => ({ outcome: 'failed', code: 'invalid_event', reason: `Reddit refused this event: ${shorten(parts.join('; '))}` }),
					batchRejected('Reddit refused the request because of other events in it; sending again without them'),
				);
			}
			const detail = error.fields.map((entry) => `${entry.field}: ${entry.message}`).join('; ');
			return { outcome: 'failed', code, reason: `Reddit refused the request as invalid${said(error)}${detail ? ` (${shorten(detail)})` : ''}` };
		}
		return { outcome: 'failed', code, reason: `Reddit answered HTTP ${status}${said(error)}` };
	},
};

export function readRedditResponse(request: PlatformRequest, response: PlatformResponse, now: Date): EventResult[] {
	return readThroughFrame(redditReader, request, response, now);
}
