import { createHash } from 'node:crypto';
import { type AuthenticationMethod, type InboundAuthConfig, checkInboundAuth } from './auth';
import type { Conversion } from './model';
import { getNetwork, parsePostback } from './networks';
import { safeHeaders } from './networks/fields';
import type { ParseOptions, PostbackError } from './networks/types';

/** One webhook call as the Postback Trigger sees it, free of express and n8n types. */
export interface IntakeRequest {
	method: string;
	query: Record<string, unknown>;
	/** What the web server parsed the body into (object for JSON/form), if anything. */
	body?: unknown;
	/** The bytes as received, for HMAC checks and for bodies the server did not parse. */
	rawBody?: Buffer;
	headers: Record<string, string | string[] | undefined>;
	ip?: string;
	/** The raw query string after `?`, signed instead of the body for GET requests. */
	rawQueryString?: string;
	/** The path's secret segment, when the trigger puts the token in the path. */
	pathToken?: string;
}

export interface IntakeConfig {
	network: string;
	/**
	 * Inbound authentication; omitted means anyone who knows the URL may post. `'unavailable'`: the
	 * trigger requires a credential that could not be loaded, so every request is refused (and kept).
	 */
	auth?: InboundAuthConfig | 'unavailable';
	/** Why `auth` is 'unavailable', for the operator (the default names the credential). */
	unavailableReason?: string;
	parseOptions?: ParseOptions;
	/** HTTP status for postbacks that authenticate but cannot be read (400 or 422). */
	rejectStatus?: number;
	/** Whether requests failing authentication are still handed to the workflow (on Rejected). */
	emitUnauthenticated?: boolean;
}

/** A request the trigger could not accept, with everything needed to replay or inspect it. */
export interface RejectedPostback {
	network: string;
	reason: PostbackError | { code: 'unauthorized' | 'forbidden' | 'misconfigured'; message: string };
	httpStatus: number;
	receivedAt: string;
	request: {
		method: string;
		query: Record<string, unknown>;
		/** The body, or its first characters when it is longer than the cap (see REJECTED_BODY_LIMITS). */
		body?: unknown;
		/** Set when `body` is an excerpt: the whole body's size in bytes and SHA-256 (hex), to match it against a sender's log. */
		bodyTruncated?: true;
		bodyBytes?: number;
		bodySha256?: string;
		headers?: Record<string, string>;
		ip?: string;
	};
}

/**
 * How much of a refused request's body a Rejected item keeps, in characters. A request that did not
 * authenticate is anyone's: it must not start an execution carrying a body of any size, so it keeps an
 * excerpt (with the size and hash). An authenticated request that could not be read keeps more, for the
 * operator to fix and replay it; beyond that no postback is real.
 */
export const REJECTED_BODY_LIMITS = { unauthenticated: 1024, authenticated: 65536 } as const;

/**
 * The longest value intake reads, per canonical field (characters). Longer values are refused with
 * `field_too_long` (naming the field), never cut: a cut id would match the wrong click and a cut amount
 * would be the wrong money. Generous for every network we know (ids are ≤ 100 characters in practice;
 * an email address is at most 254 by RFC 5321 §4.5.3.1.3), and small enough that no later step
 * (normalization, hashing, matching) spends noticeable time on a value.
 */
export const FIELD_LIMITS = {
	clickId: 512,
	transactionId: 256,
	orderId: 256,
	networkEventType: 128,
	eventName: 128,
	affiliateId: 256,
	offerId: 256,
	merchantId: 256,
	brandName: 256,
	couponCode: 128,
	ip: 64,
	amount: 40,
	commission: 40,
	subIdName: 128,
	subIdValue: 512,
	'user.email': 254,
	'user.phone': 64,
	'user.firstName': 128,
	'user.lastName': 128,
	'user.birthdate': 32,
	'user.city': 128,
	'user.state': 128,
	'user.zip': 32,
	'user.country': 64,
	'user.externalId': 256,
} as const;

/**
 * The longest single query or body value read before any preset parses it (characters), and the longest
 * body text. Presets run patterns over these values; the caps bound that work (and what the canonical
 * limits above then check) whatever the network sent.
 */
export const MAX_RAW_VALUE_LENGTH = 65536;
export const MAX_BODY_TEXT_LENGTH = 1048576;

