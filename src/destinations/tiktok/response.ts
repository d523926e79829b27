/**
 * TikTok's answer → one result per event the request carried. TikTok answers HTTP 200 even when it refuses:
 * the verdict is the body's `code` (0 ok, 20001 partial success, 4xxxx refused, 5xxxx its own trouble), and a
 * refusal's `message` names the failing events by their position in `data` ("Batch.3.user.email: …").
 */
import { type ResponseReader, batchRejected, blameEach, bodyRows, readThroughFrame, retryVerdict, shorten } from '../response-frame';
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

const said = (answer: TikTokAnswer | undefined) => (answer?.message ? `: ${shorten(answer.message)}` : '');

const tiktokReader: ResponseReader<TikTokAnswer | undefined> = {
	platformName: 'TikTok',
	eventIds: (request) => bodyRows(request, ['data']).map((row) => row.event_id),
	answer: ({ body }) => answerOf(body),
	// HTTP-level failures (TikTok's own refusals come with 200; these come from TikTok's edge or a proxy).
	retry: ({ status, answer, httpCode }) => ({ code: httpCode, reason: `TikTok answered HTTP ${status}${said(answer)}` }),
	credential: ({ status, answer, httpCode }) => ({
		code: httpCode,
		reason: `TikTok refused the access token (HTTP ${status})${said(answer)}. ${TIKTOK_CREDENTIAL_HINT}`,
	}),
	refused: ({ status, answer, httpCode }) => ({ outcome: 'failed', code: httpCode, reason: `TikTok answered HTTP ${status}${said(answer)}` }),
	// Not TikTok's envelope (a proxy page?): whether TikTok took the events is unknown. Sending them again is
	// safe, since TikTok drops repeats of the same event + event_id, so report them as failed, not sent.
	unexpected: ({ status }) => `TikTok answered HTTP ${status} without its { code, message } envelope; send again (TikTok deduplicates by event_id)`,
	accepted: (context) => {
		const { answer, count } = context;
		if (!answer) return undefined;
		const { code } = answer;
		const codeText = `tiktok_${code}`;
		if (code === TIKTOK_OK) return { outcome: 'sent' };
		if (TIKTOK_RATE_LIMIT_CODES.has(code)) return retryVerdict(context, codeText, `TikTok is throttling (${code})${said(answer)}`);
		if (isTikTokServerErrorCode(code)) return retryVerdict(context, codeText, `TikTok had an internal error (${code})${said(answer)}`);

		const blamed = blamedPositions(answer.message);
		const known = [...blamed.keys()].filter((position) => position < count);
		const refusedEvent = (prefix: string) => (parts: string[]) => ({
			outcome: 'failed' as const,
			code: codeText,
			reason: `${prefix}: ${shorten(parts.join('; '))}`,
		});

		if (code === TIKTOK_PARTIAL_SUCCESS) {
			if (known.length === 0) {
				return {
					outcome: 'failed',
					code: codeText,
					reason: `TikTok accepted only some of these events and did not say which${said(answer)}. Sending them again is safe: TikTok drops repeats of the same event + event_id.`,
				};
			}
			return blameEach(count, blamed, refusedEvent('TikTok refused this event'), { outcome: 'sent' });
		}

		// Any other code refuses the whole request. When the message names events, only those are at fault: the
		// others were not processed and go again without them.
		if (known.length > 0) {
			return blameEach(
				count,
				blamed,
				refusedEvent(`TikTok refused this event (${code})`),
				batchRejected(`TikTok refused the request because of other events in it (${code}); sending again without them`),
			);
		}
		if (TIKTOK_AUTH_CODES.has(code)) {
			return {
				outcome: 'failed',
				code: codeText,
				reason: `TikTok refused the credential (${code})${said(answer)}. ${TIKTOK_CREDENTIAL_HINT} The pixel code must belong to the same account as the token.`,
			};
		}
		if (TIKTOK_INVALID_DATA_CODES.has(code))
			return { outcome: 'failed', code: codeText, reason: `TikTok refused the request as invalid (${code})${said(answer)}` };
		return { outcome: 'failed', code: codeText, reason: `TikTok refused the request (${code})${said(answer)}` };
	},
};

export function readTikTokResponse(request: PlatformRequest, response: PlatformResponse, now: Date): EventResult[] {
	return readThroughFrame(tiktokReader, request, response, now);
}
