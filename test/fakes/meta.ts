/**
 * A strict local stand-in for Meta's Graph API Conversions endpoint (reference/destinations.md, "Meta"):
 *
 *   POST /{version}/{pixel_id}/events?access_token=…   { data: [event…], test_event_code? }
 *   GET  /{version}/me?access_token=…                    (the credential test)
 *
 * It validates like Meta does — one bad event fails the whole request — and is stricter where our contract
 * is (the token only in the query; every user field hashed; raw ids never hashed). It answers with Meta's
 * success and error shapes, records the events it accepted, drops duplicates (event_name + event_id within
 * 48 hours) the way Meta's dedup does, and can be told to fail the next requests (429 / 5xx / throttling).
 */
import { isIP } from 'node:net';
import { type FakeResponse, type JsonFake, type RecordedRequest, startJsonFake } from './server';

export const META_FAKE_TOKEN = 'EAAfaketoken0123456789abcdef';
export const META_FAKE_PIXEL = '1234567890123456';

const HASHED_KEYS = ['em', 'ph', 'fn', 'ln', 'db', 'ge', 'ct', 'st', 'zp', 'country', 'external_id'] as const;
const RAW_KEYS = ['client_ip_address', 'client_user_agent', 'fbc', 'fbp'] as const;
const ACTION_SOURCES = new Set(['website', 'email', 'app', 'phone_call', 'chat', 'physical_store', 'system_generated', 'business_messaging', 'other']);
const SHA256 = /^[a-f0-9]{64}$/;
const LOOKS_HASHED = /^[A-Fa-f0-9]{64}$/;
const FBC = /^fb\.[0-2]\.(\d{13})\.[A-Za-z0-9_-]+$/;
const FBP = /^fb\.[0-2]\.\d{13}\.\d+$/;
const DAY = 24 * 60 * 60;
const DEDUP_SECONDS = 48 * 60 * 60;

export interface MetaFakeOptions {
	accessToken?: string;
	pixelId?: string;
	/** The fake's clock (for the 7-day window, the future limit and the 48 h dedup). */
	now?: () => Date;
}

export interface MetaFault {
	/** HTTP status (default 500). Meta itself answers throttling with 400 + code 4/17/613 and 5xx for outages. */
	status?: number;
	/** Graph API error code (default: 4 for 429, 2 for 5xx, else 100). */
	code?: number;
	subcode?: number;
	retryAfterSeconds?: number;
	/**
	 * A timeout instead of an error answer: the fake holds the request this many milliseconds before
	 * answering (longer than the caller's HTTP timeout, the caller gives up first). See `processFirst`.
	 */
	hangMs?: number;
	/**
	 * With `hangMs`: whether Meta did the work before the answer went missing (default true) — the events are
	 * validated and recorded, so the caller's retry after its timeout is a duplicate Meta drops by event_id.
	 * False: the request is lost before Meta reads it, and only the retry can deliver the events.
	 */
	processFirst?: boolean;
}

/** A fault the fake injected, for the test's own counts. */
export interface InjectedMetaFault {
	/** 0-based position of the request among the events-endpoint requests. */
	request: number;
	fault: MetaFault;
}

export interface AcceptedMetaEvent {
	pixelId: string;
	testEventCode?: string;
	event: Record<string, unknown>;
	receivedAt: Date;
}

export interface MetaFake extends JsonFake {
	/** The events Meta would keep, in arrival order (duplicates left out). */
	events: AcceptedMetaEvent[];
	/** Events dropped by dedup (same event_name + event_id within 48 h of the first). */
	duplicates: AcceptedMetaEvent[];
	/** Every answer the fake gave to the events endpoint, in order. */
	answers: FakeResponse[];
	/** The next `count` requests to the events endpoint fail as described, before any validation. */
	failNext(count: number, fault?: MetaFault): void;
	/**
	 * Decides a fault for each events-endpoint request that failNext has none queued for (undefined: none), e.g.
	 * a seeded random pattern; `undefined` removes the rule.
	 */
	injectFaults(decide?: (request: RecordedRequest, index: number) => MetaFault | undefined): void;
	/** Every fault injected so far (failNext's and injectFaults'), in arrival order of the requests. */
	injected: InjectedMetaFault[];
	accessToken: string;
	pixelId: string;
}

