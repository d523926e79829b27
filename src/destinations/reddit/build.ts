/**
 * Conversion Funnel items → Reddit Conversions API v3 requests
 * (POST {base}/api/v3/pixels/{pixel_id}/conversion_events, `Authorization: Bearer <conversion access token>`,
 * body `{ data: { test_id?, events: [...] } }`, at most 1000 events per request).
 *
 * Decisions (facts: shared reference/destinations.md; Reddit's "v2 → v3 migration" and "Direct Integration" pages):
 * - `event_at` is the conversion time in epoch **milliseconds**. Reddit refuses events older than 168 hours or more
 *   than 5 minutes in the future, so those are skipped here with `event_too_old` / `event_in_future`.
 * - `action_source` is required in v3; affiliate conversions happen on the merchant's website: always `WEBSITE`.
 * - `type.tracking_type` is an upper-snake-case enum. The funnel's name for Reddit (`destinationEvents.reddit`) is
 *   matched to it ignoring case, spaces, '-' and '_' (so an override of "SignUp", v2's spelling, still means
 *   SIGN_UP); any other name is sent as `CUSTOM` with `custom_event_name` exactly as written (case-sensitive,
 *   at most 64 characters).
 * - `metadata.conversion_id` is the deterministic event id (eventIdFor): Reddit's dedup key.
 * - `metadata.value` is a JSON number in the currency's base unit (v3 changed it to a double; `value_decimal` is
 *   deprecated). The exact decimal string becomes a number only here. A zero or missing value is left out, and
 *   `currency` goes only with a value.
 * - Click Tracker clicks, rejected or reversed conversions and negative values are not conversions Reddit can
 *   take (it has no way to retract one): skipped with `not_a_conversion`.
 * - An event without any match key (click id, email, phone, external id, IP) is skipped with `no_match_keys`:
 *   Reddit requires at least one to attribute it.
 * - `user.uuid` (Reddit's `_rdt_uuid` first-party cookie) is sent as is when the matched click carries one under
 *   `rdtUuid` (the Click Tracker records it from the cookie, or from AutoTag's `rdt_uuid`).
 */
import { type IdentityField, normalizeAndHashWith } from '../../identity';
import { redditIdentityRules } from './identity';
import { isZeroDecimal } from '../../model';
import { gateConversion, platformEventName } from '../conversion-gate';
import { checkValueFrom, inBatches, planEach } from '../planning';
import { eventIdFor } from '../event-id';
import type { ForwardableEvent, PlatformRequest, RequestPlan, SkippedEvent } from '../types';
import type { Consent } from '../../model/consent';
import { restrictedProcessing } from '../consent';

export const REDDIT_BASE_URL = 'https://ads-api.reddit.com';
export const REDDIT_MAX_BATCH = 1000;
/** Reddit refuses events older than this (168 hours). */
export const REDDIT_MAX_AGE_MS = 168 * 60 * 60 * 1000;
/** …and events more than this far in the future. */
export const REDDIT_MAX_FUTURE_MS = 5 * 60 * 1000;
export const REDDIT_MAX_CUSTOM_EVENT_NAME = 64;
export const REDDIT_TRACKING_TYPES = ['PAGE_VISIT', 'VIEW_CONTENT', 'SEARCH', 'ADD_TO_CART', 'ADD_TO_WISHLIST', 'PURCHASE', 'LEAD', 'SIGN_UP'] as const;
export type RedditTrackingType = (typeof REDDIT_TRACKING_TYPES)[number] | 'CUSTOM';
export const REDDIT_ACTION_SOURCE = 'WEBSITE';

export type RedditValueFrom = 'commission' | 'amount';

/** The Reddit destination's configuration (the node builds it per item; items with equal configs share requests). */
export interface RedditConfig {
	/** The pixel ID from Reddit Events Manager (the path parameter). */
	pixelId: string;
	/** A conversion access token (Events Manager → Conversions API → Generate Access Token). */
	accessToken: string;
	/** Replaces https://ads-api.reddit.com (tests, proxies). */
	baseUrl?: string;
	/** Event Testing's test id: sent as `data.test_id`, the events then show up under Event Testing only. */
	testId?: string;
	/** Which money field becomes `metadata.value` (default 'commission', what the affiliate earned). */
	valueFrom?: RedditValueFrom;
	/** Two-letter country for phone numbers written without a country code. */
	defaultCountry?: string;
}

export type RedditUser = {
	email?: string;
	phone_number?: string;
	external_id?: string;
	ip_address?: string;
	user_agent?: string;
	uuid?: string;
};

export interface RedditEvent {
	event_at: number;
	action_source: typeof REDDIT_ACTION_SOURCE;
	type: { tracking_type: RedditTrackingType; custom_event_name?: string };
	click_id?: string;
	event_source_url?: string;
	user?: RedditUser;
	metadata: { conversion_id: string; value?: number; currency?: string };
	/** Limited Data Use mode; without country and region Reddit decides where the visitor is. */
	data_processing_options?: { modes: ['LDU'] };
}

export interface RedditBody {
	data: { test_id?: string; events: RedditEvent[] };
}

export function conversionEventsUrl(config: Pick<RedditConfig, 'baseUrl' | 'pixelId'>): string {
	const base = (config.baseUrl?.trim() || REDDIT_BASE_URL).replace(/\/+$/, '');
	return `${base}/api/v3/pixels/${encodeURIComponent(config.pixelId.trim())}/conversion_events`;
}

