import { isIP } from 'node:net';
import { type AdClickIds, type ClickRecord, buildFbc, fbcClickId, isWellFormedFbc, isWellFormedFbp } from '../model/click';
import { isWellFormedVisitorId, mintVisitorId } from './ids';
import type { ClickRequest } from './types';
import { platformClickFields } from '../destinations/click-fields';

export const DEFAULT_VISITOR_COOKIE = 'pb_vid';

export interface ReadClickOptions {
	/** Clock for `clickedAt` (and the creation time in a built `fbc`). */
	now?: () => Date;
	/**
	 * How many reverse proxies in front of n8n append to `X-Forwarded-For` (0: trust no header and use
	 * the address n8n reports, which already honours n8n's own `N8N_PROXY_HOPS`). With N hops the
	 * client is the N-th entry from the right of `X-Forwarded-For` + the socket address — the
	 * rightmost entry no trusted proxy wrote — never the leftmost, which the client can forge.
	 */
	trustProxy?: number;
	/** The first-party visitor cookie (default `pb_vid`). */
	cookieName?: string;
}

/** Everything a click request tells about the visitor; with a click id, target and network it is a `ClickRecord`. */
export interface ClickDetails extends AdClickIds {
	clickedAt: string;
	visitorId: string;
	/** True when no well-formed visitor cookie came with the request and `visitorId` was minted. */
	newVisitor: boolean;
	affiliateId?: string;
	utm?: NonNullable<ClickRecord['utm']>;
	ip?: string;
	userAgent?: string;
	referrer?: string;
	landingUrl?: string;
}

const MAX_ID_LENGTH = 500;
const MAX_TEXT_LENGTH = 1000;
const MAX_URL_LENGTH = 2048;

/** A query value as one string (first of repeated values); objects and empty strings are ignored. */
function queryText(query: Record<string, unknown>, name: string): string | undefined {
	let value = query[name];
	if (Array.isArray(value)) value = value.find((entry) => typeof entry === 'string' && entry !== '');
	return typeof value === 'string' && value !== '' ? value : undefined;
}

function queryTextIgnoringCase(query: Record<string, unknown>, name: string): string | undefined {
	const exact = queryText(query, name);
	if (exact !== undefined) return exact;
	const key = Object.keys(query).find((candidate) => candidate.toLowerCase() === name.toLowerCase());
	return key === undefined ? undefined : queryText(query, key);
}

/** Ad platform ids and cookies: printable ASCII without spaces, bounded. Anything else is dropped, not cleaned up. */
function token(value: string | undefined, max = MAX_ID_LENGTH): string | undefined {
	if (value === undefined) return undefined;
	const text = value.trim();
	return text.length > 0 && text.length <= max && /^[\x21-\x7e]+$/.test(text) ? text : undefined;
}

/** The click fields the platform definitions declare (but those read their own way below), each from its first source present. */
function platformClickValues(query: Record<string, unknown>, cookies: Record<string, string | undefined>): Record<string, string | undefined> {
	const values: Record<string, string | undefined> = {};
	for (const { field, from, custom } of platformClickFields()) {
		if (custom) continue;
		for (const source of from) {
			const value = token(
				'cookie' in source ? cookies[source.cookie] : source.ignoreCase ? queryTextIgnoringCase(query, source.query) : queryText(query, source.query),
			);
			if (value !== undefined) {
				values[field] = value;
				break;
			}
		}
	}
	return values;
}

/** Free text (user agent): control characters removed, bounded. */
function text(value: string | undefined, max = MAX_TEXT_LENGTH): string | undefined {
	if (value === undefined) return undefined;
	// eslint-disable-next-line no-control-regex
	const cleaned = value.replace(/[\x00-\x1f\x7f]/g, '').trim();
	return cleaned ? cleaned.slice(0, max) : undefined;
}