let traceCounter = 0;
const traceId = () => `AfakeTrace${(++traceCounter).toString(36)}`;

/** Meta's error shape. */
export function metaError(
	status: number,
	code: number,
	message: string,
	extra: { subcode?: number; title?: string; userMessage?: string; transient?: boolean; type?: string } = {},
): FakeResponse {
	return {
		status,
		body: {
			error: {
				message,
				type: extra.type ?? 'OAuthException',
				code,
				...(extra.subcode !== undefined ? { error_subcode: extra.subcode } : {}),
				is_transient: extra.transient ?? false,
				...(extra.title ? { error_user_title: extra.title } : {}),
				...(extra.userMessage ? { error_user_msg: extra.userMessage } : {}),
				fbtrace_id: traceId(),
			},
		},
	};
}

/** An invalid-parameter error for the event at `index` (the whole request fails). */
function invalid(index: number | undefined, subcode: number, title: string, userMessage: string): FakeResponse {
	const where = index === undefined ? '' : `Event ${index}: `;
	return metaError(400, 100, 'Invalid parameter', { subcode, title, userMessage: `${where}${userMessage}` });
}

function isStringOrStrings(value: unknown): value is string | string[] {
	return typeof value === 'string' || (Array.isArray(value) && value.length > 0 && value.every((entry) => typeof entry === 'string'));
}

/**
 * Validates one request's body as Meta would; undefined when it is acceptable. `nowSeconds` is the fake's
 * clock. Exported for the fake's own unit tests.
 */
export function checkMetaBody(body: unknown, nowSeconds: number): FakeResponse | undefined {
	if (!body || typeof body !== 'object' || Array.isArray(body)) {
		return metaError(400, 100, 'The parameter data is required', { title: 'Missing data', userMessage: 'The body must be a JSON object with a data array.' });
	}
	const { data, test_event_code: testEventCode } = body as { data?: unknown; test_event_code?: unknown };
	if (!Array.isArray(data) || data.length === 0) {
		return metaError(400, 100, 'The parameter data is required', { title: 'Missing data', userMessage: 'data must be a non-empty array of events.' });
	}
	if (data.length > 1000) {
		return invalid(undefined, 2804019, 'Too many events', `A request carries at most 1000 events; this one has ${data.length}.`);
	}
	if (testEventCode !== undefined && (typeof testEventCode !== 'string' || testEventCode.trim() === '')) {
		return invalid(undefined, 2804019, 'Invalid test_event_code', 'test_event_code must be a non-empty string.');
	}
	for (let index = 0; index < data.length; index++) {
		const problem = checkEvent(data[index], index, nowSeconds);
		if (problem) return problem;
	}
	return undefined;
}

