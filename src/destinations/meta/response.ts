/**
 * Meta's answer → one result per event the request carried. Meta accepts or refuses a request as a
 * whole: a 200 means every event was received; an error means none was, so every event shares it.
 */
import { type ResponseContext, type ResponseReader, bodyRows, readThroughFrame } from '../response-frame';
import type { EventResult, PlatformRequest, PlatformResponse } from '../types';
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

interface MetaAnswer {
	error?: MetaGraphError;
	code?: number;
	subcode?: number;
	/** The error in words, with its codes, redacted. */
	detail: string;
	/** The result code: the subcode, else the code, else `http_<status>`. */
	resultCode: string;
}

const throttled = ({ status, answer: { code } }: ResponseContext<MetaAnswer>) => status === 429 || (code !== undefined && META_THROTTLING_CODES.has(code));
const tokenRefused = ({ status, answer: { code } }: ResponseContext<MetaAnswer>) => (code !== undefined && META_AUTH_CODES.has(code)) || status === 401;
const pixelRefused = ({ status, answer: { code } }: ResponseContext<MetaAnswer>) => (code !== undefined && META_PERMISSION_CODES.has(code)) || status === 403;

/** Meta refuses the whole request or none of it: every verdict is for every event. */
const metaReader: ResponseReader<MetaAnswer> = {
	platformName: 'Meta',
	eventIds: (request) => bodyRows(request, ['data']).map((row) => row.event_id),
	answer({ status, body }, request) {
		const error = graphError(body);
		const code = typeof error?.code === 'number' ? error.code : undefined;
		const subcode = typeof error?.error_subcode === 'number' ? error.error_subcode : undefined;
		return { error, code, subcode, detail: describe(error, request), resultCode: String(subcode ?? code ?? `http_${status}`) };
	},
	transient: (context) => {
		const { status, answer } = context;
		return throttled(context) || status === 408 || (answer.code !== undefined && META_TRANSIENT_CODES.has(answer.code)) || answer.error?.is_transient === true;
	},
	retry: (context) => {
		const { status, answer } = context;
		const said = answer.detail ? `: ${answer.detail}` : '';
		const reason = throttled(context) ? `Meta is throttling requests${said}` : `Temporary error at Meta (HTTP ${status})${said}`;
		return { code: answer.resultCode, reason };
	},
	refusesCredential: (context) => tokenRefused(context) || pixelRefused(context),
	credential: (context) => {
		const { resultCode, detail } = context.answer;
		const said = detail ? ` (${detail})` : '';
		return tokenRefused(context)
			? {
					code: resultCode,
					reason: `Meta refused the access token${said}. Fix the Meta Conversions API credential: generate a new token in Events Manager (Settings → Conversions API) and paste it into the credential.`,
				}
			: {
					code: resultCode,
					reason: `The access token may not send events to this pixel${said}. Check the Pixel ID in the node and that the token was generated for this pixel (dataset).`,
				};
	},
	accepted: (context) => {
		const { answer, response } = context;
		if (answer.error) return metaReader.refused(context);
		const received = response.body && typeof response.body === 'object' ? (response.body as { events_received?: unknown }).events_received : undefined;
		return typeof received === 'number' ? { outcome: 'sent' } : undefined;
	},
	unexpected: ({ status }) => `Meta answered HTTP ${status} without events_received; the events may not have arrived. Check the Base URL in the credential.`,
	refused: ({ answer, status, count, response, request }) => {
		const { resultCode: code, detail, subcode, error } = answer;
		if (subcode === META_SUBCODE_EVENT_TOO_OLD) {
			return {
				outcome: 'failed',
				code,
				reason: `Meta refused the whole batch of ${count} events because at least one is older than 7 days by Meta's clock (${detail}). The others were not refused for their own data: send them again.`,
			};
		}
		if (error) return { outcome: 'failed', code, reason: `Meta refused the whole batch of ${count} events: ${detail}` };
		const text = typeof response.body === 'string' ? redact(response.body, request).slice(0, 200) : '';
		return { outcome: 'failed', code, reason: `Meta answered HTTP ${status}${text ? `: ${text}` : ''}` };
	},
};

export function readMetaResponse(request: PlatformRequest, response: PlatformResponse, now: Date): EventResult[] {
	return readThroughFrame(metaReader, request, response, now);
}