export interface IntakeOutcome {
	/** What to answer the network, at once. */
	response: { status: number; body: Record<string, unknown>; headers?: Record<string, string> };
	accepted?: Conversion;
	rejected?: RejectedPostback;
	/**
	 * Set when a timestamped HMAC signature authenticated the request: the caller must make sure the
	 * signature is used only once within `windowSeconds` (see rejectReplays).
	 */
	replay?: { key: string; windowSeconds: number };
}

function bodyForParsing(request: IntakeRequest): unknown {
	const parsed = request.body;
	const isEmptyObject = parsed !== null && typeof parsed === 'object' && !Buffer.isBuffer(parsed) && Object.keys(parsed).length === 0;
	// A server that could not parse a body hands over {}: fall back to the bytes, so the preset sees what was sent.
	if ((parsed === undefined || isEmptyObject) && request.rawBody && request.rawBody.length > 0) return request.rawBody.toString('utf8');
	return parsed;
}

function withoutSecretParam(query: Record<string, unknown>, auth: InboundAuthConfig | undefined): Record<string, unknown> {
	if (!auth || auth.method !== 'token' || (auth.tokenLocation ?? 'query') !== 'query') return query;
	const secretParam = auth.tokenParam || 'token';
	return Object.fromEntries(Object.entries(query).filter(([name]) => name !== secretParam));
}

/** The operator may name any header for the HMAC signature; it must not travel with the conversion. */
function withoutSignatureHeader(request: IntakeRequest, auth: InboundAuthConfig | undefined): IntakeRequest {
	if (!auth || auth.method !== 'hmac') return request;
	const signatureHeader = (auth.hmacHeader || 'X-Postback-Signature').toLowerCase();
	const kept = Object.fromEntries(Object.entries(request.headers).filter(([name]) => name.toLowerCase() !== signatureHeader));
	return { ...request, headers: kept };
}

/** No network nests a postback this deep; a deeper body is refused before any preset reads it. */
export const MAX_BODY_DEPTH = 64;

/**
 * Whether a body (parsed, or JSON text a preset would parse) nests objects or arrays deeper than `limit`.
 * Iterative, so a 10,000-level body cannot exhaust the stack here; such an item would also be one n8n saves
 * but cannot show again (its execution data is nested too deep to serialize back).
 */
export function nestedDeeperThan(value: unknown, limit: number): boolean {
	if (typeof value === 'string' || Buffer.isBuffer(value)) {
		const text = Buffer.isBuffer(value) ? value.toString('utf8') : value;
		let depth = 0;
		let inString = false;
		for (let i = 0; i < text.length; i++) {
			const char = text[i];
			if (inString) {
				if (char === '\\') i++;
				else if (char === '"') inString = false;
			} else if (char === '"') inString = true;
			else if (char === '{' || char === '[') {
				if (++depth > limit) return true;
			} else if (char === '}' || char === ']') depth = Math.max(0, depth - 1);
		}
		return false;
	}
	const stack: Array<[unknown, number]> = [[value, 1]];
	while (stack.length > 0) {
		const [current, depth] = stack.pop()!;
		if (current === null || typeof current !== 'object') continue;
		if (depth > limit) return true;
		for (const child of Object.values(current as Record<string, unknown>)) {
			if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
		}
	}
	return false;
}

/** The body as a Rejected item keeps it: whole when short, else an excerpt with the size and hash of the bytes. */
function keptBody(
	body: unknown,
	rawBody: Buffer | undefined,
	limit: number,
): Pick<RejectedPostback['request'], 'body' | 'bodyTruncated' | 'bodyBytes' | 'bodySha256'> {
	if (body === undefined) return {};
	const value = Buffer.isBuffer(body) ? body.toString('utf8') : body;
	// The size is judged on what was received; a parsed body without bytes is judged on its JSON text.
	const bytes = rawBody && rawBody.length > 0 ? rawBody : Buffer.from(typeof value === 'string' ? value : (JSON.stringify(value) ?? ''), 'utf8');
	if (bytes.length <= limit) return { body: value };
	return {
		body: bytes.subarray(0, limit).toString('utf8'),
		bodyTruncated: true,
		bodyBytes: bytes.length,
		bodySha256: createHash('sha256').update(bytes).digest('hex'),
	};
}

