/**
 * A strict local stand-in for the GA4 Measurement Protocol (Google's "Measurement Protocol reference", "Send
 * Measurement Protocol events", "Validate events", "Event naming rules"):
 *
 * - POST /mp/collect answers HTTP 204 with an empty body to EVERY request it receives, as GA4 does, valid or not.
 *   What GA4 would process is recorded in `events`; what it would silently throw away is recorded in `dropped`
 *   with the reason, so tests can prove the builder never sends droppable data. A request with a missing or wrong
 *   api_secret or measurement_id is dropped whole (GA4 answers 2xx to those too).
 * - POST /debug/mp/collect (the validation server) answers HTTP 200 `{ validationMessages: [...] }` with one
 *   `{ fieldPath, description, validationCode }` per problem, records nothing, and (like Google's) does not check
 *   the api_secret.
 *
 * Rules: client_id required (a string); 1 to 25 events; body under 130 kB; event names (a letter first, letters,
 * digits and underscores, ≤ 40 characters, not reserved); at most 25 params per event with valid names; text
 * values ≤ 100 characters (page_location 1000, page_referrer 420, page_title 300); `value` a number and with it a
 * 3-letter `currency`; `timestamp_micros` an integer in microseconds, at most 72 hours old and not in the future
 * (milliseconds or seconds read as microseconds land in 1970: dropped); `user_data` hashes as 64 lowercase hex
 * characters in arrays, address city/region/postal_code/country plain. GA4 keeps one purchase per transaction_id:
 * later ones go to `duplicates`.
 */
import { isIP } from 'node:net';
import { type FakeResponse, type JsonFake, type RecordedRequest, startJsonFake } from './server';

export const GA4_FAKE_MEASUREMENT_ID = 'G-FAKE12345';
export const GA4_FAKE_API_SECRET = 'ga4-fake-api-secret-0123456789';

const COLLECT_PATH = '/mp/collect';
const DEBUG_PATH = '/debug/mp/collect';
const SHA256 = /^[a-f0-9]{64}$/;
const NAME = /^[A-Za-z][A-Za-z0-9_]*$/;
const MAX_EVENTS = 25;
const MAX_PARAMS = 25;
const MAX_BODY_BYTES = 130_000;
const MAX_AGE_MICROS = 72 * 60 * 60 * 1_000_000;
const RESERVED_EVENTS = new Set([
	'ad_activeview',
	'ad_click',
	'ad_exposure',
	'ad_impression',
	'ad_query',
	'ad_reward',
	'adunit_exposure',
	'app_background',
	'app_clear_data',
	'app_exception',
	'app_install',
	'app_remove',
	'app_store_refund',
	'app_store_subscription_cancel',
	'app_store_subscription_convert',
	'app_store_subscription_renew',
	'app_update',
	'app_upgrade',
	'click',
	'dynamic_link_app_open',
	'dynamic_link_app_update',
	'dynamic_link_first_open',
	'error',
	'file_download',
	'firebase_campaign',
	'firebase_in_app_message_action',
	'firebase_in_app_message_dismiss',
	'firebase_in_app_message_impression',
	'first_open',
	'first_visit',
	'form_start',
	'form_submit',
	'in_app_purchase',
	'notification_dismiss',
	'notification_foreground',
	'notification_open',
	'notification_receive',
	'os_update',
	'page_view',
	'screen_view',
	'scroll',
	'session_start',
	'session_start_with_rollout',
	'user_engagement',
	'video_complete',
	'video_progress',
	'video_start',
	'view_complete',
	'view_search_results',
]);
const RESERVED_PREFIXES = ['_', 'firebase_', 'ga_', 'google_', 'gtag.'];
const RESERVED_PARAMS = new Set(['gclid', 'dclid', 'session_number']);
const LONG_TEXT_LIMITS: Record<string, number> = {
	page_location: 1000,
	page_referrer: 420,
	page_title: 300,
};

export type Ga4Fault = 429 | 500 | 503;

export interface Ga4FakeOptions {
	measurementId?: string;
	apiSecret?: string;
	now?: () => Date;
}

