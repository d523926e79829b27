/**
 * Google Ads click conversion uploads (`customers/{id}:uploadClickConversions`, REST, camelCase): from
 * Conversion Funnel items to request bodies. Pure: the clock comes in as `now`.
 *
 * Decisions:
 * - a click id is required: exactly one of gclid / gbraid / wbraid. A gclid wins over the braids; when a click
 *   has both braids (it should not), wbraid is sent, because affiliate conversions are web conversions and
 *   wbraid is the web one (gbraid is for app conversions). Without a click id the conversion is skipped:
 *   enhanced conversions for leads (identifiers only) needs its own conversion action setup and customer-data
 *   terms, and is not what this upload is for;
 * - the 6-hour rule is checked here: a click younger than 6 hours is not sent but reported `retry_later` with
 *   `retryAt` = click time + 6 h (Google's TOO_RECENT_EVENT is still understood, see ./response.ts);
 * - `conversionDateTime` is the conversion time in UTC with an explicit `+00:00`; when the network's time
 *   precedes the click (date-only or skewed network clocks) the time we received the postback is used
 *   instead, since both it and the click time come from our own clock;
 * - `orderId` is the deterministic event id (network, transaction id, event name), the same id Meta and
 *   TikTok dedup on: Google dedups on it per conversion action, and two events of one transaction that
 *   share an action (a Lead and a Purchase) stay distinct;
 * - `conversionValue` comes from the commission (the affiliate's revenue, default) or the sale amount, and
 *   is turned from its exact decimal string into a JSON number only when the body is built. A missing or
 *   zero value is left out (with its currency), so the conversion action's default value applies;
 * - first the shared gate (../conversion-gate.ts): clicks, rejected and reversed conversions and negative values
 *   (`not_a_conversion`: Google retracts only through conversion adjustments, not uploads), a value that is not a
 *   decimal, a time that is not a date. Google's window is the conversion action's click-through window (up to
 *   90 days after the click, which Google checks itself: EXPIRED_EVENT), so the gate has no age bound here;
 *   then Google's own rules: a conversion action, a click id, the 6-hour rule, a conversion after its click;
 * - `userIdentifiers`: hashedEmail and hashedPhoneNumber (the only two Google accepts on conversion uploads),
 *   at most 5, left out when the ad-user-data consent is DENIED.
 *
 * Google's rules: ClickConversion fields,
 * https://developers.google.com/google-ads/api/reference/rpc/latest/ClickConversion ; the upload errors
 * (TOO_RECENT_EVENT: a click less than 6 hours old; CONVERSION_PRECEDES_EVENT; EXPIRED_EVENT),
 * https://developers.google.com/google-ads/api/reference/rpc/latest/ConversionUploadErrorEnum.ConversionUploadError
 */
import { isZeroDecimal } from '../../model';
import { type ConversionGateRules, gateConversion } from '../conversion-gate';
import { normalizeAndHashWith } from '../../identity';
import { googleAdsIdentityRules } from './identity';
import { eventIdFor } from '../event-id';
import { checkValueFrom, inBatches, planEach } from '../planning';
import { type GoogleAdsConsent, type ResolvedGoogleConsent, googleConsentFor } from './consent';
import type { ForwardableConversion, ForwardableEvent, GoogleAdsConfig, PlatformRequest, RequestPlan, SkippedEvent } from '../types';

export const GOOGLE_ADS_BASE_URL = 'https://googleads.googleapis.com';
/**
 * The default API version. Google retires a version about a year after release (v21 sunset 2026-08, v22
 * 2026-10); v26 is the newest as of 2026-11. A setting: operators change it when Google retires this one.
 */
export const GOOGLE_ADS_DEFAULT_API_VERSION = 'v26';
export const GOOGLE_ADS_MAX_CONVERSIONS = 2000;
export const GOOGLE_ADS_MAX_USER_IDENTIFIERS = 5;
/** A click must be at least this old before Google takes a conversion for it (else TOO_RECENT_EVENT). */
export const GOOGLE_ADS_MIN_CLICK_AGE_MS = 6 * 60 * 60 * 1000;

export type GoogleAdsValueSource = 'commission' | 'amount' | 'none';
export type { GoogleAdsConsent };
/** Which Google API carries the conversions: the Data Manager API, or the Google Ads API (allowlisted developer tokens only). */
export type GoogleAdsApi = 'dataManager' | 'googleAds';

/**
 * The contract's GoogleAdsConfig plus this destination's own settings (all optional, so a plain
 * GoogleAdsConfig works): where the value comes from, and the consent sent with every conversion.
 */
