/**
 * A strict local stand-in for the TikTok Events API 2.0 (reference/destinations.md): it validates the way the
 * real API does — token in the Access-Token header only, required fields, hashed email/phone/external_id,
 * raw ttclid/ttp/ip/user_agent, event_time in seconds, the offline/CRM window, at most 1000 events, a pixel the
 * token may use — and answers in TikTok's envelope `{ code, message, request_id, data }` with HTTP 200 even
 * when it refuses. Accepted events are recorded once per event + event_id (TikTok's dedup key).
 *
 * Also serves GET /open_api/v1.3/user/info/, the request the credential's Test button runs.
 */
import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { type FakeResponse, type JsonFake, type RecordedRequest, startJsonFake } from './server';

export const TIKTOK_FAKE_TOKEN = 'tiktok-fake-access-token-0123456789';
export const TIKTOK_FAKE_PIXEL = 'CFAKEPIXEL0123456789';

const TRACK_PATH = '/open_api/v1.3/event/track/';
const USER_INFO_PATH = '/open_api/v1.3/user/info/';
const SHA256 = /^[a-f0-9]{64}$/;
const LOOKS_HASHED = /^[a-f0-9]{64}$/i;
const EVENT_SOURCES = ['web', 'app', 'offline', 'crm'];
const MAX_EVENTS = 1000;
const OFFLINE_WINDOW_S = 28 * 24 * 60 * 60;

/**
 * What to answer instead of processing the next requests: an HTTP status from TikTok's edge, or TikTok's own
 * HTTP 200 refusals for throttling (40100) and an internal error (50000).
 */
export type TikTokFault = 429 | 500 | 503 | 'rate_limit' | 'system_error';

export interface TikTokFakeOptions {
	accessToken?: string;
	/** Pixel codes the token may send events to. */
	pixelCodes?: string[];
	now?: () => Date;
}

export interface RecordedTikTokEvent {
	eventSource: string;
	pixelCode: string;
	testEventCode?: string;
	/** The event exactly as it arrived. */
	event: Record<string, unknown>;
}

export interface TikTokFake extends JsonFake {
	/** Events accepted, each event + event_id once, in arrival order. */
	events: RecordedTikTokEvent[];
	/** Events accepted again with an event + event_id already recorded (TikTok drops them). */
	duplicates: RecordedTikTokEvent[];
	/** Requests to the track endpoint. */
	trackRequests(): RecordedRequest[];
	/** The next `count` track requests get `fault` instead of being processed (queued after earlier faults). */
	failNext(count: number, fault: TikTokFault, options?: { retryAfter?: string }): void;
}

type Envelope = { code: number; message: string; request_id: string; data: Record<string, unknown> };

function requestId(): string {
	return `${new Date().toISOString().replace(/\D/g, '').slice(0, 14)}${randomBytes(9).toString('hex').toUpperCase()}`;
}

