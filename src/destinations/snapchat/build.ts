/**
 * Conversion Funnel items → Snapchat Conversions API v3 requests:
 * POST {base}/v3/{pixel_id}/events?access_token=… (or …/events/validate, the Test Event Tool), a JSON body
 * `{ data: [event, …] }` of at most 2000 events.
 *
 * Facts (developers.snap.com, Conversions API: "Using the API", "Parameters", "Verify Set Up"; Snap's
 * Business SDK v3 OpenAPI description):
 * - event: `event_name` (PURCHASE, SIGN_UP…), `event_time` (unix seconds), `event_id` (dedup with the Pixel),
 *   `action_source`, `event_source_url`, `user_data`, `custom_data`;
 * - user_data: `em`, `ph`, `fn`, `ln`, `ct`, `st`, `zp`, `country`, `external_id` as lists of SHA-256 digests;
 *   `client_ip_address`, `client_user_agent`, `sc_click_id` (the ScCid of the ad click), `sc_cookie1` raw;
 * - custom_data: `value` (a number), `currency` (ISO 4217), `order_id`; Snap refuses a PURCHASE without price
 *   or currency, an event older than 37 days, and an event it cannot match to anyone (insufficient PII).
 *
 * Decisions where the docs leave it open:
 * - `action_source` is 'WEB' (affiliate conversions come from websites) or 'OFFLINE' (a setting). v3's
 *   examples use upper-case values ('MOBILE_APP'); app events need `app_data`, which a postback never has,
 *   so MOBILE_APP is not offered;
 * - `event_source_url` is the landing page of the matched click, else the node's Event Source URL; a WEB event
 *   with neither is not sent (Snap lists the URL among the required fields);
 * - matching: an event is sent only with an email, a phone, the ScCid, or both IP and user agent (what Snap
 *   lists as enough to match); anything less would be refused as "insufficient PII" and, since Snap refuses a
 *   whole request for one bad event, would hold up the others;
 * - events more than 5 minutes ahead of our clock are not sent (Snap refuses "out of range" times without
 *   publishing the bound);
 * - Click Tracker clicks, reversals (rejected or reversed status, negative value) are not conversions for Snap:
 *   skipped with code `not_a_conversion`;
 * - the value is the commission (default) or the sale amount, its exact decimal turned into a JSON number only
 *   here; a PURCHASE without it is not sent (Snap refuses it).
 */
import { type IdentityField, normalizeAndHashWith } from '../../identity';
import { snapchatIdentityRules } from './identity';

import { gateConversion, platformEventName } from '../conversion-gate';
import { checkValueFrom, inBatches, planEach } from '../planning';
import { eventIdFor } from '../event-id';
import type { ForwardableEvent, PlatformRequest, RequestPlan, SkippedEvent } from '../types';
import type { Consent } from '../../model/consent';
import { consentKnown, restrictedProcessing } from '../consent';

export const SNAPCHAT_BASE_URL = 'https://tr.snapchat.com';
export const SNAPCHAT_MAX_BATCH = 2000;
/** Snap takes events up to 37 days old. */
export const SNAPCHAT_WINDOW_DAYS = 37;
/** How far ahead of our clock an event time may be (Snap publishes no bound; see the module comment). */
export const SNAPCHAT_MAX_FUTURE_MS = 5 * 60 * 1000;
export const SNAPCHAT_ACTION_SOURCES = ['WEB', 'OFFLINE'] as const;
export type SnapchatActionSource = (typeof SNAPCHAT_ACTION_SOURCES)[number];
export type SnapchatValueFrom = 'commission' | 'amount';

/** The Snapchat destination's settings (the node passes them; `sendToPlatform` hands them through unchanged). */
export interface SnapchatConfig {
	/** The Snap Pixel ID (Events Manager). */
	pixelId: string;
	/** The Conversions API token, sent as the `access_token` query parameter. */
	accessToken: string;
	/** Replaces https://tr.snapchat.com (tests, proxies). */
	baseUrl?: string;
	/** Send to /events/validate (Snap's Test Event Tool): checked and shown in Events Manager, never counted. */
	validateOnly?: boolean;
	/** 'WEB' (default) or 'OFFLINE'. */
	actionSource?: SnapchatActionSource;
	/** The page sent as `event_source_url` when the matched click has no landing page. */
	eventSourceUrl?: string;
	/** Country for phone numbers written without a country code. */
	defaultCountry?: string;
	/** Which money field becomes `custom_data.value` (default: the commission). */
	valueFrom?: SnapchatValueFrom;
}