export interface GoogleAdsOptions extends GoogleAdsConfig {
	/** Which funnel field becomes `conversionValue` (default 'commission'). */
	valueFrom?: GoogleAdsValueSource;
	/** `consent.adUserData` for a conversion whose item does not say; DENIED also leaves the user identifiers out. */
	adUserDataConsent?: GoogleAdsConsent;
	/** `consent.adPersonalization` for a conversion whose item does not say. */
	adPersonalizationConsent?: GoogleAdsConsent;
	/** The API to send through; absent: the Google Ads API (what every configuration before the Data Manager API meant). */
	api?: GoogleAdsApi;
	/** Data Manager API: what kind of account the login account is (default GOOGLE_ADS: a manager account). */
	loginAccountType?: 'GOOGLE_ADS' | 'DATA_PARTNER';
	/** Data Manager API: the advertiser a data partner's login account reaches through a product link. */
	linkedAccountId?: string;
}

export interface GoogleAdsUserIdentifier {
	hashedEmail?: string;
	hashedPhoneNumber?: string;
}

/** One row of `conversions` in the request body. */
export interface GoogleAdsClickConversion {
	conversionAction: string;
	gclid?: string;
	gbraid?: string;
	wbraid?: string;
	conversionDateTime: string;
	conversionValue?: number;
	currencyCode?: string;
	orderId: string;
	userIdentifiers?: GoogleAdsUserIdentifier[];
	consent?: { adUserData?: GoogleAdsConsent; adPersonalization?: GoogleAdsConsent };
}

/**
 * A request to uploadClickConversions. Besides the contract's fields it carries each row's click time
 * (`clickedAt`, body order), so a TOO_RECENT_EVENT answer can say when the row will be accepted. The
 * sender keeps extra fields when it re-plans (it spreads the request), and ./response.ts copes without it.
 */
export interface GoogleAdsRequest extends PlatformRequest {
	clickedAt?: Array<string | undefined>;
}

/** A skipped event that is not a failure: the 6-hour rule (outcome retry_later with the time it will be accepted). */
export interface GoogleAdsSkippedEvent extends SkippedEvent {
	outcome?: 'failed' | 'retry_later';
	retryAt?: string;
}

const digitsOnly = (value: string) => value.replace(/[\s-]/g, '');

/** A customer id as the API wants it: digits only ("123-456-7890" → "1234567890"). Throws on anything else. */
export function googleCustomerId(value: string | undefined, what = 'customer ID'): string {
	const digits = digitsOnly(String(value ?? ''));
	if (!/^\d{1,20}$/.test(digits)) throw new Error(`Google Ads ${what} must be digits such as 123-456-7890, got "${String(value ?? '')}"`);
	return digits;
}

/** "26", "v26" → "v26". */
export function googleApiVersion(value: string | undefined): string {
	const text = (value ?? '').trim() || GOOGLE_ADS_DEFAULT_API_VERSION;
	const version = /^\d+$/.test(text) ? `v${text}` : text;
	if (!/^v\d+$/.test(version)) throw new Error(`Google Ads API version must look like "${GOOGLE_ADS_DEFAULT_API_VERSION}", got "${text}"`);
	return version;
}

export function uploadClickConversionsUrl(config: Pick<GoogleAdsConfig, 'baseUrl' | 'apiVersion' | 'customerId'>): string {
	const base = (config.baseUrl?.trim() || GOOGLE_ADS_BASE_URL).replace(/\/+$/, '');
	return `${base}/${googleApiVersion(config.apiVersion)}/customers/${googleCustomerId(config.customerId)}:uploadClickConversions`;
}

/**
 * Headers for a Google Ads API call. The Authorization header is left out when `accessToken` is empty:
 * the node sends through n8n's OAuth2 helper, which adds (and refreshes) the bearer token itself.
 */
export function googleAdsHeaders(config: Pick<GoogleAdsConfig, 'developerToken' | 'accessToken' | 'loginCustomerId'>): Record<string, string> {
	const developerToken = config.developerToken?.trim();
	if (!developerToken) throw new Error('Google Ads needs a developer token (Google Ads API Center of the manager account)');
	const headers: Record<string, string> = { 'content-type': 'application/json', 'developer-token': developerToken };
	if (config.accessToken?.trim()) headers.Authorization = `Bearer ${config.accessToken.trim()}`;
	if (config.loginCustomerId?.trim()) headers['login-customer-id'] = googleCustomerId(config.loginCustomerId, 'login customer ID');
	return headers;
}

/** `customers/{cid}/conversionActions/{id}`, from itself or a bare id; undefined when it is neither. */
export function conversionActionResourceName(action: string, customerId: string): string | undefined {
	const text = action.trim();
	if (/^\d+$/.test(text)) return `customers/${customerId}/conversionActions/${text}`;
	const match = /^customers\/([\d-]+)\/conversionActions\/(\d+)$/.exec(text);
	return match ? `customers/${digitsOnly(match[1])}/conversionActions/${match[2]}` : undefined;
}

