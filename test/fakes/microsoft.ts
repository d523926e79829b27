/**
 * A strict local stand-in for the Microsoft Advertising UET Conversions API (Microsoft Learn, "Conversions API
 * (CAPI) Guide"): POST /v1/{tagId}/events with `Authorization: Bearer <token>` only; 401
 * `{ error: { code: 'Unauthorized', message } }` for a missing, misplaced or wrong token; 400
 * `{ error: { code: 'ValidationError', message, details: [ { index, propertyName, errorMessage } ] } }` for
 * invalid events, and then nothing of the request is processed unless `continueOnValidationError` is true.
 * Accepted events are recorded once per eventId (UET's dedup key).
 *
 * Rules the guide implies and the fake enforces: `data` 1…1,000 events; `eventType` 'pageLoad' or 'custom';
 * `eventTime` an integer in Unix seconds (13 digits = milliseconds, refused); `eventSourceUrl` required for
 * pageLoad and a URL when present; `em`/`ph` 64 lower-case hex; `value`/`eventValue` numbers; `currency` three
 * capital letters; `adStorageConsent` G or D. Assumptions where the guide is silent (the destination follows
 * them too): events older than 90 days or more than 5 minutes ahead are refused; an event must carry one user
 * identifier (msclkid, em, ph, anonymousId, externalId, idfa or gaid); a token is valid only for its own tag
 * (another tag: 401); an empty `data` array is accepted as nothing to do (the Test button of the credential
 * sends one).
 */
import { type FakeResponse, type JsonFake, type RecordedRequest, startJsonFake } from './server';

export const MICROSOFT_FAKE_TOKEN = 'microsoft-fake-capi-token-0123456789';
export const MICROSOFT_FAKE_TAG = '187654321';

const PATH = /^\/v1\/([^/]+)\/events$/;
const SHA256 = /^[a-f0-9]{64}$/;
const MAX_EVENTS = 1000;
const MAX_AGE_S = 90 * 24 * 60 * 60;
const MAX_AHEAD_S = 5 * 60;
const IDENTIFIERS = ['msclkid', 'em', 'ph', 'anonymousId', 'externalId', 'idfa', 'gaid'];

export type MicrosoftFault = 429 | 500 | 503;

export interface MicrosoftFakeOptions {
	accessToken?: string;
	/** The tag the token belongs to. */
	tagId?: string;
	now?: () => Date;
}

export interface RecordedMicrosoftEvent {
	tagId: string;
	/** The event exactly as it arrived. */
	event: Record<string, unknown>;
}

export interface MicrosoftFake extends JsonFake {
	/** Events accepted, each eventId once, in arrival order. */
	events: RecordedMicrosoftEvent[];
	/** Events accepted again with an eventId already recorded (deduplicated by Microsoft). */
	duplicates: RecordedMicrosoftEvent[];
	/** Requests to the events endpoint. */
	eventRequests(): RecordedRequest[];
	/** The next `count` event requests get `fault` instead of being processed. */
	failNext(count: number, fault: MicrosoftFault, options?: { retryAfter?: string }): void;
}

