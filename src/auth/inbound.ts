import type { AuthenticationMethod } from '../model/conversion';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { ipInRange, parseAllowlist } from './ip';

/** How a network proves a postback is really from it. Chosen in the Postback Auth credential. */
export type InboundAuthMethod = 'token' | 'basic' | 'hmac' | 'none';

export interface InboundAuthConfig {
	method: InboundAuthMethod;
	/** Secret token: compared with the path segment or the query parameter. */
	token?: string;
	/** Where the token travels: the last path segment, or a query parameter. */
	tokenLocation?: 'path' | 'query';
	tokenParam?: string;
	user?: string;
	password?: string;
	/** HMAC-SHA256 key, header name and digest encoding. */
	hmacSecret?: string;
	hmacHeader?: string;
	hmacEncoding?: 'hex' | 'base64';
	/**
	 * Replay protection for HMAC: the header carrying the sender's unix time (seconds). When set, the signed
	 * payload is `${timestamp}.${body}`, requests older (or further in the future) than `hmacMaxAgeSeconds`
	 * are refused, and an accepted request reports its signature as `replayKey` so the caller can refuse a
	 * second use of it (see isReplay in ../intake.ts).
	 */
	hmacTimestampHeader?: string;
	/** How old a timestamped signature may be, in seconds (default 300). */
	hmacMaxAgeSeconds?: number;
	/** Addresses or CIDR ranges allowed to call, in addition to the method above; empty allows any. */
	ipAllowlist?: string;
}

export interface InboundRequest {
	headers: Record<string, string | string[] | undefined>;
	query: Record<string, unknown>;
	/** The secret path segment, when the webhook path ends with one. */
	pathToken?: string;
	/** The bytes the network signed: the raw body, or for a GET the raw query string. */
	signedPayload: Buffer | string;
	ip?: string;
}

/**
 * Which check verified an accepted request, as the conversion reports it (Conversion.authentication, the
 * model's vocabulary): 'ip_allowlist' when only the allowlist checked it, 'none' when the trigger has none.
 */
export type { AuthenticationMethod };

export type InboundAuthResult =
	| { ok: true; method: AuthenticationMethod; replayKey?: string; replayWindowSeconds?: number }
	| { ok: false; status: 401 | 403 | 503; code: 'unauthorized' | 'forbidden' | 'misconfigured'; message: string; challenge?: string };

/**
 * Why a configuration authenticates nobody (or everybody), or undefined when it can authenticate someone.
 * Such a credential is refused when saved (the credential test) and when used (503, see checkInboundAuth):
 * an empty token or HMAC secret, Basic with neither user nor password (an empty "user:" header would
 * match), an "IP Allowlist Only" credential without entries, an allowlist with unreadable entries.
 */
export function inboundAuthProblem(config: InboundAuthConfig): string | undefined {
	const { ranges, invalid } = parseAllowlist(config.ipAllowlist ?? '');
	if (invalid.length > 0) return `The IP allowlist has entries that are not addresses or CIDR ranges: ${invalid.join(', ')}.`;
	switch (config.method) {
		case 'token':
			return config.token?.trim() ? undefined : 'The postback credential has no secret token set.';
		case 'basic':
			return config.user || config.password ? undefined : 'The postback credential has neither a user name nor a password: it would let anyone in.';
		case 'hmac':
			return config.hmacSecret ? undefined : 'The postback credential has no HMAC secret set.';
		case 'none':
			return ranges.length > 0 ? undefined : 'The postback credential is "IP Allowlist Only" but its allowlist has no entries: it would let anyone in.';
		default:
			return 'Unknown authentication method in the postback credential.';
	}
}

/** Equal-length digests compared in constant time, so response timing reveals nothing about the secret. */
function safeEqual(a: string, b: string): boolean {
	const left = Buffer.from(a, 'utf8');
	const right = Buffer.from(b, 'utf8');
	// Hash first so the lengths match and the comparison time does not leak the expected length.
	const digestLeft = createHmac('sha256', 'compare').update(left).digest();
	const digestRight = createHmac('sha256', 'compare').update(right).digest();
	return timingSafeEqual(digestLeft, digestRight) && left.length === right.length;
}

function header(headers: InboundRequest['headers'], name: string): string | undefined {
	const wanted = name.toLowerCase();
	for (const [key, value] of Object.entries(headers)) {
		if (key.toLowerCase() === wanted) return Array.isArray(value) ? value[0] : value;
	}
	return undefined;
}

function firstText(value: unknown): string | undefined {
	if (Array.isArray(value)) return firstText(value[0]);
	return typeof value === 'string' ? value : undefined;
}

export const DEFAULT_HMAC_MAX_AGE_SECONDS = 300;

/** The sender's unix time in seconds from the timestamp header (10-digit seconds, or 13-digit milliseconds). */
function readTimestamp(text: string): number | undefined {
	const trimmed = text.trim();
	if (!/^\d{1,13}$/.test(trimmed)) return undefined;
	const value = Number(trimmed);
	return trimmed.length >= 12 ? Math.floor(value / 1000) : value;
}