export interface SnapchatUserData {
	em?: string[];
	ph?: string[];
	fn?: string[];
	ln?: string[];
	ct?: string[];
	st?: string[];
	zp?: string[];
	country?: string[];
	external_id?: string[];
	client_ip_address?: string;
	client_user_agent?: string;
	sc_click_id?: string;
	/** The `_scid` cookie of the visitor (Snap's pixel sets it), as it is. */
	sc_cookie1?: string;
}

export interface SnapchatEvent {
	event_name: string;
	event_time: number;
	event_id: string;
	action_source: SnapchatActionSource;
	event_source_url?: string;
	user_data: SnapchatUserData;
	custom_data?: { value?: number; currency?: string; order_id?: string };
	/** Limited Data Use, as Meta's (the v3 API takes the same shape): ['LDU'] with country and state 0 (geolocated), or []. */
	data_processing_options?: ['LDU'] | [];
	data_processing_options_country?: 0;
	data_processing_options_state?: 0;
}

export interface SnapchatBody {
	data: SnapchatEvent[];
}

const DAY_MS = 24 * 60 * 60 * 1000;

const text = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined);

/** The events URL, or the Test Event Tool's when validating; the token URL-encoded in the query. */
export function snapchatEventsUrl(config: Pick<SnapchatConfig, 'baseUrl' | 'pixelId' | 'accessToken' | 'validateOnly'>): string {
	const base = (config.baseUrl?.trim() || SNAPCHAT_BASE_URL).replace(/\/+$/, '');
	const path = `/v3/${encodeURIComponent(config.pixelId.trim())}/events${config.validateOnly ? '/validate' : ''}`;
	return `${base}${path}?access_token=${encodeURIComponent(config.accessToken.trim())}`;
}

function hashedList(field: IdentityField, value: string | null | undefined, config: SnapchatConfig): string[] | undefined {
	if (value === null || value === undefined || value.trim() === '') return undefined;
	const digest = normalizeAndHashWith(snapchatIdentityRules, field, value, {
		defaultCountry: config.defaultCountry,
	});
	return digest ? [digest] : undefined;
}

function compact<T extends Record<string, unknown>>(object: T): T {
	return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined && value !== '')) as T;
}

type Planned = { event: SnapchatEvent } | { skip: Omit<SkippedEvent, 'index'> };