/** An http(s) URL kept as given (landing page, referrer), or nothing. */
function pageUrl(value: string | undefined): string | undefined {
	if (value === undefined || value.length > MAX_URL_LENGTH || !/^https?:\/\//i.test(value)) return undefined;
	try {
		new URL(value);
	} catch {
		return undefined;
	}
	// eslint-disable-next-line no-control-regex
	return /[\x00-\x20\x7f]/.test(value) ? undefined : value;
}

export function header(headers: ClickRequest['headers'], name: string): string | undefined {
	const value = headers[name] ?? headers[name.toLowerCase()] ?? Object.entries(headers).find(([key]) => key.toLowerCase() === name.toLowerCase())?.[1];
	if (Array.isArray(value)) return value.join(', ');
	return value;
}

/** Parses a `Cookie` header: first value of each name wins, surrounding quotes dropped. */
export function parseCookieHeader(cookieHeader: string | undefined): Record<string, string> {
	const cookies: Record<string, string> = {};
	for (const part of (cookieHeader ?? '').split(';')) {
		const equals = part.indexOf('=');
		if (equals === -1) continue;
		const name = part.slice(0, equals).trim();
		let value = part.slice(equals + 1).trim();
		if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
		if (!name || name in cookies) continue;
		try {
			cookies[name] = decodeURIComponent(value);
		} catch {
			cookies[name] = value;
		}
	}
	return cookies;
}

export function requestCookies(request: ClickRequest): Record<string, string> {
	return { ...parseCookieHeader(header(request.headers, 'cookie')), ...(request.cookies ?? {}) };
}

/** An address as written in a header or by the server: brackets, ports and the IPv4-mapped prefix removed. */
export function normalizeIp(value: string | undefined): string | undefined {
	if (!value) return undefined;
	let address = value.trim();
	const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(address);
	if (bracketed) address = bracketed[1];
	else if (/^\d{1,3}(\.\d{1,3}){3}:\d+$/.test(address)) address = address.slice(0, address.lastIndexOf(':'));
	if (/^::ffff:\d{1,3}(\.\d{1,3}){3}$/i.test(address)) address = address.slice(7);
	return isIP(address) ? address.toLowerCase() : undefined;
}

/** The visitor's address; see `ReadClickOptions.trustProxy` for which `X-Forwarded-For` entry is used. */
export function clientIp(request: ClickRequest, trustProxy = 0): string | undefined {
	const socket = normalizeIp(request.ip);
	const hops = Number.isFinite(trustProxy) ? Math.max(0, Math.floor(trustProxy)) : 0;
	if (hops === 0) return socket;
	const forwarded = (header(request.headers, 'x-forwarded-for') ?? '')
		.split(',')
		.map((entry) => entry.trim())
		.filter(Boolean);
	const chain = [...forwarded, request.ip ?? ''];
	// More hops configured than entries present: the leftmost is as far as the chain goes.
	const candidate = chain[Math.max(0, chain.length - 1 - hops)];
	return normalizeIp(candidate) ?? socket;
}

/** Whether the visitor reached us over HTTPS (directly, or per `X-Forwarded-Proto` from a trusted proxy). */
export function isSecureRequest(request: ClickRequest, trustProxy = 0): boolean {
	if (request.secure) return true;
	if (!(trustProxy > 0)) return false;
	const proto = header(request.headers, 'x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase();
	return proto === 'https';
}

/**
 * The `fbc` for this click: the browser's `_fbc` cookie when it is well-formed and belongs to this
 * fbclid (it keeps the original creation time), otherwise one built from the fbclid in the URL; with
 * no fbclid, a well-formed cookie alone. Never a malformed value: omitted rather than guessed.
 */
function resolveFbc(fbclid: string | undefined, candidates: Array<string | undefined>, clickedAt: Date): string | undefined {
	const existing = candidates.find(isWellFormedFbc);
	if (fbclid === undefined) return existing;
	if (existing !== undefined && fbcClickId(existing) === fbclid) return existing;
	return buildFbc(fbclid, clickedAt);
}

/**
 * GA4's client id from a `_ga` cookie: 'GA1.1.1234567890.1700000000' (version, domain depth, random number,
 * first visit in seconds) becomes '1234567890.1700000000'; a bare 'number.number' is taken as it is.
 */
export function gaClientId(value: string | undefined): string | undefined {
	const match = /^(?:GA\d+\.\d+\.)?(\d{1,20}\.\d{1,20})$/.exec(value?.trim() ?? '');
	return match ? match[1] : undefined;
}

function compact<T extends object>(record: T): T {
	return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)) as T;
}

/**
 * Reads a click request: ad platform click ids from the query (and the browser cookies the platforms'
 * tags set, which a page on the same site sends along, or AutoTag forwards as `fbc` / `fbp` / `ttp` / `ga` /
 * `scid` / `rdt_uuid`),
 * utm parameters, the visitor's address, user agent, referrer and landing page, and the first-party
 * visitor id (reused when the cookie is well-formed, else minted).
 */
export function readClickRequest(request: ClickRequest, options: ReadClickOptions = {}): ClickDetails {
	const clickedAt = (options.now ?? (() => new Date()))();
	const query = request.query ?? {};
	const cookies = requestCookies(request);

	const fbclid = token(queryText(query, 'fbclid'));
	const cookieVisitor = cookies[options.cookieName || DEFAULT_VISITOR_COOKIE];
	const visitorReused = isWellFormedVisitorId(cookieVisitor);
	const utm = compact({
		source: text(queryText(query, 'utm_source'), 300),
		medium: text(queryText(query, 'utm_medium'), 300),
		campaign: text(queryText(query, 'utm_campaign'), 300),
		term: text(queryText(query, 'utm_term'), 300),
		content: text(queryText(query, 'utm_content'), 300),
	});
	const refererHeader = pageUrl(header(request.headers, 'referer'));
	const fbp = [cookies._fbp, queryText(query, 'fbp')].find(isWellFormedFbp);

	return compact<ClickDetails>({
		clickedAt: clickedAt.toISOString(),
		visitorId: visitorReused ? cookieVisitor : mintVisitorId(),
		newVisitor: !visitorReused,
		fbclid,
		fbc: resolveFbc(fbclid, [cookies._fbc, queryText(query, 'fbc')], clickedAt),
		fbp,
		gaClientId: gaClientId(cookies._ga) ?? gaClientId(queryText(query, 'ga')),
		// Every other platform's click fields, as their definitions say where to find them.
		...platformClickValues(query, cookies),
		affiliateId: token(queryText(query, 'aff_id') ?? queryText(query, 'affiliate_id') ?? queryText(query, 'a_aid'), 255),
		utm: Object.keys(utm).length > 0 ? utm : undefined,
		ip: clientIp(request, options.trustProxy),
		userAgent: text(header(request.headers, 'user-agent')),
		// AutoTag sends the page's own referrer as `ref` and the page itself as `landing`; a plain link
		// click only has the Referer header, which is then both where the visitor came from and the page.
		referrer: pageUrl(queryText(query, 'ref')) ?? refererHeader,
		landingUrl: pageUrl(queryText(query, 'landing')) ?? refererHeader,
	});
}