/**
 * Checks a request against the configured method and allowlist. Messages never contain the secrets.
 * `now` is the clock for timestamped HMAC signatures.
 */
export function checkInboundAuth(config: InboundAuthConfig, request: InboundRequest, now: () => Date = () => new Date()): InboundAuthResult {
	const problem = inboundAuthProblem(config);
	// A misconfiguration is the operator's to fix, not the caller's: 503 makes networks retry later, so the
	// postbacks arrive once the credential is corrected.
	if (problem) return { ok: false, status: 503, code: 'misconfigured', message: problem };
	const { ranges } = parseAllowlist(config.ipAllowlist ?? '');
	if (ranges.length > 0) {
		if (!request.ip || !ranges.some((range) => ipInRange(request.ip!, range))) {
			return {
				ok: false,
				status: 403,
				code: 'forbidden',
				message: `Requests from ${request.ip ?? 'an unknown address'} are not in this postback URL's IP allowlist.`,
			};
		}
	}
	switch (config.method) {
		case 'none':
			return { ok: true, method: 'ip_allowlist' };
		case 'token': {
			const location = config.tokenLocation ?? 'query';
			const param = config.tokenParam || 'token';
			const presented = location === 'path' ? request.pathToken : firstText(request.query[param]);
			if (presented === undefined || presented === '') {
				return {
					ok: false,
					status: 401,
					code: 'unauthorized',
					message: location === 'path' ? 'The secret token is missing from the URL path.' : `The secret token is missing: add the "${param}" query parameter.`,
				};
			}
			return safeEqual(presented, config.token!)
				? { ok: true, method: 'token' }
				: { ok: false, status: 401, code: 'unauthorized', message: 'The secret token does not match.' };
		}
		case 'basic': {
			const authorization = header(request.headers, 'authorization');
			const challenge = 'Basic realm="postback"';
			if (!authorization || !/^basic\s+/i.test(authorization)) {
				return { ok: false, status: 401, code: 'unauthorized', message: 'HTTP Basic credentials are required.', challenge };
			}
			const decoded = Buffer.from(authorization.replace(/^basic\s+/i, ''), 'base64').toString('utf8');
			const colon = decoded.indexOf(':');
			const user = colon === -1 ? decoded : decoded.slice(0, colon);
			const password = colon === -1 ? '' : decoded.slice(colon + 1);
			// Both compared every time: no early exit that tells a caller the user name was right.
			const userOk = safeEqual(user, config.user ?? '');
			const passwordOk = safeEqual(password, config.password ?? '');
			return userOk && passwordOk
				? { ok: true, method: 'basic' }
				: { ok: false, status: 401, code: 'unauthorized', message: 'The HTTP Basic user name or password is wrong.', challenge };
		}
		case 'hmac': {
			const headerName = config.hmacHeader || 'X-Postback-Signature';
			const presented = header(request.headers, headerName);
			if (!presented) return { ok: false, status: 401, code: 'unauthorized', message: `The "${headerName}" signature header is missing.` };
			const encoding = config.hmacEncoding ?? 'hex';
			const mac = createHmac('sha256', config.hmacSecret!);
			const timestampHeader = config.hmacTimestampHeader?.trim();
			const maxAge = config.hmacMaxAgeSeconds && config.hmacMaxAgeSeconds > 0 ? config.hmacMaxAgeSeconds : DEFAULT_HMAC_MAX_AGE_SECONDS;
			if (timestampHeader) {
				const stamp = header(request.headers, timestampHeader);
				if (!stamp) return { ok: false, status: 401, code: 'unauthorized', message: `The "${timestampHeader}" timestamp header is missing.` };
				const seconds = readTimestamp(stamp);
				if (seconds === undefined) {
					return { ok: false, status: 401, code: 'unauthorized', message: `The "${timestampHeader}" header is not a unix timestamp in seconds.` };
				}
				const age = Math.floor(now().getTime() / 1000) - seconds;
				if (age > maxAge || age < -maxAge) {
					return {
						ok: false,
						status: 401,
						code: 'unauthorized',
						message: `The "${timestampHeader}" timestamp is ${Math.abs(age)} s ${age > 0 ? 'old' : 'in the future'}; signatures are accepted for ${maxAge} s.`,
					};
				}
				// The timestamp is signed with the body, so it cannot be changed to make an old request look new.
				mac.update(`${stamp.trim()}.`);
			}
			const expected = mac.update(request.signedPayload).digest(encoding);
			// Accept the common "sha256=<digest>" form as well as the bare digest.
			let signature = presented.trim().replace(/^sha256=/i, '');
			if (encoding === 'hex') signature = signature.toLowerCase();
			if (!safeEqual(signature, expected)) {
				return { ok: false, status: 401, code: 'unauthorized', message: `The "${headerName}" signature does not match the request body.` };
			}
			return timestampHeader ? { ok: true, method: 'hmac', replayKey: expected, replayWindowSeconds: maxAge } : { ok: true, method: 'hmac' };
		}
		default:
			return { ok: false, status: 503, code: 'misconfigured', message: 'Unknown authentication method in the postback credential.' };
	}
}