/** The action configured for this event: the string itself, or the map's entry for its event name (else '*'). */
export function conversionActionFor(event: ForwardableConversion, config: GoogleAdsConfig): string | undefined {
	const configured = config.conversionAction;
	if (typeof configured === 'string') return configured.trim() || undefined;
	if (!configured || typeof configured !== 'object') return undefined;
	return configured[event.eventName]?.trim() || configured['*']?.trim() || undefined;
}

/** 'yyyy-mm-dd hh:mm:ss+00:00' (UTC, whole seconds). */
export function googleDateTime(at: Date): string {
	return `${at.toISOString().slice(0, 19).replace('T', ' ')}+00:00`;
}

type ClickIds = { gclid: string } | { gbraid: string } | { wbraid: string };

/** Exactly one click id, by Google's rules (module comment), or undefined. */
export function clickIdFor(click: ForwardableConversion['click']): ClickIds | undefined {
	const gclid = click?.gclid?.trim();
	if (gclid) return { gclid };
	const wbraid = click?.wbraid?.trim();
	if (wbraid) return { wbraid };
	const gbraid = click?.gbraid?.trim();
	if (gbraid) return { gbraid };
	return undefined;
}

export const toDate = (value: string | null | undefined): Date | undefined => {
	if (!value) return undefined;
	const at = Date.parse(value);
	return Number.isNaN(at) ? undefined : new Date(at);
};

/** The email and phone, normalized and hashed by Google's rules; none when the ad-user-data consent is denied. */
export function hashedContactsFor(
	event: ForwardableConversion,
	config: Pick<GoogleAdsOptions, 'defaultCountry'>,
	consent: ResolvedGoogleConsent,
): { email?: string; phone?: string } {
	if (consent.adUserData === 'DENIED') return {};
	const options = config.defaultCountry ? { defaultCountry: config.defaultCountry } : undefined;
	const email = event.user?.email ? normalizeAndHashWith(googleAdsIdentityRules, 'email', event.user.email, options) : undefined;
	const phone = event.user?.phone ? normalizeAndHashWith(googleAdsIdentityRules, 'phone', event.user.phone, options) : undefined;
	return { ...(email ? { email } : {}), ...(phone ? { phone } : {}) };
}

function userIdentifiersFor(event: ForwardableConversion, config: GoogleAdsOptions, consent: ResolvedGoogleConsent): GoogleAdsUserIdentifier[] {
	const { email, phone } = hashedContactsFor(event, config, consent);
	const identifiers: GoogleAdsUserIdentifier[] = [];
	if (email) identifiers.push({ hashedEmail: email });
	if (phone) identifiers.push({ hashedPhoneNumber: phone });
	return identifiers.slice(0, GOOGLE_ADS_MAX_USER_IDENTIFIERS);
}

/**
 * Google Ads' timing rules for a conversion of a click, the same on both APIs: a click younger than six hours is
 * taken later (`retry_later` at click time + 6 hours); a conversion the network dates before its click is dated
 * when the postback arrived (our clock, like the click's), and refused when that is earlier too.
 */
export function googleClickTiming(
	clickedAtText: string | undefined,
	occurredAtMs: number,
	receivedAtText: string | undefined,
	now: Date,
): { convertedAt: Date } | { skipped: Omit<GoogleAdsSkippedEvent, 'index'> } {
	const clickedAt = toDate(clickedAtText);
	if (clickedAt && now.getTime() - clickedAt.getTime() < GOOGLE_ADS_MIN_CLICK_AGE_MS) {
		const retryAt = new Date(clickedAt.getTime() + GOOGLE_ADS_MIN_CLICK_AGE_MS).toISOString();
		return {
			skipped: {
				outcome: 'retry_later',
				code: 'TOO_RECENT_EVENT',
				reason: `Google Ads takes a conversion only when its click is at least 6 hours old: send it again after ${retryAt}`,
				retryAt,
			},
		};
	}
	const convertedAt = new Date(occurredAtMs);
	if (!clickedAt || convertedAt >= clickedAt) return { convertedAt };
	const receivedAt = toDate(receivedAtText);
	if (!receivedAt || receivedAt < clickedAt) {
		return {
			skipped: {
				code: 'CONVERSION_PRECEDES_EVENT',
				reason: `The conversion time ${convertedAt.toISOString()} is before the click at ${clickedAt.toISOString()}: Google Ads rejects a conversion that precedes its click`,
			},
		};
	}
	return { convertedAt: receivedAt };
}

type Built = { row: GoogleAdsClickConversion; clickedAt?: string } | { skipped: Omit<GoogleAdsSkippedEvent, 'index'> };

