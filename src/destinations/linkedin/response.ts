/**
 * LinkedIn's answer → one result per event the request carried.
 *
 * - BATCH_CREATE answers `{ elements: [{ status: 201 }, { status: 4xx, error: { message, status, … } }, …] }`, one
 *   element per event in request order: each event has its own status (LinkedIn's Postman collection, "Stream
 *   multiple conversion events to the conversion rule"; github.com/linkedin-developers/linkedin-api-python-client,
 *   restli/response_formatter.py). A 2xx element is sent; a 429 or 5xx element is retried; any other is failed.
 * - Errors are `{ status, serviceErrorCode, code?, message }`
 *   (https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/error-handling). 401: the token
 *   (missing, expired — LinkedIn tokens last 60 days — or revoked); 403: the member lacks rw_conversions or a
 *   role on the rule's ad account; 429: the 600-a-minute or daily limit; 5xx: LinkedIn's side.
 * - 400/422 for the whole request: Rest.li's data validation names each bad field as
 *   `ERROR :: /elements/<n>/<field> :: <why>` in `message` (one line per problem); newer answers may also list
 *   `errorDetails.inputErrors[].input.inputPath.fieldPath`. The events named failed; the others were not
 *   processed and go again without them. Without a position every event failed. (Both forms are Rest.li's and
 *   LinkedIn's validation answers as integrators meet them, not in the documentation read: the reader only uses
 *   them to blame fewer events, and fails every event when neither is there.)
 * - 426: the `LinkedIn-Version` is not (or no longer) active: the setting must change (observed answer shape
 *   `{ status: 426, code: 'NONEXISTENT_VERSION', message: 'Requested version … is not active' }` as integrators
 *   report it; not confirmed in the documentation read).
 */
import { type ResponseReader, type Verdict, batchRejected, blameEach, bodyRows, readThroughFrame, shorten } from '../response-frame';
import type { EventResult, PlatformRequest, PlatformResponse } from '../types';

export const LINKEDIN_CREDENTIAL_HINT =
	'Check the LinkedIn Conversions API credential: connect it again (LinkedIn access tokens expire after 60 days) with the rw_conversions scope.';
export const LINKEDIN_PERMISSION_HINT =
	"The member who connected the credential needs the rw_conversions scope and a role on the conversion rule's ad account (Account Manager, Campaign Manager, Creative Manager or Billing Admin).";

interface LinkedInError {
	status?: number;
	serviceErrorCode?: number;
	code?: string;
	message: string;
	/** Field paths the error names (from the message's `ERROR :: /path ::` lines and errorDetails). */
	paths: Array<{ path: string; why: string }>;
}

const VALIDATION_LINE = /ERROR :: (\/\S*) :: ([^\n]*)/g;

function errorOf(value: unknown): LinkedInError | undefined {
	if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
	const record = value as Record<string, unknown>;
	if (typeof record.message !== 'string' && typeof record.status !== 'number' && typeof record.serviceErrorCode !== 'number') return undefined;
	const message = typeof record.message === 'string' ? record.message : '';
	const paths = [...message.matchAll(VALIDATION_LINE)].map((match) => ({ path: match[1], why: match[2].trim() }));
	const details = (record.errorDetails as { inputErrors?: unknown } | undefined)?.inputErrors;
	if (Array.isArray(details)) {
		for (const entry of details) {
			if (typeof entry !== 'object' || entry === null) continue;
			const detail = entry as { description?: unknown; code?: unknown; input?: { inputPath?: { fieldPath?: unknown } } };
			const path = detail.input?.inputPath?.fieldPath;
			if (typeof path !== 'string') continue;
			paths.push({ path, why: typeof detail.description === 'string' ? detail.description : typeof detail.code === 'string' ? detail.code : 'invalid' });
		}
	}
	return {
		status: typeof record.status === 'number' ? record.status : undefined,
		serviceErrorCode: typeof record.serviceErrorCode === 'number' ? record.serviceErrorCode : undefined,
		code: typeof record.code === 'string' ? record.code : undefined,
		message,
		paths,
	};
}

/** The event position a field path names (`/elements/3/conversionHappenedAt`, `elements[3].user`). */
export function elementPosition(path: string): number | undefined {
	const match = /^\/?elements(?:\/(\d+)|\[(\d+)\])/.exec(path);
	return match ? Number(match[1] ?? match[2]) : undefined;
}

