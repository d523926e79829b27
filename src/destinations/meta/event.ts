/**
 * One funnel conversion or Click Tracker click → one Meta Conversions API server event, or the reason it
 * must not be sent. Meta validates a request as a whole (one bad event fails all of them), so everything
 * Meta would refuse is decided here, per event, before a batch is formed: first the shared gate
 * (../conversion-gate.ts: reversals, value, time and Meta's window), then Meta's own rules (event name,
 * the website fields, customer information, Purchase value).
 *
 * Meta's rules (Conversions API, "Server Event Parameters",
 * https://developers.facebook.com/docs/marketing-api/conversions-api/parameters/server-event/ ; offline and
 * physical store events, https://developers.facebook.com/docs/marketing-api/conversions-api/offline-events ):
 * event_time at most 7 days old (62 for physical_store), one older event fails the whole request;
 * action_source "website" needs event_source_url and client_user_agent; Purchase needs value and currency.
 */
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { buildFbc, isWellFormedFbc, isWellFormedFbp } from '../../model/click';
import { type IdentityField, normalizeAndHashWith } from '../../identity';
import { metaIdentityRules } from './identity';
import { normalizeDecimal } from '../../model/money';
import { type ConversionGateRules, gateEvent, isClickEvent, platformEventName } from '../conversion-gate';
import { eventIdFor } from '../event-id';
import type { ForwardableConversion, ForwardableEvent, MetaConfig } from '../types';
import type { Consent } from '../../model/consent';
import { consentKnown, restrictedProcessing } from '../consent';
import {
	META_AGE_SAFETY_SECONDS,
	META_CLICK_EVENT_NAME,
	META_MAX_AGE_SECONDS,
	META_MAX_FUTURE_SECONDS,
	META_PHYSICAL_STORE_MAX_AGE_SECONDS,
	type MetaActionSource,
} from './constants';

/** Meta-only settings beyond the shared MetaConfig (the node sets them; library callers may). */
export interface MetaDestinationConfig extends MetaConfig {
	/**
	 * Which money becomes `custom_data.value`: the affiliate's `commission` (default — for an affiliate the
	 * commission is the revenue the ad produced) or the sale `amount`.
	 */
	valueFrom?: 'commission' | 'amount';
	/** The event name for Click Tracker clicks (default OutboundClick). */
	clickEventName?: string;
}

/**
 * Per-event overrides (the node fills them from expressions). They travel on the event itself, under
 * `metaFields`, so a retried subset keeps its own values. Empty strings count as "not set".
 */
export interface MetaEventFields {
	eventName?: string;
	email?: string;
	phone?: string;
	externalId?: string;
	eventSourceUrl?: string;
	/** An exact decimal string ("39.5"). */
	value?: string;
	/** ISO 4217, upper case. */
	currency?: string;
}

export type MetaForwardableEvent = ForwardableEvent & { metaFields?: MetaEventFields };

type HashedKey = 'em' | 'ph' | 'fn' | 'ln' | 'db' | 'ct' | 'st' | 'zp' | 'country' | 'external_id';

export type MetaUserData = { [K in HashedKey]?: string[] } & {
	client_ip_address?: string;
	client_user_agent?: string;
	fbc?: string;
	fbp?: string;
};

export interface MetaCustomData {
	value?: number;
	currency?: string;
	order_id?: string;
}

/** The event as Meta's `data[]` wants it. */
export interface MetaServerEvent {
	event_name: string;
	/** Unix seconds. */
	event_time: number;
	event_id: string;
	action_source: MetaActionSource;
	event_source_url?: string;
	user_data: MetaUserData;
	custom_data?: MetaCustomData;
	/** Limited Data Use: ['LDU'] (with country and state 0: Meta geolocates), or [] to say it is explicitly off. */
	data_processing_options?: ['LDU'] | [];
	data_processing_options_country?: 0;
	data_processing_options_state?: 0;
}

export type BuiltEvent = { event: MetaServerEvent } | { skip: { code: string; reason: string } };