const text = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined);

/** Drops undefined members; undefined when nothing is left. */
function compact<T extends Record<string, unknown>>(object: T): T | undefined {
	const entries = Object.entries(object).filter(([, value]) => value !== undefined);
	return entries.length === 0 ? undefined : (Object.fromEntries(entries) as T);
}

const squash = (name: string) => name.replace(/[\s_-]/g, '').toUpperCase();
const STANDARD_BY_SQUASHED = new Map<string, RedditTrackingType>(REDDIT_TRACKING_TYPES.map((type) => [squash(type), type]));

/** A Reddit event name as the API's `type`: a standard tracking type, or CUSTOM with the name as written. */
export function redditType(name: string): RedditEvent['type'] {
	const standard = STANDARD_BY_SQUASHED.get(squash(name));
	return standard ? { tracking_type: standard } : { tracking_type: 'CUSTOM', custom_event_name: name };
}

type Skip = Omit<SkippedEvent, 'index'>;

function hashed(field: IdentityField, value: string | null | undefined, config: RedditConfig): string | undefined {
	if (value === null || value === undefined || value.trim() === '') return undefined;
	return normalizeAndHashWith(redditIdentityRules, field, value, {
		defaultCountry: config.defaultCountry,
	});
}

type Planned = { event: RedditEvent } | { skip: Skip };

function planOne(item: ForwardableEvent, config: RedditConfig, now: Date): Planned {
	const gated = gateConversion(
		item,
		config.valueFrom ?? 'commission',
		{ platformName: 'Reddit', maxAgeMs: REDDIT_MAX_AGE_MS, maxAgeText: '168 hours', maxFutureMs: REDDIT_MAX_FUTURE_MS },
		now,
	);
	if ('skip' in gated) return gated;
	const input = gated.conversion;
	const decimal = gated.value;
	const atMs = gated.occurredAtMs;

	const named = platformEventName(input, {
		platform: 'reddit',
		platformName: 'Reddit',
		takesCustomNames: true,
		examples: 'PURCHASE, LEAD, SIGN_UP or a custom name',
	});
	if ('skip' in named) return named;
	const { name } = named;
	const type = redditType(name);
	if (type.custom_event_name !== undefined && type.custom_event_name.length > REDDIT_MAX_CUSTOM_EVENT_NAME) {
		return {
			skip: {
				code: 'invalid_event_name',
				reason: `Reddit custom event names are at most ${REDDIT_MAX_CUSTOM_EVENT_NAME} characters; "${name.slice(0, 20)}…" has ${name.length}`,
			},
		};
	}

	const click = input.click;
	const person = input.user;
	const user = compact<RedditUser>({
		email: hashed('email', person?.email, config),
		phone_number: hashed('phone', person?.phone, config),
		external_id: hashed('external_id', person?.externalId, config),
		ip_address: hashed('ip_address', text(click?.ip) ?? text(input.ip), config),
		// The browser's user agent and Reddit's first-party cookie go as they are.
		user_agent: text(click?.userAgent),
		uuid: text(click?.rdtUuid),
	});
	const clickId = text(click?.rdtCid);
	if (!clickId && !user?.email && !user?.phone_number && !user?.external_id && !user?.ip_address && !user?.uuid) {
		return {
			skip: {
				code: 'no_match_keys',
				reason:
					'Reddit needs at least one match key (rdt_cid click ID, email, phone, external ID or IP address) to attribute a conversion; this one has none. Keep rdt_cid on the Click Tracker link.',
			},
		};
	}

	const event: RedditEvent = {
		event_at: atMs,
		action_source: REDDIT_ACTION_SOURCE,
		type,
		metadata: { conversion_id: eventIdFor(input) },
	};
	if (clickId) event.click_id = clickId;
	const landing = text(click?.landingUrl);
	if (landing && URL.canParse(landing)) event.event_source_url = landing;
	if (user) event.user = user;
	if (decimal !== undefined && !isZeroDecimal(decimal)) {
		// v3 takes a double in the currency's base unit: the exact decimal becomes a number only here.
		event.metadata.value = Number(decimal);
		event.metadata.currency = input.currency;
	}
	// Data processing modes (https://ads-api.reddit.com/docs/v3/operations/Post%20Conversion%20Events): LDU for a
	// visitor who sent GPC or denied anything.
	if (restrictedProcessing((input as { consent?: Consent }).consent)) event.data_processing_options = { modes: ['LDU'] };
	return { event };
}

/** Plans the requests: one Reddit event per sendable input item, batches of at most 1000, in input order. */
export function planRedditRequests(events: ForwardableEvent[], config: RedditConfig, now: Date): RequestPlan {
	checkValueFrom(config.valueFrom);

	const { planned, skipped } = planEach(events, (input) => planOne(input, config, now));

	const requests: PlatformRequest[] = [];
	const testId = text(config.testId);
	for (const batch of inBatches(planned, REDDIT_MAX_BATCH)) {
		const body: RedditBody = {
			data: {
				...(testId ? { test_id: testId } : {}),
				events: batch.map((entry) => entry.event),
			},
		};
		requests.push({
			method: 'POST',
			url: conversionEventsUrl(config),
			headers: {
				Authorization: `Bearer ${config.accessToken.trim()}`,
				'Content-Type': 'application/json',
			},
			body: body as unknown as Record<string, unknown>,
			itemIndexes: batch.map((entry) => entry.index),
		});
	}
	return { requests, skipped };
}