/** The request as it is kept on a Rejected record: secrets (token parameter, signature header) removed, the body capped. */
function prepare(incoming: IntakeRequest, config: IntakeConfig) {
	const auth = config.auth === 'unavailable' ? undefined : config.auth;
	const request = withoutSignatureHeader(incoming, auth);
	const now = config.parseOptions?.now ?? (() => new Date());
	const query = withoutSecretParam(request.query, auth);
	const body = bodyForParsing(request);
	const rejected = (reason: RejectedPostback['reason'], httpStatus: number, authenticated: boolean, keptText?: string): RejectedPostback => ({
		network: config.network,
		reason,
		httpStatus,
		receivedAt: now().toISOString(),
		request: {
			method: request.method.toUpperCase(),
			query,
			...keptBody(
				keptText ?? body,
				keptText === undefined ? request.rawBody : undefined,
				authenticated ? REJECTED_BODY_LIMITS.authenticated : REJECTED_BODY_LIMITS.unauthenticated,
			),
			headers: safeHeaders(request.headers),
			...(request.ip ? { ip: request.ip } : {}),
		},
	});
	return { auth, request, now, query, body, rejected };
}

/** The answer to a request that failed authentication (kept on Rejected unless the operator turned that off). */
function refuse(
	rejected: (reason: RejectedPostback['reason'], httpStatus: number, authenticated: boolean) => RejectedPostback,
	config: IntakeConfig,
	reason: { code: 'unauthorized' | 'forbidden' | 'misconfigured'; message: string },
	status: number,
	challenge?: string,
): IntakeOutcome {
	return {
		response: { status, body: { ok: false, error: reason }, ...(challenge ? { headers: { 'WWW-Authenticate': challenge } } : {}) },
		...(config.emitUnauthenticated === false ? {} : { rejected: rejected(reason, status, false) }),
	};
}

/** `text` without the given character at its end (by index: /x+$/ on request data backtracks quadratically). */
function trimEnd(text: string, char: string): string {
	let end = text.length;
	while (end > 0 && text[end - 1] === char) end--;
	return text.slice(0, end);
}

/**
 * The path segment just before the trigger's `path` in a request URL: where n8n puts the node's webhook ID in
 * …/webhook/<webhook ID>/<path> (the generated secret URL). Undefined when the URL does not end with the path.
 */
export function segmentBeforePath(url: string, path: string): string | undefined {
	const question = url.indexOf('?');
	const pathname = trimEnd(question === -1 ? url : url.slice(0, question), '/');
	let start = 0;
	while (start < path.length && path[start] === '/') start++;
	const tail = `/${trimEnd(path.slice(start), '/')}`;
	if (tail === '/' || !pathname.endsWith(tail)) return undefined;
	const head = pathname.slice(0, pathname.length - tail.length);
	const segment = head.slice(head.lastIndexOf('/') + 1);
	return segment === '' ? undefined : segment;
}

/** Whether the request carries a body: bytes, a non-empty parsed object, or non-empty text. */
function hasBody(request: IntakeRequest): boolean {
	if (request.rawBody && request.rawBody.length > 0) return true;
	const body = request.body;
	if (body === undefined || body === null) return false;
	if (typeof body === 'string' || Buffer.isBuffer(body)) return body.length > 0;
	return typeof body !== 'object' || Object.keys(body).length > 0;
}

/** The first query or body value (by its parameter name) longer than MAX_RAW_VALUE_LENGTH, or the body text itself. */
function overlongRawValue(query: Record<string, unknown>, body: unknown): string | undefined {
	const stack: Array<[string, unknown]> = Object.entries(query);
	if (typeof body === 'string' || Buffer.isBuffer(body)) {
		if (body.length > MAX_BODY_TEXT_LENGTH) return '(body)';
	} else if (body !== null && typeof body === 'object') stack.push(...Object.entries(body));
	// Iterative, and the body's depth is bounded before this runs (MAX_BODY_DEPTH).
	while (stack.length > 0) {
		const [name, value] = stack.pop()!;
		if (typeof value === 'string') {
			if (value.length > MAX_RAW_VALUE_LENGTH) return name;
		} else if (value !== null && typeof value === 'object') {
			for (const [key, child] of Object.entries(value)) stack.push([Array.isArray(value) ? name : key, child]);
		}
	}
	return undefined;
}

