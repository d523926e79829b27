/**
 * A strict local stand-in for the Pinterest Conversions API v5, POST /v5/ad_accounts/{ad_account_id}/events
 * (Pinterest's OpenAPI description, `events/create`). It refuses what the real API refuses, the way it does:
 * - the conversion token only as `Authorization: Bearer <token>` (a token in the query string is not read):
 *   401 `{ code: 2, message: 'Authentication failed.' }`;
 * - an ad account the token may not use: 403 `{ code: 29, message: 'You are not permitted to access that resource.' }`;
 * - a body that breaks the schema — not `{ data: [1..1000 events] }`, a required field missing (event_name,
 *   action_source, event_time, event_id, user_data), a property the schema does not know, a wrong type
 *   (event_time not an integer, `custom_data.value` not a string, em/ph/… not arrays of strings), user_data without
 *   em, hashed_maids or the pair client_ip_address + client_user_agent: 400 `{ code: 1, message: 'Invalid request: …' }`
 *   and no event is taken;
 * - events that pass the schema but not the checks behind it — an unknown event name or action source, a hashed
 *   field that is not a SHA-256 hex digest (unhashed PII), a hashed-looking click id or IP, an event_time in the
 *   future (a millisecond time lands there) or older than 7 days, a value that is not a decimal, a currency that is
 *   not an ISO code — fail one by one: HTTP 422 `{ code, message, details: { num_events_received,
 *   num_events_processed, events } }` when any failed, else HTTP 200 `{ num_events_received, num_events_processed,
 *   events: [ { status, error_message, warning_message } ] }`, in request order.
 * `?test=true` answers the same but records nothing (the events land in `testEvents`). Accepted events are recorded
 * once per event_id (Pinterest's dedup key); repeats go to `duplicates`.
 */
import { isIP } from 'node:net';
import { type FakeResponse, type JsonFake, type RecordedRequest, startJsonFake } from './server';

export const PINTEREST_FAKE_TOKEN = 'pina_fake-conversion-token-0123456789';
export const PINTEREST_FAKE_AD_ACCOUNT = '549755885175';

const EVENTS_PATH = /^\/v5\/ad_accounts\/([^/]+)\/events$/;
const SHA256 = /^[a-f0-9]{64}$/;
const LOOKS_HASHED = /^[a-f0-9]{64}$/i;
const MAX_EVENTS = 1000;
const MAX_AGE_S = 7 * 24 * 60 * 60;
const EVENT_NAMES = new Set([
	'add_payment_info',
	'add_to_cart',
	'add_to_wishlist',
	'app_install',
	'app_open',
	'checkout',
	'contact',
	'custom',
	'customize_product',
	'find_location',
	'initiate_checkout',
	'lead',
	'page_visit',
	'schedule',
	'search',
	'signup',
	'start_trial',
	'submit_application',
	'subscribe',
	'view_category',
	'view_content',
	'watch_video',
]);
const ACTION_SOURCES = new Set(['app_android', 'app_ios', 'web', 'offline']);
const EVENT_KEYS = new Set([
	'event_name',
	'action_source',
	'event_time',
	'event_id',
	'event_source_url',
	'opt_out',
	'partner_name',
	'user_data',
	'custom_data',
	'app_id',
	'app_name',
	'app_version',
	'device_brand',
	'device_carrier',
	'device_model',
	'device_type',
	'os_version',
	'wifi',
	'language',
]);
const HASHED_LISTS = ['em', 'hashed_maids', 'ph', 'fn', 'ln', 'ge', 'db', 'ct', 'st', 'zp', 'country', 'external_id'];
const RAW_STRINGS = ['client_ip_address', 'client_user_agent', 'click_id', 'partner_id'];
const CUSTOM_STRINGS = [
	'currency',
	'value',
	'order_id',
	'content_name',
	'content_category',
	'content_brand',
	'search_string',
	'opt_out_type',
	'predicted_ltv',
	'np',
];
const CUSTOM_KEYS = new Set([...CUSTOM_STRINGS, 'content_ids', 'contents', 'num_items']);

