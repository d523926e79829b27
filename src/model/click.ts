import type { Consent } from './consent';

/**
 * Clicks as every layer sees them: what the Click Tracker records, the ad-platform click ids a click carried,
 * the part of it that travels with a conversion, and the shape rules of Meta's fbc/fbp values (the Click
 * Tracker builds them, the Meta destination checks them).
 */

/** The ad-platform click ids and cookies a click carried: never hashed, forwarded as they are. */
export interface AdClickIds {
	fbclid?: string;
	/** `fb.1.<ms>.<fbclid>`, built from fbclid at click time (or the `_fbc` cookie when present). */
	fbc?: string;
	/** The `_fbp` browser cookie. */
	fbp?: string;
	gclid?: string;
	gbraid?: string;
	wbraid?: string;
	ttclid?: string;
	/** The `_ttp` cookie. */
	ttp?: string;
	/** Snapchat's ScCid. */
	sccid?: string;
	/** Pinterest's epik. */
	epik?: string;
	/** Reddit's rdt_cid. */
	rdtCid?: string;
	msclkid?: string;
	/** GA4's client id from the `_ga` cookie ('1234567890.1700000000'), so GA4 joins the visitor's session. */
	gaClientId?: string;
	/** Snapchat's `_scid` cookie (sent as `sc_cookie1`). */
	scCookie1?: string;
	/** Reddit's `_rdt_uuid` cookie (sent as `user.uuid`). */
	rdtUuid?: string;
}

export interface ClickRecord extends AdClickIds {
	/** Minted by the Click Tracker: URL-safe, at least 128 bits of randomness. */
	clickId: string;
	/** ISO 8601 UTC. */
	clickedAt: string;
	/** The first-party visitor cookie: the same person across clicks (first-click attribution). */
	visitorId?: string;
	/** The network preset whose subid carried the click id out, if known. */
	network?: string;
	/** The operator's name for the offer. */
	offerId?: string;
	/** Where the visitor was sent (with the subid filled in). */
	offerUrl?: string;
	/** The affiliate or publisher the click belongs to, when the link carries one. */
	affiliateId?: string;
	utm?: { source?: string; medium?: string; campaign?: string; term?: string; content?: string };
	ip?: string;
	userAgent?: string;
	referrer?: string;
	landingUrl?: string;
	/** What the visitor allowed, as the Click Tracker read it (link parameter, consent cookie, Sec-GPC). */
	consent?: Consent;
}

/** The click as it travels on the conversion (`conversion.click`): ad click ids, never hashed, and the visit. */
export interface ConversionClick extends AdClickIds {
	clickId: string;
	ip?: string;
	userAgent?: string;
	landingUrl?: string;
	clickedAt: string;
}

/** fbclid as Meta issues it (case-sensitive, kept exactly as received). */
const FBCLID = /^[A-Za-z0-9_-]{1,500}$/;
/** `fb.<subdomain index>.<creation time, ms>.<fbclid>`; anything else makes Meta fail the event (subcode 2804001). */
const FBC = /^fb\.[0-2]\.\d{13}\.([A-Za-z0-9_-]{1,500})$/;
/** `fb.<subdomain index>.<creation time, ms>.<random number>`. */
const FBP = /^fb\.[0-2]\.\d{13}\.\d{1,20}$/;

/** The fbclid inside a well-formed fbc, or undefined. */
export function fbcClickId(value: string): string | undefined {
	return FBC.exec(value)?.[1];
}

export function isWellFormedFbc(value: unknown): value is string {
	return typeof value === 'string' && FBC.test(value);
}

export function isWellFormedFbp(value: unknown): value is string {
	return typeof value === 'string' && FBP.test(value);
}

/** `fb.1.<ms>.<fbclid>` for a click at `clickedAt`, or undefined when the fbclid is not one. */
export function buildFbc(fbclid: string, clickedAt: Date): string | undefined {
	return FBCLID.test(fbclid) ? `fb.1.${clickedAt.getTime()}.${fbclid}` : undefined;
}
