/**
 * Conversion Funnel items → GA4 Measurement Protocol requests
 * (POST {base}/mp/collect?measurement_id=G-…&api_secret=…, JSON body; Google's "Send Measurement Protocol events
 * to Google Analytics" and "Measurement Protocol reference").
 *
 * GA4 answers 2xx to everything it receives and silently drops what it does not like, so everything GA4 would drop
 * is checked here and skipped with a code instead of being sent:
 * - at most 25 events per request, and a request has ONE client_id (and one user_data), so events are batched
 *   per (client_id, user_data);
 * - `timestamp_micros` (microseconds) no more than 72 hours back and not in the future ("Measurement Protocol use
 *   cases": request time - 72 h ≤ timestamp ≤ request time). A time up to a minute ahead of our clock is taken as
 *   clock skew and sent as "now"; further ahead is skipped;
 * - event names: a letter first, then letters, digits and underscores, at most 40 characters, not reserved
 *   ("Event naming rules" and the Measurement Protocol reserved names);
 * - parameter values: text at most 100 characters (page_location 1000): longer optional text is left out;
 * - `value` is a JSON number and needs an ISO 4217 `currency`.
 *
 * client_id: GA4 requires one, and the Click Tracker does not read the `_ga` cookie. In order: the node's Client
 * ID setting; else a pseudo client id derived from the conversion's click ("<32-bit number from SHA-256 of the
 * click id>.<click time in seconds>", the shape of GA's own ids); else one derived from the event id. A derived id
 * is stable (a replay maps to the same GA4 "user"), but it never joins the visitor's browser session in GA4.
 *
 * Decisions where Google's pages leave room:
 * - `transaction_id` is the deterministic event id (network, transaction id, event name), GA4's dedup key for
 *   purchases; the network's order id is not sent (GA4 has no second order field);
 * - each event carries its own `timestamp_micros` (the event-level override) and the request carries the
 *   earliest of its events;
 * - no `user_id`: affiliate postbacks carry no site login id, and GA4 forbids PII in user_id;
 * - GA4 has no click-id field (gclid is a reserved parameter name, not part of the Measurement Protocol): none is sent.
 */
import { createHash } from 'node:crypto';
import { type IdentityField, normalizeAndHashWith } from '../../identity';
import { ga4IdentityRules } from './identity';
import { isKnownCurrency, isZeroDecimal } from '../../model';
import { gateConversion, platformEventName } from '../conversion-gate';
import { checkValueFrom, inBatches, planEach, skipAll } from '../planning';
import { eventIdFor } from '../event-id';
import type { ForwardableConversion, ForwardableEvent, PlatformRequest, RequestPlan, SkippedEvent } from '../types';
import type { Consent } from '../../model/consent';

export const GA4_BASE_URL = 'https://www.google-analytics.com';
/** For data to be processed in the EU (the reference's Transport section). */
export const GA4_EU_BASE_URL = 'https://region1.google-analytics.com';
export const GA4_COLLECT_PATH = '/mp/collect';
/** The validation server: same request, answers `{ validationMessages: [...] }`, records nothing. */
export const GA4_DEBUG_COLLECT_PATH = '/debug/mp/collect';
export const GA4_MAX_EVENTS = 25;
export const GA4_MAX_PARAMS = 25;
export const GA4_MAX_EVENT_NAME_LENGTH = 40;
export const GA4_MAX_PARAM_VALUE_LENGTH = 100;
export const GA4_MAX_PAGE_LOCATION_LENGTH = 1000;
/** Events may be backdated at most this far. */
export const GA4_MAX_AGE_MS = 72 * 60 * 60 * 1000;
/** A time this far ahead of our clock is clock skew, sent as now; further ahead is refused. */
export const GA4_FUTURE_TOLERANCE_MS = 60 * 1000;

export const GA4_MEASUREMENT_ID = /^G-[A-Z0-9]{4,20}$/;
export const GA4_EVENT_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