const said = (error: LinkedInError | undefined) => (error?.message ? `: ${shorten(error.message.replace(/\s+/g, ' ').trim())}` : '');

/** `linkedin_<code>` when LinkedIn gave a code, else `http_<status>`. */
const codeOf = (error: LinkedInError | undefined, status: number) => (error?.code ? `linkedin_${error.code}` : `http_${status}`);

interface LinkedInAnswer {
	error?: LinkedInError;
	/** The per-event elements of a BATCH_CREATE answer, when the body has them. */
	elements?: unknown[];
}

/** One element of a BATCH_CREATE answer as a verdict. */
function elementVerdict(element: unknown): Verdict {
	const record = typeof element === 'object' && element !== null ? (element as { status?: unknown; error?: unknown }) : {};
	const status = typeof record.status === 'number' ? record.status : undefined;
	const error = errorOf(record.error);
	if (status !== undefined && status >= 200 && status < 300) return { outcome: 'sent' };
	if (status === undefined) return { outcome: 'failed', code: 'unexpected_response', reason: 'LinkedIn answered without a status for this event' };
	const code = codeOf(error, status);
	if (status === 429 || status >= 500) return { outcome: 'retry', code, reason: `LinkedIn could not take this event now (HTTP ${status})${said(error)}` };
	return { outcome: 'failed', code, reason: `LinkedIn refused this event (HTTP ${status})${said(error)}` };
}

const linkedinReader: ResponseReader<LinkedInAnswer> = {
	platformName: 'LinkedIn',
	eventIds: (request) => bodyRows(request, ['elements']).map((row) => row.eventId),
	answer: ({ body }) => {
		const elements = typeof body === 'object' && body !== null ? (body as { elements?: unknown }).elements : undefined;
		return { error: errorOf(body), ...(Array.isArray(elements) ? { elements } : {}) };
	},
	accepted: ({ answer, count }) => (answer.elements && answer.elements.length === count ? answer.elements.map(elementVerdict) : undefined),
	// Not LinkedIn's answer (a proxy page, the wrong Base URL): whether it took the events is unknown.
	unexpected: ({ status }) => `LinkedIn answered HTTP ${status} without a status for each event; check the Base URL, then send again`,
	retry: ({ status, answer: { error } }) => ({
		code: codeOf(error, status),
		reason: `LinkedIn ${status === 429 ? 'is throttling (600 requests a minute per token, and a daily limit)' : `had a server error (HTTP ${status})`}${said(error)}`,
	}),
	credential: ({ status, answer: { error } }) =>
		status === 401
			? { code: codeOf(error, status), reason: `LinkedIn refused the access token (HTTP 401)${said(error)}. ${LINKEDIN_CREDENTIAL_HINT}` }
			: { code: codeOf(error, status), reason: `LinkedIn refused to take conversions with this token (HTTP 403)${said(error)}. ${LINKEDIN_PERMISSION_HINT}` },
	refused: ({ status, answer: { error }, count }) => {
		const code = codeOf(error, status);
		if (status === 426) {
			return { outcome: 'failed', code, reason: `LinkedIn no longer serves this API version (HTTP 426)${said(error)}. Set API Version to a current YYYYMM.` };
		}
		if ((status === 400 || status === 422) && error) {
			const blamed = new Map<number, string[]>();
			for (const { path, why } of error.paths) {
				const position = elementPosition(path);
				if (position === undefined || position >= count) continue;
				const field = path.replace(/^\/?elements(?:\/\d+|\[\d+\])\/?\.?/, '') || 'event';
				blamed.set(position, [...(blamed.get(position) ?? []), `${field}: ${why}`]);
			}
			if (blamed.size > 0) {
				return blameEach(
					count,
					blamed,
					(parts) => ({ outcome: 'failed', code, reason: `LinkedIn refused this event (HTTP ${status}): ${shorten(parts.join('; '))}` }),
					batchRejected('LinkedIn refused the request because of other events in it; sending again without them'),
				);
			}
		}
		if (status === 404)
			return { outcome: 'failed', code, reason: `LinkedIn found no such endpoint (HTTP 404)${said(error)}. Check the credential's Base URL.` };
		return { outcome: 'failed', code, reason: `LinkedIn refused the request (HTTP ${status})${said(error)}` };
	},
};

export function readLinkedInResponse(request: PlatformRequest, response: PlatformResponse, now: Date): EventResult[] {
	return readThroughFrame(linkedinReader, request, response, now);
}
