import { listNetworks } from '../networks';
import { isUsableClickId } from './ids';
import { parseHttpUrl } from './url';
import type { ClickResult } from './types';

/** The placeholder AnyTrack's AutoTag convention puts in offer links: replaced by the click id. */
export const CLICK_ID_PLACEHOLDER = '--CLICK-ID--';
const PLACEHOLDER_PATTERN = /--CLICK-ID--/gi;

export interface LinkNetwork {
	/** A network preset id (src/networks), or `cj` / `rakuten`, which have links but no postback preset. */
	id: string;
	name: string;
	/** The query parameter that carries our click id on this network's offer links. */
	subidParam: string;
}

/** Networks whose offer links we can tag: every postback preset, plus CJ and Rakuten (reference/networks.md). */
export function linkNetworks(): LinkNetwork[] {
	return [
		...listNetworks().map(({ id, name, subidParam }) => ({ id, name, subidParam })),
		{ id: 'cj', name: 'CJ', subidParam: 'sid' },
		{ id: 'rakuten', name: 'Rakuten', subidParam: 'u1' },
	];
}

export function findLinkNetwork(id: string): LinkNetwork | undefined {
	return linkNetworks().find((network) => network.id === id);
}

/**
 * Domains that serve a network's offer links, for the networks whose link domains are fixed. TUNE,
 * Everflow, Post Affiliate Pro and the trackers run on each advertiser's own domain: their links are
 * recognised from the offers configured in the Click Tracker, or by the `--CLICK-ID--` placeholder.
 * ShareASale short links and Awin's tidd.ly carry no subid and are deliberately absent.
 */
export const NETWORK_LINK_DOMAINS: Readonly<Record<string, string>> = {
	'shareasale.com': 'shareasale',
	'awin1.com': 'awin',
	'sjv.io': 'impact',
	'pxf.io': 'impact',
	'7eer.net': 'impact',
	'evyy.net': 'impact',
	'ojrq.net': 'impact',
	'hop.clickbank.net': 'clickbank',
	'anrdoezrs.net': 'cj',
	'dpbolvw.net': 'cj',
	'jdoqocy.com': 'cj',
	'kqzyfj.com': 'cj',
	'tkqlhce.com': 'cj',
	'click.linksynergy.com': 'rakuten',
};

/** Host (exact, or a subdomain of a listed domain) → the network and subid parameter, for links the operator did not configure. */
export function networkForHost(hostname: string): LinkNetwork | undefined {
	const host = hostname.toLowerCase().replace(/\.$/, '');
	for (const [domain, id] of Object.entries(NETWORK_LINK_DOMAINS)) {
		if (host === domain || host.endsWith(`.${domain}`)) return findLinkNetwork(id);
	}
	return undefined;
}

/** A subid parameter name an operator may configure: the characters networks use in query parameter names. */
const SUBID_PARAM = /^[A-Za-z0-9_.[\]-]{1,64}$/;

export function isValidSubidParam(name: unknown): name is string {
	return typeof name === 'string' && SUBID_PARAM.test(name);
}

/** What each network accepts in its subid (reference/networks.md); checked when an operator supplies the click id. */
const SUBID_VALUE_RULES: Record<string, { pattern: RegExp; rule: string }> = {
	shareasale: { pattern: /^[A-Za-z0-9]{1,255}$/, rule: 'letters and digits only, at most 255' },
	clickbank: { pattern: /^[a-z0-9_]{1,100}$/, rule: 'lowercase letters, digits and _ only, at most 100' },
	rakuten: { pattern: /^.{1,72}$/, rule: 'at most 72 characters' },
};

export function hasPlaceholder(url: string): boolean {
	return url.search(PLACEHOLDER_PATTERN) !== -1;
}

function decodeQueryName(raw: string): string {
	try {
		return decodeURIComponent(raw.replace(/\+/g, ' '));
	} catch {
		return raw;
	}
}

/**
 * Sets one query parameter and leaves every other byte of the URL as it was: the first occurrence of
 * the parameter gets the new value under its original spelling, later duplicates are dropped, and a
 * missing parameter is appended before the fragment. Names compare exactly (Impact's `subId1` is
 * case-sensitive).
 */
