/**
 * Funnel conversions and Click Tracker clicks → TikTok Events API 2.0 requests
 * (POST {base}/open_api/v1.3/event/track/, header Access-Token, at most 1000 events per request).
 *
 * Each event passes the shared gate first (../conversion-gate.ts: reversals, value, time), with TikTok's
 * window: offline and CRM events at most 28 days old (TikTok Events API, "About Events API",
 * https://ads.tiktok.com/help/article/events-api ; offline events,
 * https://ads.tiktok.com/help/article/about-events-api-for-offline ); web and app events have no age limit
 * here. Clicks pass the gate too (TikTok takes them as a custom event); then TikTok's own step: the event name.
 */
import { type ConversionGateRules, gateEvent, platformEventName } from '../conversion-gate';
import { type IdentityField, normalizeAndHashWith } from '../../identity';
import { tiktokIdentityRules } from './identity';
import { eventIdFor } from '../event-id';
import { checkValueFrom, inBatches, planEach } from '../planning';
import type { ForwardableClick, ForwardableConversion, ForwardableEvent, PlatformRequest, RequestPlan, SkippedEvent, TikTokConfig } from '../types';
import type { Consent } from '../../model/consent';
import { consentKnown, restrictedProcessing } from '../consent';

export const TIKTOK_BASE_URL = 'https://business-api.tiktok.com';
export const TIKTOK_TRACK_PATH = '/open_api/v1.3/event/track/';
/** A harmless GET that only checks the token (the credential's Test button uses it). */
export const TIKTOK_USER_INFO_PATH = '/open_api/v1.3/user/info/';
export const TIKTOK_MAX_BATCH = 1000;
export const TIKTOK_EVENT_SOURCES: ReadonlyArray<NonNullable<TikTokConfig['eventSource']>> = ['web', 'app', 'offline', 'crm'];
/** Offline and CRM events older than this are refused (reference/destinations.md, "Time, dedup and click ids"). */
export const TIKTOK_OFFLINE_WINDOW_DAYS = 28;
/** The custom event Click Tracker items are sent as (unless configured otherwise), after affiliate trackers' OutboundClick. */
export const DEFAULT_CLICK_EVENT = 'OutboundClick';

export type TikTokValueFrom = 'commission' | 'amount';

/**
 * TikTokConfig plus the options this destination reads beyond the shared contract. The node passes them in the
 * config object; `sendToPlatform` hands the config through unchanged.
 */
export interface TikTokOptions extends TikTokConfig {
	/** Which money field becomes `properties.value` (default 'commission': what the affiliate earned). */
	valueFrom?: TikTokValueFrom;
	/** Event name for Click Tracker items (default 'OutboundClick'). */
	clickEventName?: string;
}

export interface TikTokUser {
	email?: string;
	phone?: string;
	external_id?: string;
	ttclid?: string;
	ttp?: string;
	ip?: string;
	user_agent?: string;
}

export interface TikTokEvent {
	event: string;
	event_time: number;
	event_id: string;
	user: TikTokUser;
	properties?: { value?: number; currency?: string; order_id?: string; content_name?: string };
	page?: { url?: string; referrer?: string };
	/** Limited Data Use (US state privacy laws): true for a restricted visitor, false when consent is known otherwise. */
	limited_data_use?: boolean;
}

