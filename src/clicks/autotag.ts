import { NETWORK_LINK_DOMAINS, findLinkNetwork, isValidSubidParam, linkNetworks, networkForHost } from './links';
import { DEFAULT_VISITOR_COOKIE } from './request';
import { DEFAULT_SUBID_PARAM, parseDomainAllowlist, type OfferConfig } from './targets';
import { parseHttpUrl } from './url';
import { platformClickFields } from '../destinations/click-fields';

export type AutoTagMode = 'route' | 'tag';

export interface AutoTagOptions {
	/**
	 * The Click Tracker's URL (its Production URL). Empty: the script works it out from its own address
	 * (`…/<path>/autotag.js` → `…/<path>`), which is right whenever the page loads it from the tracker.
	 */
	trackerUrl?: string;
	/**
	 * `route` (default): offer links are sent through the tracker (`?url=…`), which records the click
	 * server-side, with the page's ad click ids, and redirects with the subid filled. `tag`: when the
	 * visit already has a click id (handed over by the tracker), it is written straight into the link;
	 * links are routed otherwise.
	 */
	mode?: AutoTagMode;
	/** The tracker's allowed domains: only links to these are routed (the tracker refuses the rest). */
	allowedDomains?: string | readonly string[];
	/** The tracker's offers: their domains count as known networks, with the offer's subid parameter. */
	offers?: readonly OfferConfig[];
	/** Query parameter in which the tracker hands the click id to the operator's own pages (default `click_id`). */
	clickParam?: string;
	/** The tracker's visitor cookie name; the click id is read from `<name>_click` (default `pb_vid`). */
	cookieName?: string;
}

interface ScriptConfig {
	tracker: string;
	mode: AutoTagMode;
	allowed: string[];
	/** Domain → [network id, subid parameter]. */
	hosts: Record<string, [string, string]>;
	/** Network id → subid parameter, for links marked `data-pb-network="…"`. */
	networks: Record<string, string>;
	clickParam: string;
	clickCookie: string;
}

/**
 * The browser side. ES5 plus the URL API, so it runs in every browser that can load a modern site;
 * no dependencies. `__CONFIG__` is replaced by the JSON settings, `__AD_PARAMS__` and `__AD_COOKIES__` by what
 * the platforms' click fields say (adPlatformSources).
 */