interface Detail {
	index: number;
	propertyName: string;
	errorMessage: string;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

const unauthorized = (): FakeResponse => ({
	status: 401,
	body: {
		error: {
			code: 'Unauthorized',
			message: 'You are not authorized to access this resource.',
		},
	},
});

function validationError(details: Detail[]): FakeResponse {
	return {
		status: 400,
		body: {
			error: {
				code: 'ValidationError',
				message: 'One or multiple parameters did not pass validation checks, see details.',
				details,
			},
		},
	};
}

function eventProblems(raw: unknown, index: number, nowSeconds: number): Detail[] {
	const problem = (path: string, errorMessage: string): Detail => ({
		index,
		propertyName: `data[${index}]${path ? `.${path}` : ''}`,
		errorMessage,
	});
	if (!isObject(raw)) return [problem('', "'data' items must be objects.")];
	const problems: Detail[] = [];
	if (raw.eventType === undefined || raw.eventType === '') problems.push(problem('eventType', "'eventType' must not be empty."));
	else if (raw.eventType !== 'pageLoad' && raw.eventType !== 'custom')
		problems.push(problem('eventType', "'eventType' must be one of the following: pageLoad, custom."));

	const time = raw.eventTime;
	if (time === undefined || time === null) problems.push(problem('eventTime', "'eventTime' must not be empty."));
	else if (typeof time !== 'number' || !Number.isInteger(time)) problems.push(problem('eventTime', "'eventTime' must be an integer (Unix epoch seconds)."));
	else if (time > 99_999_999_999) problems.push(problem('eventTime', "'eventTime' must be in seconds, not milliseconds."));
	else if (nowSeconds - time > MAX_AGE_S) problems.push(problem('eventTime', "'eventTime' must not be older than 90 days."));
	else if (time - nowSeconds > MAX_AHEAD_S) problems.push(problem('eventTime', "'eventTime' must not be in the future."));

	for (const field of ['eventId', 'eventName'] as const) {
		if (raw[field] !== undefined && (typeof raw[field] !== 'string' || raw[field] === ''))
			problems.push(problem(field, `'${field}' must be a non-empty string.`));
	}
	if (raw.eventSourceUrl === undefined) {
		if (raw.eventType === 'pageLoad') problems.push(problem('eventSourceUrl', "'eventSourceUrl' must not be empty for pageLoad events."));
	} else if (typeof raw.eventSourceUrl !== 'string' || !URL.canParse(raw.eventSourceUrl))
		problems.push(problem('eventSourceUrl', "'eventSourceUrl' must be a valid URL."));
	if (raw.referrerUrl !== undefined && (typeof raw.referrerUrl !== 'string' || !URL.canParse(raw.referrerUrl)))
		problems.push(problem('referrerUrl', "'referrerUrl' must be a valid URL."));
	if (raw.adStorageConsent !== undefined && raw.adStorageConsent !== 'G' && raw.adStorageConsent !== 'D')
		problems.push(problem('adStorageConsent', "'adStorageConsent' must be one of the following: G, D."));

	const user = raw.userData;
	if (user !== undefined && !isObject(user)) problems.push(problem('userData', "'userData' must be an object."));
	else {
		const data = user ?? {};
		for (const field of ['em', 'ph']) {
			if (data[field] !== undefined && (typeof data[field] !== 'string' || !SHA256.test(data[field])))
				problems.push(problem(`userData.${field}`, `'${field}' must be a valid SHA256 string.`));
		}
		for (const field of ['msclkid', 'clientIpAddress', 'clientUserAgent', 'anonymousId', 'externalId', 'idfa', 'gaid']) {
			if (data[field] !== undefined && (typeof data[field] !== 'string' || data[field] === ''))
				problems.push(problem(`userData.${field}`, `'${field}' must be a non-empty string.`));
		}
		if (!IDENTIFIERS.some((field) => typeof data[field] === 'string' && data[field] !== '')) {
			problems.push(problem('userData', "'userData' must contain at least one of: msclkid, em, ph, anonymousId, externalId, idfa, gaid."));
		}
	}

	const custom = raw.customData;
	if (custom !== undefined) {
		if (!isObject(custom)) problems.push(problem('customData', "'customData' must be an object."));
		else {
			for (const field of ['value', 'eventValue', 'ecommTotalValue']) {
				if (custom[field] !== undefined && (typeof custom[field] !== 'number' || !Number.isFinite(custom[field])))
					problems.push(problem(`customData.${field}`, `'${field}' must be a number.`));
			}
			if (custom.currency !== undefined && (typeof custom.currency !== 'string' || !/^[A-Z]{3}$/.test(custom.currency)))
				problems.push(problem('customData.currency', "'currency' must be a 3-letter ISO 4217 code."));
			for (const field of ['transactionId', 'eventCategory', 'eventLabel']) {
				if (custom[field] !== undefined && typeof custom[field] !== 'string') problems.push(problem(`customData.${field}`, `'${field}' must be a string.`));
			}
		}
	}
	return problems;
}

export async function startMicrosoftFake(options: MicrosoftFakeOptions = {}): Promise<MicrosoftFake> {
	const token = options.accessToken ?? MICROSOFT_FAKE_TOKEN;
	const tag = options.tagId ?? MICROSOFT_FAKE_TAG;
	const now = options.now ?? (() => new Date());
	const events: RecordedMicrosoftEvent[] = [];
	const duplicates: RecordedMicrosoftEvent[] = [];
	const seen = new Set<string>();
	const faults: Array<{ fault: MicrosoftFault; retryAfter?: string }> = [];

	function handle(request: RecordedRequest, tagId: string): FakeResponse {
		const fault = faults.shift();
		if (fault) {
			const headers: Record<string, string> = fault.retryAfter ? { 'retry-after': fault.retryAfter } : {};
			if (fault.fault === 429)
				return {
					status: 429,
					headers,
					body: {
						error: {
							code: 'TooManyRequests',
							message: 'Too many requests, retry later.',
						},
					},
				};
			return {
				status: fault.fault,
				headers: { ...headers, 'content-type': 'text/html' },
				body: `<html><body>${fault.fault} Service Unavailable</body></html>`,
			};
		}
		// The token only in the Authorization header, Bearer scheme, for this tag.
		const authorization = request.headers.authorization;
		if (Object.keys(request.query).some((key) => /token|auth/i.test(key))) return unauthorized();
		if (typeof authorization !== 'string' || authorization !== `Bearer ${token}` || tagId !== tag) return unauthorized();

		if (!isObject(request.body))
			return validationError([
				{
					index: 0,
					propertyName: 'data',
					errorMessage: "The request body must be a JSON object with 'data'.",
				},
			]);
		const body = request.body;
		if (!Array.isArray(body.data))
			return validationError([
				{
					index: 0,
					propertyName: 'data',
					errorMessage: "'data' must not be empty.",
				},
			]);
		if (body.data.length > MAX_EVENTS)
			return validationError([
				{
					index: 0,
					propertyName: 'data',
					errorMessage: `'data' must contain at most ${MAX_EVENTS} events.`,
				},
			]);
		if (body.continueOnValidationError !== undefined && typeof body.continueOnValidationError !== 'boolean') {
			return validationError([
				{
					index: 0,
					propertyName: 'continueOnValidationError',
					errorMessage: "'continueOnValidationError' must be a boolean.",
				},
			]);
		}
		const nowSeconds = Math.floor(now().getTime() / 1000);
		const problems = body.data.map((raw, index) => eventProblems(raw, index, nowSeconds));
		const refused = problems.flat();
		if (refused.length > 0 && body.continueOnValidationError !== true) return validationError(refused);

		body.data.forEach((raw, index) => {
			if (problems[index].length > 0) return;
			const event = raw as Record<string, unknown>;
			const recorded: RecordedMicrosoftEvent = { tagId, event };
			const id = typeof event.eventId === 'string' ? event.eventId : undefined;
			if (id && seen.has(id)) duplicates.push(recorded);
			else {
				if (id) seen.add(id);
				events.push(recorded);
			}
		});
		return { status: 200, body: {} };
	}

	const server = await startJsonFake((request) => {
		const match = PATH.exec(request.path);
		if (!match)
			return {
				status: 404,
				body: {
					error: {
						code: 'NotFound',
						message: `Route ${request.path} not found.`,
					},
				},
			};
		if (request.method !== 'POST')
			return {
				status: 405,
				body: {
					error: {
						code: 'MethodNotAllowed',
						message: `Method ${request.method} is not allowed; use POST.`,
					},
				},
			};
		return handle(request, decodeURIComponent(match[1]));
	});

	return {
		...server,
		events,
		duplicates,
		eventRequests: () => server.requests.filter((request) => PATH.test(request.path)),
		failNext(count, fault, faultOptions = {}) {
			for (let i = 0; i < count; i++) faults.push({ fault, retryAfter: faultOptions.retryAfter });
		},
	};
}
