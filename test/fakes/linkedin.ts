/**
 * A strict local stand-in for the LinkedIn Conversions API (POST /rest/conversionEvents, Rest.li 2.0).
 *
 * What it checks, and how it answers (LinkedIn's error body is `{ status, serviceErrorCode, code?, message }`,
 * https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/error-handling):
 * - the bearer token in the Authorization header (401 "Empty oauth2_access_token" without one, 401
 *   INVALID_ACCESS_TOKEN for a wrong one, 403 ACCESS_DENIED for a token without rw_conversions);
 * - `LinkedIn-Version` (400 VERSION_MISSING without it, 426 NONEXISTENT_VERSION for a month that is not active)
 *   and `X-Restli-Protocol-Version: 2.0.0`;
 * - `X-RestLi-Method: BATCH_CREATE` for `{ elements: [...] }` (at most 5,000); without it the body is one event,
 *   so an `elements` list is an unknown field;
 * - the data schema, for the whole request, as Rest.li does: a missing required field, a wrong type or an unknown
 *   field refuses the request with 422 and one `ERROR :: /elements/<n>/<field> :: <why>` line per problem;
 * - each event's values, one by one, answered in the 200 `{ elements: [{ status: 201 }, { status, error }] }`:
 *   a rule URN that is not `urn:lla:llaPartnerConversion:<id>` or a rule it does not know, a time older than 90
 *   days or more than 5 minutes ahead of its clock, no user id, userInfo without both names, an eventId over 64
 *   characters, a currency or
 *   country that is not an ISO code, an amount that is not a decimal string.
 *
 * Stricter than LinkedIn on purpose: a SHA256_EMAIL must be 64 lower-case hex characters (LinkedIn cannot tell
 * an unhashed value from a hash it does not know), and an li_fat_id must not look hashed (it goes as it is).
 *
 * Accepted events are recorded once per rule + eventId; repeats go to `duplicates`. Also serves
 * GET /rest/adAccountUsers?q=authenticatedUser, a harmless read a credential test can run.
 */
import { type FakeResponse, type JsonFake, type RecordedRequest, startJsonFake } from './server';

export const LINKEDIN_FAKE_TOKEN = 'AQVlinkedin-fake-access-token-0123456789';
/** A token of a member without rw_conversions: refused with 403. */
export const LINKEDIN_FAKE_TOKEN_WITHOUT_SCOPE = 'AQVlinkedin-fake-token-without-rw-conversions';
export const LINKEDIN_FAKE_RULE = '104012';

const EVENTS_PATH = '/rest/conversionEvents';
const ACCOUNT_USERS_PATH = '/rest/adAccountUsers';
const SHA256 = /^[a-f0-9]{64}$/;
const LOOKS_HASHED = /^[a-f0-9]{64}$/i;
const RULE_URN = /^urn:lla:llaPartnerConversion:(\d+)$/;
const MAX_ELEMENTS = 5000;
const MAX_AGE_MS = 90 * 24 * 60 * 60 * 1000;
/** LinkedIn documents no bound for times ahead of its clock; this fake allows what the builder allows (clock skew). */
const MAX_FUTURE_MS = 5 * 60 * 1000;
const ID_TYPES = ['SHA256_EMAIL', 'LINKEDIN_FIRST_PARTY_ADS_TRACKING_UUID', 'ACXIOM_ID', 'ORACLE_MOAT_ID', 'PLAINTEXT_IP_ADDRESS', 'GOOGLE_AID'];
const EVENT_FIELDS = ['conversion', 'conversionHappenedAt', 'conversionValue', 'eventId', 'user'];
const USER_FIELDS = ['userIds', 'userInfo', 'externalIds', 'lead'];
const USER_INFO_FIELDS = ['firstName', 'lastName', 'title', 'companyName', 'countryCode'];

export type LinkedInFault = 429 | 500 | 503;

export interface LinkedInFakeOptions {
	accessToken?: string;
	/** Conversion rule ids the token may stream to. */
	ruleIds?: string[];
	/** LinkedIn-Version months that are active (default 202512 to 202612). */
	activeVersions?: string[];
	now?: () => Date;
}

export interface RecordedLinkedInEvent {
	version: string;
	/** The event exactly as it arrived. */
	event: Record<string, unknown>;
}

