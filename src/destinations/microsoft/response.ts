/**
 * Microsoft's answer → one result per event the request carried. From the Conversions API guide: HTTP 200 on
 * success; 401 `{ error: { code: 'Unauthorized', message } }` for a missing or wrong token; 400
 * `{ error: { code: 'ValidationError', message, details: [ { index, propertyName, errorMessage } ] } }` for
 * invalid events — and then NO event of the request was processed (continueOnValidationError false). 429 and
 * 5xx are transient (the guide names none; they are what any HTTP service answers when throttling or down).
 */
import { type ResponseReader, batchRejected, blameEach, bodyRows, readThroughFrame, shorten } from '../response-frame';
import type { EventResult, PlatformRequest, PlatformResponse } from '../types';

export const MICROSOFT_CREDENTIAL_HINT =
	'Check the Microsoft Ads Conversions API credential: the token must be the Conversions API token of this UET tag (Microsoft Advertising → Tools → UET tag → Use Conversions API), sent unchanged, and the UET Tag ID must be the tag it was issued for.';

interface MicrosoftError {
	code?: string;
	message?: string;
	details: Array<{
		index?: number;
		propertyName?: string;
		errorMessage?: string;
	}>;
}

function errorOf(body: unknown): MicrosoftError | undefined {
	if (typeof body !== 'object' || body === null) return undefined;
	const error = (body as { error?: unknown }).error;
	if (typeof error !== 'object' || error === null) return undefined;
	const record = error as Record<string, unknown>;
	const details = Array.isArray(record.details)
		? record.details
				.filter((detail): detail is Record<string, unknown> => typeof detail === 'object' && detail !== null)
				.map((detail) => ({
					index: typeof detail.index === 'number' ? detail.index : undefined,
					propertyName: typeof detail.propertyName === 'string' ? detail.propertyName : undefined,
					errorMessage: typeof detail.errorMessage === 'string' ? detail.errorMessage : undefined,
				}))
		: [];
	return {
		code: typeof record.code === 'string' ? record.code : undefined,
		message: typeof record.message === 'string' ? record.message : undefined,
		details,
	};
}

/** The position in `data` a detail blames: its `index`, else the `data[<n>]` of its property name. */
function positionOf(detail: MicrosoftError['details'][number]): number | undefined {
	if (detail.index !== undefined && Number.isInteger(detail.index) && detail.index >= 0) return detail.index;
	const match = /^data\[(\d+)\]/.exec(detail.propertyName ?? '');
	return match ? Number(match[1]) : undefined;
}

/** What a detail says, by field path and message (Microsoft's messages name the field, never its value). */
function describe(detail: MicrosoftError['details'][number]): string {
	const path = detail.propertyName?.replace(/^data\[\d+\]\.?/, '') || 'event';
	return `${path}: ${detail.errorMessage ?? 'invalid'}`;
}

interface MicrosoftAnswer {
	error?: MicrosoftError;
	said: string;
	/** Microsoft's error code as `microsoft_<code>`, else `http_<status>`. */
	code: string;
}

const microsoftReader: ResponseReader<MicrosoftAnswer> = {
	platformName: 'Microsoft',
	eventIds: (request) => bodyRows(request, ['data']).map((row) => row.eventId),
	answer: ({ status, body }) => {
		const error = errorOf(body);
		return { error, said: error?.message ? `: ${shorten(error.message)}` : '', code: error?.code ? `microsoft_${error.code}` : `http_${status}` };
	},
	accepted: () => ({ outcome: 'sent' }),
	retry: ({ status, answer: { code, said } }) => ({
		code,
		reason: `Microsoft ${status === 429 ? 'is throttling' : 'had an internal error'} (HTTP ${status})${said}`,
	}),
	credential: ({ status, answer: { code, said } }) => ({ code, reason: `Microsoft refused the token (HTTP ${status})${said}. ${MICROSOFT_CREDENTIAL_HINT}` }),
	refused: ({ status, answer: { error, code, said }, count }) => {
		if (status === 404) {
			return {
				outcome: 'failed',
				code,
				reason: `Microsoft found no such UET tag or endpoint (HTTP 404)${said}. Check the UET Tag ID and the credential's Base URL.`,
			};
		}
		if (status === 400 && error) {
			const blamed = new Map<number, string[]>();
			for (const detail of error.details) {
				const position = positionOf(detail);
				if (position === undefined || position >= count) continue;
				blamed.set(position, [...(blamed.get(position) ?? []), describe(detail)]);
			}
			if (blamed.size > 0) {
				// The whole request was refused: the events at fault failed, the others were not processed and go again.
				return blameEach(
					count,
					blamed,
					(parts) => ({ outcome: 'failed', code, reason: `Microsoft refused this event: ${shorten(parts.join('; '))}` }),
					batchRejected('Microsoft refused the request because of other events in it; sending again without them'),
				);
			}
			const listed = error.details.length > 0 ? ` (${shorten(error.details.map(describe).join('; '))})` : '';
			return { outcome: 'failed', code, reason: `Microsoft refused the request as invalid${said}${listed}` };
		}
		return { outcome: 'failed', code, reason: `Microsoft answered HTTP ${status}${said}` };
	},
};

export function readMicrosoftResponse(request: PlatformRequest, response: PlatformResponse, now: Date): EventResult[] {
	return readThroughFrame(microsoftReader, request, response, now);
}