const USER_FIELDS: Array<[HashedKey, Exclude<IdentityField, 'ip_address'>, keyof MetaEventFields | undefined]> = [
	['em', 'email', 'email'],
	['ph', 'phone', 'phone'],
	['fn', 'first_name', undefined],
	['ln', 'last_name', undefined],
	['ct', 'city', undefined],
	['st', 'state', undefined],
	['zp', 'zip', undefined],
	['country', 'country', undefined],
	['external_id', 'external_id', 'externalId'],
];

// The conversion's user fields for the identity fields Meta hashes (the IP address travels plain, with the click).
const USER_KEYS: Record<Exclude<IdentityField, 'ip_address'>, string> = {
	email: 'email',
	phone: 'phone',
	first_name: 'firstName',
	last_name: 'lastName',
	city: 'city',
	state: 'state',
	zip: 'zip',
	country: 'country',
	external_id: 'externalId',
};

const SHA256_HEX = /^[a-f0-9]{64}$/;

/** A trimmed, non-empty string, or undefined (items come from workflows: anything may be in them). */
export function text(value: unknown): string | undefined {
	if (typeof value !== 'string') return undefined;
	const trimmed = value.trim();
	return trimmed === '' ? undefined : trimmed;
}

/** A Click Tracker item (the gate's definition: the one every platform uses). */
export { isClickEvent };

/** An absolute http(s) URL, as Meta wants `event_source_url`. */
function httpUrl(value: unknown): string | undefined {
	const candidate = text(value);
	if (!candidate) return undefined;
	try {
		const url = new URL(candidate);
		return url.protocol === 'http:' || url.protocol === 'https:' ? candidate : undefined;
	} catch {
		return undefined;
	}
}

/** Meta's `db`: YYYYMMDD of a real date, hashed (an already-hashed value passes through). */
export function hashBirthdate(value: unknown): string | undefined {
	const raw = text(value);
	if (!raw) return undefined;
	if (SHA256_HEX.test(raw.toLowerCase())) return raw.toLowerCase();
	const match = /^(\d{4})[-/.]?(\d{2})[-/.]?(\d{2})(?:$|T)/.exec(raw);
	if (!match) return undefined;
	const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
	const date = new Date(Date.UTC(year, month - 1, day));
	if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return undefined;
	return createHash('sha256').update(`${match[1]}${match[2]}${match[3]}`).digest('hex');
}

/**
 * The JSON number Meta wants for `value`, from our exact decimal string. This is the one place money
 * becomes a float, at the last moment: for up to 15 significant digits the number serializes back to
 * exactly the same decimal text ("39.5" → 39.5), so what Meta receives is what the network reported.
 */
export function decimalToMetaValue(decimal: string): number | undefined {
	const normalized = normalizeDecimal(decimal);
	if (normalized === undefined) return undefined;
	const value = Number(normalized);
	return Number.isFinite(value) ? value : undefined;
}

function userDataFor(event: MetaForwardableEvent, config: MetaDestinationConfig): MetaUserData {
	const userData: MetaUserData = {};
	const fields = event.metaFields ?? {};
	const user = (isClickEvent(event) ? {} : ((event as ForwardableConversion).user ?? {})) as Record<string, unknown>;
	const options = config.defaultCountry ? { defaultCountry: config.defaultCountry } : undefined;
	for (const [key, field, override] of USER_FIELDS) {
		let value = (override && text(fields[override])) ?? text(user[USER_KEYS[field]]);
		// A click has no user fields, but its first-party visitor id is a stable external id for the person.
		if (field === 'external_id' && value === undefined && isClickEvent(event)) value = text(event.visitorId);
		if (value === undefined) continue;
		const hashed = normalizeAndHashWith(metaIdentityRules, field, value, options);
		if (hashed) userData[key] = [hashed];
	}
	const birthdate = hashBirthdate(user.birthdate);
	if (birthdate) userData.db = [birthdate];

	// Browser and click ids: never hashed, sent only when well-formed (a malformed fbc fails the whole request).
	const click = (isClickEvent(event) ? event : (event as ForwardableConversion).click) as Record<string, unknown> | undefined;
	const conversionIp = isClickEvent(event) ? undefined : text((event as ForwardableConversion).ip);
	const ip = text(click?.ip) ?? conversionIp;
	if (ip && isIP(ip) !== 0) userData.client_ip_address = ip;
	const userAgent = text(click?.userAgent);
	if (userAgent && !SHA256_HEX.test(userAgent)) userData.client_user_agent = userAgent;
	const fbc = fbcFor(click);
	if (fbc) userData.fbc = fbc;
	const fbp = text(click?.fbp);
	if (fbp && isWellFormedFbp(fbp)) userData.fbp = fbp;
	return userData;
}