const RUNTIME = `(function (window, document) {
	'use strict';
	var config = __CONFIG__;
	var PLACEHOLDER = /--CLICK-ID--/gi;
	var AD_PARAMS = __AD_PARAMS__.concat(['utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content']);
	var AD_COOKIES = __AD_COOKIES__;
	var STORAGE_KEY = 'pb_autotag';
	var memory = {};
	var enc = encodeURIComponent;

	function load() {
		try { return JSON.parse(window.sessionStorage.getItem(STORAGE_KEY) || '{}') || {}; } catch (e) { return memory; }
	}
	function save(state) {
		memory = state;
		try { window.sessionStorage.setItem(STORAGE_KEY, JSON.stringify(state)); } catch (e) { /* storage off: memory only */ }
	}
	function decode(text) {
		try { return decodeURIComponent(text.replace(/\\+/g, ' ')); } catch (e) { return text; }
	}
	function cookie(name) {
		var parts = document.cookie ? String(document.cookie).split(';') : [];
		for (var i = 0; i < parts.length; i++) {
			var eq = parts[i].indexOf('=');
			if (eq > -1 && parts[i].slice(0, eq).trim() === name) return decode(parts[i].slice(eq + 1).trim());
		}
		return '';
	}
	function trackerUrl() {
		if (config.tracker) return config.tracker;
		var script = document.currentScript;
		var src = script && script.src ? String(script.src).split(/[?#]/)[0] : '';
		return /\\/autotag\\.js$/.test(src) ? src.slice(0, -'/autotag.js'.length) : '';
	}
	function matchDomain(host, domains) {
		host = String(host).toLowerCase().replace(/\\.$/, '');
		for (var i = 0; i < domains.length; i++) {
			var domain = domains[i];
			if (host === domain || host.slice(-domain.length - 1) === '.' + domain) return domain;
		}
		return '';
	}
	function setParam(href, name, value) {
		var hash = '';
		var at = href.indexOf('#');
		if (at > -1) { hash = href.slice(at); href = href.slice(0, at); }
		var pair = enc(name) + '=' + enc(value);
		var q = href.indexOf('?');
		if (q === -1) return href + '?' + pair + hash;
		var parts = href.slice(q + 1).split('&');
		var out = [];
		var done = false;
		for (var i = 0; i < parts.length; i++) {
			var key = parts[i].split('=')[0];
			if (decode(key) !== name) out.push(parts[i]);
			else if (!done) { out.push(key + '=' + enc(value)); done = true; }
		}
		if (!done) { if (out[out.length - 1] === '') out[out.length - 1] = pair; else out.push(pair); }
		return href.slice(0, q) + '?' + out.join('&') + hash;
	}

	var TRACKER = trackerUrl();
	// Remember the ad click ids of the visit's landing page (and a click id the tracker handed over).
	var state = load();
	var here = new URL(window.location.href);
	AD_PARAMS.forEach(function (name) { var value = here.searchParams.get(name); if (value) state[name] = value; });
	var handed = here.searchParams.get(config.clickParam);
	if (handed) state.clickId = handed;
	if (!state.ref && document.referrer) state.ref = String(document.referrer);
	save(state);

	function clickId() { return state.clickId || cookie(config.clickCookie); }
	function details() {
		var out = [];
		AD_PARAMS.forEach(function (name) { if (state[name]) out.push(enc(name) + '=' + enc(state[name])); });
		Object.keys(AD_COOKIES).forEach(function (name) { var value = cookie(AD_COOKIES[name]); if (value) out.push(name + '=' + enc(value)); });
		out.push('landing=' + enc(window.location.href));
		if (state.ref) out.push('ref=' + enc(state.ref));
		return out.join('&');
	}
	function routed(href, network) {
		return TRACKER + (TRACKER.indexOf('?') > -1 ? '&' : '?') + 'url=' + enc(href) + (network ? '&network=' + enc(network) : '') + '&' + details();
	}

	function tag(link) {
		if (!link || !link.getAttribute || link.getAttribute('data-pb-tagged')) return;
		var href = String(link.href || '');
		var url;
		try { url = new URL(href, window.location.href); } catch (e) { return; }
		if (url.protocol !== 'http:' && url.protocol !== 'https:') return;
		var next = '';
		if (TRACKER && href.indexOf(TRACKER + '?') === 0) {
			// Links to the tracker itself (?offer=…): add the visit's ad click ids and pages.
			if (!url.searchParams.has('landing')) next = href + '&' + details();
		} else {
			var forced = link.getAttribute('data-pb-network');
			var known = forced && config.networks[forced] ? [forced, config.networks[forced]] : config.hosts[matchDomain(url.hostname, Object.keys(config.hosts))];
			var placeholder = href.search(PLACEHOLDER) > -1;
			if (!known && !placeholder) return;
			var id = config.mode === 'tag' ? clickId() : '';
			if (id) next = placeholder ? href.replace(PLACEHOLDER, enc(id)) : setParam(href, known[1], id);
			else if (TRACKER && matchDomain(url.hostname, config.allowed)) next = routed(href, known ? known[0] : '');
		}
		if (next) {
			link.href = next;
			link.setAttribute('data-pb-tagged', '1');
		}
	}
	function scan() {
		var links = document.querySelectorAll('a[href]');
		for (var i = 0; i < links.length; i++) tag(links[i]);
	}

	if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', scan);
	else scan();
	// Links added later (menus, single-page apps) are tagged when the visitor reaches for them.
	['mousedown', 'touchstart', 'click'].forEach(function (type) {
		document.addEventListener(type, function (event) {
			var target = event.target;
			var link = target && target.closest ? target.closest('a[href]') : null;
			if (link) tag(link);
		}, true);
	});
	window.postbackAutoTag = { scan: scan, clickId: clickId };
})(window, document);
`;