/** TikTok's envelope, HTTP 200 unless told otherwise. */
function answer(code: number, message: string, status = 200, headers: Record<string, string> = {}): FakeResponse {
	const body: Envelope = { code, message, request_id: requestId(), data: {} };
	return { status, headers, body };
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Problems with one event, as TikTok words paths: `Batch.<n>.<field>: <what>`. */
function eventProblems(raw: unknown, position: number, eventSource: string, nowSeconds: number): string[] {
	const at = (path: string, what: string) => `Batch.${position}.${path}: ${what}`;
	if (!isObject(raw)) return [`Batch.${position}: Not a valid object.`];
	const problems: string[] = [];

	if (typeof raw.event !== 'string' || raw.event.trim() === '') problems.push(at('event', 'Missing data for required field.'));

	const time = raw.event_time;
	if (time === undefined) problems.push(at('event_time', 'Missing data for required field.'));
	else if (typeof time !== 'number' || !Number.isInteger(time)) problems.push(at('event_time', 'Not a valid integer.'));
	else if (time > 99_999_999_999) problems.push(at('event_time', 'Must be a Unix timestamp in seconds (this looks like milliseconds).'));
	else if (time < 1_000_000_000) problems.push(at('event_time', 'Not a valid Unix timestamp in seconds.'));
	else if ((eventSource === 'offline' || eventSource === 'crm') && nowSeconds - time > OFFLINE_WINDOW_S) {
		problems.push(at('event_time', `Events from source ${eventSource} must be within the last 28 days.`));
	}

	if (raw.event_id !== undefined && (typeof raw.event_id !== 'string' || raw.event_id === '')) problems.push(at('event_id', 'Not a valid string.'));
	if (raw.limited_data_use !== undefined && typeof raw.limited_data_use !== 'boolean') problems.push(at('limited_data_use', 'Not a valid boolean.'));

	if (raw.user !== undefined) {
		if (!isObject(raw.user)) problems.push(at('user', 'Not a valid object.'));
		else {
			const user = raw.user;
			for (const field of ['email', 'phone', 'external_id']) {
				const value = user[field];
				if (value === undefined) continue;
				const values = Array.isArray(value) ? value : [value];
				if (values.length === 0 || values.some((one) => typeof one !== 'string' || !SHA256.test(one))) {
					problems.push(at(`user.${field}`, 'Must be a SHA-256 hash of the normalized value (64 lowercase hex characters).'));
				}
			}
			for (const field of ['ttclid', 'ttp', 'ip', 'user_agent']) {
				const value = user[field];
				if (value === undefined) continue;
				if (typeof value !== 'string' || value === '') problems.push(at(`user.${field}`, 'Not a valid string.'));
				else if (LOOKS_HASHED.test(value)) problems.push(at(`user.${field}`, 'Must be sent as is, not hashed.'));
				else if (field === 'ip' && isIP(value) === 0) problems.push(at('user.ip', 'Not a valid IP address.'));
			}
		}
	}

	if (raw.properties !== undefined) {
		if (!isObject(raw.properties)) problems.push(at('properties', 'Not a valid object.'));
		else {
			const { value, currency, order_id: orderId, content_name: contentName } = raw.properties;
			if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value))) problems.push(at('properties.value', 'Not a valid number.'));
			if (currency !== undefined && (typeof currency !== 'string' || !/^[A-Z]{3}$/.test(currency)))
				problems.push(at('properties.currency', 'Not a valid ISO 4217 currency code.'));
			if (orderId !== undefined && typeof orderId !== 'string') problems.push(at('properties.order_id', 'Not a valid string.'));
			if (contentName !== undefined && typeof contentName !== 'string') problems.push(at('properties.content_name', 'Not a valid string.'));
		}
	}

	if (raw.page !== undefined) {
		if (!isObject(raw.page)) problems.push(at('page', 'Not a valid object.'));
		else {
			for (const field of ['url', 'referrer']) {
				const value = raw.page[field];
				if (value === undefined) continue;
				if (typeof value !== 'string' || !URL.canParse(value)) problems.push(at(`page.${field}`, 'Not a valid URL.'));
			}
		}
	}
	return problems;
}