function checkEvent(raw: unknown, index: number, nowSeconds: number): FakeResponse | undefined {
	if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return invalid(index, 2804019, 'Invalid event', 'Each event must be an object.');
	const event = raw as Record<string, unknown>;
	if (typeof event.event_name !== 'string' || event.event_name.trim() === '') {
		return invalid(index, 2804019, 'Missing event_name', 'event_name is required.');
	}
	if ('event_id' in event && (typeof event.event_id !== 'string' || event.event_id === '')) {
		return invalid(index, 2804019, 'Invalid event_id', 'event_id must be a non-empty string.');
	}
	// Data processing options (developers.facebook.com/docs/marketing-apis/data-processing-options): [] or ['LDU'],
	// with integer country (0: geolocate, 1: US) and state (0: geolocate, 1000 and up: a state) codes.
	if ('data_processing_options' in event) {
		const options = event.data_processing_options;
		if (!Array.isArray(options) || options.some((option) => option !== 'LDU')) {
			return invalid(index, 2804019, 'Invalid data_processing_options', 'data_processing_options must be an array holding at most "LDU".');
		}
	}
	for (const key of ['data_processing_options_country', 'data_processing_options_state'] as const) {
		if (key in event && (typeof event[key] !== 'number' || !Number.isInteger(event[key]))) {
			return invalid(index, 2804019, `Invalid ${key}`, `${key} must be an integer code.`);
		}
	}
	if (event.data_processing_options_country === 0 && 'data_processing_options_state' in event && event.data_processing_options_state !== 0) {
		return invalid(index, 2804019, 'Invalid data_processing_options_state', 'A state code needs the country code 1 (US).');
	}
	const actionSource = event.action_source;
	if (typeof actionSource !== 'string' || !ACTION_SOURCES.has(actionSource)) {
		return invalid(index, 2804019, 'Invalid action_source', `action_source must be one of ${[...ACTION_SOURCES].join(', ')}.`);
	}

	const time = event.event_time;
	if (typeof time !== 'number' || !Number.isInteger(time) || time <= 0) {
		return invalid(index, 2804019, 'Invalid event_time', 'event_time must be an integer unix timestamp in seconds.');
	}
	if (time >= 1e12) {
		return invalid(index, 2804019, 'Invalid event_time', 'event_time looks like milliseconds; Meta wants unix seconds (10 digits).');
	}
	const maxAge = (actionSource === 'physical_store' ? 62 : 7) * DAY;
	if (nowSeconds - time > maxAge) {
		return invalid(
			index,
			2804003,
			'Event Timestamp Too Old',
			`The timestamp for this event is too far in the past. Events need to be sent within ${maxAge / DAY} days of when they occurred.`,
		);
	}
	if (time - nowSeconds > 60) {
		return invalid(index, 2804019, 'Event Timestamp In The Future', 'event_time is more than one minute in the future.');
	}

	const userData = event.user_data;
	if (!userData || typeof userData !== 'object' || Array.isArray(userData) || Object.keys(userData).length === 0) {
		return invalid(index, 2804019, 'Missing user_data', 'user_data must contain at least one customer information parameter.');
	}
	const user = userData as Record<string, unknown>;
	for (const key of HASHED_KEYS) {
		if (!(key in user)) continue;
		const value = user[key];
		if (!isStringOrStrings(value)) return invalid(index, 2804019, `Invalid ${key}`, `user_data.${key} must be a string or a non-empty array of strings.`);
		for (const entry of Array.isArray(value) ? value : [value]) {
			if (!SHA256.test(entry)) {
				return invalid(index, 2804019, `Unhashed ${key}`, `user_data.${key} must be a SHA-256 hash (64 lowercase hex characters).`);
			}
		}
	}
	for (const key of RAW_KEYS) {
		if (!(key in user)) continue;
		const value = user[key];
		if (typeof value !== 'string' || value === '') return invalid(index, 2804019, `Invalid ${key}`, `user_data.${key} must be a non-empty string.`);
		if (LOOKS_HASHED.test(value)) return invalid(index, 2804019, `Hashed ${key}`, `user_data.${key} must not be hashed.`);
	}
	if (typeof user.client_ip_address === 'string' && isIP(user.client_ip_address) === 0) {
		return invalid(index, 2804019, 'Invalid client_ip_address', 'user_data.client_ip_address must be an IPv4 or IPv6 address.');
	}
	if (typeof user.fbc === 'string') {
		const match = FBC.exec(user.fbc);
		if (!match) return invalid(index, 2804001, 'Invalid fbc', 'user_data.fbc must be fb.<subdomain index>.<creation time in ms>.<fbclid>.');
	}
	if (typeof user.fbp === 'string' && !FBP.test(user.fbp)) {
		return invalid(index, 2804019, 'Invalid fbp', 'user_data.fbp must be fb.<subdomain index>.<creation time in ms>.<random number>.');
	}

	if (actionSource === 'website') {
		if (typeof user.client_user_agent !== 'string') {
			return invalid(index, 2804019, 'Missing client_user_agent', 'client_user_agent is required for action_source website.');
		}
		if (typeof event.event_source_url !== 'string') {
			return invalid(index, 2804019, 'Missing event_source_url', 'event_source_url is required for action_source website.');
		}
	}
	if ('event_source_url' in event) {
		let ok = false;
		try {
			ok = /^https?:$/.test(new URL(String(event.event_source_url)).protocol);
		} catch {
			ok = false;
		}
		if (!ok) return invalid(index, 2804019, 'Invalid event_source_url', 'event_source_url must be an absolute http(s) URL.');
	}

	const customData = event.custom_data;
	if (customData !== undefined) {
		if (!customData || typeof customData !== 'object' || Array.isArray(customData)) {
			return invalid(index, 2804019, 'Invalid custom_data', 'custom_data must be an object.');
		}
		const custom = customData as Record<string, unknown>;
		if ('value' in custom && (typeof custom.value !== 'number' || !Number.isFinite(custom.value))) {
			return invalid(index, 2804019, 'Invalid value', 'custom_data.value must be a number.');
		}
		if ('currency' in custom && (typeof custom.currency !== 'string' || !/^[A-Za-z]{3}$/.test(custom.currency))) {
			return invalid(index, 2804019, 'Invalid currency', 'custom_data.currency must be an ISO 4217 code.');
		}
	}
	if (event.event_name === 'Purchase') {
		const custom = (customData ?? {}) as Record<string, unknown>;
		if (typeof custom.value !== 'number' || typeof custom.currency !== 'string') {
			return invalid(index, 2804019, 'Missing value or currency', 'Purchase events require custom_data.value and custom_data.currency.');
		}
	}
	return undefined;
}