/** The first canonical field longer than its FIELD_LIMITS entry, as `[field, limit]`. */
export function overlongField(conversion: Conversion): [string, number] | undefined {
	const limits: Record<string, number> = FIELD_LIMITS;
	for (const [key, value] of Object.entries(conversion)) {
		if (typeof value === 'string' && limits[key] !== undefined && value.length > limits[key]) return [key, limits[key]];
	}
	for (const [name, value] of Object.entries(conversion.subIds)) {
		if (name.length > FIELD_LIMITS.subIdName) return [`subIds (a name)`, FIELD_LIMITS.subIdName];
		if (value.length > FIELD_LIMITS.subIdValue) return [`subIds.${name.slice(0, 64)}`, FIELD_LIMITS.subIdValue];
	}
	for (const [key, value] of Object.entries(conversion.user)) {
		const limit = limits[`user.${key}`];
		if (typeof value === 'string' && limit !== undefined && value.length > limit) return [`user.${key}`, limit];
	}
	return undefined;
}

/**
 * Authenticates and parses one postback, and decides the answer. Accepted postbacks become
 * conversions; everything else becomes a Rejected record, so no postback is ever lost.
 */
export function receivePostback(incoming: IntakeRequest, config: IntakeConfig): IntakeOutcome {
	const { auth, request, now, query, body, rejected } = prepare(incoming, config);

	if (config.auth === 'unavailable') {
		const reason = {
			code: 'misconfigured' as const,
			message:
				config.unavailableReason ??
				'This postback URL requires authentication, but its credential could not be loaded. The n8n operator must select a Postback Authentication credential.',
		};
		return { response: { status: 503, body: { ok: false, error: reason } }, rejected: rejected(reason, 503, false) };
	}
	let replay: IntakeOutcome['replay'];
	let authentication: AuthenticationMethod = 'none';
	const method = request.method.toUpperCase();
	if (auth) {
		const signedPayload = method === 'GET' ? (request.rawQueryString ?? '') : (request.rawBody ?? Buffer.alloc(0));
		const verdict = checkInboundAuth(
			auth,
			{
				headers: incoming.headers,
				query: request.query,
				pathToken: request.pathToken,
				signedPayload,
				ip: request.ip,
			},
			now,
		);
		if (!verdict.ok) return refuse(rejected, config, { code: verdict.code, message: verdict.message }, verdict.status, verdict.challenge);
		// HMAC covers only what it signs: a POST signs its body, a GET its query string. Rather than sign more than
		// senders sign (which would break every sender that follows the usual body-only scheme), intake reads only
		// what was signed: a signed POST that also carries query parameters is refused as not authenticated, since
		// anyone could have added them on the way; a GET's body is refused below for every method of authentication.
		if (auth.method === 'hmac' && method !== 'GET' && Object.keys(request.query).length > 0) {
			return refuse(
				rejected,
				config,
				{
					code: 'unauthorized',
					message: 'The HMAC signature covers the body only, but this request also carries query parameters: send every field in the signed body.',
				},
				401,
			);
		}
		authentication = verdict.method;
		if (verdict.replayKey) replay = { key: verdict.replayKey, windowSeconds: verdict.replayWindowSeconds ?? 0 };
	}
	const unreadable = (error: PostbackError, keptText?: string): IntakeOutcome => {
		const status = config.rejectStatus ?? 400;
		// Without authentication every request is anyone's: its Rejected item keeps only the excerpt too.
		return {
			response: { status, body: { ok: false, error } },
			rejected: rejected(error, status, authentication !== 'none', keptText),
			...(replay ? { replay } : {}),
		};
	};

	// A GET has no defined body (RFC 9110 §9.3.1: https://www.rfc-editor.org/rfc/rfc9110#section-9.3.1) and no network
	// sends one; presets that merge a body into the query would let it override the (signed) query, so it is refused
	// whatever the authentication, rather than ignored.
	if (method === 'GET' && hasBody(request)) {
		return unreadable({ code: 'invalid_body', message: 'A GET postback carries its fields in the query string; this one also has a body, which is refused.' });
	}
	if (nestedDeeperThan(body, MAX_BODY_DEPTH)) {
		const error: PostbackError = { code: 'invalid_body', message: `The body is nested more than ${MAX_BODY_DEPTH} levels deep; no postback is.` };
		// Kept as the text received, which n8n can store and show again, unlike the parsed structure.
		const asText = request.rawBody && request.rawBody.length > 0 ? request.rawBody.toString('utf8') : typeof body === 'string' ? body : undefined;
		return unreadable(error, asText);
	}
	const overlongRaw = overlongRawValue(query, body);
	if (overlongRaw !== undefined) {
		return unreadable({
			code: 'field_too_long',
			field: overlongRaw,
			message:
				overlongRaw === '(body)'
					? `The body is longer than ${MAX_BODY_TEXT_LENGTH} characters; no postback is.`
					: `The value of "${overlongRaw}" is longer than ${MAX_RAW_VALUE_LENGTH} characters; no postback field is.`,
		});
	}
	const result = parsePostback(
		config.network,
		{ method: request.method, query: query as Record<string, string | string[] | undefined>, body, headers: request.headers },
		config.parseOptions,
	);
	if (!result.ok) return unreadable(result.error);
	const overlong = overlongField(result.conversion);
	if (overlong) {
		const [field, limit] = overlong;
		return unreadable({ code: 'field_too_long', field, message: `The ${field} value is longer than ${limit} characters, the most this trigger reads for it.` });
	}
	const conversion: Conversion = { ...result.conversion, authentication };
	return {
		response: {
			status: 200,
			body: {
				ok: true,
				network: getNetwork(config.network)?.name ?? config.network,
				clickId: conversion.clickId,
				transactionId: conversion.transactionId,
			},
		},
		accepted: conversion,
		...(replay ? { replay } : {}),
	};
}

