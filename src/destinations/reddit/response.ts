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
import { parseRetryAfter } from '../../http/retry';
import type { EventResult, PlatformRequest, PlatformResponse } from '../types';

export const REDDIT_CREDENTIAL_HINT =
	'Check the Reddit Conversions API credential: it must hold a conversion access token from Reddit Events Manager (Conversions API → Generate Access Token), pasted unchanged and not deleted.';
export const REDDIT_PIXEL_HINT =
	'The token must belong to the business that owns this Pixel ID (Events Manager shows it), and a developer token needs the adsconversions scope.';

const MAX_REASON = 400;
const shorten = (message: string) => (message.length > MAX_REASON ? `${message.slice(0, MAX_REASON - 1)}…` : message);

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

function eventIdsOf(request: PlatformRequest): Array<string | undefined> {
	const events =
		(
			request.body as {
				data?: { events?: Array<{ metadata?: { conversion_id?: unknown } }> };
			}
		).data?.events ?? [];
	return request.itemIndexes.map((_, position) => {
		const id = events[position]?.metadata?.conversion_id;
		return typeof id === 'string' ? id : undefined;
	});
}

export function readRedditResponse(request: PlatformRequest, response: PlatformResponse, now: Date): EventResult[] {
	const eventIds = eventIdsOf(request);
	const all = (result: Omit<EventResult, 'index' | 'eventId'>): EventResult[] =>
		request.itemIndexes.map((index, position) => ({
			index,
			eventId: eventIds[position],
			...result,
		}));
	const status = response.status;
	const error = errorOf(response.body);
	const said = error?.message ? `: ${shorten(error.message)}` : '';
	const code = `http_${status}`;

	if (status >= 200 && status < 300) {
		const data = (response.body as { data?: { message?: unknown } } | null | undefined)?.data;
		if (typeof data === 'object' && data !== null && !error) return all({ outcome: 'sent' });
		// Not Reddit's answer (a proxy page?): whether Reddit took them is unknown. Sending again is safe, since
		// Reddit drops repeats of the same conversion_id.
		return all({
			outcome: 'failed',
			code: 'unexpected_response',
			reason: `Reddit answered HTTP ${status} without its { data } envelope; send again (Reddit deduplicates by conversion_id)`,
		});
	}
	if (status === 429 || status >= 500) {
		const retryAfterMs = parseRetryAfter(response.headers['retry-after'] ?? response.headers['Retry-After'], now);
		const what = status === 429 ? 'is rate limiting' : `had a server error (HTTP ${status})`;
		return all({
			outcome: 'retry',
			code,
			reason: `Reddit ${what}${said}`,
			...(retryAfterMs !== undefined && { retryAfterMs }),
		});
	}
	if (status === 401)
		return all({
			outcome: 'failed',
			code,
			reason: `Reddit refused the access token (HTTP 401)${said}. ${REDDIT_CREDENTIAL_HINT}`,
		});
	if (status === 403)
		return all({
			outcome: 'failed',
			code,
			reason: `Reddit refused to take conversions for this pixel with this token (HTTP 403)${said}. ${REDDIT_PIXEL_HINT}`,
		});

	if (status === 400 && error) {
		const blamed = blamedEvents(error.fields);
		const known = [...blamed.keys()].filter((position) => position < request.itemIndexes.length);
		if (known.length > 0) {
			return request.itemIndexes.map((index, position) => {
				const parts = blamed.get(position);
				return parts
					? {
							index,
							eventId: eventIds[position],
							outcome: 'failed' as const,
							code: 'invalid_event',
							reason: `Reddit refused this event: ${shorten(parts.join('; '))}`,
						}
					: {
							index,
							eventId: eventIds[position],
							outcome: 'retry' as const,
							code: 'batch_rejected',
							reason: 'Reddit refused the request because of other events in it; sending again without them',
						};
			});
		}
		const detail = error.fields.map((entry) => `${entry.field}: ${entry.message}`).join('; ');
		return all({
			outcome: 'failed',
			code,
			reason: `Reddit refused the request as invalid${said}${detail ? ` (${shorten(detail)})` : ''}`,
		});
	}
	return all({
		outcome: 'failed',
		code,
		reason: `Reddit answered HTTP ${status}${said}`,
	});
}
