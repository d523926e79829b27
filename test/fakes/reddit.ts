/**
 * A strict local stand-in for the Reddit Conversions API v3 (POST /api/v3/pixels/{pixel_id}/conversion_events).
 * It refuses what Reddit refuses, with Reddit's statuses and its `{ "error": { "code", "message", "fields"? } }`
 * body: no or a wrong bearer token (401; a token in the query string is not read), a pixel the token may not post
 * to (403), unknown JSON fields, more than 1000 events ("Bad Request"), and invalid events — event_at not an
 * integer in milliseconds, older than 168 h or more than 5 min ahead, a missing or unknown action_source or
 * tracking_type, a custom event without its name, a value that is not a number, a currency that is not ISO 4217 —
 * with "There were N invalid conversion events. None were processed." and one `fields` entry per problem.
 *
 * Stricter than Reddit on purpose: Reddit would hash an unhashed email, phone_number, external_id or ip_address
 * itself; this fake refuses anything but a lower-case hex SHA-256 there, so a test catches a value we forgot to
 * hash (and a hashed user_agent or click_id, which must go as they are).
 *
 * Accepted events are recorded once per conversion_id + event type (Reddit's dedup key); repeats go to
 * `duplicates`. Also serves GET /api/v3/me, the request the credential's Test button runs.
 */
import { type FakeResponse, type JsonFake, type RecordedRequest, startJsonFake } from './server';

export const REDDIT_FAKE_TOKEN = 'reddit-fake-conversion-token-0123456789';
export const REDDIT_FAKE_PIXEL = 't2_fakepixel42';

const PIXEL_PATH = /^\/api\/v3\/pixels\/([^/]+)\/conversion_events$/;
const ME_PATH = '/api/v3/me';
const SHA256 = /^[a-f0-9]{64}$/;
const LOOKS_HASHED = /^[a-f0-9]{64}$/i;
const MAX_EVENTS = 1000;
const MAX_AGE_MS = 168 * 60 * 60 * 1000;
const MAX_FUTURE_MS = 5 * 60 * 1000;
const ACTION_SOURCES = ['WEBSITE', 'APP', 'PHYSICAL_STORE', 'OTHER'];
const TRACKING_TYPES = ['PAGE_VISIT', 'VIEW_CONTENT', 'SEARCH', 'ADD_TO_CART', 'ADD_TO_WISHLIST', 'PURCHASE', 'LEAD', 'SIGN_UP', 'CUSTOM'];
const EVENT_FIELDS = ['event_at', 'action_source', 'type', 'click_id', 'event_source_url', 'user', 'metadata', 'data_processing_options'];
const USER_FIELDS = [
	'email',
	'phone_number',
	'external_id',
	'ip_address',
	'user_agent',
	'uuid',
	'idfa',
	'aaid',
	'screen_dimensions',
	'data_processing_options',
];
const METADATA_FIELDS = ['conversion_id', 'currency', 'value', 'item_count', 'products'];

export type RedditFault = 429 | 500 | 503;

export interface RedditFakeOptions {
	accessToken?: string;
	/** Pixel IDs the token may post conversions to. */
	pixelIds?: string[];
	now?: () => Date;
}

export interface RecordedRedditEvent {
	pixelId: string;
	testId?: string;
	/** The event exactly as it arrived. */
	event: Record<string, unknown>;
}