/**
 * Refuses a replayed signature. `firstUse(key)` must record the key atomically and resolve true only the
 * first time it is seen (an insert-if-absent in the tracking store, so every n8n process shares the memory).
 * A request whose signature was used before is answered 401 and kept on Rejected, whatever it carried; when
 * the memory cannot be reached the request is refused (503), since it cannot be told apart from a replay.
 */
export async function rejectReplays(
	incoming: IntakeRequest,
	config: IntakeConfig,
	outcome: IntakeOutcome,
	firstUse: (key: string, windowSeconds: number) => Promise<boolean>,
): Promise<IntakeOutcome> {
	if (!outcome.replay) return outcome;
	let first: boolean;
	try {
		first = await firstUse(outcome.replay.key, outcome.replay.windowSeconds);
	} catch {
		const { rejected } = prepare(incoming, config);
		return refuse(
			rejected,
			config,
			{ code: 'misconfigured', message: 'The signature could not be checked against replays: the tracking store is unavailable.' },
			503,
		);
	}
	if (first) return outcome;
	const { rejected } = prepare(incoming, config);
	return refuse(rejected, config, { code: 'unauthorized', message: 'This signature was already used: a replayed postback is refused.' }, 401);
}

/** The answer to an accepted postback the trigger could not journal (Resume If the Run Stops): the network sends it again. */
export const JOURNAL_UNAVAILABLE_RESPONSE: IntakeOutcome['response'] = {
	status: 503,
	body: {
		ok: false,
		error: {
			code: 'journal_unavailable',
			message: 'The postback was received but could not be kept until it is processed: the tracking store is unavailable. Send it again; a repeat counts once.',
		},
	},
};

/**
 * Journals an accepted postback before it is answered (src/destinations/intake-journal.ts). `journal` returns the
 * item to emit (the conversion with its mark). When it throws, the conversion is still emitted, unmarked, so this
 * run goes on, but the answer is 503: nothing would resume the postback if this run stopped, so the network's
 * retry must (the Funnel counts the two as one); `onJournalError` hears why. Outcomes without an accepted postback
 * pass through.
 */
export async function journalAccepted(
	outcome: IntakeOutcome,
	journal: (item: Record<string, unknown>) => Promise<Record<string, unknown>>,
	onJournalError: (error: unknown) => void = () => {},
): Promise<{ response: IntakeOutcome['response']; accepted?: Record<string, unknown> }> {
	if (!outcome.accepted) return { response: outcome.response };
	const item = outcome.accepted as unknown as Record<string, unknown>;
	try {
		return { response: outcome.response, accepted: await journal(item) };
	} catch (error) {
		onJournalError(error);
		return { response: JOURNAL_UNAVAILABLE_RESPONSE, accepted: item };
	}
}