/** Event names GA4 reserves (Measurement Protocol reference and "Event naming rules", web and app lists). */
export const GA4_RESERVED_EVENT_NAMES: ReadonlySet<string> = new Set([
	'ad_activeview',
	'ad_click',
	'ad_exposure',
	'ad_impression',
	'ad_query',
	'ad_reward',
	'adunit_exposure',
	'app_background',
	'app_clear_data',
	'app_exception',
	'app_install',
	'app_remove',
	'app_store_refund',
	'app_store_subscription_cancel',
	'app_store_subscription_convert',
	'app_store_subscription_renew',
	'app_update',
	'app_upgrade',
	'click',
	'dynamic_link_app_open',
	'dynamic_link_app_update',
	'dynamic_link_first_open',
	'error',
	'file_download',
	'firebase_campaign',
	'firebase_in_app_message_action',
	'firebase_in_app_message_dismiss',
	'firebase_in_app_message_impression',
	'first_open',
	'first_visit',
	'form_start',
	'form_submit',
	'in_app_purchase',
	'notification_dismiss',
	'notification_foreground',
	'notification_open',
	'notification_receive',
	'os_update',
	'page_view',
	'screen_view',
	'scroll',
	'session_start',
	'session_start_with_rollout',
	'user_engagement',
	'video_complete',
	'video_progress',
	'video_start',
	'view_complete',
	'view_search_results',
]);
/** Prefixes no event or parameter name may start with. */
export const GA4_RESERVED_PREFIXES: readonly string[] = ['_', 'firebase_', 'ga_', 'google_', 'gtag.'];

export type Ga4ValueFrom = 'commission' | 'amount';

/** The GA4 destination's configuration (the node builds it per item; items with equal configs share requests). */
export interface Ga4Config {
	/** The web stream's Measurement ID, G-XXXXXXX (not the stream id). */
	measurementId: string;
	/** A Measurement Protocol API secret of that stream (sent in the query, as GA4 wants). */
	apiSecret: string;
	/** Replaces https://www.google-analytics.com (tests, proxies). */
	baseUrl?: string;
	/** Send to the validation server (/debug/mp/collect): nothing is recorded, problems come back per event. */
	validateOnly?: boolean;
	/** The GA client id to send (e.g. from the `_ga` cookie through an expression); empty: derived (module comment). */
	clientId?: string;
	/** Which money field becomes `value` (default 'commission'). */
	valueFrom?: Ga4ValueFrom;
	/** For phone numbers without a country code. */
	defaultCountry?: string;
}

export interface Ga4Address {
	sha256_first_name?: string;
	sha256_last_name?: string;
	city?: string;
	region?: string;
	postal_code?: string;
	country?: string;
}

export interface Ga4UserData {
	sha256_email_address?: string[];
	sha256_phone_number?: string[];
	address?: Ga4Address[];
}

export interface Ga4EventParams {
	transaction_id: string;
	value?: number;
	currency?: string;
	affiliation?: string;
	page_location?: string;
}

export interface Ga4Event {
	name: string;
	timestamp_micros: number;
	params: Ga4EventParams;
}

/** GA4's consent for a request (https://developers.google.com/analytics/devguides/collection/protocol/ga4/reference#payload_consent). */
export interface Ga4Consent {
	ad_user_data?: 'GRANTED' | 'DENIED';
	ad_personalization?: 'GRANTED' | 'DENIED';
}

export interface Ga4Body {
	client_id: string;
	timestamp_micros: number;
	user_data?: Ga4UserData;
	consent?: Ga4Consent;
	/** The visitor's IP, from which GA4 derives their location (the reference's `ip_override`). */
	ip_override?: string;
	/** What GA4 would read off the browser; here only the category the click's user agent tells (`device`). */
	device?: Ga4Device;
	events: Ga4Event[];
}

export interface Ga4Device {
	category: 'mobile' | 'tablet' | 'desktop';
}

/**
 * The device category a user agent tells, by the tokens browsers put in it (tablets first: an Android tablet's
 * user agent lacks "Mobile", an iPad's says iPad); undefined without one.
 */
export function deviceCategory(userAgent: string | undefined): Ga4Device['category'] | undefined {
	const agent = userAgent?.trim();
	if (!agent) return undefined;
	if (/iPad|Tablet|PlayBook|Silk\//i.test(agent) || (/Android/i.test(agent) && !/Mobile/i.test(agent))) return 'tablet';
	if (/Mobi|iPhone|iPod|Android|Windows Phone/i.test(agent)) return 'mobile';
	return 'desktop';
}

/** The item's consent as GA4's request-level `consent`, each value only when known; undefined when neither is. */
export function ga4Consent(consent: Consent | undefined): Ga4Consent | undefined {
	const upper = (value: 'granted' | 'denied' | undefined) => (value ? (value.toUpperCase() as 'GRANTED' | 'DENIED') : undefined);
	const adUserData = upper(consent?.adUserData);
	const adPersonalization = upper(consent?.adPersonalization);
	if (!adUserData && !adPersonalization) return undefined;
	return { ...(adUserData ? { ad_user_data: adUserData } : {}), ...(adPersonalization ? { ad_personalization: adPersonalization } : {}) };
}

const text = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined);