export interface Ga4ValidationMessage {
	fieldPath: string;
	description: string;
	validationCode: 'VALUE_INVALID' | 'VALUE_REQUIRED' | 'NAME_INVALID' | 'NAME_RESERVED' | 'VALUE_OUT_OF_BOUNDS' | 'EXCEEDED_MAX_ENTITIES' | 'NAME_DUPLICATED';
}

export interface RecordedGa4Event {
	measurementId: string;
	clientId: string;
	userData?: Record<string, unknown>;
	ipOverride?: string;
	device?: Record<string, unknown>;
	/** The event's time in microseconds (its own timestamp_micros, else the request's, else arrival). */
	timestampMicros: number;
	/** The event exactly as it arrived. */
	event: {
		name: string;
		params?: Record<string, unknown>;
		timestamp_micros?: number;
	};
}

export interface DroppedGa4Data {
	/** The position of the dropped event in `events`, or undefined when the whole request was dropped. */
	position?: number;
	message: Ga4ValidationMessage;
	/** The event as it arrived (undefined for a whole request). */
	event?: unknown;
}

export interface Ga4Fake extends JsonFake {
	/** Events GA4 would process, in arrival order (purchases once per transaction_id). */
	events: RecordedGa4Event[];
	/** Purchases that repeated a transaction_id already recorded (GA4 keeps the first). */
	duplicates: RecordedGa4Event[];
	/** What production /mp/collect silently threw away, and why. */
	dropped: DroppedGa4Data[];
	collectRequests(): RecordedRequest[];
	debugRequests(): RecordedRequest[];
	/** The next `count` requests (either endpoint) get `fault` instead of being processed. */
	failNext(count: number, fault: Ga4Fault, options?: { retryAfter?: string }): void;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const message = (fieldPath: string, validationCode: Ga4ValidationMessage['validationCode'], description: string): Ga4ValidationMessage => ({
	fieldPath,
	description,
	validationCode,
});

function nameProblem(kind: 'event' | 'param', name: unknown, path: string, index: number): Ga4ValidationMessage | undefined {
	const label = kind === 'event' ? `Event at index: [${index}]` : `Event at index: [${index}] has a parameter that`;
	if (typeof name !== 'string' || name === '') return message(path, 'VALUE_REQUIRED', `${label} has no name.`);
	if (name.length > 40) return message(path, 'VALUE_OUT_OF_BOUNDS', `${label} has name [${name}] longer than 40 characters.`);
	if (RESERVED_PREFIXES.some((prefix) => name.startsWith(prefix)) || (kind === 'event' ? RESERVED_EVENTS : RESERVED_PARAMS).has(name)) {
		return message(path, 'NAME_RESERVED', `${label} has name [${name}] which is reserved.`);
	}
	if (!NAME.test(name))
		return message(
			path,
			'NAME_INVALID',
			`${label} has invalid name [${name}]. Names must start with an alphabetic character and contain only alphanumeric characters and underscores.`,
		);
	return undefined;
}

function timestampProblem(value: unknown, path: string, nowMicros: number): Ga4ValidationMessage | undefined {
	if (typeof value !== 'number' || !Number.isSafeInteger(value))
		return message(path, 'VALUE_INVALID', `Field [${path}] must be an integer number of microseconds.`);
	if (value < nowMicros - MAX_AGE_MICROS)
		return message(
			path,
			'VALUE_OUT_OF_BOUNDS',
			`Field [${path}] is more than 72 hours in the past (is it in milliseconds or seconds instead of microseconds?).`,
		);
	if (value > nowMicros) return message(path, 'VALUE_OUT_OF_BOUNDS', `Field [${path}] is in the future.`);
	return undefined;
}

function userDataProblems(userData: unknown): Ga4ValidationMessage[] {
	if (userData === undefined) return [];
	if (!isObject(userData)) return [message('user_data', 'VALUE_INVALID', 'user_data must be an object.')];
	const problems: Ga4ValidationMessage[] = [];
	for (const field of ['sha256_email_address', 'sha256_phone_number']) {
		const value = userData[field];
		if (value === undefined) continue;
		if (!Array.isArray(value) || value.length === 0 || value.length > 10)
			problems.push(message(`user_data.${field}`, 'VALUE_INVALID', `user_data.${field} must be an array of 1 to 10 hashes.`));
		else if (value.some((one) => typeof one !== 'string' || !SHA256.test(one))) {
			problems.push(message(`user_data.${field}`, 'VALUE_INVALID', `user_data.${field} must hold SHA-256 hex digests of the normalized value.`));
		}
	}
	const address = userData.address;
	if (address !== undefined) {
		if (!Array.isArray(address) || address.length === 0 || address.length > 10)
			problems.push(message('user_data.address', 'VALUE_INVALID', 'user_data.address must be an array of 1 to 10 addresses.'));
		else
			address.forEach((entry, position) => {
				const at = `user_data.address[${position}]`;
				if (!isObject(entry)) {
					problems.push(message(at, 'VALUE_INVALID', `${at} must be an object.`));
					return;
				}
				for (const field of ['sha256_first_name', 'sha256_last_name', 'sha256_street']) {
					if (entry[field] !== undefined && (typeof entry[field] !== 'string' || !SHA256.test(entry[field])))
						problems.push(message(`${at}.${field}`, 'VALUE_INVALID', `${at}.${field} must be a SHA-256 hex digest.`));
				}
				for (const field of ['city', 'region', 'postal_code']) {
					if (entry[field] !== undefined && (typeof entry[field] !== 'string' || SHA256.test(entry[field])))
						problems.push(message(`${at}.${field}`, 'VALUE_INVALID', `${at}.${field} must be plain text, not hashed.`));
				}
				if (entry.country !== undefined && (typeof entry.country !== 'string' || !/^[A-Z]{2}$/.test(entry.country))) {
					problems.push(message(`${at}.country`, 'VALUE_INVALID', `${at}.country must be an ISO 3166-1 alpha-2 code.`));
				}
			});
	}
	return problems;
}

function eventProblems(raw: unknown, index: number, nowMicros: number): Ga4ValidationMessage[] {
	const path = `events[${index}]`;
	if (!isObject(raw)) return [message(path, 'VALUE_INVALID', `Event at index: [${index}] must be an object.`)];
	const problems: Ga4ValidationMessage[] = [];
	const name = nameProblem('event', raw.name, `${path}.name`, index);
	if (name) problems.push(name);
	if (raw.timestamp_micros !== undefined) {
		const time = timestampProblem(raw.timestamp_micros, `${path}.timestamp_micros`, nowMicros);
		if (time) problems.push(time);
	}
	if (raw.params === undefined) return problems;
	if (!isObject(raw.params)) return [...problems, message(`${path}.params`, 'VALUE_INVALID', `Event at index: [${index}] params must be an object.`)];
	const params = raw.params;
	const names = Object.keys(params);
	if (names.length > MAX_PARAMS)
		problems.push(message(`${path}.params`, 'EXCEEDED_MAX_ENTITIES', `Event at index: [${index}] has more than ${MAX_PARAMS} params.`));
	for (const key of names) {
		const at = `${path}.params.${key}`;
		const bad = nameProblem('param', key, at, index);
		if (bad) problems.push(bad);
		const value = params[key];
		if (typeof value === 'string') {
			const limit = LONG_TEXT_LIMITS[key] ?? 100;
			if (value.length > limit)
				problems.push(message(at, 'VALUE_OUT_OF_BOUNDS', `Event at index: [${index}] has param [${key}] longer than ${limit} characters.`));
		} else if (typeof value === 'number') {
			if (!Number.isFinite(value)) problems.push(message(at, 'VALUE_INVALID', `Event at index: [${index}] has param [${key}] that is not a number.`));
		} else if (key !== 'items' && typeof value !== 'boolean') {
			problems.push(message(at, 'VALUE_INVALID', `Event at index: [${index}] has param [${key}] of an unsupported type.`));
		}
	}
	if (params.value !== undefined) {
		if (typeof params.value !== 'number' || !Number.isFinite(params.value))
			problems.push(message(`${path}.params.value`, 'VALUE_INVALID', `Event at index: [${index}] has a value that is not a number.`));
		if (params.currency === undefined)
			problems.push(message(`${path}.params.currency`, 'VALUE_REQUIRED', `Event at index: [${index}] has a value but no currency.`));
	}
	if (params.currency !== undefined && (typeof params.currency !== 'string' || !/^[A-Z]{3}$/.test(params.currency))) {
		problems.push(message(`${path}.params.currency`, 'VALUE_INVALID', `Event at index: [${index}] has currency that is not an ISO 4217 code.`));
	}
	return problems;
}

interface Verdict {
	/** Problems with the request as a whole: nothing in it is processed. */
	request: Ga4ValidationMessage[];
	/** Problems per event position. */
	events: Ga4ValidationMessage[][];
	body?: Record<string, unknown>;
}

function validate(request: RecordedRequest, nowMicros: number): Verdict {
	if (Buffer.byteLength(request.rawBody, 'utf8') > MAX_BODY_BYTES)
		return {
			request: [message('', 'VALUE_OUT_OF_BOUNDS', 'The post body must be smaller than 130kB.')],
			events: [],
		};
	if (!isObject(request.body))
		return {
			request: [message('', 'VALUE_INVALID', 'Unable to parse the request body as JSON.')],
			events: [],
		};
	const body = request.body;
	const problems: Ga4ValidationMessage[] = [];
	if (typeof body.client_id !== 'string' || body.client_id === '')
		problems.push(message('client_id', 'VALUE_REQUIRED', 'client_id is required for a web stream.'));
	if (body.timestamp_micros !== undefined) {
		const time = timestampProblem(body.timestamp_micros, 'timestamp_micros', nowMicros);
		if (time) problems.push(time);
	}
	problems.push(...userDataProblems(body.user_data));
	if (body.consent !== undefined) {
		if (!isObject(body.consent)) problems.push(message('consent', 'VALUE_INVALID', 'consent must be an object.'));
		else
			for (const [key, value] of Object.entries(body.consent)) {
				if (key !== 'ad_user_data' && key !== 'ad_personalization') problems.push(message(`consent.${key}`, 'NAME_INVALID', `Unknown consent field ${key}.`));
				else if (value !== 'GRANTED' && value !== 'DENIED') problems.push(message(`consent.${key}`, 'VALUE_INVALID', `${key} must be GRANTED or DENIED.`));
			}
	}
	// ip_override: an IPv4 or IPv6 address; device: an object of known fields with string values (the reference's
	// device section: category, language, screen_resolution, operating_system, operating_system_version, model,
	// brand, browser, browser_version).
	if (body.ip_override !== undefined && (typeof body.ip_override !== 'string' || isIP(body.ip_override) === 0))
		problems.push(message('ip_override', 'VALUE_INVALID', 'ip_override must be an IPv4 or IPv6 address.'));
	if (body.device !== undefined) {
		const known = ['category', 'language', 'screen_resolution', 'operating_system', 'operating_system_version', 'model', 'brand', 'browser', 'browser_version'];
		if (!isObject(body.device)) problems.push(message('device', 'VALUE_INVALID', 'device must be an object.'));
		else
			for (const [key, value] of Object.entries(body.device)) {
				if (!known.includes(key)) problems.push(message(`device.${key}`, 'NAME_INVALID', `Unknown device field ${key}.`));
				else if (typeof value !== 'string' || value === '')
					problems.push(message(`device.${key}`, 'VALUE_INVALID', `device.${key} must be a non-empty string.`));
			}
	}
	const events = body.events;
	if (!Array.isArray(events) || events.length === 0) {
		problems.push(message('events', 'VALUE_REQUIRED', 'At least one event is required.'));
		return { request: problems, events: [], body };
	}
	if (events.length > MAX_EVENTS)
		problems.push(message('events', 'EXCEEDED_MAX_ENTITIES', `A request can have at most ${MAX_EVENTS} events; it has ${events.length}.`));
	return {
		request: problems,
		events: events.map((raw, index) => eventProblems(raw, index, nowMicros)),
		body,
	};
}

export async function startGa4Fake(options: Ga4FakeOptions = {}): Promise<Ga4Fake> {
	const measurementId = options.measurementId ?? GA4_FAKE_MEASUREMENT_ID;
	const apiSecret = options.apiSecret ?? GA4_FAKE_API_SECRET;
	const now = options.now ?? (() => new Date());
	const events: RecordedGa4Event[] = [];
	const duplicates: RecordedGa4Event[] = [];
	const dropped: DroppedGa4Data[] = [];
	const purchases = new Set<string>();
	const faults: Array<{ fault: Ga4Fault; retryAfter?: string }> = [];

	function fault(): FakeResponse | undefined {
		const next = faults.shift();
		if (!next) return undefined;
		const headers: Record<string, string> = next.retryAfter ? { 'retry-after': next.retryAfter } : {};
		if (next.fault === 429)
			return {
				status: 429,
				headers,
				body: {
					error: {
						code: 429,
						message: 'Resource has been exhausted (e.g. check quota).',
						status: 'RESOURCE_EXHAUSTED',
					},
				},
			};
		return {
			status: next.fault,
			headers: { ...headers, 'content-type': 'text/html' },
			body: `<html><body>${next.fault} Server Error</body></html>`,
		};
	}

	function collect(request: RecordedRequest): FakeResponse {
		const injected = fault();
		if (injected) return injected;
		const noContent: FakeResponse = {
			status: 204,
			headers: { 'content-type': 'text/plain' },
			body: '',
		};
		const dropAll = (why: Ga4ValidationMessage) => {
			dropped.push({ message: why });
			return noContent;
		};
		if (!request.query.api_secret) return dropAll(message('api_secret', 'VALUE_REQUIRED', 'api_secret is required (query string).'));
		if (request.query.api_secret !== apiSecret) return dropAll(message('api_secret', 'VALUE_INVALID', 'api_secret is not a secret of this stream.'));
		if (!request.query.measurement_id) return dropAll(message('measurement_id', 'VALUE_REQUIRED', 'measurement_id is required (query string).'));
		if (request.query.measurement_id !== measurementId) return dropAll(message('measurement_id', 'VALUE_INVALID', 'measurement_id is not this stream.'));

		const nowMicros = now().getTime() * 1000;
		const verdict = validate(request, nowMicros);
		if (verdict.request.length > 0) {
			for (const problem of verdict.request) dropped.push({ message: problem });
			return noContent;
		}
		const body = verdict.body!;
		(body.events as unknown[]).forEach((raw, position) => {
			const problems = verdict.events[position];
			if (problems.length > 0) {
				for (const problem of problems) dropped.push({ position, message: problem, event: raw });
				return;
			}
			const event = raw as RecordedGa4Event['event'];
			const recorded: RecordedGa4Event = {
				measurementId,
				clientId: body.client_id as string,
				...(isObject(body.user_data) && { userData: body.user_data }),
				...(typeof body.ip_override === 'string' && { ipOverride: body.ip_override }),
				...(isObject(body.device) && { device: body.device }),
				timestampMicros: event.timestamp_micros ?? (body.timestamp_micros as number | undefined) ?? nowMicros,
				event,
			};
			const transactionId = event.params?.transaction_id;
			if (event.name === 'purchase' && typeof transactionId === 'string') {
				if (purchases.has(transactionId)) {
					duplicates.push(recorded);
					return;
				}
				purchases.add(transactionId);
			}
			events.push(recorded);
		});
		return noContent;
	}

	function debug(request: RecordedRequest): FakeResponse {
		const injected = fault();
		if (injected) return injected;
		// Google's validation server does not check api_secret; it does need to know the stream.
		const messages: Ga4ValidationMessage[] = [];
		if (!request.query.measurement_id) messages.push(message('measurement_id', 'VALUE_REQUIRED', 'measurement_id is required (query string).'));
		const verdict = validate(request, now().getTime() * 1000);
		messages.push(...verdict.request, ...verdict.events.flat());
		return { status: 200, body: { validationMessages: messages } };
	}

	const server = await startJsonFake((request) => {
		if (request.path === COLLECT_PATH) return request.method === 'POST' ? collect(request) : { status: 405, body: '' };
		if (request.path === DEBUG_PATH) return request.method === 'POST' ? debug(request) : { status: 405, body: '' };
		return {
			status: 404,
			headers: { 'content-type': 'text/html' },
			body: '<html><body>404. That’s an error.</body></html>',
		};
	});

	return {
		...server,
		events,
		duplicates,
		dropped,
		collectRequests: () => server.requests.filter((request) => request.path === COLLECT_PATH),
		debugRequests: () => server.requests.filter((request) => request.path === DEBUG_PATH),
		failNext(count, faultKind, faultOptions = {}) {
			for (let i = 0; i < count; i++) faults.push({ fault: faultKind, retryAfter: faultOptions.retryAfter });
		},
	};
}