export async function startTikTokFake(options: TikTokFakeOptions = {}): Promise<TikTokFake> {
	const token = options.accessToken ?? TIKTOK_FAKE_TOKEN;
	const pixels = new Set(options.pixelCodes ?? [TIKTOK_FAKE_PIXEL]);
	const now = options.now ?? (() => new Date());
	const events: RecordedTikTokEvent[] = [];
	const duplicates: RecordedTikTokEvent[] = [];
	const seen = new Set<string>();
	const faults: Array<{ fault: TikTokFault; retryAfter?: string }> = [];

	/** The token check every endpoint shares: undefined when the token is good. */
	function authProblem(request: RecordedRequest): FakeResponse | undefined {
		const header = request.headers['access-token'];
		const sent = Array.isArray(header) ? header[0] : header;
		if ('access_token' in request.query || 'access-token' in request.query) {
			return answer(40104, 'Access token is null. It must be sent in the Access-Token header, not in the query string.');
		}
		if (sent === undefined || sent === '') {
			const bearer = typeof request.headers.authorization === 'string' ? ' (an Authorization header is not read: use Access-Token)' : '';
			return answer(40104, `Access token is null${bearer}.`);
		}
		if (sent !== token) return answer(40105, 'Access token is incorrect or has been revoked.');
		return undefined;
	}

	function track(request: RecordedRequest): FakeResponse {
		const fault = faults.shift();
		if (fault) {
			const headers: Record<string, string> = fault.retryAfter ? { 'retry-after': fault.retryAfter } : {};
			switch (fault.fault) {
				case 429:
					return answer(40100, 'Too many requests.', 429, headers);
				case 500:
				case 503:
					return {
						status: fault.fault,
						headers: { ...headers, 'content-type': 'text/html' },
						body: `<html><body>${fault.fault} Service Unavailable</body></html>`,
					};
				case 'rate_limit':
					return answer(40100, 'Requests made too frequently. Please retry later.', 200, headers);
				case 'system_error':
					return answer(50000, 'System error. Please retry.', 200, headers);
			}
		}
		const auth = authProblem(request);
		if (auth) return auth;
		if (!isObject(request.body)) return answer(40002, 'Request body must be a JSON object.');
		const body = request.body;

		if (typeof body.event_source !== 'string' || body.event_source === '') return answer(40002, 'event_source: Missing data for required field.');
		if (!EVENT_SOURCES.includes(body.event_source)) return answer(40002, `event_source: Must be one of: ${EVENT_SOURCES.join(', ')}.`);
		if (typeof body.event_source_id !== 'string' || body.event_source_id === '') return answer(40002, 'event_source_id: Missing data for required field.');
		if (!pixels.has(body.event_source_id)) return answer(40001, `No permission to operate pixel ${body.event_source_id}.`);
		if (body.test_event_code !== undefined && (typeof body.test_event_code !== 'string' || body.test_event_code === ''))
			return answer(40002, 'test_event_code: Not a valid string.');
		if (!Array.isArray(body.data)) return answer(40002, 'data: Missing data for required field.');
		if (body.data.length === 0 || body.data.length > MAX_EVENTS) return answer(40002, `data: Length must be between 1 and ${MAX_EVENTS}.`);

		const nowSeconds = Math.floor(now().getTime() / 1000);
		const problems = body.data.map((raw, position) => eventProblems(raw, position, body.event_source as string, nowSeconds));
		const refused = problems.filter((list) => list.length > 0);
		if (refused.length === body.data.length) return answer(40002, refused.flat().join('; '));

		body.data.forEach((raw, position) => {
			if (problems[position].length > 0) return;
			const event = raw as Record<string, unknown>;
			const recorded: RecordedTikTokEvent = {
				eventSource: body.event_source as string,
				pixelCode: body.event_source_id as string,
				...(typeof body.test_event_code === 'string' && { testEventCode: body.test_event_code }),
				event,
			};
			const key = typeof event.event_id === 'string' ? `${event.event as string}\u0000${event.event_id}` : undefined;
			if (key && seen.has(key)) duplicates.push(recorded);
			else {
				if (key) seen.add(key);
				events.push(recorded);
			}
		});
		return refused.length > 0 ? answer(20001, `Partial success. ${refused.flat().join('; ')}`) : answer(0, 'OK');
	}

	function userInfo(request: RecordedRequest): FakeResponse {
		const auth = authProblem(request);
		if (auth) return auth;
		return {
			status: 200,
			body: { code: 0, message: 'OK', request_id: requestId(), data: { core_user_id: '7000000000000000001', display_name: 'Fake TikTok advertiser' } },
		};
	}

	const server = await startJsonFake((request) => {
		if (request.path === TRACK_PATH)
			return request.method === 'POST' ? track(request) : answer(40002, `Method ${request.method} is not allowed; use POST.`, 405);
		if (request.path === USER_INFO_PATH)
			return request.method === 'GET' ? userInfo(request) : answer(40002, `Method ${request.method} is not allowed; use GET.`, 405);
		return answer(40400, `Route ${request.path} not found.`, 404);
	});

	return {
		...server,
		events,
		duplicates,
		trackRequests: () => server.requests.filter((request) => request.path === TRACK_PATH),
		failNext(count, fault, faultOptions = {}) {
			for (let i = 0; i < count; i++) faults.push({ fault, retryAfter: faultOptions.retryAfter });
		},
	};
}