/** The gate's rules for Google Ads: no age or future bound of our own (see the module comment); retraction is an adjustment. */
export const GOOGLE_ADS_GATE_RULES: ConversionGateRules = {
	platformName: 'Google Ads',
	maxAgeMs: Number.POSITIVE_INFINITY,
	maxAgeText: 'the conversion action’s click-through window',
	maxFutureMs: Number.POSITIVE_INFINITY,
	retraction: 'takes retractions only as conversion adjustments, not click conversion uploads',
};

/** One conversion row, or why it is not sent. */
export function buildClickConversion(input: ForwardableEvent, config: GoogleAdsOptions, now: Date): Built {
	const gated = gateConversion(input, config.valueFrom ?? 'commission', GOOGLE_ADS_GATE_RULES, now);
	if ('skip' in gated) return { skipped: gated.skip };
	const event = gated.conversion;
	const customerId = googleCustomerId(config.customerId);
	const configured = conversionActionFor(event, config);
	if (!configured) {
		return {
			skipped: {
				code: 'no_conversion_action',
				reason: `No Google Ads conversion action is set for the event "${event.eventName}": set a default conversion action or one for this event`,
			},
		};
	}
	const conversionAction = conversionActionResourceName(configured, customerId);
	if (!conversionAction) {
		return {
			skipped: {
				code: 'invalid_conversion_action',
				reason: `"${configured}" is not a conversion action: use its numeric ID or customers/{customer ID}/conversionActions/{ID}`,
			},
		};
	}
	const clickIds = clickIdFor(event.click);
	if (!clickIds) {
		return {
			skipped: {
				code: 'no_click_id',
				reason:
					'No Google click ID (gclid, gbraid or wbraid) on the matched click: Google Ads click conversions need one. Turn on auto-tagging in Google Ads and keep the gclid on the Click Tracker link.',
			},
		};
	}

	const timing = googleClickTiming(event.click?.clickedAt, gated.occurredAtMs, event.receivedAt, now);
	if ('skipped' in timing) return timing;
	const { convertedAt } = timing;

	const value = gated.value;
	const row: GoogleAdsClickConversion = { conversionAction, ...clickIds, conversionDateTime: googleDateTime(convertedAt), orderId: eventIdFor(event) };
	if (value !== undefined && !isZeroDecimal(value)) {
		// The API takes a JSON double; the exact decimal string becomes a number only here.
		row.conversionValue = Number(value);
		row.currencyCode = event.currency;
	}
	const consent = googleConsentFor(event, config);
	const userIdentifiers = userIdentifiersFor(event, config, consent);
	if (userIdentifiers.length > 0) row.userIdentifiers = userIdentifiers;
	if (consent.adUserData || consent.adPersonalization) row.consent = { ...consent };
	return { row, clickedAt: event.click?.clickedAt };
}

/** Batches of at most 2000 conversions; `partialFailure` is always true (Google requires it). */
export function planGoogleAdsRequests(events: ForwardableEvent[], config: GoogleAdsOptions, now: Date, maxBatch = GOOGLE_ADS_MAX_CONVERSIONS): RequestPlan {
	checkValueFrom(config.valueFrom, { allowNone: true });
	const url = uploadClickConversionsUrl(config);
	const headers = googleAdsHeaders(config);
	const firstWithOrderId = new Map<string, number>();
	const { planned, skipped } = planEach(
		events,
		(event, index): { row: GoogleAdsClickConversion; clickedAt?: string } | { skip: Omit<SkippedEvent, 'index'> } => {
			const built = buildClickConversion(event, config, now);
			if ('skipped' in built) return { skip: built.skipped };
			// The same conversion twice in one input (Google answers DUPLICATE_ORDER_ID inside one request): sent once.
			const key = `${built.row.conversionAction}|${built.row.orderId}`;
			const first = firstWithOrderId.get(key);
			if (first !== undefined) {
				return {
					skip: { code: 'DUPLICATE_ORDER_ID', reason: `The same conversion (order ID ${built.row.orderId}) is item ${first} of this batch: sent once, there` },
				};
			}
			firstWithOrderId.set(key, index);
			return { row: built.row, clickedAt: built.clickedAt };
		},
	);

	const requests = inBatches(planned, maxBatch).map((batch): GoogleAdsRequest => {
		const body: Record<string, unknown> = { conversions: batch.map((entry) => entry.row), partialFailure: true };
		if (config.validateOnly) body.validateOnly = true;
		return {
			method: 'POST',
			url,
			headers: { ...headers },
			body,
			itemIndexes: batch.map((entry) => entry.index),
			clickedAt: batch.map((entry) => entry.clickedAt),
		};
	});
	return { requests, skipped };
}