function planOne(item: ForwardableEvent, config: SnapchatConfig, now: Date): Planned {
	const gated = gateConversion(
		item,
		config.valueFrom ?? 'commission',
		{ platformName: 'Snapchat', maxAgeMs: SNAPCHAT_WINDOW_DAYS * DAY_MS, maxAgeText: `${SNAPCHAT_WINDOW_DAYS} days`, maxFutureMs: SNAPCHAT_MAX_FUTURE_MS },
		now,
	);
	if ('skip' in gated) return gated;
	const input = gated.conversion;
	const decimal = gated.value;
	const atMs = gated.occurredAtMs;

	const named = platformEventName(input, {
		platform: 'snapchat',
		platformName: 'Snapchat',
		takesCustomNames: false,
		examples: 'PURCHASE, SIGN_UP, CUSTOM_EVENT_1…',
	});
	if ('skip' in named) return named;
	const { name } = named;

	const actionSource = config.actionSource ?? 'WEB';
	const click = input.click;
	const eventSourceUrl = text(click?.landingUrl) ?? text(config.eventSourceUrl);
	if (!eventSourceUrl && actionSource === 'WEB') {
		return {
			skip: {
				code: 'no_event_source_url',
				reason:
					'Snapchat requires event_source_url for web events: this conversion has no matched click with a landing page. Set Event Source URL in the node (your site or offer page).',
			},
		};
	}

	const person = input.user;
	const user: SnapchatUserData = compact({
		em: hashedList('email', person?.email, config),
		ph: hashedList('phone', person?.phone, config),
		fn: hashedList('first_name', person?.firstName, config),
		ln: hashedList('last_name', person?.lastName, config),
		ct: hashedList('city', person?.city, config),
		st: hashedList('state', person?.state, config),
		zp: hashedList('zip', person?.zip, config),
		country: hashedList('country', person?.country, config),
		external_id: hashedList('external_id', person?.externalId, config),
		// Never hashed: the IP, the user agent and the ScCid go as they are.
		client_ip_address: text(click?.ip) ?? text(input.ip),
		client_user_agent: text(click?.userAgent),
		sc_click_id: text(click?.sccid),
		sc_cookie1: text(click?.scCookie1),
	});
	if (!user.em && !user.ph && !user.sc_click_id && !(user.client_ip_address && user.client_user_agent)) {
		return {
			skip: {
				code: 'insufficient_user_data',
				reason:
					'Snapchat cannot match this conversion to anyone: it needs an email, a phone number, the ScCid of the ad click, or both IP address and user agent',
			},
		};
	}

	const event: SnapchatEvent = {
		event_name: name,
		event_time: Math.floor(atMs / 1000),
		event_id: eventIdFor(input),
		action_source: actionSource,
		...(eventSourceUrl ? { event_source_url: eventSourceUrl } : {}),
		user_data: user,
	};
	const customData = compact({
		// The API takes a JSON number; the exact decimal string becomes one only here.
		value: decimal !== undefined ? Number(decimal) : undefined,
		currency: decimal !== undefined ? text(input.currency) : undefined,
		order_id: text(input.orderId),
	});
	if (name === 'PURCHASE' && (customData.value === undefined || !customData.currency)) {
		return {
			skip: {
				code: 'missing_value',
				reason: `Snapchat refuses a PURCHASE without a value and a currency, and this conversion has no ${config.valueFrom === 'amount' ? 'sale amount' : 'commission'}. Choose another Value From or set Override Fields → Value.`,
			},
		};
	}
	if (Object.keys(customData).length > 0) event.custom_data = customData;
	// Limited Data Use (https://developers.snap.com/api/marketing-api/Conversions-API/Parameters): on for a visitor
	// who sent GPC or denied anything; explicitly off when consent is known and nothing was refused.
	const consent = (input as { consent?: Consent }).consent;
	if (restrictedProcessing(consent))
		Object.assign(event, { data_processing_options: ['LDU'], data_processing_options_country: 0, data_processing_options_state: 0 });
	else if (consentKnown(consent)) event.data_processing_options = [];
	return { event };
}

/** Plans the requests: one Snapchat event per conversion, batches of at most 2000, in input order. */
export function planSnapchatRequests(events: ForwardableEvent[], config: SnapchatConfig, now: Date): RequestPlan {
	checkValueFrom(config.valueFrom);
	if (config.actionSource !== undefined && !SNAPCHAT_ACTION_SOURCES.includes(config.actionSource)) {
		throw new Error(`Action Source must be one of ${SNAPCHAT_ACTION_SOURCES.join(', ')}, not "${String(config.actionSource)}"`);
	}
	if (text(config.eventSourceUrl) && !URL.canParse(text(config.eventSourceUrl)!)) {
		throw new Error(`Event Source URL "${String(config.eventSourceUrl)}" is not an absolute URL`);
	}

	const { planned, skipped } = planEach(events, (input) => planOne(input, config, now));

	const url = snapchatEventsUrl(config);
	const requests: PlatformRequest[] = [];
	for (const batch of inBatches(planned, SNAPCHAT_MAX_BATCH)) {
		const body: SnapchatBody = { data: batch.map((entry) => entry.event) };
		requests.push({
			method: 'POST',
			url,
			headers: { 'Content-Type': 'application/json' },
			body: body as unknown as Record<string, unknown>,
			itemIndexes: batch.map((entry) => entry.index),
		});
	}
	return { requests, skipped };
}
