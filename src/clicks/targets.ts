import { isIP } from 'node:net';
import { findLinkNetwork, hasPlaceholder, isValidSubidParam, networkForHost } from './links';
import type { ClickError } from './types';
import { isIpLiteral, parseHttpUrl } from './url';

const fail = (error: ClickError): { ok: false; error: ClickError } => ({ ok: false, error });

export interface DomainAllowlist {
	/** Lowercase ASCII host names (IDNs in punycode) and IP literals as the URL parser writes them. */
	domains: string[];
	/** Entries that could not be read, as written. */
	invalid: string[];
}

/**
 * One allowlist entry → the host it names: `example.com`, `*.example.com` or `.example.com` (the same
 * thing: the domain and its subdomains), or a pasted URL (its host). A bare top-level label (`com`)
 * is refused: it would allow half the web.
 */
export function normalizeDomain(entry: string): string | undefined {
	let text = entry.trim().toLowerCase();
	if (!text) return undefined;
	if (/^[a-z][a-z0-9+.-]*:\/\//.test(text)) {
		let pasted: URL;
		try {
			pasted = new URL(text);
		} catch {
			return undefined;
		}
		const bare = pasted.pathname === '/' && !pasted.search && !pasted.hash && !pasted.port && !pasted.username && !pasted.password;
		if (!bare || (pasted.protocol !== 'https:' && pasted.protocol !== 'http:')) return undefined;
		text = pasted.hostname;
	}
	text = text.replace(/^\*\./, '').replace(/^\./, '').replace(/\.$/, '');
	if (!text || /[\s/?#@\\*%]/.test(text)) return undefined;
	if (isIP(text) === 6) text = `[${text}]`;
	const literal = isIpLiteral(text);
	if (!literal && text.includes(':')) return undefined; // a port
	let host: string;
	try {
		host = new URL(`http://${text}/`).hostname;
	} catch {
		return undefined;
	}
	if (literal) return host;
	// Only dotted-quad IPv4 is an address here: 127.1 or 0x7f.1 are refused rather than reinterpreted.
	if (isIpLiteral(host)) return undefined;
	const idn = /[\u0080-\uffff]/.test(text);
	if (host !== text && !idn) return undefined;
	if (!host.includes('.') && host !== 'localhost') return undefined;
	if (!host.split('.').every((label) => /^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$/.test(label))) return undefined;
	return host;
}

/** Splits an allowlist written by an operator (commas, spaces, new lines) and reports entries it cannot read. */
export function parseDomainAllowlist(input: string | readonly string[] | undefined): DomainAllowlist {
	const entries = (typeof input === 'string' ? input.split(/[\s,;]+/) : (input ?? [])).map((entry) => entry.trim()).filter(Boolean);
	const domains: string[] = [];
	const invalid: string[] = [];
	for (const entry of entries) {
		const domain = normalizeDomain(entry);
		if (domain === undefined) invalid.push(entry);
		else if (!domains.includes(domain)) domains.push(domain);
	}
	return { domains, invalid };
}

/**
 * Whether a parsed URL's host may be redirected to: the exact host or a subdomain of an allowed
 * domain. IP-literal hosts only when that exact address is listed (never by suffix).
 */
export function isHostAllowed(hostname: string, allowlist: DomainAllowlist): boolean {
	const host = hostname.toLowerCase().replace(/\.$/, '');
	if (!host) return false;
	if (isIpLiteral(host)) return allowlist.domains.includes(host);
	return allowlist.domains.some((domain) => !isIpLiteral(domain) && (host === domain || host.endsWith(`.${domain}`)));
}

/** An offer configured in the Click Tracker. */
export interface OfferConfig {
	name: string;
	url: string;
	/** A network id from `linkNetworks()`: its subid parameter carries the click id. */
	network?: string;
	/** A parameter name; wins over `network`. */
	subidParam?: string;
}

export interface TargetPolicy {
	offers?: readonly OfferConfig[];
	/** Domains a request-supplied `url` may point to (with their subdomains). Empty: no `url` targets at all. */
	allowedDomains?: string | readonly string[];
	/** Subid parameter for `url` targets on domains of no known network (default `click_id`). */
	defaultSubidParam?: string;
}

export interface ResolvedTarget {
	source: 'offer' | 'url';
	/** The operator's offer name (configured offers only). */
	offerId?: string;
	/** The link before tagging, as written (byte-for-byte). */
	url: string;
	host: string;
	network?: string;
	/** Undefined when the link carries `--CLICK-ID--`. */
	subidParam?: string;
}

export const DEFAULT_SUBID_PARAM = 'click_id';

/** The first value of a query parameter, or `'repeated'` / `'not-text'` for values a link should never carry. */
export function singleValue(value: unknown): string | undefined | 'repeated' | 'not-text' {
	if (value === undefined || value === null) return undefined;
	if (Array.isArray(value)) return value.length === 1 && typeof value[0] === 'string' ? value[0] : 'repeated';
	return typeof value === 'string' ? value : 'not-text';
}

/**
 * Decides where a click goes: `?offer=<name>` (an offer configured in the node) or `?url=<link>`
 * (checked against the domain allowlist). Never an open redirect: a `url` outside the allowlist,
 * with user information, of another scheme, or unparseable is refused with the reason.
 */
export type TargetResult = { ok: true; target: ResolvedTarget } | { ok: false; error: ClickError; status: number };

export function resolveTarget(query: Record<string, unknown>, policy: TargetPolicy): TargetResult {
	const offerValue = singleValue(query.offer);
	const urlValue = singleValue(query.url);
	const given = (value: typeof offerValue) => value !== undefined && value !== '';

	if (offerValue === 'repeated' || offerValue === 'not-text') {
		return { ...fail({ code: 'conflicting_target', message: 'Give the offer parameter once.', field: 'offer' }), status: 400 };
	}
	if (urlValue === 'repeated' || urlValue === 'not-text') {
		return { ...fail({ code: 'conflicting_target', message: 'Give the url parameter once.', field: 'url' }), status: 400 };
	}
	if (given(offerValue) && given(urlValue)) {
		return { ...fail({ code: 'conflicting_target', message: 'Give either offer or url, not both.', field: 'url' }), status: 400 };
	}

	if (given(offerValue)) {
		const wanted = offerValue!.trim().toLowerCase();
		const offer = (policy.offers ?? []).find((candidate) => candidate.name.trim().toLowerCase() === wanted);
		if (!offer) {
			return {
				...fail({ code: 'unknown_offer', message: `No offer named "${offerValue!.slice(0, 100)}" is configured in this Click Tracker.`, field: 'offer' }),
				status: 404,
			};
		}
		const parsed = parseHttpUrl(offer.url, 'offers');
		const misconfigured = (message: string) => ({ ...fail({ code: 'misconfigured', message, field: 'offers' }), status: 500 });
		if (!parsed.ok) return misconfigured(`The offer "${offer.name}" has no usable link in the Click Tracker settings: ${parsed.error.message}`);
		let subidParam: string | undefined;
		if (!hasPlaceholder(parsed.raw)) {
			subidParam =
				offer.subidParam?.trim() || (offer.network ? findLinkNetwork(offer.network)?.subidParam : undefined) || networkForHost(parsed.url.hostname)?.subidParam;
			if (!subidParam) return misconfigured(`The offer "${offer.name}" needs a network, a subid parameter, or --CLICK-ID-- in its link.`);
			if (!isValidSubidParam(subidParam)) return misconfigured(`The offer "${offer.name}" has an unusable subid parameter "${subidParam}".`);
		}
		const network = offer.subidParam?.trim() ? offer.network || undefined : offer.network || networkForHost(parsed.url.hostname)?.id;
		return {
			ok: true,
			target: {
				source: 'offer',
				offerId: offer.name,
				url: parsed.raw,
				host: parsed.url.hostname,
				...(network ? { network } : {}),
				...(subidParam ? { subidParam } : {}),
			},
		};
	}

	if (given(urlValue)) {
		const parsed = parseHttpUrl(urlValue, 'url');
		if (!parsed.ok) return { ...parsed, status: 400 };
		const allowlist = parseDomainAllowlist(policy.allowedDomains);
		if (!isHostAllowed(parsed.url.hostname, allowlist)) {
			const unread = allowlist.invalid.length > 0 ? ` (these allowlist entries could not be read: ${allowlist.invalid.join(', ')})` : '';
			return {
				...fail({
					code: 'domain_not_allowed',
					message: `Links to ${parsed.url.hostname} are not allowed by this Click Tracker${unread}. Add the domain to its allowed domains or configure the link as an offer.`,
					field: 'url',
				}),
				status: 403,
			};
		}
		const networkValue = singleValue(query.network);
		let network = typeof networkValue === 'string' && networkValue ? findLinkNetwork(networkValue) : undefined;
		if (networkValue !== undefined && networkValue !== '' && !network) {
			return { ...fail({ code: 'unknown_network', message: 'The network parameter names no known network.', field: 'network' }), status: 400 };
		}
		network ??= networkForHost(parsed.url.hostname);
		let subidParam: string | undefined;
		if (!hasPlaceholder(parsed.raw)) {
			subidParam = network?.subidParam ?? (policy.defaultSubidParam?.trim() || DEFAULT_SUBID_PARAM);
			if (!isValidSubidParam(subidParam)) {
				return {
					...fail({ code: 'misconfigured', message: `"${subidParam}" is not a usable subid parameter name.`, field: 'defaultSubidParam' }),
					status: 500,
				};
			}
		}
		return {
			ok: true,
			target: {
				source: 'url',
				url: parsed.raw,
				host: parsed.url.hostname,
				...(network ? { network: network.id } : {}),
				...(subidParam ? { subidParam } : {}),
			},
		};
	}

	return {
		...fail({ code: 'missing_target', message: 'Say where the click goes: ?offer=<offer name> or ?url=<link on an allowed domain>.', field: 'offer' }),
		status: 400,
	};
}
