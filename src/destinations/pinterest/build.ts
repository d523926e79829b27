/**
 * Funnel conversions → Pinterest Conversions API (v5) requests:
 * POST {base}/v5/ad_accounts/{ad_account_id}/events[?test=true], `Authorization: Bearer <conversion token>`,
 * body `{ data: [event, …] }` with at most 1000 events (Pinterest's OpenAPI description, `events/create`).
 *
 * Decisions (where the documentation leaves a choice):
 * - conversions only: Click Tracker clicks, rejected and reversed conversions and negative values are not sent
 *   (code `not_a_conversion`): the API has no way to take an event back, and a click is no Pinterest event;
 * - the event name is the funnel's `destinationEvents.pinterest` (checkout, lead, signup…); a conversion the
 *   funnel mapped but not for Pinterest is skipped (`no_pinterest_event`); one sent without the funnel gets the
 *   standard name of its event, when there is one;
 * - `event_time` is unix seconds. Pinterest refuses events in the future and events older than 7 days: an
 *   event a few minutes ahead of our clock (a network's clock skew) is sent as "now", one further ahead or
 *   older than 7 days is skipped with a reason;
 * - user_data must hold `em`, `hashed_maids`, or both `client_ip_address` and `client_user_agent` (the schema's
 *   anyOf): an event with none of them is skipped (`no_user_data`) rather than sinking its whole batch, since
 *   Pinterest refuses a request whose body breaks the schema;
 * - `custom_data.value` is a string in v5 ("accepted as a string… parsed into a double"): the exact decimal
 *   goes as it is, never through a float. A zero value is sent ("0"); a missing one is left out with its currency;
 * - `click_id` is the `epik` of the matched click (never hashed); the IP and user agent go as they are;
 * - `event_id` is the deterministic event id every destination uses (eventIdFor), Pinterest's dedup key.
 */
import { type IdentityField, normalizeAndHashWith } from '../../identity';
import { pinterestIdentityRules } from './identity';

import { gateConversion, platformEventName } from '../conversion-gate';
import { checkValueFrom, inBatches, planEach } from '../planning';
import { eventIdFor } from '../event-id';
import type { ForwardableEvent, PlatformRequest, RequestPlan, SkippedEvent } from '../types';
import type { Consent } from '../../model/consent';
import { restrictedProcessing } from '../consent';

export const PINTEREST_BASE_URL = 'https://api.pinterest.com';
export const PINTEREST_MAX_BATCH = 1000;
/** Events older than this are refused (Pinterest: only events of the last 7 days). */
export const PINTEREST_MAX_AGE_DAYS = 7;
/** A conversion at most this far ahead of our clock is sent as "now" (clock skew); further ahead it is skipped. */
export const PINTEREST_FUTURE_TOLERANCE_MS = 5 * 60 * 1000;
export const PINTEREST_ACTION_SOURCES = ['web', 'offline'] as const;
export type PinterestActionSource = (typeof PINTEREST_ACTION_SOURCES)[number];
export type PinterestValueFrom = 'commission' | 'amount';

/** The Pinterest destination's configuration (the node builds it; `sendToPlatform` hands it through). */
export interface PinterestConfig {
	/** The numeric ad account id (up to 18 digits) the events belong to. */
	adAccountId: string;
	/** The conversion access token generated in Ads Manager (sent as `Authorization: Bearer`). */
	accessToken: string;
	/** Replaces https://api.pinterest.com (proxies, test doubles). */
	baseUrl?: string;
	/** Adds `?test=true`: Pinterest validates and answers as usual but records nothing. */
	testMode?: boolean;
	/** `action_source` (default 'web'). */
	actionSource?: PinterestActionSource;
	/** For phone numbers written without a country code. */
	defaultCountry?: string;
	/** Which money field becomes `custom_data.value` (default: the commission, the affiliate's revenue). */
	valueFrom?: PinterestValueFrom;
}

export interface PinterestUserData {
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
	click_id?: string;
}

export interface PinterestEvent {
	event_name: string;
	action_source: PinterestActionSource;
	event_time: number;
	event_id: string;
	event_source_url?: string;
	user_data: PinterestUserData;
	custom_data?: {
		currency?: string;
		value?: string;
		order_id?: string;
		content_name?: string;
		/** 'LDP': Limited Data Processing for a visitor a US state privacy law applies to. */
		opt_out_type?: 'LDP';
	};
}

export interface PinterestBody {
	data: PinterestEvent[];
}

const DAY_MS = 24 * 60 * 60 * 1000;

const text = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined);

/** An ad account id as the path wants it: digits only, at most 18. Throws on anything else. */
export function pinterestAdAccountId(value: string | undefined): string {
	const id = String(value ?? '').trim();
	if (!/^\d{1,18}$/.test(id))
		throw new Error(`Pinterest Ad Account ID must be up to 18 digits (see Ads Manager → Business access or the ads URL), got "${id}"`);
	return id;
}