export function setQueryParam(url: string, name: string, value: string): string {
	const hashAt = url.indexOf('#');
	const beforeHash = hashAt === -1 ? url : url.slice(0, hashAt);
	const hash = hashAt === -1 ? '' : url.slice(hashAt);
	const queryAt = beforeHash.indexOf('?');
	const encodedValue = encodeURIComponent(value);
	const pair = `${encodeURIComponent(name)}=${encodedValue}`;
	if (queryAt === -1) return `${beforeHash}?${pair}${hash}`;

	const base = beforeHash.slice(0, queryAt);
	const parts = beforeHash.slice(queryAt + 1).split('&');
	const kept: string[] = [];
	let replaced = false;
	for (const part of parts) {
		const equals = part.indexOf('=');
		const rawName = equals === -1 ? part : part.slice(0, equals);
		if (decodeQueryName(rawName) === name) {
			if (!replaced) kept.push(`${rawName}=${encodedValue}`);
			replaced = true;
			continue;
		}
		kept.push(part);
	}
	if (!replaced) {
		// `…?` or `…&` already ends in a separator: reuse it rather than adding an empty pair.
		if (kept[kept.length - 1] === '') kept[kept.length - 1] = pair;
		else kept.push(pair);
	}
	return `${base}?${kept.join('&')}${hash}`;
}

/**
 * The URL to send the visitor to: every `--CLICK-ID--` placeholder replaced by the click id when the
 * link has one (the placeholder wins, the subid parameter is then left alone), otherwise the
 * network's subid parameter set to the click id. Nothing else in the URL changes.
 */
export function buildOfferRedirect(offerUrl: string, clickId: string, subidParam?: string): string {
	if (hasPlaceholder(offerUrl)) return offerUrl.replace(PLACEHOLDER_PATTERN, encodeURIComponent(clickId));
	if (!subidParam) throw new Error('The offer link has no --CLICK-ID-- placeholder and no subid parameter is known for it');
	return setQueryParam(offerUrl, subidParam, clickId);
}

export interface TagTarget {
	/** A network id from `linkNetworks()`. */
	network?: string;
	/** A parameter name; wins over `network`. */
	subidParam?: string;
}

export interface TaggedLink {
	url: string;
	clickId: string;
	/** How the click id went in. */
	via: 'placeholder' | 'parameter';
	subidParam?: string;
	network?: string;
}

/**
 * Tags an offer link with a click id (the Tag Link operation). The parameter comes from `target`, or
 * from the link's domain when it belongs to a known network; a `--CLICK-ID--` placeholder needs neither.
 */
export function tagLink(url: unknown, clickId: unknown, target: TagTarget = {}): ClickResult<TaggedLink> {
	const parsed = parseHttpUrl(url, 'url');
	if (!parsed.ok) return parsed;
	if (!isUsableClickId(clickId)) {
		return {
			ok: false,
			error: {
				code: 'invalid_click_id',
				message: 'The click ID must be 1 to 255 characters of letters, digits, "-", "_", "." or "~".',
				field: 'clickId',
			},
		};
	}

	let network: LinkNetwork | undefined;
	if (target.network) {
		network = findLinkNetwork(target.network);
		if (!network) {
			const known = linkNetworks()
				.map((entry) => entry.id)
				.join(', ');
			return { ok: false, error: { code: 'unknown_network', message: `Unknown network "${target.network}". Known: ${known}.`, field: 'network' } };
		}
	}
	const subidParam =
		target.subidParam?.trim() || network?.subidParam || (hasPlaceholder(parsed.raw) ? undefined : networkForHost(parsed.url.hostname)?.subidParam);
	network ??= target.subidParam?.trim() ? undefined : networkForHost(parsed.url.hostname);

	if (subidParam !== undefined && !isValidSubidParam(subidParam)) {
		return {
			ok: false,
			error: { code: 'misconfigured', message: `"${subidParam}" is not a usable query parameter name.`, field: 'subidParam' },
		};
	}
	const rule = network ? SUBID_VALUE_RULES[network.id] : undefined;
	if (rule && !rule.pattern.test(clickId)) {
		return {
			ok: false,
			error: { code: 'invalid_click_id', message: `${network!.name} accepts ${rule.rule} in ${network!.subidParam}.`, field: 'clickId' },
		};
	}
	if (hasPlaceholder(parsed.raw)) {
		return { ok: true, url: buildOfferRedirect(parsed.raw, clickId), clickId, via: 'placeholder', ...(network ? { network: network.id } : {}) };
	}
	if (!subidParam) {
		return {
			ok: false,
			error: {
				code: 'unknown_network',
				message: `No subid parameter is known for ${parsed.url.hostname}: choose the network or enter the parameter name, or put ${CLICK_ID_PLACEHOLDER} in the link.`,
				field: 'network',
			},
		};
	}
	return {
		ok: true,
		url: buildOfferRedirect(parsed.raw, clickId, subidParam),
		clickId,
		via: 'parameter',
		subidParam,
		...(network ? { network: network.id } : {}),
	};
}