export interface LinkedInFake extends JsonFake {
	/** Events accepted, each rule + eventId once, in arrival order. */
	events: RecordedLinkedInEvent[];
	/** Events accepted again with a rule + eventId already recorded. */
	duplicates: RecordedLinkedInEvent[];
	/** Requests to the conversion events endpoint. */
	conversionRequests(): RecordedRequest[];
	/** The next `count` conversion requests get `fault` instead of being processed. */
	failNext(count: number, fault: LinkedInFault, options?: { retryAfter?: string }): void;
	/** The next time an event with this eventId arrives, its element answers `status` (a 503 in a 200 batch). */
	failEventOnce(eventId: string, status: number): void;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function error(status: number, message: string, extra: { serviceErrorCode?: number; code?: string } = {}) {
	return { status, serviceErrorCode: extra.serviceErrorCode ?? status, ...(extra.code ? { code: extra.code } : {}), message };
}

function refuse(status: number, message: string, extra: { serviceErrorCode?: number; code?: string } = {}, headers: Record<string, string> = {}): FakeResponse {
	return { status, headers, body: error(status, message, extra) };
}

function defaultVersions(): string[] {
	const versions: string[] = [];
	for (let month = 12; month <= 24; month++) versions.push(`${2025 + Math.floor((month - 1) / 12)}${String(((month - 1) % 12) + 1).padStart(2, '0')}`);
	return versions;
}

const header = (request: RecordedRequest, name: string): string | undefined => {
	const value = request.headers[name];
	return typeof value === 'string' ? value : undefined;
};

/** Rest.li's data-schema problems of one event, as `ERROR :: path :: why` lines. */
function schemaProblems(raw: unknown, at: string): string[] {
	const line = (path: string, why: string) => `ERROR :: ${at}${path} :: ${why}`;
	if (!isObject(raw)) return [line('', 'is not a record')];
	const problems: string[] = [];
	const required = 'field is required but not found and has no default value';
	for (const key of Object.keys(raw)) if (!EVENT_FIELDS.includes(key)) problems.push(line(`/${key}`, 'unrecognized field found but not allowed'));
	if (raw.conversion === undefined) problems.push(line('/conversion', required));
	else if (typeof raw.conversion !== 'string') problems.push(line('/conversion', `${JSON.stringify(raw.conversion)} is not a string`));
	if (raw.conversionHappenedAt === undefined) problems.push(line('/conversionHappenedAt', required));
	else if (typeof raw.conversionHappenedAt !== 'number' || !Number.isInteger(raw.conversionHappenedAt))
		problems.push(line('/conversionHappenedAt', `${JSON.stringify(raw.conversionHappenedAt)} is not a long`));
	if (raw.eventId !== undefined && typeof raw.eventId !== 'string') problems.push(line('/eventId', `${JSON.stringify(raw.eventId)} is not a string`));
	if (raw.conversionValue !== undefined) {
		const value = raw.conversionValue;
		if (!isObject(value)) problems.push(line('/conversionValue', 'is not a record'));
		else {
			for (const field of ['currencyCode', 'amount']) {
				if (value[field] === undefined) problems.push(line(`/conversionValue/${field}`, required));
				else if (typeof value[field] !== 'string') problems.push(line(`/conversionValue/${field}`, `${JSON.stringify(value[field])} is not a string`));
			}
		}
	}
	if (raw.user === undefined) problems.push(line('/user', required));
	else if (!isObject(raw.user)) problems.push(line('/user', 'is not a record'));
	else {
		const user = raw.user;
		for (const key of Object.keys(user)) if (!USER_FIELDS.includes(key)) problems.push(line(`/user/${key}`, 'unrecognized field found but not allowed'));
		if (user.userIds === undefined) problems.push(line('/user/userIds', required));
		else if (!Array.isArray(user.userIds)) problems.push(line('/user/userIds', 'is not an array'));
		else
			user.userIds.forEach((id, i) => {
				const path = `/user/userIds/${i}`;
				if (!isObject(id)) {
					problems.push(line(path, 'is not a record'));
					return;
				}
				if (typeof id.idType !== 'string' || !ID_TYPES.includes(id.idType))
					problems.push(line(`${path}/idType`, `${JSON.stringify(id.idType)} is not an enum symbol`));
				if (typeof id.idValue !== 'string') problems.push(line(`${path}/idValue`, `${JSON.stringify(id.idValue)} is not a string`));
				for (const key of Object.keys(id))
					if (key !== 'idType' && key !== 'idValue') problems.push(line(`${path}/${key}`, 'unrecognized field found but not allowed'));
			});
		if (user.userInfo !== undefined) {
			if (!isObject(user.userInfo)) problems.push(line('/user/userInfo', 'is not a record'));
			else
				for (const [key, value] of Object.entries(user.userInfo)) {
					if (!USER_INFO_FIELDS.includes(key)) problems.push(line(`/user/userInfo/${key}`, 'unrecognized field found but not allowed'));
					else if (typeof value !== 'string') problems.push(line(`/user/userInfo/${key}`, `${JSON.stringify(value)} is not a string`));
				}
		}
	}
	return problems;
}

/** Why LinkedIn refuses one schema-valid event (its element's status and message), or undefined when it takes it. */
function eventProblem(event: Record<string, unknown>, nowMs: number, rules: Set<string>): { status: number; message: string } | undefined {
	const rule = RULE_URN.exec(event.conversion as string);
	if (!rule) return { status: 422, message: `/conversion: ${String(event.conversion)} is not a valid urn:lla:llaPartnerConversion URN` };
	if (!rules.has(rule[1])) return { status: 404, message: `Conversion rule ${String(event.conversion)} does not exist or the member has no access to it` };
	const time = event.conversionHappenedAt as number;
	if (time < 100_000_000_000) return { status: 422, message: '/conversionHappenedAt: must be epoch milliseconds' };
	if (nowMs - time > MAX_AGE_MS) return { status: 422, message: '/conversionHappenedAt: conversion happened more than 90 days ago' };
	if (time - nowMs > MAX_FUTURE_MS) return { status: 422, message: '/conversionHappenedAt: conversion happened in the future' };
	if (typeof event.eventId === 'string' && event.eventId.length > 64) return { status: 422, message: '/eventId: at most 64 characters' };
	const value = event.conversionValue as { currencyCode: string; amount: string } | undefined;
	if (value && !/^[A-Z]{3}$/.test(value.currencyCode)) return { status: 422, message: '/conversionValue/currencyCode: must be an ISO 4217 code' };
	if (value && !/^\d+(\.\d+)?$/.test(value.amount)) return { status: 422, message: '/conversionValue/amount: must be a non-negative decimal string' };
	const user = event.user as { userIds: Array<{ idType: string; idValue: string }>; userInfo?: Record<string, string> };
	for (const id of user.userIds) {
		if (id.idType === 'SHA256_EMAIL' && !SHA256.test(id.idValue))
			return { status: 422, message: '/user/userIds: SHA256_EMAIL must be a lower-case hex SHA-256' };
		if (id.idType === 'LINKEDIN_FIRST_PARTY_ADS_TRACKING_UUID' && (id.idValue === '' || LOOKS_HASHED.test(id.idValue)))
			return { status: 422, message: '/user/userIds: LINKEDIN_FIRST_PARTY_ADS_TRACKING_UUID must be the li_fat_id as received' };
	}
	const info = user.userInfo;
	if (info && (!info.firstName || !info.lastName)) return { status: 422, message: '/user/userInfo: firstName and lastName are required' };
	if (info?.countryCode !== undefined && !/^[A-Z]{2}$/.test(info.countryCode))
		return { status: 422, message: '/user/userInfo/countryCode: must be ISO 3166-1 alpha-2' };
	if (user.userIds.length === 0) return { status: 422, message: '/user/userIds: at least one user id is required' };
	return undefined;
}

export async function startLinkedInFake(options: LinkedInFakeOptions = {}): Promise<LinkedInFake> {
	const token = options.accessToken ?? LINKEDIN_FAKE_TOKEN;
	const rules = new Set(options.ruleIds ?? [LINKEDIN_FAKE_RULE]);
	const versions = new Set(options.activeVersions ?? defaultVersions());
	const now = options.now ?? (() => new Date());
	const events: RecordedLinkedInEvent[] = [];
	const duplicates: RecordedLinkedInEvent[] = [];
	const seen = new Set<string>();
	const faults: Array<{ fault: LinkedInFault; retryAfter?: string }> = [];
	const eventFaults = new Map<string, number>();

	/** Token, version and protocol, as LinkedIn checks them before anything else: undefined when all are right. */
	function gateProblem(request: RecordedRequest): FakeResponse | undefined {
		const sent = /^Bearer\s+(.+)$/i.exec(header(request, 'authorization')?.trim() ?? '')?.[1];
		if (sent === undefined) return refuse(401, 'Empty oauth2_access_token');
		if (sent === LINKEDIN_FAKE_TOKEN_WITHOUT_SCOPE) {
			return refuse(403, 'Not enough permissions to access: partnerApiConversionEvents.BATCH_CREATE', { serviceErrorCode: 100, code: 'ACCESS_DENIED' });
		}
		if (sent !== token) return refuse(401, 'Invalid access token', { serviceErrorCode: 65600, code: 'INVALID_ACCESS_TOKEN' });
		const version = header(request, 'linkedin-version');
		if (version === undefined) {
			return refuse(400, 'A version must be present. Please specify a version by adding the LinkedIn-Version header.', { code: 'VERSION_MISSING' });
		}
		if (!versions.has(version.split('.')[0])) return refuse(426, `Requested version ${version} is not active`, { code: 'NONEXISTENT_VERSION' });
		if (header(request, 'x-restli-protocol-version') !== '2.0.0') return refuse(400, 'This endpoint needs X-Restli-Protocol-Version: 2.0.0');
		return undefined;
	}

	function accept(event: Record<string, unknown>, version: string): void {
		const recorded: RecordedLinkedInEvent = { version, event };
		const key = typeof event.eventId === 'string' && event.eventId !== '' ? `${String(event.conversion)}\u0000${event.eventId}` : undefined;
		if (key && seen.has(key)) duplicates.push(recorded);
		else {
			if (key) seen.add(key);
			events.push(recorded);
		}
	}

	/** One schema-valid event's element in a BATCH_CREATE answer (and its recording when accepted). */
	function element(event: Record<string, unknown>, version: string, nowMs: number): Record<string, unknown> {
		const injected = typeof event.eventId === 'string' ? eventFaults.get(event.eventId) : undefined;
		if (injected !== undefined) {
			eventFaults.delete(event.eventId as string);
			return { status: injected, error: error(injected, 'Internal Server Error') };
		}
		const problem = eventProblem(event, nowMs, rules);
		if (problem) return { status: problem.status, error: error(problem.status, problem.message) };
		accept(event, version);
		return { status: 201 };
	}

	function conversionEvents(request: RecordedRequest): FakeResponse {
		const fault = faults.shift();
		if (fault) {
			const headers: Record<string, string> = fault.retryAfter ? { 'retry-after': fault.retryAfter } : {};
			if (fault.fault === 429) return refuse(429, 'Resource level throttle APPLICATION DAY limit for calls to this resource is reached.', {}, headers);
			return refuse(fault.fault, 'Internal Server Error', {}, headers);
		}
		const gate = gateProblem(request);
		if (gate) return gate;
		const version = header(request, 'linkedin-version') as string;
		const method = header(request, 'x-restli-method');
		if (!isObject(request.body)) return refuse(400, 'Request body must be a JSON object');
		const nowMs = now().getTime();

		if (method === undefined) {
			// A single CREATE: the body is one event.
			const problems = schemaProblems(request.body, '');
			if (problems.length > 0) return refuse(422, `${problems.join('\n')}\n`);
			const answer = element(request.body, version, nowMs);
			return answer.status === 201 ? { status: 201, headers: { 'x-restli-id': 'created' } } : { status: answer.status as number, body: answer.error };
		}
		if (method.toUpperCase() !== 'BATCH_CREATE') return refuse(400, `Unsupported X-RestLi-Method ${method} for conversionEvents`);
		const unknown = Object.keys(request.body).filter((key) => key !== 'elements');
		if (unknown.length > 0) return refuse(422, unknown.map((key) => `ERROR :: /${key} :: unrecognized field found but not allowed\n`).join(''));
		const list = request.body.elements;
		if (!Array.isArray(list)) return refuse(422, 'ERROR :: /elements :: field is required but not found and has no default value\n');
		if (list.length === 0) return refuse(400, 'A batch create request must have at least one element');
		if (list.length > MAX_ELEMENTS) return refuse(400, `Batch size ${list.length} exceeds the maximum of ${MAX_ELEMENTS}`);
		const problems = list.flatMap((raw, position) => schemaProblems(raw, `/elements/${position}`));
		if (problems.length > 0) return refuse(422, `${problems.join('\n')}\n`);
		return { status: 200, body: { elements: (list as Array<Record<string, unknown>>).map((event) => element(event, version, nowMs)) } };
	}

	const server = await startJsonFake((request) => {
		if (request.path === EVENTS_PATH) return request.method === 'POST' ? conversionEvents(request) : refuse(405, 'Method Not Allowed');
		if (request.path === ACCOUNT_USERS_PATH) {
			if (request.method !== 'GET') return refuse(405, 'Method Not Allowed');
			const gate = gateProblem(request);
			if (gate) return gate;
			if (request.query.q !== 'authenticatedUser') return refuse(400, 'Unsupported finder: q must be authenticatedUser');
			return {
				status: 200,
				body: {
					elements: [{ account: 'urn:li:sponsoredAccount:507404993', role: 'CAMPAIGN_MANAGER', user: 'urn:li:person:fakeMember' }],
					paging: { start: 0, count: 10, links: [] },
				},
			};
		}
		return refuse(404, `No resource found for ${request.path}`);
	});

	return {
		...server,
		events,
		duplicates,
		conversionRequests: () => server.requests.filter((request) => request.path === EVENTS_PATH),
		failNext(count, fault, faultOptions = {}) {
			for (let i = 0; i < count; i++) faults.push({ fault, retryAfter: faultOptions.retryAfter });
		},
		failEventOnce(eventId, status) {
			eventFaults.set(eventId, status);
		},
	};
}