/** JSON that is also safe inside an inline script element. */
function scriptJson(value: unknown): string {
	return JSON.stringify(value)
		.replace(/</g, '\\u003c')
		.replace(/>/g, '\\u003e')
		.replace(/\u2028/g, '\\u2028')
		.replace(/\u2029/g, '\\u2029');
}

/** The settings the script runs with, exposed for tests and for the node's preview. */
export function autoTagConfig(options: AutoTagOptions = {}): ScriptConfig {
	const hosts: Record<string, [string, string]> = {};
	for (const [domain, id] of Object.entries(NETWORK_LINK_DOMAINS)) {
		const network = findLinkNetwork(id);
		if (network) hosts[domain] = [network.id, network.subidParam];
	}
	for (const offer of options.offers ?? []) {
		const parsed = parseHttpUrl(offer.url, 'offers');
		if (!parsed.ok) continue;
		const host = parsed.url.hostname;
		const network = offer.network ? findLinkNetwork(offer.network) : networkForHost(host);
		const param = offer.subidParam?.trim() || network?.subidParam;
		if (param && isValidSubidParam(param) && !hosts[host]) hosts[host] = [network?.id ?? '', param];
	}
	const networks = Object.fromEntries(linkNetworks().map((network) => [network.id, network.subidParam]));
	const tracker = options.trackerUrl?.trim() ?? '';
	const trackerOk = tracker === '' || parseHttpUrl(tracker, 'trackerUrl').ok;
	const clickParam = options.clickParam?.trim() || DEFAULT_SUBID_PARAM;
	const cookieName = options.cookieName?.trim() || DEFAULT_VISITOR_COOKIE;
	return {
		tracker: trackerOk ? tracker.replace(/\/+$/, '') : '',
		mode: options.mode === 'tag' ? 'tag' : 'route',
		allowed: parseDomainAllowlist(options.allowedDomains).domains,
		hosts,
		networks,
		clickParam: isValidSubidParam(clickParam) ? clickParam : DEFAULT_SUBID_PARAM,
		clickCookie: `${/^[A-Za-z0-9_-]{1,64}$/.test(cookieName) ? cookieName : DEFAULT_VISITOR_COOKIE}_click`,
	};
}

/**
 * The AutoTag script for the operator's pages (seed 000's AutoTag: links to known networks get the
 * click id, or are routed through the tracker). Self-contained; serve it as application/javascript.
 */
export function autoTagScript(options: AutoTagOptions = {}): string {
	const { params, cookies } = adPlatformSources();
	const runtime = RUNTIME.replace('__CONFIG__', () => scriptJson(autoTagConfig(options)))
		.replace('__AD_PARAMS__', () => scriptJson(params))
		.replace('__AD_COOKIES__', () => scriptJson(cookies));
	return `/* n8n-nodes-postback AutoTag: tags offer links with a click ID or routes them through the Click Tracker. */\n${runtime}`;
}

/**
 * What AutoTag carries from the page to the tracker, from the platforms' click fields: the URL parameters of
 * those read from the URL first (any-case ones also in lower case), and, for those read from a cookie first,
 * the parameter to send each cookie as.
 */
export function adPlatformSources(): { params: string[]; cookies: Record<string, string> } {
	const params: string[] = [];
	const cookies: Record<string, string> = {};
	for (const { from } of platformClickFields()) {
		const [first] = from;
		if (!first) continue;
		if ('query' in first) {
			for (const name of first.ignoreCase ? [first.query, first.query.toLowerCase()] : [first.query]) if (!params.includes(name)) params.push(name);
			continue;
		}
		const asParameter = from.find((source): source is { query: string } => 'query' in source);
		if (asParameter) cookies[asParameter.query] = first.cookie;
	}
	return { params, cookies };
}
