import { isIP } from 'node:net';
import type { ClickError, ClickResult } from './types';

/** Longest target URL accepted in a request (browsers and networks cope with far less in practice). */
export const MAX_TARGET_LENGTH = 4096;

/**
 * Anything a browser would silently drop or reinterpret while parsing a URL: control characters and
 * spaces (stripped or removed by the URL parser), backslashes (read as "/" in http URLs) and
 * characters outside printable ASCII (IDNA mapping can turn them into dots). A link carrying one is
 * refused instead of being guessed at: real offer links percent-encode them.
 */
export const UNSAFE_URL_CHARACTERS = /[^\x21-\x7e]|\\/;

const fail = (error: ClickError): { ok: false; error: ClickError } => ({ ok: false, error });

/** Strips the brackets of an IPv6 host (`[::1]` → `::1`). */
function unbracket(host: string): string {
	return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

export function isIpLiteral(host: string): boolean {
	return isIP(unbracket(host)) !== 0;
}

/**
 * An absolute http(s) URL with a host and no user information, parsed the way browsers parse it
 * (WHATWG URL). `raw` is the text as given, for callers that keep it byte-for-byte.
 */
export function parseHttpUrl(input: unknown, field: string): ClickResult<{ url: URL; raw: string }> {
	if (input === undefined || input === null || input === '') {
		return fail({ code: 'invalid_url', message: 'No URL was given.', field });
	}
	if (typeof input !== 'string') return fail({ code: 'invalid_url', message: 'The URL must be given once, as text.', field });
	const raw = input;
	if (raw.length > MAX_TARGET_LENGTH) {
		return fail({ code: 'invalid_url', message: `The URL is longer than ${MAX_TARGET_LENGTH} characters.`, field });
	}
	if (UNSAFE_URL_CHARACTERS.test(raw)) {
		return fail({
			code: 'invalid_url',
			message: 'The URL contains spaces, control characters, backslashes or non-ASCII characters; percent-encode them.',
			field,
		});
	}
	if (!/^https?:\/\//i.test(raw)) {
		if (/^[a-z][a-z0-9+.-]*:/i.test(raw)) {
			return fail({ code: 'unsupported_scheme', message: 'Only http:// and https:// links can be used.', field });
		}
		return fail({ code: 'invalid_url', message: 'The URL must be absolute and start with https:// or http://.', field });
	}
	const authority = /^https?:\/\/([^/?#]*)/i.exec(raw)![1];
	if (authority === '') return fail({ code: 'invalid_url', message: 'The URL has no host right after "//".', field });
	if (authority.includes('@')) {
		return fail({ code: 'credentials_in_url', message: 'The URL must not contain a user name or password (text before "@" in the host).', field });
	}
	let url: URL;
	try {
		url = new URL(raw);
	} catch {
		return fail({ code: 'invalid_url', message: 'The URL could not be read.', field });
	}
	// The host must read the same to us and to every browser: no percent-encoding, no IPv4 written in
	// octal, hex or as one number, nothing the URL parser rewrites (IPv6 is only re-compressed).
	const hostText = authority.startsWith('[') ? authority.slice(0, authority.indexOf(']') + 1) : authority.replace(/:\d*$/, '');
	if (!hostText.startsWith('[') && hostText.toLowerCase() !== url.hostname) {
		return fail({ code: 'invalid_url', message: 'Write the host plainly: no percent-encoding, and IP addresses as four decimal numbers.', field });
	}
	if (url.protocol !== 'https:' && url.protocol !== 'http:') {
		return fail({ code: 'unsupported_scheme', message: 'Only http:// and https:// links can be used.', field });
	}
	if (url.username !== '' || url.password !== '') {
		return fail({ code: 'credentials_in_url', message: 'The URL must not contain a user name or password.', field });
	}
	if (!url.hostname) return fail({ code: 'invalid_url', message: 'The URL has no host.', field });
	return { ok: true, url, raw };
}
