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

/**
 * Authenticates and parses one postback, and decides the answer. Accepted postbacks become
 * conversions; everything else becomes a Rejected record, so no postback is ever lost.
 */
export function receivePostback(incoming: IntakeRequest, config: IntakeConfig): IntakeOutcome {
	const auth = config.auth === 'unavailable' ? undefined : config.auth;
	const request = withoutSignatureHeader(incoming, auth);
	const now = config.parseOptions?.now ?? (() => new Date());
	const query = withoutSecretParam(request.query, auth);
	const body = bodyForParsing(request);
	const rejected = (reason: RejectedPostback['reason'], httpStatus: number): RejectedPostback => ({
		network: config.network,
		reason,
		httpStatus,
		receivedAt: now().toISOString(),
		request: {
			method: request.method.toUpperCase(),
			query,
			...(body === undefined ? {} : { body: Buffer.isBuffer(body) ? body.toString('utf8') : body }),
			headers: safeHeaders(request.headers),
			...(request.ip ? { ip: request.ip } : {}),
		},
	});

	if (config.auth === 'unavailable') {
		const reason = {
			code: 'misconfigured' as const,
			message: 'This postback URL requires authentication, but its credential could not be loaded. The n8n operator must select a Postback Authentication credential.',
		};
		return { response: { status: 503, body: { ok: false, error: reason } }, rejected: rejected(reason, 503) };
	}
	if (config.auth) {
		const signedPayload = request.method.toUpperCase() === 'GET' ? (request.rawQueryString ?? '') : (request.rawBody ?? Buffer.alloc(0));
		const verdict = checkInboundAuth(config.auth, {
			headers: incoming.headers,
			query: request.query,
			pathToken: request.pathToken,
			signedPayload,
			ip: request.ip,
		});
		if (!verdict.ok) {
			const reason = { code: verdict.code, message: verdict.message };
			return {
				response: {
					status: verdict.status,
					body: { ok: false, error: reason },
					...(verdict.challenge ? { headers: { 'WWW-Authenticate': verdict.challenge } } : {}),
				},
				...(config.emitUnauthenticated === false ? {} : { rejected: rejected(reason, verdict.status) }),
			};
		}
	}

	const result = parsePostback(
		config.network,
		{ method: request.method, query: query as Record<string, string | string[] | undefined>, body, headers: request.headers },
		config.parseOptions,
	);
	if (!result.ok) {
		const status = config.rejectStatus ?? 400;
		return { response: { status, body: { ok: false, error: result.error } }, rejected: rejected(result.error, status) };
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
	};
}