/**
 * Limited Data Use (https://developers.facebook.com/docs/marketing-apis/data-processing-options): turned on for a
 * visitor who sent Global Privacy Control or denied anything, with country and state 0 so Meta decides from the
 * event whether a US state law applies; an explicit [] when consent is known and nothing was refused; left out
 * when nothing is known (as before).
 */
export function metaProcessingOptions(
	consent: Consent | undefined,
): Pick<MetaServerEvent, 'data_processing_options' | 'data_processing_options_country' | 'data_processing_options_state'> {
	if (restrictedProcessing(consent)) return { data_processing_options: ['LDU'], data_processing_options_country: 0, data_processing_options_state: 0 };
	return consentKnown(consent) ? { data_processing_options: [] } : {};
}

/** The click's `fbc` when well-formed, else one built from its fbclid and click time, else nothing. */
function fbcFor(click: Record<string, unknown> | undefined): string | undefined {
	if (!click) return undefined;
	const fbc = text(click.fbc);
	if (fbc && isWellFormedFbc(fbc)) return fbc;
	const fbclid = text(click.fbclid);
	const clickedAt = Date.parse(String(click.clickedAt));
	if (!fbclid || Number.isNaN(clickedAt)) return undefined;
	const built = buildFbc(fbclid, new Date(clickedAt));
	return built && isWellFormedFbc(built) ? built : undefined;
}

/**
 * The gate's rules for Meta: its window (7 days, 62 for physical_store) less a safety margin, and a minute of
 * clock skew ahead. One event outside the window would fail its whole request (error subcode 2804003).
 */
export function metaGateRules(actionSource: MetaActionSource): ConversionGateRules {
	const physical = actionSource === 'physical_store';
	return {
		platformName: 'Meta',
		maxAgeMs: ((physical ? META_PHYSICAL_STORE_MAX_AGE_SECONDS : META_MAX_AGE_SECONDS) - META_AGE_SAFETY_SECONDS) * 1000,
		maxAgeText: physical ? '62 days' : '7 days',
		maxFutureMs: META_MAX_FUTURE_SECONDS * 1000,
		windowNote: 'One such event would make Meta refuse its whole batch (error subcode 2804003 for an old one), so it was not sent.',
	};
}

/** The node's Event Name override, else the click event name for a click, else the funnel's (or the standard) Meta name. */
function eventNameFor(event: MetaForwardableEvent, config: MetaDestinationConfig): string | { code: string; reason: string } {
	const override = text(event.metaFields?.eventName);
	if (override) return override;
	if (isClickEvent(event)) return text(config.clickEventName) ?? META_CLICK_EVENT_NAME;
	const named = platformEventName(event as ForwardableConversion, {
		platform: 'meta',
		platformName: 'Meta',
		takesCustomNames: true,
		examples: 'Purchase, Lead, CompleteRegistration or a custom name',
	});
	return 'skip' in named ? named.skip : named.name;
}

