/**
 * A strict local stand-in for the Snapchat Conversions API v3 (tr.snapchat.com), validating what Snap
 * documents it refuses (developers.snap.com, Conversions API: "Using the API", "Parameters", "Verify Set Up"):
 * the token as the `access_token` query parameter only, at most 2000 events, required event_name,
 * event_time (unix seconds, at most 37 days old), action_source, event_source_url for web events, hashed
 * personal data (64 lower-case hex), a raw (not hashed) IP, enough data to match the event, value and
 * currency on PURCHASE events.
 *
 * Answers in Snap's shapes (its Business SDK v3 OpenAPI: EventResponse, ValidateResponse, GetStatsResponse):
 * success `{ status: 'VALID', reason }`; a refused request HTTP 400 `{ status: 'INVALID', event, reason,
 * errors: { codes, error_msgs } }` naming the first bad event by its position; the validate endpoint one
 * `event_logs` entry per event. Snap publishes no list of error codes nor its 401/403/429 bodies: the codes
 * here are ours, and those answers use the same `{ status, reason }` envelope.
 *
 * Routes: POST /v3/{pixel}/events, POST /v3/{pixel}/events/validate, and GET /v3/{pixel}/events/validate/stats
 * (the credential's Test button).
 */
import { isIP } from 'node:net';
import { type FakeResponse, type JsonFake, type RecordedRequest, startJsonFake } from './server';

export const SNAPCHAT_FAKE_TOKEN = 'snap-fake-capi-token-0123456789abcdef';
export const SNAPCHAT_FAKE_PIXEL = '1ec32188-754e-4be2-8e55-c949a984a39f';
export const SNAPCHAT_FAKE_MAX_EVENTS = 2000;
/** Snap takes events up to 37 days old. */
export const SNAPCHAT_FAKE_WINDOW_S = 37 * 24 * 60 * 60;
/** How far ahead an event time may be before the fake calls it out of range (Snap publishes no bound). */
export const SNAPCHAT_FAKE_FUTURE_S = 10 * 60;

const EVENTS_PATH = /^\/v3\/([^/]+)\/events(\/validate)?$/;
const STATS_PATH = /^\/v3\/([^/]+)\/events\/validate\/stats$/;
const SHA256 = /^[a-f0-9]{64}$/;
const LOOKS_HASHED = /^[a-f0-9]{64}$/i;
const HASHED_FIELDS = ['em', 'ph', 'fn', 'ln', 'ge', 'ct', 'st', 'zp', 'country', 'external_id'];
const ACTION_SOURCES = ['WEB', 'MOBILE_APP', 'OFFLINE'];

export type SnapchatFault = 429 | 500 | 503;

export interface SnapchatFakeOptions {
	accessToken?: string;
	/** Pixels the token may send events to. */
	pixelIds?: string[];
	now?: () => Date;
}

export interface RecordedSnapchatEvent {
	pixelId: string;
	/** The event exactly as it arrived. */
	event: Record<string, unknown>;
}

export interface SnapchatFake extends JsonFake {
	/** Events accepted by /events, each event_name + event_id once, in arrival order. */
	events: RecordedSnapchatEvent[];
	/** Events accepted again with an event_name + event_id already recorded (Snap drops them). */
	duplicates: RecordedSnapchatEvent[];
	/** Events the validate endpoint found valid (never counted as events). */
	validated: RecordedSnapchatEvent[];
	/** Requests to /events and /events/validate. */
	eventRequests(): RecordedRequest[];
	/** The next `count` event requests get `fault` instead of being processed (queued after earlier faults). */
	failNext(count: number, fault: SnapchatFault, options?: { retryAfter?: string }): void;
}

