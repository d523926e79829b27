import { safeHeaders } from '../networks/fields';
import type { ClickRecord } from '../model/click';
import { mintClickId } from './ids';
import { buildOfferRedirect } from './links';
import { DEFAULT_VISITOR_COOKIE, isSecureRequest, readClickRequest, type ReadClickOptions } from './request';
import { isHostAllowed, normalizeDomain, parseDomainAllowlist, resolveTarget, type TargetPolicy } from './targets';
import type { ClickError, ClickRequest } from './types';
import { type ConsentCapture, checkConsentCapture, readConsent } from './consent';
import { parseHttpUrl } from './url';

export interface CookieSettings {
	/** The visitor cookie (default `pb_vid`); the last click id goes in `<name>_click`. */
	name?: string;
	/** Lifetime in days (default 90, at most 400, which browsers cap to anyway); 0 makes session cookies. */
	days?: number;
	/** `example.com` to share the cookies with every subdomain (the tracker and the landing pages). */
	domain?: string;
}

export interface TrackerConfig extends TargetPolicy, Omit<ReadClickOptions, 'cookieName'> {
	cookie?: CookieSettings;
	/** Prefix for minted click ids (lowercase letters and digits). */
	clickIdPrefix?: string;
	/** Where the visitor's consent is read from (./consent.ts). */
	consent?: ConsentCapture;
}

/** A click request the tracker refused, with what is needed to see why. Nothing was recorded. */
export interface RejectedClick {
	reason: ClickError;
	httpStatus: number;
	receivedAt: string;
	request: { method: string; query: Record<string, unknown>; headers?: Record<string, string>; ip?: string };
}

/** The click, as recorded in the store and emitted by the node. */
export interface TrackedClick extends ClickRecord {
	visitorId: string;
	offerUrl: string;
	/** Whether the visitor id was minted for this click (no well-formed visitor cookie came with it). */
	newVisitor: boolean;
}

export interface TrackOutcome {
	/** What to answer the visitor, at once. */
	response: { status: number; headers: Record<string, string | string[]>; body?: Record<string, unknown> };
	click?: TrackedClick;
	rejected?: RejectedClick;
}

export const DEFAULT_COOKIE_DAYS = 90;
const MAX_COOKIE_DAYS = 400;
const COOKIE_NAME = /^[A-Za-z0-9_-]{1,64}$/;

const NO_STORE = { 'Cache-Control': 'no-store', 'X-Robots-Tag': 'noindex, nofollow' };

function cookieAttributes(settings: CookieSettings, secure: boolean, domain: string | undefined): string {
	const days = Math.min(MAX_COOKIE_DAYS, Math.max(0, Math.floor(settings.days ?? DEFAULT_COOKIE_DAYS)));
	return [
		'Path=/',
		...(days > 0 ? [`Max-Age=${days * 86400}`] : []),
		...(domain ? [`Domain=${domain}`] : []),
		// Not HttpOnly: the AutoTag script on the operator's pages reads the click id from it.
		'SameSite=Lax',
		...(secure ? ['Secure'] : []),
	].join('; ');
}

/** Settings errors the operator must fix; checked before anything else so a typo never half-works. */
function checkSettings(config: TrackerConfig): ClickError | undefined {
	const name = config.cookie?.name?.trim() || DEFAULT_VISITOR_COOKIE;
	if (!COOKIE_NAME.test(name)) {
		return { code: 'misconfigured', message: `The cookie name "${name}" may only hold letters, digits, "_" and "-".`, field: 'cookieName' };
	}
	const domain = config.cookie?.domain?.trim();
	if (domain && normalizeDomain(domain) === undefined) {
		return { code: 'misconfigured', message: `The cookie domain "${domain}" is not a domain name.`, field: 'cookieDomain' };
	}
	if (config.clickIdPrefix && !/^[a-z0-9]{0,12}$/.test(config.clickIdPrefix)) {
		return { code: 'misconfigured', message: 'The click ID prefix may only hold lowercase letters and digits (at most 12).', field: 'clickIdPrefix' };
	}
	return checkConsentCapture(config.consent);
}

/**
 * Serves one click: decides the target (a configured offer, or an allowlisted `url`), mints the click
 * id, reads the ad click ids and visitor details, and answers 302 to the offer with the subid filled
 * and the first-party cookies set. A request it refuses gets a 4xx JSON reason and no click.
 */
export function trackClick(request: ClickRequest, config: TrackerConfig): TrackOutcome {
	const now = config.now ?? (() => new Date());
	const query = request.query ?? {};
	const refuse = (reason: ClickError, httpStatus: number): TrackOutcome => ({
		response: { status: httpStatus, headers: { ...NO_STORE }, body: { ok: false, error: reason } },
		rejected: {
			reason,
			httpStatus,
			receivedAt: now().toISOString(),
			request: {
				method: (request.method ?? 'GET').toUpperCase(),
				query,
				headers: safeHeaders(request.headers),
				...(request.ip ? { ip: request.ip } : {}),
			},
		},
	});

	const misconfigured = checkSettings(config);
	if (misconfigured) return refuse(misconfigured, 500);
	const resolved = resolveTarget(query, config);
	if (!resolved.ok) return refuse(resolved.error, resolved.status);
	const { target } = resolved;

	const cookieName = config.cookie?.name?.trim() || DEFAULT_VISITOR_COOKIE;
	const details = readClickRequest(request, { now, trustProxy: config.trustProxy, cookieName });
	const clickId = mintClickId(config.clickIdPrefix ?? '');
	const location = buildOfferRedirect(target.url, clickId, target.subidParam);

	// Defence in depth: the URL we answer with must still point where the checks said it would.
	const final = parseHttpUrl(location, target.source === 'url' ? 'url' : 'offers');
	const sameHost = final.ok && final.url.hostname === target.host;
	const stillAllowed = target.source === 'offer' || (final.ok && isHostAllowed(final.url.hostname, parseDomainAllowlist(config.allowedDomains)));
	if (!sameHost || !stillAllowed) {
		return refuse(
			{
				code: 'invalid_url',
				message: 'The link changed host when the click ID was added; it cannot be used.',
				field: target.source === 'url' ? 'url' : 'offers',
			},
			400,
		);
	}

	const { newVisitor, ...fields } = details;
	const consent = readConsent(request, config.consent);
	const click: TrackedClick = {
		clickId,
		...fields,
		...(consent ? { consent } : {}),
		...(target.network ? { network: target.network } : {}),
		...(target.offerId ? { offerId: target.offerId } : {}),
		offerUrl: location,
		newVisitor,
	};
	const secure = isSecureRequest(request, config.trustProxy);
	const cookieDomain = config.cookie?.domain?.trim() ? normalizeDomain(config.cookie.domain) : undefined;
	const attributes = cookieAttributes(config.cookie ?? {}, secure, cookieDomain);
	return {
		response: {
			status: 302,
			headers: {
				Location: location,
				...NO_STORE,
				'Set-Cookie': [`${cookieName}=${details.visitorId}; ${attributes}`, `${cookieName}_click=${clickId}; ${attributes}`],
			},
		},
		click,
	};
}