export interface RedditFake extends JsonFake {
	/** Events accepted, each conversion_id + event type once, in arrival order. */
	events: RecordedRedditEvent[];
	/** Events accepted again with a conversion_id + event type already recorded (Reddit drops them). */
	duplicates: RecordedRedditEvent[];
	/** Requests to the conversion events endpoint. */
	conversionRequests(): RecordedRequest[];
	/** The next `count` conversion requests get `fault` instead of being processed. */
	failNext(count: number, fault: RedditFault, options?: { retryAfter?: string }): void;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function refuse(status: number, message: string, fields?: Array<{ field: string; message: string }>, headers: Record<string, string> = {}): FakeResponse {
	return {
		status,
		headers,
		body: { error: { code: status, message, ...(fields && { fields }) } },
	};
}

/** Go's JSON decoder with DisallowUnknownFields, as Reddit words it. */
const unknownField = (field: string) => refuse(400, `JSON error "unknown field" on field "${field}"`);

function firstUnknown(object: Record<string, unknown>, known: string[]): string | undefined {
	return Object.keys(object).find((key) => !known.includes(key));
}

type Problem = { field: string; message: string };

function eventProblems(raw: unknown, position: number, nowMs: number): Problem[] {
	const at = (path: string, message: string): Problem => ({
		field: `$.data.events[${position}]${path ? `.${path}` : ''}`,
		message: `${path || 'event'}: ${message}`,
	});
	if (!isObject(raw)) return [at('', 'must be an object')];
	const problems: Problem[] = [];

	const time = raw.event_at;
	if (time === undefined) problems.push(at('event_at', 'missing required field'));
	else if (typeof time !== 'number' || !Number.isInteger(time)) problems.push(at('event_at', 'must be an integer Unix epoch in milliseconds'));
	else if (time < 100_000_000_000) problems.push(at('event_at', 'must be a Unix epoch in milliseconds (this looks like seconds)'));
	else if (nowMs - time > MAX_AGE_MS) problems.push(at('event_at', 'event_at timestamp must be less than 168h0m0s old'));
	else if (time - nowMs > MAX_FUTURE_MS) problems.push(at('event_at', 'event_at timestamp must not be more than 5m0s in the future'));

	if (raw.data_processing_options !== undefined) {
		const options = raw.data_processing_options;
		if (!isObject(options)) problems.push(at('data_processing_options', 'must be an object'));
		else {
			const modes = options.modes;
			if (!Array.isArray(modes) || modes.some((mode) => mode !== 'LDU')) problems.push(at('data_processing_options.modes', 'must be a list of LDU'));
			if (options.country !== undefined && (typeof options.country !== 'string' || !/^[A-Z]{2}$/.test(options.country)))
				problems.push(at('data_processing_options.country', 'must be an ISO 3166-1 alpha-2 code'));
			if (options.region !== undefined && (typeof options.region !== 'string' || !/^[A-Z]{2}-[A-Z0-9]{1,3}$/.test(options.region)))
				problems.push(at('data_processing_options.region', 'must be an ISO 3166-2 code'));
		}
	}

	if (raw.action_source === undefined) problems.push(at('action_source', 'missing action_source'));
	else if (typeof raw.action_source !== 'string' || !ACTION_SOURCES.includes(raw.action_source))
		problems.push(at('action_source', `invalid action_source: ${String(raw.action_source)}`));

	if (!isObject(raw.type)) problems.push(at('type', 'missing required field'));
	else {
		const { tracking_type: trackingType, custom_event_name: customName } = raw.type;
		if (typeof trackingType !== 'string' || !TRACKING_TYPES.includes(trackingType))
			problems.push(at('type.tracking_type', `invalid tracking_type: ${String(trackingType)}`));
		else if (trackingType === 'CUSTOM' && (typeof customName !== 'string' || customName === '' || customName.length > 64)) {
			problems.push(at('type.custom_event_name', 'required for CUSTOM events, 1 to 64 characters'));
		}
		if (firstUnknown(raw.type, ['tracking_type', 'custom_event_name'])) problems.push(at('type', 'unknown field'));
	}

	if (raw.click_id !== undefined) {
		if (typeof raw.click_id !== 'string' || raw.click_id === '') problems.push(at('click_id', 'must be a non-empty string'));
		else if (LOOKS_HASHED.test(raw.click_id)) problems.push(at('click_id', 'must be the rdt_cid as received, not hashed'));
	}
	if (raw.event_source_url !== undefined && (typeof raw.event_source_url !== 'string' || !URL.canParse(raw.event_source_url)))
		problems.push(at('event_source_url', 'must be an absolute URL'));

	if (raw.user !== undefined) {
		if (!isObject(raw.user)) problems.push(at('user', 'must be an object'));
		else {
			const user = raw.user;
			const unknown = firstUnknown(user, USER_FIELDS);
			if (unknown) problems.push(at(`user.${unknown}`, 'unknown field'));
			for (const field of ['email', 'phone_number', 'external_id', 'ip_address']) {
				const value = user[field];
				if (value !== undefined && (typeof value !== 'string' || !SHA256.test(value)))
					problems.push(at(`user.${field}`, 'must be a SHA-256 hash of the normalized value (64 lower-case hex characters)'));
			}
			for (const field of ['user_agent', 'uuid']) {
				const value = user[field];
				if (value === undefined) continue;
				if (typeof value !== 'string' || value === '') problems.push(at(`user.${field}`, 'must be a non-empty string'));
				else if (LOOKS_HASHED.test(value)) problems.push(at(`user.${field}`, 'must be sent as is, not hashed'));
			}
		}
	}

	if (raw.metadata !== undefined) {
		if (!isObject(raw.metadata)) problems.push(at('metadata', 'must be an object'));
		else {
			const metadata = raw.metadata;
			const unknown = firstUnknown(metadata, METADATA_FIELDS);
			if (unknown) problems.push(at(`metadata.${unknown}`, 'unknown field'));
			if (metadata.conversion_id !== undefined && (typeof metadata.conversion_id !== 'string' || metadata.conversion_id === ''))
				problems.push(at('metadata.conversion_id', 'must be a non-empty string'));
			if (metadata.value !== undefined && (typeof metadata.value !== 'number' || !Number.isFinite(metadata.value)))
				problems.push(at('metadata.value', 'must be a number (double) in the base unit of the currency'));
			if (metadata.currency !== undefined && (typeof metadata.currency !== 'string' || !/^[A-Z]{3}$/.test(metadata.currency)))
				problems.push(at('metadata.currency', 'must be an ISO 4217 currency code'));
			if (metadata.item_count !== undefined && (typeof metadata.item_count !== 'number' || !Number.isInteger(metadata.item_count)))
				problems.push(at('metadata.item_count', 'must be an integer'));
		}
	}
	const unknown = firstUnknown(raw, EVENT_FIELDS);
	if (unknown) problems.push(at(unknown, 'unknown field'));
	return problems;
}

export async function startRedditFake(options: RedditFakeOptions = {}): Promise<RedditFake> {
	const token = options.accessToken ?? REDDIT_FAKE_TOKEN;
	const pixels = new Set(options.pixelIds ?? [REDDIT_FAKE_PIXEL]);
	const now = options.now ?? (() => new Date());
	const events: RecordedRedditEvent[] = [];
	const duplicates: RecordedRedditEvent[] = [];
	const seen = new Set<string>();
	const faults: Array<{ fault: RedditFault; retryAfter?: string }> = [];

	/** Bearer token in the Authorization header only: undefined when it is the right one. */
	function authProblem(request: RecordedRequest): FakeResponse | undefined {
		const header = request.headers.authorization;
		const sent = typeof header === 'string' ? /^Bearer\s+(.+)$/i.exec(header.trim())?.[1] : undefined;
		if (sent === undefined) return refuse(401, 'No bearer token provided');
		if (sent !== token) return refuse(401, 'UNAUTHORIZED');
		return undefined;
	}

	function conversionEvents(request: RecordedRequest, pixelId: string): FakeResponse {
		const fault = faults.shift();
		if (fault) {
			const headers: Record<string, string> = fault.retryAfter ? { 'retry-after': fault.retryAfter } : {};
			if (fault.fault === 429) return refuse(429, 'Too many requests/events within timeframe.', undefined, headers);
			return refuse(fault.fault, 'The service is currently unavailable. No conversion events were processed.', undefined, headers);
		}
		const auth = authProblem(request);
		if (auth) return auth;
		if (!pixels.has(pixelId)) return refuse(403, `You're not authorized to post conversions to Pixel ID ${pixelId}.`);
		if (!isObject(request.body)) return refuse(400, 'JSON error: the request body must be a JSON object');
		const topUnknown = firstUnknown(request.body, ['data']);
		if (topUnknown) return unknownField(topUnknown);
		const data = request.body.data;
		if (!isObject(data)) return refuse(400, 'missing data');
		const dataUnknown = firstUnknown(data, ['test_id', 'events']);
		if (dataUnknown) return unknownField(dataUnknown);
		if (data.test_id !== undefined && (typeof data.test_id !== 'string' || data.test_id === '')) return refuse(400, 'test_id must be a non-empty string');
		if (!Array.isArray(data.events) || data.events.length === 0 || data.events.length > MAX_EVENTS) return refuse(400, 'Bad Request');

		const nowMs = now().getTime();
		const problems = data.events.flatMap((raw, position) => eventProblems(raw, position, nowMs));
		if (problems.length > 0) {
			const invalid = new Set(problems.map((problem) => /events\[(\d+)\]/.exec(problem.field)?.[1])).size;
			return refuse(400, `There were ${invalid} invalid conversion events. None were processed.`, problems);
		}
		for (const raw of data.events as Array<Record<string, unknown>>) {
			const recorded: RecordedRedditEvent = {
				pixelId,
				...(typeof data.test_id === 'string' && { testId: data.test_id }),
				event: raw,
			};
			const type = raw.type as {
				tracking_type: string;
				custom_event_name?: string;
			};
			const conversionId = (raw.metadata as { conversion_id?: string } | undefined)?.conversion_id;
			const key = conversionId ? `${type.tracking_type}\u0000${type.custom_event_name ?? ''}\u0000${conversionId}` : undefined;
			if (key && seen.has(key)) duplicates.push(recorded);
			else {
				if (key) seen.add(key);
				events.push(recorded);
			}
		}
		return {
			status: 200,
			body: {
				data: {
					message: `Successfully processed ${data.events.length} conversion events.`,
				},
			},
		};
	}

	const server = await startJsonFake((request) => {
		const pixel = PIXEL_PATH.exec(request.path);
		if (pixel) return request.method === 'POST' ? conversionEvents(request, decodeURIComponent(pixel[1])) : refuse(405, 'Method Not Allowed');
		if (request.path === ME_PATH) {
			if (request.method !== 'GET') return refuse(405, 'Method Not Allowed');
			return (
				authProblem(request) ?? {
					status: 200,
					body: { data: { id: 't2_fakeuser', username: 'fake-advertiser' } },
				}
			);
		}
		return refuse(404, 'Not Found');
	});

	return {
		...server,
		events,
		duplicates,
		conversionRequests: () => server.requests.filter((request) => PIXEL_PATH.test(request.path)),
		failNext(count, fault, faultOptions = {}) {
			for (let i = 0; i < count; i++) faults.push({ fault, retryAfter: faultOptions.retryAfter });
		},
	};
}
