/**
 * The visitor's consent, read from the click request (issue 17). Three places, each optional, merged so that a
 * denial always wins (mergeConsent in src/model/consent.ts):
 * - a parameter on the tracking link the operator names (`?consent=denied`): granted/denied, yes/no, true/false,
 *   1/0; it speaks for both ad user data and ad personalisation;
 * - a consent-management cookie the operator names, read one predictable way: when "denied if it contains" is set
 *   and the cookie's (URL-decoded) value contains that text, both are denied; else when "granted if it contains"
 *   is set and the value contains that, both are granted; with neither set, the whole value is read like the link
 *   parameter (a plain `ads_consent=denied` cookie). Examples: Cookiebot's `CookieConsent` holds
 *   `marketing:false` / `marketing:true`; OneTrust's `OptanonConsent` holds its targeting group as `C0004:0` /
 *   `C0004:1` (the group id is the operator's own configuration);
 * - the `Sec-GPC: 1` header (Global Privacy Control): denies ad personalisation and marks the consent as GPC
 *   (see GPC_CONSENT), unless the operator turns it off.
 * A value the tracker cannot read says nothing: unknown stays unknown, it never becomes a grant.
 */
import { type Consent, GPC_CONSENT, mergeConsent, parseConsentValue } from '../model/consent';
import { header, requestCookies } from './request';
import type { ClickError, ClickRequest } from './types';

export interface ConsentCookie {
	/** The cookie's name, as the consent-management platform sets it. */
	name: string;
	/** Text whose presence in the cookie's value means the visitor denied advertising use. */
	deniedIf?: string;
	/** Text whose presence means the visitor granted it. */
	grantedIf?: string;
}

export interface ConsentCapture {
	/** The link parameter carrying the visitor's consent; not read when empty. */
	linkParam?: string;
	cookie?: ConsentCookie;
	/** Whether `Sec-GPC: 1` counts (default true). */
	honourGpc?: boolean;
}

const PARAM_NAME = /^[A-Za-z0-9_.-]{1,64}$/;
const COOKIE_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}$/;

/** Settings that cannot work, for the operator to fix (checked before anything is read). */
export function checkConsentCapture(capture: ConsentCapture | undefined): ClickError | undefined {
	const param = capture?.linkParam?.trim();
	if (param && !PARAM_NAME.test(param)) {
		return { code: 'misconfigured', message: `The consent link parameter "${param}" may only hold letters, digits, ".", "_" and "-".`, field: 'consentParam' };
	}
	const cookie = capture?.cookie?.name?.trim();
	if (cookie && !COOKIE_NAME.test(cookie)) {
		return { code: 'misconfigured', message: `The consent cookie name "${cookie}" is not a cookie name.`, field: 'consentCookie' };
	}
	return undefined;
}

const both = (value: 'granted' | 'denied' | undefined, source: Consent['source']): Consent | undefined =>
	value ? { adUserData: value, adPersonalization: value, source } : undefined;

function firstQueryText(query: Record<string, unknown>, name: string): string | undefined {
	let value = query[name];
	if (Array.isArray(value)) value = value.find((entry) => typeof entry === 'string' && entry !== '');
	return typeof value === 'string' ? value : undefined;
}

/** The cookie's verdict, as the operator's texts say (denial first). */
export function cookieConsent(value: string | undefined, cookie: ConsentCookie): Consent | undefined {
	if (value === undefined || value === '') return undefined;
	const denied = cookie.deniedIf?.trim();
	const granted = cookie.grantedIf?.trim();
	if (!denied && !granted) return both(parseConsentValue(value), 'cookie');
	if (denied && value.includes(denied)) return both('denied', 'cookie');
	if (granted && value.includes(granted)) return both('granted', 'cookie');
	return undefined;
}

/** The consent a click request carries, undefined when none of the configured places says anything. */
export function readConsent(request: ClickRequest, capture: ConsentCapture | undefined): Consent | undefined {
	const param = capture?.linkParam?.trim();
	const fromLink = param ? both(parseConsentValue(firstQueryText(request.query ?? {}, param)), 'link') : undefined;
	const cookieName = capture?.cookie?.name?.trim();
	const fromCookie = cookieName && capture?.cookie ? cookieConsent(requestCookies(request)[cookieName], capture.cookie) : undefined;
	const gpc = capture?.honourGpc !== false && header(request.headers ?? {}, 'sec-gpc')?.trim() === '1' ? GPC_CONSENT : undefined;
	return mergeConsent(fromLink, fromCookie, gpc);
}