export function collectUrl(config: Pick<Ga4Config, 'baseUrl' | 'validateOnly' | 'measurementId' | 'apiSecret'>): string {
	const base = (config.baseUrl?.trim() || GA4_BASE_URL).replace(/\/+$/, '');
	const query = new URLSearchParams({
		measurement_id: config.measurementId.trim(),
		api_secret: config.apiSecret.trim(),
	});
	return `${base}${config.validateOnly ? GA4_DEBUG_COLLECT_PATH : GA4_COLLECT_PATH}?${query.toString()}`;
}

/** Why a name cannot be a GA4 event name, or undefined when it can. */
export function eventNameProblem(name: string): { code: string; reason: string } | undefined {
	if (name.length > GA4_MAX_EVENT_NAME_LENGTH || !GA4_EVENT_NAME.test(name)) {
		return {
			code: 'invalid_event_name',
			reason: `"${name.slice(0, 60)}" is not a GA4 event name: start with a letter, use only letters, digits and underscores, at most ${GA4_MAX_EVENT_NAME_LENGTH} characters (GA4 silently drops such events)`,
		};
	}
	if (GA4_RESERVED_EVENT_NAMES.has(name) || GA4_RESERVED_PREFIXES.some((prefix) => name.startsWith(prefix))) {
		return {
			code: 'reserved_event_name',
			reason: `"${name}" is reserved by GA4 and cannot be sent through the Measurement Protocol (GA4 silently drops it)`,
		};
	}
	return undefined;
}

/** A 32-bit unsigned number from the SHA-256 of `seed`. */
function number32(seed: string): number {
	return createHash('sha256').update(seed).digest().readUInt32BE(0);
}

/**
 * The client id for one event: the configured one, else the visitor's own from the `_ga` cookie the click carried
 * (the conversion then joins the visitor's GA4 session), else "<32-bit hash of the click id>.<click time, s>",
 * else "<32-bit hash of the event id>.<conversion time, s>".
 */
export function clientIdFor(event: ForwardableConversion, config: Pick<Ga4Config, 'clientId'>): string {
	const configured = text(config.clientId);
	if (configured) return configured;
	const fromCookie = text(event.click?.gaClientId);
	if (fromCookie) return fromCookie;
	const clickId = text(event.click?.clickId) ?? text(event.clickId);
	const clickedAt = Date.parse(event.click?.clickedAt ?? '');
	if (clickId) {
		const at = Number.isNaN(clickedAt) ? Date.parse(event.occurredAt) : clickedAt;
		return `${number32(`click:${clickId}`)}.${Math.floor(at / 1000)}`;
	}
	return `${number32(`event:${eventIdFor(event)}`)}.${Math.floor(Date.parse(event.occurredAt) / 1000)}`;
}

function hashed(field: IdentityField, value: string | undefined, config: Ga4Config): string | undefined {
	if (value === undefined || value.trim() === '') return undefined;
	return normalizeAndHashWith(ga4IdentityRules, field, value, config.defaultCountry ? { defaultCountry: config.defaultCountry } : undefined);
}

function compact<T extends object>(object: T): T | undefined {
	const entries = Object.entries(object).filter(([, value]) => value !== undefined && value !== '');
	return entries.length === 0 ? undefined : (Object.fromEntries(entries) as T);
}

export function userDataFor(event: ForwardableConversion, config: Ga4Config): Ga4UserData | undefined {
	const user = event.user;
	if (!user) return undefined;
	const email = hashed('email', user.email, config);
	const phone = hashed('phone', user.phone, config);
	const address = compact<Ga4Address>({
		sha256_first_name: hashed('first_name', user.firstName, config),
		sha256_last_name: hashed('last_name', user.lastName, config),
		city: hashed('city', user.city, config),
		region: hashed('state', user.state, config),
		postal_code: hashed('zip', user.zip, config),
		country: hashed('country', user.country, config),
	});
	return compact<Ga4UserData>({
		sha256_email_address: email ? [email] : undefined,
		sha256_phone_number: phone ? [phone] : undefined,
		address: address ? [address] : undefined,
	});
}

/** What a request says about its one visitor: the events it carries share it. */
interface Ga4Visitor {
	clientId: string;
	userData?: Ga4UserData;
	consent?: Ga4Consent;
	ip?: string;
	device?: Ga4Device;
}

type Planned = (Ga4Visitor & { event: Ga4Event }) | { skip: Omit<SkippedEvent, 'index'> };

