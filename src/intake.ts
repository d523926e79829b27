import { type InboundAuthConfig, checkInboundAuth } from './auth';
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
		body?: unknown;
		headers?: Record<string, string>;
		ip?: string;
	};
}

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

/** The request as it is kept on a Rejected record: secrets (token parameter, signature header) removed. */
function prepare(incoming: IntakeRequest, config: IntakeConfig) {
	const auth = config.auth === 'unavailable' ? undefined : config.auth;
	const request = withoutSignatureHeader(incoming, auth);
	const now = config.parseOptions?.now ?? (() => new Date());
	const query = withoutSecretParam(request.query, auth);
	const body = bodyForParsing(request);
	const rejected = (reason: RejectedPostback['reason'], httpStatus: number, keptBody: unknown = body): RejectedPostback => ({
		network: config.network,
		reason,
		httpStatus,
		receivedAt: now().toISOString(),
		request: {
			method: request.method.toUpperCase(),
			query,
			...(keptBody === undefined ? {} : { body: Buffer.isBuffer(keptBody) ? keptBody.toString('utf8') : keptBody }),
			headers: safeHeaders(request.headers),
			...(request.ip ? { ip: request.ip } : {}),
		},
	});
	return { auth, request, now, query, body, rejected };
}

/** The answer to a request that failed authentication (kept on Rejected unless the operator turned that off). */
function refuse(
	rejected: (reason: RejectedPostback['reason'], httpStatus: number) => RejectedPostback,
	config: IntakeConfig,
	reason: { code: 'unauthorized' | 'forbidden' | 'misconfigured'; message: string },
	status: number,
	challenge?: string,
): IntakeOutcome {
	return {
		response: { status, body: { ok: false, error: reason }, ...(challenge ? { headers: { 'WWW-Authenticate': challenge } } : {}) },
		...(config.emitUnauthenticated === false ? {} : { rejected: rejected(reason, status) }),
	};
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
			message: 'This postback URL requires authentication, but its credential could not be loaded. The n8n operator must select a Postback Authentication credential.',
		};
		return { response: { status: 503, body: { ok: false, error: reason } }, rejected: rejected(reason, 503) };
	}
	let replay: IntakeOutcome['replay'];
	if (auth) {
		const signedPayload = request.method.toUpperCase() === 'GET' ? (request.rawQueryString ?? '') : (request.rawBody ?? Buffer.alloc(0));
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
		if (verdict.replayKey) replay = { key: verdict.replayKey, windowSeconds: verdict.replayWindowSeconds ?? 0 };
	}

	if (nestedDeeperThan(body, MAX_BODY_DEPTH)) {
		const status = config.rejectStatus ?? 400;
		const error: PostbackError = { code: 'invalid_body', message: `The body is nested more than ${MAX_BODY_DEPTH} levels deep; no postback is.` };
		// Kept as the text received, which n8n can store and show again, unlike the parsed structure.
		const asText = request.rawBody && request.rawBody.length > 0 ? request.rawBody.toString('utf8') : typeof body === 'string' ? body : undefined;
		return { response: { status, body: { ok: false, error } }, rejected: rejected(error, status, asText), ...(replay ? { replay } : {}) };
	}
	const result = parsePostback(
		config.network,
		{ method: request.method, query: query as Record<string, string | string[] | undefined>, body, headers: request.headers },
		config.parseOptions,
	);
	if (!result.ok) {
		const status = config.rejectStatus ?? 400;
		return { response: { status, body: { ok: false, error: result.error } }, rejected: rejected(result.error, status), ...(replay ? { replay } : {}) };
	}
	const { conversion } = result;
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
		return refuse(rejected, config, { code: 'misconfigured', message: 'The signature could not be checked against replays: the tracking store is unavailable.' }, 503);
	}
	if (first) return outcome;
	const { rejected } = prepare(incoming, config);
	return refuse(rejected, config, { code: 'unauthorized', message: 'This signature was already used: a replayed postback is refused.' }, 401);
}
