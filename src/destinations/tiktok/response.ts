/**
 * TikTok's answer → one result per event the request carried. TikTok answers HTTP 200 even when it refuses:
 * the verdict is the body's `code` (0 ok, 20001 partial success, 4xxxx refused, 5xxxx its own trouble), and a
 * refusal's `message` names the failing events by their position in `data` ("Batch.3.user.email: …").
 */
import { parseRetryAfter } from '../../http/retry';
import type { EventResult, PlatformRequest, PlatformResponse } from '../types';
import {
	TIKTOK_AUTH_CODES,
	TIKTOK_CREDENTIAL_HINT,
	TIKTOK_INVALID_DATA_CODES,
	TIKTOK_OK,
	TIKTOK_PARTIAL_SUCCESS,
	TIKTOK_RATE_LIMIT_CODES,
	isTikTokServerErrorCode,
} from './codes';

interface TikTokAnswer {
	code: number;
	message: string;
	requestId?: string;
}

const MAX_REASON = 400;

function shorten(message: string): string {
	return message.length > MAX_REASON ? `${message.slice(0, MAX_REASON - 1)}…` : message;
}

function answerOf(body: unknown): TikTokAnswer | undefined {
	if (typeof body !== 'object' || body === null) return undefined;
	const record = body as Record<string, unknown>;
	const code = typeof record.code === 'number' ? record.code : typeof record.code === 'string' && /^\d+$/.test(record.code) ? Number(record.code) : undefined;
	if (code === undefined) return undefined;
	return {
		code,
		message: typeof record.message === 'string' ? record.message : '',
		requestId: typeof record.request_id === 'string' ? record.request_id : undefined,
	};
}

/**
 * The body positions a TikTok message blames, each with the parts of the message about it. TikTok writes
 * paths as `Batch.<n>.<field>` (also seen: `data.<n>` and `data[<n>]`); several problems are separated by
 * `;` or new lines.
 */
export function blamedPositions(message: string): Map<number, string[]> {
	const blamed = new Map<number, string[]>();
	for (const part of message.split(/[;\n]+/)) {
		const trimmed = part.trim();
		if (!trimmed) continue;
		for (const match of trimmed.matchAll(/\b(?:batch|data)(?:\.|\[)(\d+)\]?/gi)) {
			const position = Number(match[1]);
			const parts = blamed.get(position) ?? [];
			if (!parts.includes(trimmed)) parts.push(trimmed);
			blamed.set(position, parts);
		}
	}
	return blamed;
}

function eventIdsOf(request: PlatformRequest): Array<string | undefined> {
	const data = (request.body as { data?: Array<{ event_id?: unknown }> }).data ?? [];
	return request.itemIndexes.map((_, position) => {
		const id = data[position]?.event_id;
		return typeof id === 'string' ? id : undefined;
	});
}

export function readTikTokResponse(request: PlatformRequest, response: PlatformResponse, now: Date): EventResult[] {
	const eventIds = eventIdsOf(request);
	const all = (result: Omit<EventResult, 'index' | 'eventId'>): EventResult[] =>
		request.itemIndexes.map((index, position) => ({ index, eventId: eventIds[position], ...result }));
	const retryAfterMs = parseRetryAfter(response.headers['retry-after'] ?? response.headers['Retry-After'], now);
	const answer = answerOf(response.body);
	const said = answer?.message ? `: ${shorten(answer.message)}` : '';

	// HTTP-level failures first (TikTok's own refusals come with 200; these come from TikTok's edge or a proxy).
	if (response.status === 429 || response.status >= 500) {
		return all({
			outcome: 'retry',
			code: `http_${response.status}`,
			reason: `TikTok answered HTTP ${response.status}${said}`,
			...(retryAfterMs !== undefined && { retryAfterMs }),
		});
	}
	if (response.status === 401 || response.status === 403) {
		return all({
			outcome: 'failed',
			code: `http_${response.status}`,
			reason: `TikTok refused the access token (HTTP ${response.status})${said}. ${TIKTOK_CREDENTIAL_HINT}`,
		});
	}
	if (response.status < 200 || response.status >= 300) {
		return all({ outcome: 'failed', code: `http_${response.status}`, reason: `TikTok answered HTTP ${response.status}${said}` });
	}
	if (!answer) {
		// Not TikTok's envelope (a proxy page?): whether TikTok took the events is unknown. Sending them again is
		// safe, since TikTok drops repeats of the same event + event_id, so report them as failed, not sent.
		return all({
			outcome: 'failed',
			code: 'unexpected_response',
			reason: `TikTok answered HTTP ${response.status} without its { code, message } envelope; send again (TikTok deduplicates by event_id)`,
		});
	}

	const { code } = answer;
	const codeText = `tiktok_${code}`;
	if (code === TIKTOK_OK) return all({ outcome: 'sent' });

	if (TIKTOK_RATE_LIMIT_CODES.has(code)) {
		return all({ outcome: 'retry', code: codeText, reason: `TikTok is throttling (${code})${said}`, ...(retryAfterMs !== undefined && { retryAfterMs }) });
	}
	if (isTikTokServerErrorCode(code)) {
		return all({
			outcome: 'retry',
			code: codeText,
			reason: `TikTok had an internal error (${code})${said}`,
			...(retryAfterMs !== undefined && { retryAfterMs }),
		});
	}

	const blamed = blamedPositions(answer.message);
	const known = [...blamed.keys()].filter((position) => position < request.itemIndexes.length);

	if (code === TIKTOK_PARTIAL_SUCCESS) {
		if (known.length === 0) {
			return all({
				outcome: 'failed',
				code: codeText,
				reason: `TikTok accepted only some of these events and did not say which${said}. Sending them again is safe: TikTok drops repeats of the same event + event_id.`,
			});
		}
		return request.itemIndexes.map((index, position) => {
			const parts = blamed.get(position);
			return parts
				? { index, eventId: eventIds[position], outcome: 'failed' as const, code: codeText, reason: `TikTok refused this event: ${shorten(parts.join('; '))}` }
				: { index, eventId: eventIds[position], outcome: 'sent' as const };
		});
	}

	// Any other code refuses the whole request. When the message names events, only those are at fault: the
	// others were not processed and go again without them.
	if (known.length > 0) {
		return request.itemIndexes.map((index, position) => {
			const parts = blamed.get(position);
			return parts
				? {
						index,
						eventId: eventIds[position],
						outcome: 'failed' as const,
						code: codeText,
						reason: `TikTok refused this event (${code}): ${shorten(parts.join('; '))}`,
					}
				: {
						index,
						eventId: eventIds[position],
						outcome: 'retry' as const,
						code: 'batch_rejected',
						reason: `TikTok refused the request because of other events in it (${code}); sending again without them`,
					};
		});
	}
	if (TIKTOK_AUTH_CODES.has(code)) {
		return all({
			outcome: 'failed',
			code: codeText,
			reason: `TikTok refused the credential (${code})${said}. ${TIKTOK_CREDENTIAL_HINT} The pixel code must belong to the same account as the token.`,
		});
	}
	if (TIKTOK_INVALID_DATA_CODES.has(code)) {
		return all({ outcome: 'failed', code: codeText, reason: `TikTok refused the request as invalid (${code})${said}` });
	}
	return all({ outcome: 'failed', code: codeText, reason: `TikTok refused the request (${code})${said}` });
}