interface Problem {
	code: string;
	message: string;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function invalid(reason: string, status = 400, headers: Record<string, string> = {}): FakeResponse {
	return { status, headers, body: { status: 'INVALID', reason } };
}

/** Problems with one event; an empty list when Snap would take it. */
function eventProblems(raw: unknown, nowSeconds: number): Problem[] {
	if (!isObject(raw)) return [{ code: 'INVALID_EVENT', message: 'event must be a JSON object' }];
	const problems: Problem[] = [];
	const add = (code: string, message: string) => problems.push({ code, message });

	if (typeof raw.event_name !== 'string' || raw.event_name.trim() === '') add('MISSING_REQUIRED_FIELD', 'event_name is required');

	const time = raw.event_time;
	if (time === undefined) add('MISSING_REQUIRED_FIELD', 'event_time is required');
	else if (typeof time !== 'number' || !Number.isInteger(time)) add('INVALID_TIMESTAMP', 'event_time must be an integer unix timestamp in seconds');
	else if (time > 99_999_999_999) add('INVALID_TIMESTAMP', 'event_time must be in seconds, not milliseconds');
	else if (time < 1_000_000_000) add('INVALID_TIMESTAMP', 'event_time is not a valid unix timestamp in seconds');
	else if (nowSeconds - time > SNAPCHAT_FAKE_WINDOW_S) add('INVALID_TIMESTAMP', 'event_time is out of range: events may be at most 37 days old');
	else if (time - nowSeconds > SNAPCHAT_FAKE_FUTURE_S) add('INVALID_TIMESTAMP', 'event_time is out of range: it is in the future');

	if (raw.data_processing_options !== undefined) {
		const options = raw.data_processing_options;
		if (!Array.isArray(options) || options.some((option) => option !== 'LDU'))
			add('INVALID_PARAMETER', 'data_processing_options must be a list holding at most LDU');
	}
	for (const key of ['data_processing_options_country', 'data_processing_options_state']) {
		if (raw[key] !== undefined && (typeof raw[key] !== 'number' || !Number.isInteger(raw[key]))) add('INVALID_PARAMETER', `${key} must be an integer`);
	}

	const source = raw.action_source;
	if (source === undefined) add('MISSING_REQUIRED_FIELD', 'action_source is required');
	else if (typeof source !== 'string' || !ACTION_SOURCES.includes(source))
		add('INVALID_ACTION_SOURCE', `action_source must be one of ${ACTION_SOURCES.join(', ')}`);
	if (source === 'MOBILE_APP' && !isObject(raw.app_data)) add('MISSING_REQUIRED_FIELD', 'app_data is required for MOBILE_APP events');

	const url = raw.event_source_url;
	if (url === undefined) {
		if (source === 'WEB') add('MISSING_REQUIRED_FIELD', 'event_source_url is required for WEB events');
	} else if (typeof url !== 'string' || !/^https?:\/\//i.test(url) || !URL.canParse(url))
		add('INVALID_URL', 'event_source_url must be an absolute URL with its protocol');

	if (raw.event_id !== undefined && (typeof raw.event_id !== 'string' || raw.event_id === '')) add('INVALID_EVENT_ID', 'event_id must be a non-empty string');

	const user = raw.user_data;
	if (!isObject(user)) add('MISSING_REQUIRED_FIELD', 'user_data is required');
	else {
		for (const field of HASHED_FIELDS) {
			const value = user[field];
			if (value === undefined) continue;
			const values = Array.isArray(value) ? value : [value];
			if (values.length === 0 || values.some((one) => typeof one !== 'string' || !SHA256.test(one))) {
				add('UNHASHED_PII', `user_data.${field} must be SHA-256 hashed (64 lower-case hex characters)`);
			}
		}
		const ip = user.client_ip_address;
		if (ip !== undefined) {
			if (typeof ip !== 'string' || LOOKS_HASHED.test(ip)) add('INVALID_HASHED_IP', 'user_data.client_ip_address must be sent unhashed');
			else if (isIP(ip) === 0) add('INVALID_IP', 'user_data.client_ip_address is not an IP address');
		}
		for (const field of ['client_user_agent', 'sc_click_id', 'sc_cookie1', 'mobile_ad_id']) {
			const value = user[field];
			if (value === undefined) continue;
			if (typeof value !== 'string' || value === '') add('INVALID_PARAMETER', `user_data.${field} must be a non-empty string`);
			else if (field !== 'client_user_agent' && LOOKS_HASHED.test(value)) add('INVALID_PARAMETER', `user_data.${field} must be sent as is, not hashed`);
		}
		const present = (field: string) => user[field] !== undefined;
		const matchable =
			present('em') || present('ph') || present('sc_click_id') || present('mobile_ad_id') || (present('client_ip_address') && present('client_user_agent'));
		if (!matchable) add('INSUFFICIENT_PII', 'user_data needs em, ph, sc_click_id, mobile_ad_id, or client_ip_address with client_user_agent');
	}

	const custom = raw.custom_data;
	let value: unknown;
	let currency: unknown;
	if (custom !== undefined) {
		if (!isObject(custom)) add('INVALID_PARAMETER', 'custom_data must be an object');
		else {
			({ value, currency } = custom);
			if (value !== undefined && !(typeof value === 'number' && Number.isFinite(value)) && !(typeof value === 'string' && /^\d+(\.\d+)?$/.test(value))) {
				add('INVALID_VALUE', 'custom_data.value must be a number');
			}
			if (currency !== undefined && (typeof currency !== 'string' || !/^[A-Z]{3}$/.test(currency)))
				add('INVALID_CURRENCY', 'custom_data.currency must be an ISO 4217 code such as USD');
			if (custom.order_id !== undefined && typeof custom.order_id !== 'string') add('INVALID_PARAMETER', 'custom_data.order_id must be a string');
		}
	}
	if (raw.event_name === 'PURCHASE' && (value === undefined || currency === undefined))
		add('MISSING_PRICE_OR_CURRENCY', 'PURCHASE events need custom_data.value and custom_data.currency');
	return problems;
}

export async function startSnapchatFake(options: SnapchatFakeOptions = {}): Promise<SnapchatFake> {
	const token = options.accessToken ?? SNAPCHAT_FAKE_TOKEN;
	const pixels = new Set(options.pixelIds ?? [SNAPCHAT_FAKE_PIXEL]);
	const now = options.now ?? (() => new Date());
	const events: RecordedSnapchatEvent[] = [];
	const duplicates: RecordedSnapchatEvent[] = [];
	const validated: RecordedSnapchatEvent[] = [];
	const seen = new Set<string>();
	const faults: Array<{ fault: SnapchatFault; retryAfter?: string }> = [];

	/** The token check every route shares: undefined when the token may act on the pixel. */
	function authProblem(request: RecordedRequest, pixelId: string, envelope: 'INVALID' | 'FAILURE'): FakeResponse | undefined {
		const refuse = (status: number, reason: string): FakeResponse => ({
			status,
			body: { status: envelope, reason },
		});
		const sent = request.query.access_token;
		if (sent === undefined || sent === '') {
			const elsewhere = request.headers.authorization !== undefined ? ' (an Authorization header is not read: send access_token in the query string)' : '';
			return refuse(401, `Unauthorized: access_token is missing${elsewhere}`);
		}
		if (sent !== token) return refuse(401, 'Unauthorized: the access token is invalid or has been revoked');
		if (!pixels.has(pixelId)) return refuse(403, `Forbidden: the access token may not send events to pixel ${pixelId}`);
		return undefined;
	}

	function receive(request: RecordedRequest, pixelId: string, validate: boolean): FakeResponse {
		const fault = faults.shift();
		if (fault) {
			const headers: Record<string, string> = fault.retryAfter ? { 'retry-after': fault.retryAfter } : {};
			if (fault.fault === 429) return invalid('Too many requests', 429, headers);
			return {
				status: fault.fault,
				headers: { ...headers, 'content-type': 'text/html' },
				body: `<html><body>${fault.fault} Service Unavailable</body></html>`,
			};
		}
		const auth = authProblem(request, pixelId, 'INVALID');
		if (auth) return auth;
		if (!isObject(request.body)) return invalid('The request body must be a JSON object');
		const data = request.body.data;
		if (!Array.isArray(data)) return invalid('data is required and must be a list of events');
		if (data.length === 0 || data.length > SNAPCHAT_FAKE_MAX_EVENTS) return invalid(`data must hold between 1 and ${SNAPCHAT_FAKE_MAX_EVENTS} events`);

		const nowSeconds = Math.floor(now().getTime() / 1000);
		const problems = data.map((raw) => eventProblems(raw, nowSeconds));
		const errorsOf = (list: Problem[]) => ({
			codes: list.map((problem) => problem.code),
			error_msgs: list.map((problem) => problem.message),
		});

		if (validate) {
			const eventLogs = problems.map((list, position) =>
				list.length === 0
					? { event: position, status: 'VALID', warnings: [] }
					: {
							event: position,
							status: 'INVALID',
							errors: errorsOf(list),
							warnings: [],
						},
			);
			data.forEach((raw, position) => {
				if (problems[position].length === 0) validated.push({ pixelId, event: raw as Record<string, unknown> });
			});
			const ok = problems.every((list) => list.length === 0);
			return {
				status: ok ? 200 : 400,
				body: {
					status: ok ? 'VALID' : 'INVALID',
					test_event: true,
					reason: ok ? 'All events are valid' : 'Some events are invalid',
					event_logs: eventLogs,
				},
			};
		}

		const first = problems.findIndex((list) => list.length > 0);
		if (first !== -1) {
			return {
				status: 400,
				body: {
					status: 'INVALID',
					event: first,
					reason: problems[first][0].message,
					errors: errorsOf(problems[first]),
				},
			};
		}
		for (const raw of data as Array<Record<string, unknown>>) {
			const recorded: RecordedSnapchatEvent = { pixelId, event: raw };
			const key = typeof raw.event_id === 'string' ? `${String(raw.event_name)}\u0000${raw.event_id}` : undefined;
			if (key && seen.has(key)) duplicates.push(recorded);
			else {
				if (key) seen.add(key);
				events.push(recorded);
			}
		}
		return {
			status: 200,
			body: {
				status: 'VALID',
				reason: 'Events have been processed successfully',
			},
		};
	}

	function stats(request: RecordedRequest, pixelId: string): FakeResponse {
		const auth = authProblem(request, pixelId, 'FAILURE');
		if (auth) return auth;
		const latest = (list: RecordedSnapchatEvent[]) => ({
			latest_event_ts: list.length > 0 ? Number(list[list.length - 1].event.event_time) * 1000 : 0,
			event_count_past_hour: list.length,
		});
		return {
			status: 200,
			body: {
				status: 'SUCCESS',
				reason: '',
				stats: { test: latest(validated), live: latest(events) },
			},
		};
	}

	const server = await startJsonFake((request) => {
		const statsMatch = STATS_PATH.exec(request.path);
		if (statsMatch)
			return request.method === 'GET' ? stats(request, decodeURIComponent(statsMatch[1])) : invalid(`Method ${request.method} is not allowed`, 405);
		const eventsMatch = EVENTS_PATH.exec(request.path);
		if (eventsMatch)
			return request.method === 'POST'
				? receive(request, decodeURIComponent(eventsMatch[1]), eventsMatch[2] !== undefined)
				: invalid(`Method ${request.method} is not allowed`, 405);
		return invalid(`No route ${request.path}`, 404);
	});

	return {
		...server,
		events,
		duplicates,
		validated,
		eventRequests: () => server.requests.filter((request) => EVENTS_PATH.test(request.path)),
		failNext(count, fault, faultOptions = {}) {
			for (let i = 0; i < count; i++) faults.push({ fault, retryAfter: faultOptions.retryAfter });
		},
	};
}