export type PinterestFault = 429 | 500 | 503;

export interface PinterestFakeOptions {
	accessToken?: string;
	/** Ad accounts the token may send to. */
	adAccountIds?: string[];
	now?: () => Date;
}

export interface RecordedPinterestEvent {
	adAccountId: string;
	/** The event exactly as it arrived. */
	event: Record<string, unknown>;
}

export interface PinterestFake extends JsonFake {
	/** Events accepted (not in test mode), each event_id once, in arrival order. */
	events: RecordedPinterestEvent[];
	/** Accepted events whose event_id was already recorded (Pinterest drops them). */
	duplicates: RecordedPinterestEvent[];
	/** Events that passed in test mode (`?test=true`): validated, not recorded. */
	testEvents: RecordedPinterestEvent[];
	/** Requests to the events endpoint. */
	eventRequests(): RecordedRequest[];
	/** The next `count` event requests get `fault` instead of being processed. */
	failNext(count: number, fault: PinterestFault, options?: { retryAfter?: string }): void;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

const error = (status: number, code: number, message: string, headers: Record<string, string> = {}): FakeResponse => ({
	status,
	headers,
	body: { code, message },
});
const invalid = (what: string): FakeResponse => error(400, 1, `Invalid request: ${what}`);

/** Schema problems (the whole request is refused), as `data[<n>].<path>: <what>`. */
function schemaProblem(raw: unknown, position: number): string | undefined {
	const at = (path: string, what: string) => `data[${position}]${path ? `.${path}` : ''}: ${what}`;
	if (!isObject(raw)) return at('', 'is not of type object');
	for (const key of Object.keys(raw)) if (!EVENT_KEYS.has(key)) return at('', `Additional properties are not allowed ('${key}' was unexpected)`);
	for (const key of ['event_name', 'action_source', 'event_time', 'event_id', 'user_data']) {
		if (raw[key] === undefined || raw[key] === null) return at('', `'${key}' is a required property`);
	}
	for (const key of ['event_name', 'action_source', 'event_id']) if (typeof raw[key] !== 'string') return at(key, 'is not of type string');
	if (typeof raw.event_time !== 'number' || !Number.isInteger(raw.event_time)) return at('event_time', 'is not of type integer');
	if (raw.event_source_url !== undefined && raw.event_source_url !== null && typeof raw.event_source_url !== 'string')
		return at('event_source_url', 'is not of type string');
	if (raw.opt_out !== undefined && typeof raw.opt_out !== 'boolean') return at('opt_out', 'is not of type boolean');

	const user = raw.user_data;
	if (!isObject(user)) return at('user_data', 'is not of type object');
	const userKeys = new Set([...HASHED_LISTS, ...RAW_STRINGS]);
	for (const key of Object.keys(user)) if (!userKeys.has(key)) return at('user_data', `Additional properties are not allowed ('${key}' was unexpected)`);
	for (const key of HASHED_LISTS) {
		const value = user[key];
		if (value === undefined) continue;
		if (!Array.isArray(value) || value.some((one) => typeof one !== 'string')) return at(`user_data.${key}`, 'is not of type array of strings');
	}
	for (const key of RAW_STRINGS) {
		const value = user[key];
		if (value !== undefined && value !== null && typeof value !== 'string') return at(`user_data.${key}`, 'is not of type string');
	}
	const has = (key: string) => (Array.isArray(user[key]) ? (user[key] as unknown[]).length > 0 : typeof user[key] === 'string' && user[key] !== '');
	if (!has('em') && !has('hashed_maids') && !(has('client_ip_address') && has('client_user_agent'))) {
		return at('user_data', 'is not valid under any of the given schemas (em, hashed_maids, or client_ip_address with client_user_agent is required)');
	}

	if (raw.custom_data !== undefined) {
		const custom = raw.custom_data;
		if (!isObject(custom)) return at('custom_data', 'is not of type object');
		for (const key of Object.keys(custom))
			if (!CUSTOM_KEYS.has(key)) return at('custom_data', `Additional properties are not allowed ('${key}' was unexpected)`);
		for (const key of CUSTOM_STRINGS) {
			const value = custom[key];
			if (value !== undefined && value !== null && typeof value !== 'string')
				return at(`custom_data.${key}`, `${JSON.stringify(value)} is not of type 'string'`);
		}
		if (custom.num_items !== undefined && !Number.isInteger(custom.num_items)) return at('custom_data.num_items', 'is not of type integer');
		// Limited Data Processing: comma-separated opt-out types, of which LDP is the one Pinterest documents.
		if (typeof custom.opt_out_type === 'string' && custom.opt_out_type.split(',').some((type) => type.trim() !== 'LDP'))
			return at('custom_data.opt_out_type', `'${custom.opt_out_type}' is not one of ['LDP']`);
	}
	return undefined;
}

/** Why Pinterest would not process an event that passed the schema (undefined: processed). */
function eventProblem(event: Record<string, unknown>, nowSeconds: number): string | undefined {
	const name = event.event_name as string;
	if (!EVENT_NAMES.has(name)) return `event_name '${name}' is not a supported event name.`;
	if (!ACTION_SOURCES.has(event.action_source as string)) return `action_source '${String(event.action_source)}' is not supported.`;
	const time = event.event_time as number;
	if (time > nowSeconds) return 'event_time is in the future. It must be a Unix timestamp in seconds, not later than now.';
	if (nowSeconds - time > MAX_AGE_S) return 'event_time is older than 7 days.';
	if (event.event_id === '') return 'event_id must not be empty.';
	const user = event.user_data as Record<string, unknown>;
	for (const key of HASHED_LISTS) {
		const values = user[key] as string[] | undefined;
		if (values?.some((value) => !SHA256.test(value))) return `user_data.${key} must contain SHA-256 hashes (64 lowercase hex characters).`;
	}
	const ip = user.client_ip_address;
	if (typeof ip === 'string' && ip !== '' && isIP(ip) === 0) return 'user_data.client_ip_address is not a valid IPv4 or IPv6 address.';
	for (const key of ['click_id', 'client_user_agent']) {
		const value = user[key];
		if (typeof value === 'string' && LOOKS_HASHED.test(value)) return `user_data.${key} must be sent as is, not hashed.`;
	}
	if (typeof event.event_source_url === 'string' && !URL.canParse(event.event_source_url)) return 'event_source_url is not a valid URL.';
	const custom = event.custom_data as Record<string, unknown> | undefined;
	if (custom) {
		if (typeof custom.value === 'string' && !/^-?\d+(\.\d+)?$/.test(custom.value))
			return `custom_data.value '${custom.value}' could not be parsed as a number.`;
		if (typeof custom.currency === 'string' && !/^[A-Z]{3}$/.test(custom.currency))
			return `custom_data.currency '${custom.currency}' is not a valid ISO-4217 currency code.`;
	}
	return undefined;
}

export async function startPinterestFake(options: PinterestFakeOptions = {}): Promise<PinterestFake> {
	const token = options.accessToken ?? PINTEREST_FAKE_TOKEN;
	const adAccounts = new Set(options.adAccountIds ?? [PINTEREST_FAKE_AD_ACCOUNT]);
	const now = options.now ?? (() => new Date());
	const events: RecordedPinterestEvent[] = [];
	const duplicates: RecordedPinterestEvent[] = [];
	const testEvents: RecordedPinterestEvent[] = [];
	const seen = new Set<string>();
	const faults: Array<{ fault: PinterestFault; retryAfter?: string }> = [];

	function authProblem(request: RecordedRequest): FakeResponse | undefined {
		const header = request.headers.authorization;
		const sent = Array.isArray(header) ? header[0] : header;
		const match = typeof sent === 'string' ? /^Bearer (.+)$/.exec(sent) : null;
		// A token anywhere else (access_token in the query, a bare header, another scheme) is not read.
		if (!match || match[1] !== token) return error(401, 2, 'Authentication failed.');
		return undefined;
	}

	function track(request: RecordedRequest, adAccountId: string): FakeResponse {
		const fault = faults.shift();
		if (fault) {
			const headers: Record<string, string> = fault.retryAfter ? { 'retry-after': fault.retryAfter } : {};
			if (fault.fault === 429) {
				return error(
					429,
					8,
					'This request exceeded a rate limit. This can happen if the client exceeds one of the published rate limits within a short time window.',
					headers,
				);
			}
			if (fault.fault === 503) return error(503, 4197, 'The endpoint has been ramped down and is currently not accepting any traffic.', headers);
			return {
				status: 500,
				headers: { ...headers, 'content-type': 'text/html' },
				body: '<html><body>500 Internal Server Error</body></html>',
			};
		}
		const auth = authProblem(request);
		if (auth) return auth;
		if (!/^\d{1,18}$/.test(adAccountId)) return invalid(`ad_account_id '${adAccountId}' does not match '^\\d+$'`);
		if (!adAccounts.has(adAccountId)) return error(403, 29, 'You are not permitted to access that resource.');
		const testParam = request.query.test;
		if (testParam !== undefined && testParam !== 'true' && testParam !== 'false') return invalid(`test '${testParam}' is not of type 'boolean'`);
		const testMode = testParam === 'true';

		const body = request.body;
		if (!isObject(body)) return invalid('the body is not a JSON object');
		for (const key of Object.keys(body)) if (key !== 'data') return invalid(`Additional properties are not allowed ('${key}' was unexpected)`);
		if (!Array.isArray(body.data)) return invalid("'data' is a required property");
		if (body.data.length === 0) return invalid('data: [] should be non-empty');
		if (body.data.length > MAX_EVENTS) return invalid(`data: is too long (at most ${MAX_EVENTS} items)`);
		for (const [position, raw] of body.data.entries()) {
			const problem = schemaProblem(raw, position);
			if (problem) return invalid(problem);
		}

		const nowSeconds = Math.floor(now().getTime() / 1000);
		const verdicts = (body.data as Array<Record<string, unknown>>).map((event) => {
			const problem = eventProblem(event, nowSeconds);
			return {
				status: problem ? 'failed' : 'processed',
				error_message: problem ?? null,
				warning_message: null,
			};
		});
		(body.data as Array<Record<string, unknown>>).forEach((event, position) => {
			if (verdicts[position].status !== 'processed') return;
			const recorded: RecordedPinterestEvent = { adAccountId, event };
			if (testMode) testEvents.push(recorded);
			else if (seen.has(event.event_id as string)) duplicates.push(recorded);
			else {
				seen.add(event.event_id as string);
				events.push(recorded);
			}
		});
		const processed = verdicts.filter((verdict) => verdict.status === 'processed').length;
		const summary = {
			num_events_received: verdicts.length,
			num_events_processed: processed,
			events: verdicts,
		};
		if (processed < verdicts.length)
			return {
				status: 422,
				body: {
					code: 1,
					message: 'Not all events were successfully processed.',
					details: summary,
				},
			};
		return { status: 200, body: summary };
	}

	const server = await startJsonFake((request) => {
		const match = EVENTS_PATH.exec(request.path);
		if (!match) return error(404, 404, 'Resource not found.');
		if (request.method !== 'POST') return error(405, 405, `Method ${request.method} is not allowed.`);
		return track(request, decodeURIComponent(match[1]));
	});

	return {
		...server,
		events,
		duplicates,
		testEvents,
		eventRequests: () => server.requests.filter((request) => EVENTS_PATH.test(request.path)),
		failNext(count, fault, faultOptions = {}) {
			for (let i = 0; i < count; i++) faults.push({ fault, retryAfter: faultOptions.retryAfter });
		},
	};
}