export interface TikTokBody {
	event_source: NonNullable<TikTokConfig['eventSource']>;
	event_source_id: string;
	test_event_code?: string;
	data: TikTokEvent[];
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** A conversion rather than a click, for library callers (planning tells them apart with the gate's isClickEvent). */
export function isConversion(event: ForwardableEvent): event is ForwardableConversion {
	return 'transactionId' in event && 'eventName' in event;
}

export function trackUrl(config: Pick<TikTokConfig, 'baseUrl'>): string {
	return `${(config.baseUrl?.trim() || TIKTOK_BASE_URL).replace(/\/+$/, '')}${TIKTOK_TRACK_PATH}`;
}

/** Drops undefined and empty-string members, so the body never carries `"email": undefined` or `""`. */
function compact<T extends Record<string, unknown>>(object: T): T | undefined {
	const entries = Object.entries(object).filter(([, value]) => value !== undefined && value !== '');
	return entries.length === 0 ? undefined : (Object.fromEntries(entries) as T);
}

const text = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined);

/**
 * The TikTok event name: the funnel's per-platform name (`destinationEvents.tiktok`, exact case, also where the
 * node's Event Name override puts it) when it gave one; a click's is the configured click event name. A
 * conversion otherwise gets our event's standard TikTok name (Purchase → CompletePayment), else its own name as a
 * custom event, never lowercased (TikTok's custom event names are case-sensitive). A standard event whose
 * mapping left TikTok out on purpose (an operator override of '') is not sent.
 */
function eventNameFor(event: ForwardableEvent, config: TikTokOptions, isClick: boolean): { name: string } | { skip: Omit<SkippedEvent, 'index'> } {
	const explicit = text((event as { destinationEvents?: Record<string, string | undefined> }).destinationEvents?.tiktok);
	if (explicit) return { name: explicit };
	if (isClick) return { name: text(config.clickEventName) ?? text((event as { eventName?: unknown }).eventName) ?? DEFAULT_CLICK_EVENT };
	return platformEventName(event as ForwardableConversion, {
		platform: 'tiktok',
		platformName: 'TikTok',
		takesCustomNames: true,
		customNamesFromFunnel: true,
		examples: 'CompletePayment, Lead, CompleteRegistration or a custom name',
	});
}

/** The gate's rules for TikTok: the 28-day window of offline and CRM events; no bound for web and app events. */
export function tiktokGateRules(eventSource: NonNullable<TikTokConfig['eventSource']>): ConversionGateRules {
	const windowed = eventSource === 'offline' || eventSource === 'crm';
	return {
		platformName: 'TikTok',
		maxAgeMs: windowed ? TIKTOK_OFFLINE_WINDOW_DAYS * DAY_MS : Number.POSITIVE_INFINITY,
		maxAgeText: `${TIKTOK_OFFLINE_WINDOW_DAYS} days`,
		maxFutureMs: Number.POSITIVE_INFINITY,
	};
}

function hashed(field: IdentityField, value: string | null | undefined, config: TikTokConfig): string | undefined {
	if (value === null || value === undefined || value.trim() === '') return undefined;
	return normalizeAndHashWith(tiktokIdentityRules, field, value, { defaultCountry: config.defaultCountry });
}

type Planned = { event: TikTokEvent } | { skip: Omit<SkippedEvent, 'index'> };

function planOne(input: ForwardableEvent, config: TikTokOptions, now: Date): Planned {
	const gated = gateEvent(input, config.valueFrom ?? 'commission', tiktokGateRules(config.eventSource ?? 'web'), now);
	if ('skip' in gated) return gated;
	const conversion = 'conversion' in gated ? gated.conversion : undefined;
	const named = eventNameFor(input, config, conversion === undefined);
	if ('skip' in named) return named;
	const name = named.name;
	const atMs = gated.occurredAtMs;
	// The conversion's matched click, or the Click Tracker item itself: both carry the click's ids under the same names.
	const click = (conversion ? conversion.click : input) as Record<string, unknown> | undefined;

	// Clicks carry no user data of their own; a node override may add some under the same `user` key.
	const person = (input as { user?: ForwardableConversion['user'] }).user;
	const user: TikTokUser =
		compact({
			email: hashed('email', person?.email, config),
			phone: hashed('phone', person?.phone, config),
			// A click's visitor cookie is a stable first-party id for the person: TikTok takes it as external_id.
			external_id: hashed('external_id', person?.externalId ?? (conversion ? undefined : (input as ForwardableClick).visitorId), config),
			// Click and browser ids, the IP and the user agent go as they are: TikTok matches them raw.
			ttclid: text(click?.ttclid),
			ttp: text(click?.ttp),
			ip: text(click?.ip) ?? text(conversion?.ip),
			user_agent: text(click?.userAgent),
		}) ?? {};

	const event: TikTokEvent = {
		event: name,
		event_time: Math.floor(atMs / 1000),
		event_id: eventIdFor(input),
		user,
	};
	const properties = conversion
		? compact({
				// The gated decimal becomes a JSON number only here, at the edge of the wire format.
				value: 'value' in gated && gated.value !== undefined ? Number(gated.value) : undefined,
				currency: text(conversion.currency),
				order_id: text(conversion.orderId),
				content_name: text(conversion.brandName),
			})
		: compact({ content_name: text((input as ForwardableClick).offerId) });
	if (properties) event.properties = properties;
	const page = compact({ url: text(click?.landingUrl), referrer: text(click?.referrer) });
	if (page) event.page = page;
	// Limited Data Use, per event (https://business-api.tiktok.com/portal/docs?id=1771101303285761): on for a
	// visitor who sent GPC or denied anything, explicitly off when consent is known and nothing was refused.
	const consent = (input as { consent?: Consent }).consent;
	if (consentKnown(consent)) event.limited_data_use = restrictedProcessing(consent);
	return { event };
}

/** Plans the requests: one TikTok event per input item, batches of at most 1000, in input order. */
export function planTikTokRequests(events: ForwardableEvent[], config: TikTokOptions, now: Date): RequestPlan {
	checkValueFrom(config.valueFrom);
	if (config.eventSource !== undefined && !TIKTOK_EVENT_SOURCES.includes(config.eventSource)) {
		throw new Error(`Event Source must be one of ${TIKTOK_EVENT_SOURCES.join(', ')}, not "${String(config.eventSource)}"`);
	}
	const { planned, skipped } = planEach(events, (input) => planOne(input, config, now));
	const testEventCode = text(config.testEventCode);
	const requests = inBatches(planned, TIKTOK_MAX_BATCH).map((batch): PlatformRequest => {
		const body: TikTokBody = {
			event_source: config.eventSource ?? 'web',
			event_source_id: config.pixelCode.trim(),
			data: batch.map((entry) => entry.event),
		};
		if (testEventCode) body.test_event_code = testEventCode;
		return {
			method: 'POST',
			url: trackUrl(config),
			headers: { 'Access-Token': config.accessToken.trim(), 'Content-Type': 'application/json' },
			body: body as unknown as Record<string, unknown>,
			itemIndexes: batch.map((entry) => entry.index),
		};
	});
	return { requests, skipped };
}