export function pinterestEventsUrl(config: Pick<PinterestConfig, 'baseUrl' | 'adAccountId' | 'testMode'>): string {
	const base = (config.baseUrl?.trim() || PINTEREST_BASE_URL).replace(/\/+$/, '');
	return `${base}/v5/ad_accounts/${pinterestAdAccountId(config.adAccountId)}/events${config.testMode ? '?test=true' : ''}`;
}

function hashedList(field: IdentityField, value: string | null | undefined, config: PinterestConfig): string[] | undefined {
	if (value === null || value === undefined || value.trim() === '') return undefined;
	const digest = normalizeAndHashWith(pinterestIdentityRules, field, value, {
		defaultCountry: config.defaultCountry,
	});
	return digest ? [digest] : undefined;
}

/** Drops undefined members, so the body never carries `"em": undefined`. */
function compact<T extends Record<string, unknown>>(object: T): T {
	return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined && value !== '')) as T;
}

type Planned = { event: PinterestEvent } | { skip: Omit<SkippedEvent, 'index'> };

export function buildPinterestEvent(item: ForwardableEvent, config: PinterestConfig, now: Date): Planned {
	const gated = gateConversion(
		item,
		config.valueFrom ?? 'commission',
		{
			platformName: 'Pinterest',
			maxAgeMs: PINTEREST_MAX_AGE_DAYS * DAY_MS,
			maxAgeText: `${PINTEREST_MAX_AGE_DAYS} days`,
			maxFutureMs: PINTEREST_FUTURE_TOLERANCE_MS,
		},
		now,
	);
	if ('skip' in gated) return gated;
	const input = gated.conversion;
	const value = gated.value;
	const atMs = gated.occurredAtMs;

	const named = platformEventName(input, {
		platform: 'pinterest',
		platformName: 'Pinterest',
		takesCustomNames: false,
		examples: 'checkout, lead, signup, custom…',
	});
	if ('skip' in named) return named;
	const { name } = named;

	// Up to the tolerance, a time ahead of our clock is clock skew: sent as now (Pinterest refuses the future).
	const eventMs = Math.min(atMs, now.getTime());

	const click = input.click;
	const person = input.user;
	const ip = normalizeAndHashWith(pinterestIdentityRules, 'ip_address', text(click?.ip) ?? text(input.ip) ?? '');
	const user: PinterestUserData = compact({
		em: hashedList('email', person?.email, config),
		ph: hashedList('phone', person?.phone, config),
		fn: hashedList('first_name', person?.firstName, config),
		ln: hashedList('last_name', person?.lastName, config),
		ct: hashedList('city', person?.city, config),
		st: hashedList('state', person?.state, config),
		zp: hashedList('zip', person?.zip, config),
		country: hashedList('country', person?.country, config),
		external_id: hashedList('external_id', person?.externalId, config),
		client_ip_address: ip,
		client_user_agent: text(click?.userAgent),
		// The epik parameter / _epik cookie of the ad click: Pinterest matches it raw.
		click_id: text(click?.epik),
	});
	if (!user.em && !(user.client_ip_address && user.client_user_agent)) {
		return {
			skip: {
				code: 'no_user_data',
				reason:
					'Pinterest needs the email, or both the IP address and the user agent, to take an event: this conversion has neither (and no matched click with them).',
			},
		};
	}

	const event: PinterestEvent = {
		event_name: name as string,
		action_source: config.actionSource ?? 'web',
		event_time: Math.floor(eventMs / 1000),
		event_id: eventIdFor(input),
		user_data: user,
	};
	const url = text(click?.landingUrl);
	if (url && URL.canParse(url)) event.event_source_url = url;
	const currency = text(input.currency);
	const customData = compact({
		...(value !== undefined ? { value, currency } : {}),
		order_id: text(input.orderId) ?? text(input.transactionId),
		content_name: text(input.brandName),
		// Limited Data Processing (https://developers.pinterest.com/docs/track-conversions/use-limited-data-processing-flag/),
		// a custom_data field: flagged for a visitor who sent GPC or denied anything; Pinterest applies it where a
		// state privacy law covers them.
		opt_out_type: restrictedProcessing((input as { consent?: Consent }).consent) ? ('LDP' as const) : undefined,
	});
	if (Object.keys(customData).length > 0) event.custom_data = customData;
	return { event };
}

/** Plans the requests: one Pinterest event per sendable input item, batches of at most 1000, in input order. */
export function planPinterestRequests(events: ForwardableEvent[], config: PinterestConfig, now: Date, maxBatch = PINTEREST_MAX_BATCH): RequestPlan {
	checkValueFrom(config.valueFrom);
	if (config.actionSource !== undefined && !PINTEREST_ACTION_SOURCES.includes(config.actionSource)) {
		throw new Error(`Action Source must be one of ${PINTEREST_ACTION_SOURCES.join(', ')}, not "${String(config.actionSource)}"`);
	}
	const url = pinterestEventsUrl(config);

	const { planned, skipped } = planEach(events, (input) => buildPinterestEvent(input, config, now));

	const requests: PlatformRequest[] = [];
	for (const batch of inBatches(planned, maxBatch)) {
		const body: PinterestBody = { data: batch.map((entry) => entry.event) };
		requests.push({
			method: 'POST',
			url,
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