function planOne(item: ForwardableEvent, config: Ga4Config, now: Date): Planned {
	const gated = gateConversion(
		item,
		config.valueFrom ?? 'commission',
		{ platformName: 'GA4', maxAgeMs: GA4_MAX_AGE_MS, maxAgeText: '72 hours', maxFutureMs: GA4_FUTURE_TOLERANCE_MS },
		now,
	);
	if ('skip' in gated) return gated;
	const input = gated.conversion;
	const decimal = gated.value;
	const atMs = gated.occurredAtMs;

	const named = platformEventName(input, { platform: 'ga4', platformName: 'GA4', takesCustomNames: true, examples: 'purchase, generate_lead, sign_up…' });
	if ('skip' in named) return named;
	const { name } = named;
	const nameProblem = eventNameProblem(name);
	if (nameProblem) return { skip: nameProblem };

	const sentAtMs = Math.min(atMs, now.getTime());

	const params: Ga4EventParams = { transaction_id: eventIdFor(input) };
	if (decimal !== undefined && !isZeroDecimal(decimal)) {
		const currency = text(input.currency)?.toUpperCase();
		if (!currency || !/^[A-Z]{3}$/.test(currency) || !isKnownCurrency(currency)) {
			return {
				skip: {
					code: 'missing_currency',
					reason: 'GA4 needs an ISO 4217 currency with a value (it drops the value otherwise); the conversion has none',
				},
			};
		}
		// GA4 takes a JSON number; the exact decimal string becomes one only here, at the edge of the wire format.
		params.value = Number(decimal);
		params.currency = currency;
	}
	// The merchant (else the network) as GA4's `affiliation`; a name too long for a GA4 value is not sent.
	const affiliation = [text(input.brandName), text(input.network)].find((name) => name !== undefined && name.length <= GA4_MAX_PARAM_VALUE_LENGTH);
	if (affiliation) params.affiliation = affiliation;
	const page = text(input.click?.landingUrl);
	if (page && page.length <= GA4_MAX_PAGE_LOCATION_LENGTH && URL.canParse(page)) params.page_location = page;

	// The IP and the user agent of the matched click (left out upstream when ad user data is denied).
	const ip = text(input.click?.ip);
	const category = deviceCategory(text(input.click?.userAgent));
	return {
		clientId: clientIdFor(input, config),
		userData: userDataFor(input, config),
		consent: ga4Consent(input.consent),
		...(ip ? { ip } : {}),
		...(category ? { device: { category } } : {}),
		event: { name, timestamp_micros: sentAtMs * 1000, params },
	};
}

/** Plans the requests: one GA4 event per conversion, batched per (client id, user data), at most 25 per request. */
export function planGa4Requests(events: ForwardableEvent[], config: Ga4Config, now: Date): RequestPlan {
	checkValueFrom(config.valueFrom);
	if (!GA4_MEASUREMENT_ID.test(config.measurementId.trim())) {
		const reason = `"${config.measurementId.trim()}" is not a GA4 Measurement ID (G-XXXXXXXXXX, under Admin → Data streams → the web stream; not the stream id)`;
		return skipAll(events.length, 'invalid_measurement_id', reason);
	}

	// All events of a request share one visitor (client id, user data, consent, IP, device): group by it, in input order.
	const { planned, skipped } = planEach(events, (input) => planOne(input, config, now));
	const groups = new Map<string, Ga4Visitor & { entries: typeof planned }>();
	for (const entry of planned) {
		const key = JSON.stringify([entry.clientId, entry.userData ?? null, entry.consent ?? null, entry.ip ?? null, entry.device ?? null]);
		const group = groups.get(key) ?? {
			clientId: entry.clientId,
			userData: entry.userData,
			consent: entry.consent,
			ip: entry.ip,
			device: entry.device,
			entries: [],
		};
		group.entries.push(entry);
		groups.set(key, group);
	}

	const url = collectUrl(config);
	const requests: PlatformRequest[] = [];
	for (const group of groups.values()) {
		for (const batch of inBatches(group.entries, GA4_MAX_EVENTS)) {
			const body: Ga4Body = {
				client_id: group.clientId,
				timestamp_micros: Math.min(...batch.map((entry) => entry.event.timestamp_micros)),
				events: batch.map((entry) => entry.event),
			};
			if (group.userData) body.user_data = group.userData;
			if (group.consent) body.consent = group.consent;
			if (group.ip) body.ip_override = group.ip;
			if (group.device) body.device = group.device;
			requests.push({
				method: 'POST',
				url,
				headers: { 'Content-Type': 'application/json' },
				body: body as unknown as Record<string, unknown>,
				itemIndexes: batch.map((entry) => entry.index),
			});
		}
	}
	return { requests, skipped };
}