function faultResponse(fault: MetaFault): FakeResponse {
	const status = fault.status ?? 500;
	const code = fault.code ?? (status === 429 ? 4 : status >= 500 ? 2 : 100);
	const message =
		code === 4 || code === 17 || code === 613 || code === 80003
			? `(#${code}) Application request limit reached`
			: status >= 500
				? 'An unexpected error has occurred. Please retry your request later.'
				: 'Invalid parameter';
	const response = metaError(status, code, message, { subcode: fault.subcode, transient: status >= 500 || status === 429 });
	if (fault.retryAfterSeconds !== undefined) response.headers = { 'retry-after': String(fault.retryAfterSeconds) };
	return response;
}

function readBody(request: RecordedRequest): unknown {
	// Meta also accepts a form body with data=<json>.
	const contentType = String(request.headers['content-type'] ?? '');
	if (contentType.includes('application/x-www-form-urlencoded') && typeof request.body === 'string') {
		const form = new URLSearchParams(request.body);
		const data = form.get('data');
		try {
			return { data: data === null ? undefined : JSON.parse(data), test_event_code: form.get('test_event_code') ?? undefined };
		} catch {
			return undefined;
		}
	}
	return request.body;
}

export async function startMetaFake(options: MetaFakeOptions = {}): Promise<MetaFake> {
	const accessToken = options.accessToken ?? META_FAKE_TOKEN;
	const pixelId = options.pixelId ?? META_FAKE_PIXEL;
	const clock = options.now ?? (() => new Date());
	const events: AcceptedMetaEvent[] = [];
	const duplicates: AcceptedMetaEvent[] = [];
	const answers: FakeResponse[] = [];
	const faults: MetaFault[] = [];
	const injected: InjectedMetaFault[] = [];
	let decideFault: ((request: RecordedRequest, index: number) => MetaFault | undefined) | undefined;
	let eventRequests = 0;
	/** event_name + event_id → when first received (seconds). */
	const seen = new Map<string, number>();

	const authenticate = (request: RecordedRequest): FakeResponse | undefined => {
		const token = request.query.access_token;
		if (token === undefined) {
			const inHeader = request.headers.authorization !== undefined;
			return metaError(400, 104, 'An access token is required to request this resource.', {
				userMessage: inHeader ? 'The token was sent in the Authorization header; this endpoint takes it as the access_token query parameter.' : undefined,
			});
		}
		if (token !== accessToken) return metaError(400, 190, 'Invalid OAuth access token - Cannot parse access token');
		return undefined;
	};

	const handle = (request: RecordedRequest): FakeResponse | Promise<FakeResponse> => {
		const match = /^\/(v\d+\.\d+)\/([^/]+)(?:\/(events))?\/?$/.exec(request.path);
		if (!match) return metaError(400, 2500, 'Unknown path components', { type: 'OAuthException' });
		const [, , node, edge] = match;

		if (request.method === 'GET' && node === 'me' && !edge) {
			return authenticate(request) ?? { status: 200, body: { id: '100000000000001', name: 'Fake System User' } };
		}
		if (!edge) {
			if (request.method === 'GET' && node === pixelId) return authenticate(request) ?? { status: 200, body: { id: pixelId, name: 'Fake Pixel' } };
			return metaError(
				400,
				100,
				`Unsupported get request. Object with ID '${node}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`,
				{ subcode: 33, type: 'GraphMethodException' },
			);
		}
		if (request.method !== 'POST') return metaError(400, 100, 'Unsupported request method for the events edge', { type: 'GraphMethodException' });

		const index = eventRequests++;
		const fault = faults.shift() ?? decideFault?.(request, index);
		if (fault) {
			injected.push({ request: index, fault });
			if (fault.hangMs === undefined) return faultResponse(fault);
			// What Meta would have answered, had the answer not gone missing (the caller is gone by then).
			const late = fault.processFirst === false ? faultResponse({ status: 500 }) : accept(request, node);
			return new Promise<FakeResponse>((resolve) => setTimeout(() => resolve(late), fault.hangMs).unref());
		}
		return accept(request, node);
	};

	const accept = (request: RecordedRequest, node: string): FakeResponse => {
		const authProblem = authenticate(request);
		if (authProblem) return authProblem;
		if (node !== pixelId) {
			return metaError(
				400,
				100,
				`Unsupported post request. Object with ID '${node}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`,
				{
					subcode: 33,
					type: 'GraphMethodException',
				},
			);
		}

		const now = clock();
		const nowSeconds = Math.floor(now.getTime() / 1000);
		const body = readBody(request);
		const problem = checkMetaBody(body, nowSeconds);
		if (problem) return problem;

		const { data, test_event_code: testEventCode } = body as { data: Array<Record<string, unknown>>; test_event_code?: string };
		for (const event of data) {
			const record: AcceptedMetaEvent = { pixelId: node, ...(testEventCode ? { testEventCode } : {}), event, receivedAt: now };
			if (typeof event.event_id === 'string') {
				const key = `${String(event.event_name)}\u0000${event.event_id}`;
				const first = seen.get(key);
				if (first !== undefined && nowSeconds - first <= DEDUP_SECONDS) {
					duplicates.push(record);
					continue;
				}
				seen.set(key, nowSeconds);
			}
			events.push(record);
		}
		return { status: 200, body: { events_received: data.length, messages: [], fbtrace_id: traceId() } };
	};

	const fake = await startJsonFake(async (request) => {
		const answer = await handle(request);
		if (/\/events\/?$/.test(request.path)) answers.push(answer);
		return answer;
	});
	return {
		...fake,
		events,
		duplicates,
		answers,
		accessToken,
		pixelId,
		failNext(count: number, fault: MetaFault = {}) {
			for (let i = 0; i < count; i++) faults.push(fault);
		},
		injectFaults(decide) {
			decideFault = decide;
		},
		injected,
	};
}