/** custom_data from the gated value (already a checked, non-negative decimal) and the currency. */
function customDataFor(
	conversion: ForwardableConversion & { metaFields?: MetaEventFields },
	decimal: string | undefined,
): MetaCustomData | { code: string; reason: string } {
	const customData: MetaCustomData = {};
	if (decimal !== undefined) {
		const value = decimalToMetaValue(decimal);
		if (value === undefined) {
			return { code: 'invalid_value', reason: `The value "${decimal}" is not a number Meta can take for custom_data.value.` };
		}
		customData.value = value;
		const currency = text(conversion.metaFields?.currency) ?? text(conversion.currency);
		if (currency) customData.currency = currency.toUpperCase();
	}
	const orderId = text(conversion.orderId);
	if (orderId) customData.order_id = orderId;
	return customData;
}

/** Builds the Meta server event for one forwardable event (conversion or click), or the reason to skip it. */
export function buildMetaEvent(input: MetaForwardableEvent, config: MetaDestinationConfig, actionSource: MetaActionSource, nowSeconds: number): BuiltEvent {
	// The node's Value override replaces the chosen money field, so the gate checks the value that is sent.
	const valueFrom = config.valueFrom ?? 'commission';
	const overriddenValue = text(input.metaFields?.value);
	const event = (overriddenValue !== undefined && !isClickEvent(input) ? { ...input, [valueFrom]: overriddenValue } : input) as MetaForwardableEvent;
	const gated = gateEvent(event, valueFrom, metaGateRules(actionSource), new Date(nowSeconds * 1000));
	if ('skip' in gated) return gated;
	const click = 'click' in gated;

	const eventName = eventNameFor(event, config);
	if (typeof eventName !== 'string') return { skip: eventName };

	// Within a minute ahead (clock skew between the network and us): sent as "now", so Meta's clock cannot disagree.
	const eventTime = Math.min(Math.floor(gated.occurredAtMs / 1000), nowSeconds);

	const userData = userDataFor(event, config);
	const clickData = (click ? event : (event as ForwardableConversion).click) as Record<string, unknown> | undefined;
	const eventSourceUrl = httpUrl(event.metaFields?.eventSourceUrl) ?? httpUrl(clickData?.landingUrl);

	if (actionSource === 'website' && (!eventSourceUrl || !userData.client_user_agent)) {
		const missing = [!userData.client_user_agent && "the visitor's user agent", !eventSourceUrl && 'the page URL (event_source_url)']
			.filter(Boolean)
			.join(' and ');
		return {
			skip: {
				code: 'missing_website_fields',
				reason: `Meta requires ${missing} for action source "website", and this ${click ? 'click' : 'conversion'} has no ${click ? 'such data' : 'matched click carrying them'}. Track clicks with the Click Tracker (with AutoTag for the landing page), set Event Source URL in this node's fields, or choose another action source such as "system_generated".`,
			},
		};
	}
	if (Object.keys(userData).length === 0) {
		return {
			skip: {
				code: 'no_user_data',
				reason:
					'Meta needs at least one customer parameter (email, phone, external id, fbc/fbp, IP address or user agent…) and this event has none, so it could not be matched to anyone.',
			},
		};
	}

	const serverEvent: MetaServerEvent = {
		event_name: eventName,
		event_time: eventTime,
		event_id: eventIdFor(event),
		action_source: actionSource,
		...(eventSourceUrl ? { event_source_url: eventSourceUrl } : {}),
		user_data: userData,
		...metaProcessingOptions((event as { consent?: Consent }).consent),
	};
	if ('conversion' in gated) {
		const customData = customDataFor(event as ForwardableConversion & { metaFields?: MetaEventFields }, gated.value);
		if ('code' in customData) return { skip: customData as { code: string; reason: string } };
		if (eventName === 'Purchase' && (customData.value === undefined || customData.currency === undefined)) {
			return {
				skip: {
					code: 'missing_value',
					reason: `Meta requires value and currency for Purchase, and this conversion has no ${valueFrom}. Set Value From to ${valueFrom === 'commission' ? 'sale amount' : 'commission'}, or set Value in this node's fields.`,
				},
			};
		}
		if (Object.keys(customData).length > 0) serverEvent.custom_data = customData;
	}
	return { event: serverEvent };
}
